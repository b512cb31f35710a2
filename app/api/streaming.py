"""Server-sent events for a turn: feedback, delta*, state, done (or error)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request

from app.api.problems import rapport_error_response
from app.errors import RapportError
from app.services.turns import PreparedTurn, TurnService


def wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def _event(name: str, data: Any) -> dict[str, str]:
    return {"event": name, "data": json.dumps(data, ensure_ascii=False)}


async def turn_events(turns: TurnService, prepared: PreparedTurn) -> AsyncIterator[dict[str, str]]:
    # The user's message is already stored (step 1); if the reply fails now, nothing of it is,
    # the client gets an `error` event, and POST .../retry finishes the turn later.
    yield _event("feedback", prepared.context.feedback.model_dump(mode="json"))
    parts: list[str] = []
    try:
        async for chunk in turns.generate(prepared):
            parts.append(chunk)
            yield _event("delta", {"text": chunk})
        result = await turns.complete(prepared, "".join(parts))
    except RapportError as exc:
        await turns.release(prepared)  # before the client hears of it and retries
        yield {"event": "error", "data": bytes(rapport_error_response(exc).body).decode()}
        return
    yield _event("state", result.state)
    yield _event("done", result.to_json())
