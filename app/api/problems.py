"""Every error leaves as an RFC 9457 problem document with a stable `code`."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.errors import RapportError

log = logging.getLogger("rapport")


# Every `code` a problem can carry, by status. docs/api.md lists the same codes, and a test
# holds the two (and every code raised in app/) in step: tests/api/test_contract_docs.py.
CODES: dict[int, tuple[str, ...]] = {
    400: ("malformed_json", "bad_request"),
    401: ("unauthorized",),
    403: ("forbidden", "secret_key_required", "origin_not_allowed"),
    404: ("not_found",),
    405: ("method_not_allowed",),
    409: (
        "conflict",
        "conversation_ended",
        "concurrent_turn",
        "turn_in_progress",
        "reply_missing",
        "nothing_to_retry",
        "quota_exceeded",
        "conversation_not_ended",
        "recall_already_answered",
    ),
    413: ("payload_too_large", "transcript_too_long"),
    415: ("unsupported_media_type",),
    422: ("invalid_input", "invalid_card", "invalid_transcript", "unknown_speaker"),
    429: ("rate_limited",),
    500: ("internal",),
    503: ("llm_unavailable", "not_ready"),
}


class Problem(BaseModel):
    """An RFC 9457 problem document, the body of every error."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(
        description="Stable and machine-readable, e.g. conversation_ended. New codes may be "
        "added; a client should fall back on `status` for a code it does not know.",
        examples=[code for codes in CODES.values() for code in codes],
    )
    errors: list[dict[str, str]] | None = Field(
        None, description="Per-field problems of a 422: {field, message}."
    )
    retry_after: int | None = Field(None, description="Seconds to wait, with a 429.")


_DESCRIPTIONS = {
    400: "The body could not be parsed (not UTF-8 JSON); `detail` says where",
    401: "No key, or a key that is unknown or revoked",
    403: "The key may not do this (e.g. a publishable key from another origin)",
    404: "No such persona or conversation for this key",
    409: "The conversation has ended, another turn on it was taken first, or a quota is full",
    413: "The request body, or a transcript (bytes or turns), is too large",
    415: "The body was not sent as `Content-Type: application/json`",
    422: "The request is not valid; `errors` names each field",
    429: "Rate limited; see Retry-After",
    500: "Something went wrong on the server (logged; never a learner's words)",
    503: "The language model is unavailable, or the database is not ready",
}


def openapi_responses() -> dict[int | str, dict[str, Any]]:
    """The error responses every route can give, for FastAPI's `responses=`."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": f"{text}. `code`: {', '.join(CODES[status])}",
            "content": {PROBLEM: {"schema": schema}},
        }
        for status, text in _DESCRIPTIONS.items()
    }


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


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"https://rapport.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    sent = dict(headers or {})
    if "retry_after" in extra:
        sent["Retry-After"] = str(extra["retry_after"])
    if status == 401:  # RFC 9110 section 15.5.2: a 401 names the scheme that would work
        sent["WWW-Authenticate"] = 'Bearer realm="rapport"'
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=sent or None)


def rapport_error_response(exc: RapportError) -> JSONResponse:
    extra = dict(exc.extra)
    code = extra.pop("code", exc.code)
    return problem(exc.status, exc.title, exc.detail, code, **extra)


def unexpected_error_response() -> JSONResponse:
    return problem(500, "Internal error", "Something went wrong on our side.", "internal")


def log_unexpected(exc: BaseException, method: str, route: str) -> None:
    """One line per failure: the type and where, not the message: driver errors quote the SQL
    and the values they were given, and those can be a learner's words."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = next(
        (
            f"{Path(f.filename).name}:{f.lineno} in {f.name}"
            for f in reversed(frames)
            if "/app/" in f.filename
        ),
        "?",
    )
    log.error("unhandled %s on %s %s at %s", type(exc).__name__, method, route, where)


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


def _body_not_sent_as_json(request: Request, exc: RequestValidationError) -> bool:
    """`curl -d '{...}'` without a Content-Type sends a form; FastAPI then reads no JSON, and
    "body: Input should be a valid dictionary" would send the newcomer looking at the fields."""
    if "json" in request.headers.get("content-type", ""):
        return False
    if (
        request.headers.get("content-length", "0") == "0"
        and "transfer-encoding" not in request.headers
    ):
        return False  # no body at all: "body: Field required" says it
    return any(tuple(e.get("loc", ())) == ("body",) for e in exc.errors())


def install(app: FastAPI) -> None:
    @app.exception_handler(RapportError)
    async def _domain(_: Request, exc: RapportError) -> JSONResponse:
        return rapport_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        malformed = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
        if malformed is not None:  # not a field's problem: the body is not JSON at all
            at = next((p for p in malformed.get("loc", ()) if isinstance(p, int)), None)
            where = f" (at character {at})" if at is not None else ""
            detail = f"The body is not valid JSON{where}."
            return problem(400, "Malformed JSON", detail, "malformed_json")
        if _body_not_sent_as_json(request, exc):
            sent = request.headers.get("content-type") or "no Content-Type"
            detail = f"Send the body as JSON with `Content-Type: application/json` (got {sent})."
            return problem(415, "Unsupported media type", detail, "unsupported_media_type")
        detail, errors = _validation_detail(exc)
        return problem(422, "Invalid input", detail, "invalid_input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        title = code.replace("_", " ").capitalize()
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem(exc.status_code, title, str(exc.detail), code, headers=headers or None)


def _allowed_methods(request: Request) -> str:
    """Every method the path has (RFC 9110 section 15.5.6), asked of the router itself: Starlette
    names only the methods of the first route that matched the path, so GET and POST
    /v1/conversations, two routes, answered a PUT with `Allow: POST`."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def publish_schema(app: FastAPI) -> None:
    """Add the Problem schema to the OpenAPI document (no route returns it as a model)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema()
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
