"""A one-slot server (llama.cpp's default, issue 17), reproduced by the fake: a second request
waits for the slot, a streamed one with `: ping` comments all the while. Replies get a first-token
deadline and a turn deadline; summaries and the judge give way to replies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from app.errors import LLMUnavailable
from app.feedback.types import Utterance
from app.llm.client import CallOptions, LLMClient
from app.llm.engine import FOLD_BATCH, KEEP_LINES, LLMEngine
from app.llm.prompts import PromptLibrary
from app.personas.schema import Persona
from tests.api.helpers import parse_sse, say, start, transcript
from tests.llm.conftest import FakeControl, context, llm_settings_for, running_fake
from tests.llm.test_api_on_llm import llm_api

CHAT: dict[str, Any] = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "You are Sam Lee, a designer."},
        {"role": "user", "content": "How did you get into design?"},
    ],
}
PERSONA_CHAT = [SystemMessage("You are Dana Okafor."), HumanMessage("How did you start?")]


@pytest.fixture
def fake() -> Iterator[FakeControl]:
    """A fake of its own per test: these tests time a queue, which the session's shared fake
    could still be draining from an earlier test (a request whose client went away)."""
    with running_fake() as control:
        yield control


@asynccontextmanager
async def slot_taken(fake: FakeControl, seconds: float) -> AsyncIterator[None]:
    """The fake's only slot busy for about `seconds` with someone else's long answer."""
    fake.configure(slots=1, loop=True, token_seconds=seconds / 200)
    body = {**CHAT, "max_tokens": 200}
    async with httpx.AsyncClient(base_url=fake.base_url, timeout=30) as http:
        hog = asyncio.create_task(http.post("/v1/chat/completions", json=body))
        await asyncio.sleep(0.2)  # it has the slot now
        try:
            yield
        finally:
            hog.cancel()  # gone: the fake frees the slot between two tokens
            await asyncio.gather(hog, return_exceptions=True)
            fake.configure(loop=False, token_seconds=0.0)


def test_a_one_slot_fake_makes_a_second_request_wait(fake: FakeControl) -> None:
    fake.configure(slots=1, latency=0.3)

    async def both() -> list[float]:
        async with httpx.AsyncClient(base_url=fake.base_url, timeout=10) as http:

            async def one() -> float:
                await http.post("/v1/chat/completions", json=CHAT)
                return time.perf_counter()

            started = time.perf_counter()
            return [t - started for t in await asyncio.gather(one(), one())]

    first, second = sorted(asyncio.run(both()))
    assert second - first > 0.25  # the second one waited for the first one's 0.3 s
    assert fake.most_busy() == 1


async def test_a_queued_stream_gets_pings_until_its_slot_is_free(fake: FakeControl) -> None:
    async with slot_taken(fake, seconds=1.0):
        fake.configure(ping_seconds=0.1)
        async with httpx.AsyncClient(base_url=fake.base_url, timeout=10) as http:
            body = {**CHAT, "stream": True}
            async with http.stream("POST", "/v1/chat/completions", json=body) as answer:
                assert answer.status_code == 200  # the headers come at once
                head: list[str] = []
                async for line in answer.aiter_lines():
                    head += [line] if line else []
                    if len(head) == 3:
                        break

    assert head == [": ping", ": ping", ": ping"]


async def test_a_stream_kept_alive_by_pings_fails_at_the_first_token_deadline(
    fake: FakeControl,
) -> None:
    settings = llm_settings_for(fake, llm_first_token_timeout=0.5)
    client = LLMClient.from_settings(settings)
    try:
        async with slot_taken(fake, seconds=10.0):
            fake.configure(ping_seconds=0.1)  # the 2 s read timeout is never reached
            started = time.perf_counter()
            try:
                async for _ in client.stream(PERSONA_CHAT):
                    raise AssertionError("no piece can come while the slot is taken")
            except LLMUnavailable:
                elapsed = time.perf_counter() - started
    finally:
        await client.aclose()

    assert 0.45 < elapsed < 4, "not the hog's 10 s"


async def test_a_streamed_turn_on_keep_alives_ends_at_the_turn_deadline_and_retry_works(
    database_url: str, fake: FakeControl
) -> None:
    # No first-token deadline to speak of: the turn's own (1 s) must end it.
    limits = {"llm_timeout": 1.0, "llm_max_retries": 0, "llm_first_token_timeout": 60.0}
    async with llm_api(database_url, fake, **limits) as client:
        conversation = await start(client, "recruiter")
        cid = conversation["id"]
        async with slot_taken(fake, seconds=20.0):
            fake.configure(ping_seconds=0.1)
            started = time.perf_counter()
            async with client.stream(
                "POST",
                f"/v1/conversations/{cid}/turns",
                json={"content": "How did you end up in recruiting?"},
                headers={"Accept": "text/event-stream"},
            ) as response:
                events = parse_sse(await response.aread())
            elapsed = time.perf_counter() - started
        assert events[-1][0] == "error" and events[-1][1]["code"] == "llm_unavailable"
        assert elapsed < 6, "the turn must not wait out the hog's 20 s"
        roles = [m["role"] for m in (await transcript(client, cid))["messages"]]
        assert roles == ["persona", "user"]

        retried = await client.post(f"/v1/conversations/{cid}/retry")

        assert retried.status_code == 200, retried.text


async def test_on_a_one_slot_server_the_judge_gives_way_to_the_reply(
    database_url: str, fake: FakeControl
) -> None:
    fake.configure(slots=1, latency=0.4)
    async with llm_api(database_url, fake, feedback_judge="llm", llm_concurrency=1) as client:
        conversation = await start(client, "recruiter")
        answer = await say(client, conversation["id"], "What made you leave teaching?")
        local = await client.post(
            "/v1/analyze",
            json={
                "message": "What made you leave teaching?",
                "history": [{"role": "persona", "content": conversation["messages"][0]["content"]}],
            },
        )

    assert answer.status_code == 200, answer.text
    assert answer.json()["feedback"] == local.json()  # the analyzer's verdict stands
    # The verdict never took the slot the reply needed (so the reply never queued behind it).
    assert not [r for r in fake.requests() if r.get("tools") or r.get("response_format")]


async def test_with_two_slots_the_judge_runs_beside_the_reply(
    database_url: str, fake: FakeControl
) -> None:
    fake.configure(slots=2, latency=0.2)
    async with llm_api(database_url, fake, feedback_judge="llm", llm_concurrency=2) as client:
        conversation = await start(client, "recruiter")
        answer = await say(client, conversation["id"], "What made you leave teaching?")

    assert answer.status_code == 200, answer.text
    assert [r for r in fake.requests() if r.get("tools") or r.get("response_format")]
    assert fake.most_busy() == 2


async def test_a_reply_takes_the_slot_from_a_summary_which_is_deferred(
    recruiter: Persona, prompts: PromptLibrary, fake: FakeControl
) -> None:
    fake.configure(slots=1, loop=True, token_seconds=0.02)  # a summary takes 260 x 20 ms
    client = LLMClient.from_settings(llm_settings_for(fake, llm_concurrency=1, llm_timeout=10.0))
    engine = LLMEngine(client, prompts)
    history = tuple(
        Utterance("persona" if i % 2 == 0 else "user", f"Line {i}.")
        for i in range(KEEP_LINES + FOLD_BATCH)
    )
    try:
        summary = asyncio.create_task(engine.summarize(recruiter, history, "", 0))
        await asyncio.sleep(0.3)
        fake.configure(loop=False, token_seconds=0.0)
        started = time.perf_counter()
        reply = await engine.reply(context(recruiter, "How did you start?"))
        elapsed = time.perf_counter() - started
        deferred = await summary
    finally:
        await client.aclose()

    assert reply.strip() and elapsed < 3, "not the summary's 5 s"
    assert deferred is None  # folded at a later turn instead


async def test_a_summary_a_reply_preempts_stops_on_the_server_and_the_reply_does_not_wait(
    fake: FakeControl, recruiter: Persona, prompts: PromptLibrary
) -> None:
    """llama-cpp-python finishes a plain request whose client hung up, slot and all: the reply
    that preempted a summary still waited for it. A background call on a slot-limited endpoint
    is asked for as a stream, which the server stops at its next token."""
    fake.configure(slots=1, loop=True, token_seconds=0.02, finish_abandoned=True)
    client = LLMClient.from_settings(llm_settings_for(fake, llm_concurrency=1, llm_timeout=10))
    engine = LLMEngine(client, prompts)
    lines = [Utterance("persona" if i % 2 else "user", f"Line {i} of ours.") for i in range(11)]
    try:
        summary = asyncio.create_task(
            engine.summarize(recruiter, (Utterance("persona", "Hi."), *lines), "", 0)
        )
        await asyncio.sleep(0.3)  # the summariser has the slot: 260 tokens, about 5 s
        started = time.perf_counter()
        brief = CallOptions(max_tokens=20)  # 0.4 s of the looping fake's tokens
        reply = "".join([piece async for piece in client.stream(PERSONA_CHAT, options=brief)])
        waited = time.perf_counter() - started
        assert await summary is None  # cancelled, to be redone at a later turn
    finally:
        await client.aclose()

    assert reply and waited < 2.0, f"the reply waited {waited:.1f} s behind the summary"
    summaries = [r for r in fake.requests() if "summary" in r["messages"][0]["content"]]
    assert [r["stream"] for r in summaries] == [True]
