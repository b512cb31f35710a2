"""Turns and retries racing on one conversation: one wins, the other gets 409, nothing tears.

The app runs in process on the suite's database (PostgreSQL when RAPPORT_TEST_DATABASE_URL names
one), and each request has its own client. The engine can hold a reply until the competing request
has been answered, so the two requests overlap on every round however loaded the machine is,
instead of sometimes running one after the other (when both rightly succeed).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.dialogue.engine import PersonaEngine, ReplyContext
from app.errors import LLMUnavailable
from app.feedback.types import Utterance
from app.main import create_app
from app.personas.schema import Persona
from app.repositories import ConversationRepository
from tests.api.helpers import assert_problem, start, transcript
from tests.conftest import make_settings, new_key

ROUNDS = 20
HOLD_SECONDS = 10.0  # a held reply gives up after this: both requests got past step 1 then


class ControlledEngine:
    """The real engine, able to hold its replies back and to fail on demand like an outage."""

    def __init__(self, inner: PersonaEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.failures_left = 0
        self.hold: asyncio.Event | None = None
        self.calls = 0  # replies asked of the model

    def opening(self, persona: Persona, difficulty: str, seed: str, **kw: Any) -> str:
        return self.inner.opening(persona, difficulty, seed, **kw)

    async def _gate(self) -> None:
        self.calls += 1
        if self.hold is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.hold.wait(), HOLD_SECONDS)
        if self.failures_left:
            self.failures_left -= 1
            raise LLMUnavailable("the model timed out (simulated)")

    async def stream(self, ctx: ReplyContext) -> AsyncIterator[str]:
        await self._gate()
        async for chunk in self.inner.stream(ctx):
            yield chunk

    async def reply(self, ctx: ReplyContext) -> str:
        await self._gate()
        return await self.inner.reply(ctx)

    async def summarize(
        self, persona: Persona, history: tuple[Utterance, ...], summary: str, covers: int
    ) -> tuple[str, int] | None:
        return await self.inner.summarize(persona, history, summary, covers)


@pytest.fixture(scope="module")
async def race_app(settings: Settings) -> AsyncIterator[Any]:
    # A lease as long as the hold: on a loaded CI machine a reply stalled past the default 10 s
    # let the second retry take a lapsed lease and ask the model again, which is right for a
    # dead worker and not what these races are about.
    lease = HOLD_SECONDS * 6
    application = create_app(make_settings(settings.database_url, scripted_lease_seconds=lease))
    async with application.router.lifespan_context(application):
        runtime = application.state.runtime
        runtime.engine = ControlledEngine(runtime.engine)
        yield application


@pytest.fixture
async def clients(race_app: Any) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two independent clients of one tenant: two browser tabs on the same conversation."""
    headers = {"Authorization": f"Bearer {await new_key(race_app)}"}
    transport = httpx.ASGITransport(app=race_app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://a.test", headers=headers) as a,
        httpx.AsyncClient(transport=transport, base_url="http://b.test", headers=headers) as b,
    ):
        yield a, b


def _turn(client: httpx.AsyncClient, cid: str, text: str) -> Awaitable[httpx.Response]:
    return client.post(f"/v1/conversations/{cid}/turns", json={"content": text})


def _retry(client: httpx.AsyncClient, cid: str) -> Awaitable[httpx.Response]:
    return client.post(f"/v1/conversations/{cid}/retry")


def assert_consistent(messages: list[dict[str, Any]]) -> None:
    """Indexes 0..n-1 with no duplicate, persona and user strictly alternating."""
    assert [m["index"] for m in messages] == list(range(len(messages)))
    assert [m["role"] for m in messages] == [
        ("persona", "user")[i % 2] for i in range(len(messages))
    ]


