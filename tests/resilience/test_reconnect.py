"""The connection pool: connections the database drops (a restart, a failover, an idle timeout)
cost no request, and a connection goes back to the pool with no transaction left open."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import Database
from app.main import create_app
from tests.conftest import make_settings, new_key

POOLED = 4  # connections held open at once, so the pool keeps several


async def _backend_pids(app: object) -> set[int]:
    """The server processes behind the pool's connections, filled by POOLED at once."""
    db = app.state.runtime.db  # type: ignore[attr-defined]
    pids: set[int] = set()
    gate = asyncio.Barrier(POOLED)

    async def hold() -> None:
        async with db.engine.connect() as connection:
            pids.add((await connection.execute(text("select pg_backend_pid()"))).scalar_one())
            await gate.wait()  # all POOLED connections are checked out at the same time

    await asyncio.gather(*(hold() for _ in range(POOLED)))
    return pids


async def _terminate(database_url: str, pids: set[int]) -> None:
    import asyncpg

    dsn = make_url(database_url).set(drivername="postgresql")
    admin = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        # With a timeout (PostgreSQL 14+) the call returns once each backend has exited.
        await admin.execute(
            "select pg_terminate_backend(pid, 5000) from unnest($1::int[]) pid", list(pids)
        )
    finally:
        await admin.close()


async def test_connections_the_database_dropped_are_replaced_without_failing_a_request(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop the connection")
    app = create_app(make_settings(database_url))
    async with app.router.lifespan_context(app):
        headers = {"Authorization": f"Bearer {await new_key(app)}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://rapport.test", headers=headers
        ) as client:
            created = await client.post("/v1/conversations", json={"persona_id": "recruiter"})
            assert created.status_code == 201, created.text
            await _terminate(database_url, await _backend_pids(app))
            await asyncio.sleep(0.2)  # the server's goodbye reaches every pooled connection

            answers = await asyncio.gather(
                *(client.get(f"/v1/conversations/{created.json()['id']}") for _ in range(POOLED)),
                client.post(
                    f"/v1/conversations/{created.json()['id']}/turns",
                    json={"content": "What brought you into recruiting?"},
                ),
            )

    assert [a.status_code for a in answers] == [200] * (POOLED + 1), [a.text for a in answers]


async def test_a_sqlite_connection_given_back_mid_transaction_is_rolled_back(
    tmp_path: Path,
) -> None:
    """The pool skips its rollback after a finished transaction, never after an open one."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("create table probe (x integer)"))
        async with db.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.execute("insert into probe values (1)")  # behind SQLAlchemy's back
            assert raw.in_transaction
        async with db.engine.connect() as connection:
            left = (await connection.execute(text("select count(*) from probe"))).scalar_one()
    finally:
        await db.dispose()

    assert left == 0
