"""Scale-out: several `rapport serve` processes on one database share conversations and limits.

PostgreSQL when the suite runs on it, else one SQLite file; rate limits in Redis (db 9 on the
local server), each test with keys of its own so no counter is shared with another test, test
process or run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.api.helpers import assert_problem
from tests.conftest import make_settings, new_key
from tests.resilience.servers import (
    Server,
    create_key,
    free_port,
    fresh_database,
    redis_reachable,
    start_server,
)
from tests.resilience.test_concurrency import assert_consistent

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("RAPPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
LIMIT = 10  # requests a minute per key and client
needs_redis = pytest.mark.skipif(
    not redis_reachable(REDIS_URL), reason=f"Redis is not reachable at {REDIS_URL}"
)


# Server processes are the expensive part (an interpreter and the app each), so the tests share
# two pairs per module: tests on one pair keep apart by keys (tenants) and conversations of
# their own.


@dataclass
class Pair:
    servers: tuple[Server, ...]
    database_url: str
    failures: list[BaseException]  # servers that did not come up (asserted by the tests)


@contextmanager
def _pair(tmp_path: Path, *, at_once: bool, **env: str) -> Iterator[Pair]:
    """Two servers on one fresh database: one after the other (the first migrates it, the
    second finds it at head), or both at once, racing to migrate it."""
    with fresh_database(os.environ.get("RAPPORT_TEST_DATABASE_URL"), tmp_path) as url:
        logs = (tmp_path / "a.log", tmp_path / "b.log")
        with ThreadPoolExecutor(max_workers=2 if at_once else 1) as pool:
            starts = [pool.submit(start_server, url, log, **env) for log in logs]
            outcomes = [_outcome(start) for start in starts]
        servers = tuple(o for o in outcomes if isinstance(o, Server))
        try:
            yield Pair(servers, url, [o for o in outcomes if not isinstance(o, Server)])
        finally:
            for server in servers:
                server.stop()


def _outcome(start: Future[Server]) -> Server | BaseException:
    try:
        return start.result()
    except Exception as exc:
        return exc


@pytest.fixture(scope="module")
def keyed_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Keys required, LIMIT requests a minute per key and client, in Redis when it runs."""
    env = {"RAPPORT_AUTH": "keys", "RAPPORT_RATE_LIMIT_PER_MINUTE": str(LIMIT)}
    if redis_reachable(REDIS_URL):
        env["RAPPORT_REDIS_URL"] = REDIS_URL
    with _pair(tmp_path_factory.mktemp("keyed"), at_once=False, **env) as pair:
        assert not pair.failures, pair.failures
        yield pair


@pytest.fixture(scope="module")
def open_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Open auth, no rate limit to speak of; started at the same moment on an empty database."""
    with _pair(tmp_path_factory.mktemp("open"), at_once=True) as pair:
        yield pair


@pytest.fixture
def pair(keyed_pair: Pair) -> tuple[Server, Server]:
    first, second = keyed_pair.servers
    return first, second


def _clients(servers: tuple[Server, Server], key: str) -> list[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {key}"}
    return [httpx.AsyncClient(base_url=s.base, headers=headers, timeout=30) for s in servers]


async def test_one_conversation_alternates_between_two_servers(
    pair: tuple[Server, Server], keyed_pair: Pair
) -> None:
    a, b = _clients(pair, await asyncio.to_thread(create_key, keyed_pair.database_url))
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


async def test_turns_racing_on_two_servers_never_share_an_index(open_pair: Pair) -> None:
    """Two processes, so no in-process lock helps: only the version guard and the constraint."""
    assert not open_pair.failures, open_pair.failures
    servers = open_pair.servers
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
    pair: tuple[Server, Server], keyed_pair: Pair
) -> None:
    a, b = _clients(pair, await asyncio.to_thread(create_key, keyed_pair.database_url))
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


def test_two_servers_starting_at_once_on_an_empty_database_both_come_up(open_pair: Pair) -> None:
    assert not open_pair.failures, open_pair.failures
    assert len(open_pair.servers) == 2


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
    open_pair: Pair, tmp_path: Path
) -> None:
    """A slow commit (injected into server A at start-up) must delay A's answer, not follow it.

    Server B (one of the open pair, on the same database) reads the database on its own, so no
    in-process lock can hide an early answer.
    """
    assert not open_pair.failures, open_pair.failures
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SLOW_COMMIT, encoding="utf-8")
    slow = await asyncio.to_thread(
        start_server, open_pair.database_url, tmp_path / "slow.log", PYTHONPATH=str(hooks)
    )
    other = open_pair.servers[1]
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