async def overlapping(
    engine: ControlledEngine, first: Awaitable[httpx.Response], second: Awaitable[httpx.Response]
) -> tuple[httpx.Response, httpx.Response]:
    """Send both; no reply is written until one of them has been answered."""
    engine.hold = asyncio.Event()
    tasks = [asyncio.ensure_future(first), asyncio.ensure_future(second)]
    try:
        await asyncio.wait(tasks, timeout=HOLD_SECONDS * 2, return_when=asyncio.FIRST_COMPLETED)
    finally:
        engine.hold.set()
        engine.hold = None
    a, b = await asyncio.gather(*tasks)
    return a, b


def winner_and_loser(
    responses: tuple[httpx.Response, httpx.Response], loser_codes: set[str]
) -> httpx.Response:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    loser = next(r for r in responses if r.status_code == 409)
    assert assert_problem(loser, 409)["code"] in loser_codes
    return winner


async def test_simultaneous_turns_one_succeeds_one_gets_409_every_time(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], race_app: Any
) -> None:
    a, b = clients
    engine = race_app.state.runtime.engine
    for round_ in range(ROUNDS):
        cid = (await start(a))["id"]
        texts = (f"How did you start out, round {round_}?", f"What keeps you busy, round {round_}?")
        responses = await overlapping(engine, _turn(a, cid, texts[0]), _turn(b, cid, texts[1]))
        winner = winner_and_loser(responses, {"concurrent_turn", "turn_in_progress"})
        won = winner.json()
        messages = (await transcript(a, cid))["messages"]
        assert_consistent(messages)
        assert len(messages) == 3  # the opening line, the winner's line, its reply
        assert messages[won["user"]["index"]]["content"] == won["user"]["content"]
        assert messages[won["reply"]["index"]]["content"] == won["reply"]["content"]
        assert won["reply"]["index"] == won["user"]["index"] + 1
        loser_text = texts[1] if won["user"]["content"] == texts[0] else texts[0]
        assert all(m["content"] != loser_text for m in messages), "the loser left a trace"


