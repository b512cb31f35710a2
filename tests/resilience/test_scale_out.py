"""Scale-out: several `rapport serve` processes on one database share conversations and limits.

PostgreSQL when the suite runs on it, else one SQLite file; rate limits in Redis (db 9 on the
local server), each test with keys of its own so no counter is shared with another test or run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.api.helpers import assert_problem
from tests.conftest import make_settings, new_key
from tests.resilience.servers import Server, create_key, free_port, redis_reachable, start_server
from tests.resilience.test_concurrency import assert_consistent

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
LIMIT = 10  # requests a minute per key and client
needs_redis = pytest.mark.skipif(
    not redis_reachable(REDIS_URL), reason=f"Redis is not reachable at {REDIS_URL}"
)


async def _pair(database_url: str, tmp_path: Path, **env: str) -> tuple[Server, Server]:
    """Two servers on one database. The first migrates it; the second finds it at head."""
    first = await asyncio.to_thread(start_server, database_url, tmp_path / "a.log", **env)
    try:
        second = await asyncio.to_thread(start_server, database_url, tmp_path / "b.log", **env)
    except BaseException:
        first.stop()
        raise
    return first, second


@pytest.fixture
async def pair(served_database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    env = {"RAPPORT_AUTH": "keys", "RAPPORT_RATE_LIMIT_PER_MINUTE": str(LIMIT)}
    if redis_reachable(REDIS_URL):
        env["RAPPORT_REDIS_URL"] = REDIS_URL
    servers = await _pair(served_database_url, tmp_path, **env)
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def _clients(servers: tuple[Server, Server], key: str) -> list[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {key}"}
    return [httpx.AsyncClient(base_url=s.base, headers=headers, timeout=30) for s in servers]


async def test_one_conversation_alternates_between_two_servers(
    pair: tuple[Server, Server], served_database_url: str
) -> None:
    a, b = _clients(pair, await asyncio.to_thread(create_key, served_database_url))
    async with a, b:
        created = await a.post("/v1/conversations", json={"persona_id": "recruiter"})
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        lines = [
            "Hi Priya, I'm Alex. How did you end up in recruiting?",
            "What made you decide to leave teaching?",
            "What do you miss most about the classroom?",
            "What does a typical day look like for you now?",
        ]
        for n, line in enumerate(lines):
            server = (b, a)[n % 2]  # the turn after the creation goes to the other server
            turn = await server.post(f"/v1/conversations/{cid}/turns", json={"content": line})
            assert turn.status_code == 200, turn.text
            assert turn.json()["user"]["index"] == 2 * n + 1
        seen_by_a = (await a.get(f"/v1/conversations/{cid}")).json()
        seen_by_b = (await b.get(f"/v1/conversations/{cid}")).json()
    assert seen_by_a == seen_by_b
    assert_consistent(seen_by_a["messages"])
    assert [m["content"] for m in seen_by_a["messages"] if m["role"] == "user"] == lines


async def test_turns_racing_on_two_servers_never_share_an_index(
    served_database_url: str, tmp_path: Path
) -> None:
    """Two processes, so no in-process lock helps: only the version guard and the constraint."""
    servers = await _pair(served_database_url, tmp_path)  # open auth, no rate limit to speak of
    try:
        async with (
            httpx.AsyncClient(base_url=servers[0].base, timeout=30) as a,
            httpx.AsyncClient(base_url=servers[1].base, timeout=30) as b,
        ):
            for round_ in range(12):
                created = await a.post("/v1/conversations", json={"persona_id": "prospect"})
                cid = created.json()["id"]
                turns = await asyncio.gather(
                    *(
                        c.post(
                            f"/v1/conversations/{cid}/turns",
                            json={"content": f"What are you working on? ({name} {round_})"},
                        )
                        for name, c in (("a", a), ("b", b))
                    )
                )
                await _assert_race_settled(a, cid, turns)
    finally:
        for server in servers:
            server.stop()


async def _assert_race_settled(
    client: httpx.AsyncClient, cid: str, turns: list[httpx.Response]
) -> None:
    """Both may win if they ran one after the other; a loser is a 409; the transcript is whole."""
    assert sorted(t.status_code for t in turns) in ([200, 200], [200, 409]), [t.text for t in turns]
    for loser in (t for t in turns if t.status_code == 409):
        assert loser.json()["code"] in {"concurrent_turn", "turn_in_progress"}
    messages = (await client.get(f"/v1/conversations/{cid}")).json()["messages"]
    assert_consistent(messages)
    for won in (t.json() for t in turns if t.status_code == 200):
        assert messages[won["user"]["index"]]["content"] == won["user"]["content"]
        assert messages[won["reply"]["index"]]["content"] == won["reply"]["content"]
    assert len(messages) == 1 + 2 * sum(t.status_code == 200 for t in turns)


@needs_redis
async def test_rate_limit_holds_across_two_servers_with_redis(
    pair: tuple[Server, Server], served_database_url: str
) -> None:
    a, b = _clients(pair, await asyncio.to_thread(create_key, served_database_url))
    async with a, b:
        for n in range(LIMIT):
            allowed = await (a, b)[n % 2].get("/v1/personas")
            assert allowed.status_code == 200, f"request {n + 1}: {allowed.text}"
        refused = [await a.get("/v1/personas"), await b.get("/v1/personas")]
    for response in refused:
        _assert_rate_limited(response)


def _assert_rate_limited(response: httpx.Response) -> None:
    body = assert_problem(response, 429, "rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["retry_after"] == retry_after


async def test_two_servers_starting_at_once_on_an_empty_database_both_come_up(
    served_database_url: str, tmp_path: Path
) -> None:
    starts = await asyncio.gather(
        asyncio.to_thread(start_server, served_database_url, tmp_path / "a.log"),
        asyncio.to_thread(start_server, served_database_url, tmp_path / "b.log"),
        return_exceptions=True,
    )
    for server in starts:
        if isinstance(server, Server):
            server.stop()
    failures = [s for s in starts if not isinstance(s, Server)]
    assert not failures, failures


SLOW_COMMIT = """
import asyncio


