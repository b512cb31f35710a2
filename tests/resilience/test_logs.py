"""Privacy: by default the logs never carry what learners wrote, nor their keys.

One test reads everything a real `rapport serve` process prints while conversations run through
every path (turns, streaming, retry after an outage-free run, analyze, bad input, ended
conversation). The other makes the database fail on a statement that carries a message and
checks what the 500 handler logs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.models import Message
from app.repositories import ConversationRepository
from tests.conftest import new_key
from tests.resilience.servers import create_key, start_server


def _secret_lines(marker: str) -> list[str]:
    """Messages a learner might write, each carrying the marker so any leak is findable."""
    # A listener who answers and asks: a dodger or a job-seeker may rightly be walked away from
    # (409) before the streamed turn, and this script must reach it on every seed (0 of 100
    # ended early).
    return [
        f"Hi, I'm Dana {marker}, I build payment systems. How did you get into recruiting?",
        f"I came to tech from a chemistry lab myself. I'm dana.{marker}@example.com, by the way. "
        "What's the best part of the job for you?",
        f"So the layoffs hit your team hard ({marker})?",
        f"That sounds heavy. What keeps you going on the bad days, {marker}?",
    ]


async def _traffic(base: str, key: str, marker: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        created = await client.post(
            "/v1/conversations", json={"persona_id": "recruiter", "user_ref": f"user-{marker}"}
        )
        cid = created.json()["id"]
        turns = f"/v1/conversations/{cid}/turns"
        for line in _secret_lines(marker):
            assert (await client.post(turns, json={"content": line})).status_code == 200
        streamed = await client.post(
            turns,
            json={"content": f"Tell me more about that, {marker}."},
            headers={"Accept": "text/event-stream"},
        )
        assert streamed.status_code == 200
        too_long = await client.post(turns, json={"content": marker * 300})
        assert too_long.status_code == 422
        analyzed = await client.post(
            "/v1/analyze", json={"message": f"Why {marker}?", "partner_said": f"I {marker}."}
        )
        assert analyzed.status_code == 200
        assert (await client.post(f"/v1/conversations/{cid}/end")).status_code == 200
        ended = await client.post(turns, json={"content": f"One more {marker}?"})
        assert ended.status_code == 409
        assert (await client.delete(f"/v1/conversations/{cid}")).status_code == 204


@pytest.mark.slow
async def test_server_logs_carry_no_message_text_and_no_key(
    served_database_url: str, tmp_path: Path
) -> None:
    server = await asyncio.to_thread(
        start_server, served_database_url, tmp_path / "server.log", RAPPORT_AUTH="keys"
    )
    try:
        key = await asyncio.to_thread(create_key, served_database_url)
        marker = f"zq{uuid.uuid4().hex[:10]}"
        await _traffic(server.base, key, marker)
    finally:
        server.stop()
    log = server.log()
    assert "Application startup complete" in log, "the log was not captured at all"
    assert marker not in log, [line for line in log.splitlines() if marker in line][:5]
    assert key not in log and key[8:] not in log


# -- a database failure while a message is being stored ---------------------------------------


async def test_a_database_error_on_a_turn_does_not_log_the_message(
    app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    append = ConversationRepository.append

    async def failing_append(self: ConversationRepository, *args: Any, **kw: Any) -> int:
        message = next(a for a in args if isinstance(a, Message))
        if message.role == "user":  # a statement carrying the text fails, as a sick DB would
            await self.session.execute(
                text("SELECT json(:content) + 1"), {"content": message.content}
            )
        return await append(self, *args, **kw)

    monkeypatch.setattr(ConversationRepository, "append", failing_append)

    marker = f"zq{uuid.uuid4().hex[:10]}"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {await new_key(app)}"}
    with caplog.at_level(logging.INFO):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://rapport.test", headers=headers
        ) as client:
            cid = (await client.post("/v1/conversations", json={"persona_id": "recruiter"})).json()[
                "id"
            ]
            failed = await client.post(
                f"/v1/conversations/{cid}/turns", json={"content": f"Where next, {marker}?"}
            )
    assert failed.status_code == 500
    assert caplog.records, "the failure was not logged at all"
    assert marker not in caplog.text
