"""Pure ASGI middleware (BaseHTTPMiddleware would cost every request a task and a copy)."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.api.problems import log_unexpected, unexpected_error_response


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not Content-Length is honest."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        persona_max_bytes: int | None = None,
        transcript_max_bytes: int | None = None,
    ) -> None:
        self.app, self.max_bytes = app, max_bytes
        # A persona file is bigger than any message: its lines come with variants and questions.
        self.persona_max_bytes = persona_max_bytes or max_bytes
        # A meeting's transcript is bigger still (app/transcripts/parse.py, MAX_BYTES).
        self.transcript_max_bytes = transcript_max_bytes or max_bytes

    def _limit(self, scope: Scope) -> int:
        path: str = scope.get("path", "")
        if path.startswith("/v1/transcripts"):
            return self.transcript_max_bytes
        return self.persona_max_bytes if path.startswith("/v1/personas") else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        if declared is None:
            # Chunked: read it all first (it is small, or refused). Stopping mid-way inside the
            # app instead would surface as FastAPI's 400 "error parsing the body", not a 413.
            body = await self._read_all(receive, limit)
            if body is None:
                await _too_large(send, limit)
                return
            receive = _replay(body, receive)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(send, limit)

    async def _read_all(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or None as soon as it is larger than the limit."""
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(parts)  # the client went away; the app will see an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replayed


class _BodyTooLarge(Exception):
    pass


class CatchAll:
    """The last word on an unexpected error: one log line (app/api/problems.py), a 500 problem,
    and nothing re-raised, so that uvicorn does not log it again with the SQL statement."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", "unmatched")
            log_unexpected(exc, scope["method"], route)
            if not started:  # else the answer is under way: all we can do is end it
                await unexpected_error_response()(scope, receive, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "https://rapport.dev/problems/payload_too_large",
            "title": "Payload too large",
            "status": 413,
            "code": "payload_too_large",
            "detail": f"The request body is larger than {limit:,} bytes.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = _route_name(scope)
            metrics.REQUESTS.labels(scope["method"], route, str(status[0])).inc()
            metrics.REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)


def _route_name(scope: Scope) -> str:
    # The route template, not the raw path: ids in paths would make unbounded label sets.
    route = scope.get("route")
    return getattr(route, "path", "unmatched")