async def test_turns_that_read_the_same_version_cannot_both_write(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    race_app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both turns read the transcript before either writes: the version guard picks one.

    On SQLite a process runs one transaction at a time (app/db.py), so this interleaving can
    only happen between processes there: test_scale_out.py races two servers for that.
    """
    if race_app.state.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite transactions are serialised within a process; see test_scale_out")
    barrier = asyncio.Barrier(2)
    append = ConversationRepository.append

    async def append_after_both_read(self: ConversationRepository, *args: Any, **kw: Any) -> int:
        if kw["role"] == "user":
            async with asyncio.timeout(10):
                await barrier.wait()
        return await append(self, *args, **kw)

    monkeypatch.setattr(ConversationRepository, "append", append_after_both_read)
    a, b = clients
    for round_ in range(ROUNDS // 2):
        barrier = asyncio.Barrier(2)
        cid = (await start(a))["id"]
        responses = await asyncio.gather(
            _turn(a, cid, f"What brought you here, take {round_}?"),
            _turn(b, cid, f"How long have you been at it, take {round_}?"),
        )
        winner_and_loser(responses, {"concurrent_turn"})
        messages = (await transcript(a, cid))["messages"]
        assert_consistent(messages)
        assert len(messages) == 3


async def _conversation_missing_a_reply(
    client: httpx.AsyncClient, race_app: Any
) -> tuple[str, dict[str, Any]]:
    """A conversation whose last user line has no reply, as a model outage leaves it."""
    cid = (await start(client))["id"]
    race_app.state.runtime.engine.failures_left = 1
    failed = await _turn(client, cid, "What do you enjoy most about your work?")
    assert_problem(failed, 503, "llm_unavailable")
    messages = (await transcript(client, cid))["messages"]
    assert messages[-1]["role"] == "user"
    return cid, messages[-1]


async def test_retry_racing_a_new_turn_keeps_one_reply_per_message(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], race_app: Any
) -> None:
    a, b = clients
    for _ in range(ROUNDS // 4):
        cid, pending = await _conversation_missing_a_reply(a, race_app)
        retried, turned = await overlapping(
            race_app.state.runtime.engine,
            _retry(a, cid),
            _turn(b, cid, "And what are you hoping to find here?"),
        )
        assert retried.status_code == 200, retried.text
        # turn_in_progress once the retry holds the lease; reply_missing if the turn looked just
        # before (nobody was writing yet; obeying it, a client's retry meets the lease).
        assert assert_problem(turned, 409)["code"] in {"turn_in_progress", "reply_missing"}
        messages = (await transcript(a, cid))["messages"]
        assert_consistent(messages)
        assert messages[-1] == {
            "index": pending["index"] + 1,
            "role": "persona",
            "content": retried.json()["reply"]["content"],
        }


async def test_two_retries_at_once_store_one_reply(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], race_app: Any
) -> None:
    a, b = clients
    for _ in range(ROUNDS // 4):
        cid, pending = await _conversation_missing_a_reply(a, race_app)
        engine = race_app.state.runtime.engine
        calls = engine.calls
        responses = await asyncio.gather(_retry(a, cid), _retry(b, cid))
        winner = winner_and_loser(responses, {"turn_in_progress", "nothing_to_retry"})
        messages = (await transcript(a, cid))["messages"]
        assert_consistent(messages)
        assert len(messages) == pending["index"] + 2
        assert messages[-1]["content"] == winner.json()["reply"]["content"]
        assert engine.calls == calls + 1, "the model was asked twice for one reply"


async def _until_the_user_line_is_stored(client: httpx.AsyncClient, cid: str) -> None:
    for _ in range(200):
        if (await transcript(client, cid))["messages"][-1]["role"] == "user":
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the turn never stored the user's line")


@pytest.mark.parametrize("stream", [False, True])
async def test_while_a_reply_is_written_a_turn_or_retry_gets_turn_in_progress(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], race_app: Any, stream: bool
) -> None:
    """Issue 16, point 8: told "POST .../retry first", an obedient client raced the stream and
    the model was called twice. Now both wait, told how long, and the model is called once."""
    a, b = clients
    engine = race_app.state.runtime.engine
    cid = (await start(a))["id"]
    engine.hold = asyncio.Event()
    accept = {"Accept": "text/event-stream"} if stream else {}
    first = asyncio.ensure_future(
        a.post(f"/v1/conversations/{cid}/turns", json={"content": "How?"}, headers=accept)
    )
    try:
        await _until_the_user_line_is_stored(b, cid)
        calls = engine.calls
        for response in (await _turn(b, cid, "Hello?"), await _retry(b, cid)):
            assert_problem(response, 409, "turn_in_progress")
            assert 1 <= int(response.headers["retry-after"]) <= 2
        assert engine.calls == calls
    finally:
        engine.hold.set()
        engine.hold = None
    assert (await first).status_code == 200
    messages = (await transcript(a, cid))["messages"]
    assert_consistent(messages)
    assert len(messages) == 3
    assert (await _turn(b, cid, "And then?")).status_code == 200  # the lease went with the reply


async def test_a_failed_reply_releases_the_lease_so_retry_runs_at_once(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], race_app: Any
) -> None:
    a, _ = clients
    cid, pending = await _conversation_missing_a_reply(a, race_app)
    assert_problem(await _turn(a, cid, "Still there?"), 409, "reply_missing")
    retried = await _retry(a, cid)
    assert retried.status_code == 200, retried.text
    assert retried.json()["reply"]["index"] == pending["index"] + 1


async def test_a_lease_left_by_a_dead_worker_expires(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], race_app: Any
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import Conversation
    from app.models.tables import utcnow

    a, _ = clients
    cid, _pending = await _conversation_missing_a_reply(a, race_app)
    async with race_app.state.runtime.db.transaction() as session:
        due = utcnow() + timedelta(seconds=30)
        await session.execute(
            update(Conversation).where(Conversation.id == cid).values(reply_due_at=due)
        )
    assert_problem(await _retry(a, cid), 409, "turn_in_progress")
    async with race_app.state.runtime.db.transaction() as session:
        past = utcnow() - timedelta(seconds=1)
        await session.execute(
            update(Conversation).where(Conversation.id == cid).values(reply_due_at=past)
        )
    assert (await _retry(a, cid)).status_code == 200
