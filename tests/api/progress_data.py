"""A learner who gets better: six conversations made through the real API (five practice
conversations with the recruiter, from pitching to listening, and one real conversation scored
from its transcript). Shared by the API tests and the browser test that takes the screenshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from app.config import ROOT
from tests.api.helpers import LISTENER_TO_RECRUITER, PITCHER_TO_RECRUITER
from tests.conftest import new_key

MEETING = ROOT / "evals" / "data" / "transcripts" / "coffee-chat-marisol.vtt"

PRACTICE_RUNS = [
    PITCHER_TO_RECRUITER[:5],
    PITCHER_TO_RECRUITER[:2] + LISTENER_TO_RECRUITER[1:4],
    None,  # the real conversation goes here
    LISTENER_TO_RECRUITER[:3] + PITCHER_TO_RECRUITER[2:3] + LISTENER_TO_RECRUITER[5:7],
    LISTENER_TO_RECRUITER[:7],
    LISTENER_TO_RECRUITER,
]


async def practice(client: httpx.AsyncClient, user_ref: str, lines: list[str]) -> dict[str, Any]:
    created = await client.post(
        "/v1/conversations", json={"persona_id": "recruiter", "user_ref": user_ref}
    )
    assert created.status_code == 201, created.text
    conversation_id = created.json()["id"]
    for line in lines:
        turn = await client.post(
            f"/v1/conversations/{conversation_id}/turns", json={"content": line}
        )
        if turn.status_code == 409:  # the persona walked away: the conversation is over
            break
        assert turn.status_code == 200, turn.text
    ended = await client.post(f"/v1/conversations/{conversation_id}/end")
    assert ended.status_code == 200, ended.text
    return ended.json()  # type: ignore[no-any-return]


async def imported(client: httpx.AsyncClient, user_ref: str) -> dict[str, Any]:
    body = {
        "transcript": MEETING.read_text(encoding="utf-8"),
        "me": "Alex",
        "store": True,
        "user_ref": user_ref,
        "outcome": "warm_close",
    }
    response = await client.post("/v1/transcripts", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def improving_learner(client: httpx.AsyncClient, user_ref: str) -> None:
    for lines in PRACTICE_RUNS:
        if lines is None:
            await imported(client, user_ref)
        else:
            await practice(client, user_ref, lines)


@asynccontextmanager
async def key_client(
    app: Any, *, publishable: bool = False, origin: str = "https://site.example"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a new key of its own: another tenant."""
    key = await new_key(app, publishable=publishable, origins=[origin] if publishable else None)
    headers = {"Authorization": f"Bearer {key}"}
    if publishable:
        headers["Origin"] = origin
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://rapport.test", headers=headers
    ) as client:
        yield client
