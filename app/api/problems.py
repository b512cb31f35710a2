"""Every error leaves as an RFC 9457 problem document with a stable `code`."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import RapportError

log = logging.getLogger("rapport")
PROBLEM = "application/problem+json"
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"https://rapport.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def rapport_error_response(exc: RapportError) -> JSONResponse:
    extra = dict(exc.extra)
    code = extra.pop("code", exc.code)
    return problem(exc.status, exc.title, exc.detail, code, **extra)


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        errors.append({"field": _where(tuple(err.get("loc", ()))), "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return detail, errors


def install(app: FastAPI) -> None:
    @app.exception_handler(RapportError)
    async def _domain(_: Request, exc: RapportError) -> JSONResponse:
        return rapport_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(exc)
        return problem(422, "Invalid input", detail, "invalid_input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return problem(exc.status_code, code.replace("_", " ").capitalize(), str(exc.detail), code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The type and where it happened, not the message: driver errors quote the values they
        # were given, and those can be a learner's words.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error(
            "unhandled %s on %s %s\n%s",
            type(exc).__name__,
            request.method,
            request.scope.get("route").path if request.scope.get("route") else "?",
            frames,
        )
        return problem(500, "Internal error", "Something went wrong on our side.", "internal")