def _slow(commit):
    async def slow_commit(self, *args, **kwargs):
        await asyncio.sleep(1.5)
        return await commit(self, *args, **kwargs)

    return slow_commit


try:
    import aiosqlite

    aiosqlite.Connection.commit = _slow(aiosqlite.Connection.commit)
except ImportError:
    pass
try:
    import asyncpg.transaction

    asyncpg.transaction.Transaction.commit = _slow(asyncpg.transaction.Transaction.commit)
except ImportError:
    pass
"""


async def test_a_created_conversation_is_committed_before_the_201(
    served_database_url: str, tmp_path: Path
) -> None:
    """A slow commit (injected into server A at start-up) must delay A's answer, not follow it.

    Server B reads the database on its own, so no in-process lock can hide an early answer.
    """
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SLOW_COMMIT, encoding="utf-8")
    slow = await asyncio.to_thread(
        start_server, served_database_url, tmp_path / "slow.log", PYTHONPATH=str(hooks)
    )
    try:
        other = await asyncio.to_thread(start_server, served_database_url, tmp_path / "b.log")
    except BaseException:
        slow.stop()
        raise
    try:
        async with (
            httpx.AsyncClient(base_url=slow.base, timeout=30) as a,
            httpx.AsyncClient(base_url=other.base, timeout=30) as b,
        ):
            created = await a.post("/v1/conversations", json={"persona_id": "recruiter"})
            assert created.status_code == 201, created.text
            found = await b.get(f"/v1/conversations/{created.json()['id']}")
        assert found.status_code == 200, "acknowledged with 201 but not in the database yet"
    finally:
        slow.stop()
        other.stop()


# -- one server, limits in memory ------------------------------------------------------------


@pytest.fixture
async def limited_app(settings: Any) -> AsyncIterator[Any]:
    application = create_app(make_settings(settings.database_url, rate_limit_per_minute=LIMIT))
    async with application.router.lifespan_context(application):
        yield application


async def test_rate_limit_in_memory_refuses_the_request_over_the_limit(limited_app: Any) -> None:
    headers = {"Authorization": f"Bearer {await new_key(limited_app)}"}
    transport = httpx.ASGITransport(app=limited_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://rapport.test", headers=headers
    ) as client:
        for n in range(LIMIT):
            allowed = await client.get("/v1/personas")
            assert allowed.status_code == 200, f"request {n + 1}: {allowed.text}"
        _assert_rate_limited(await client.get("/v1/personas"))
        other_key = {"Authorization": f"Bearer {await new_key(limited_app)}"}
        assert (await client.get("/v1/personas", headers=other_key)).status_code == 200


async def test_an_unreachable_rate_limit_store_is_not_a_server_error(settings: Any) -> None:
    closed = free_port()  # nothing listens there: Redis is down
    application = create_app(
        make_settings(settings.database_url, redis_url=f"redis://127.0.0.1:{closed}/9")
    )
    async with application.router.lifespan_context(application):
        headers = {"Authorization": f"Bearer {await new_key(application)}"}
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://rapport.test", headers=headers
        ) as client:
            response = await client.get("/v1/personas")
    assert response.status_code in (200, 503), response.text
