"""Async engine, session handling and the declarative Base (with a constraint naming convention)."""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from app.config import ROOT

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    # hide_parameters: a database error would otherwise quote the learner's message in the log.
    _ensure_sqlite_dir(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        asyncpg = parsed.get_driver_name() == "asyncpg"
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=not asyncpg,  # another driver: a round trip per checkout instead
            hide_parameters=True,
        )
        if asyncpg:
            _replace_closed_connections(engine)
        return engine
    # The pool's own reset-on-return is a rollback through aiosqlite's thread after every
    # transaction, committed or not; _sqlite_reset rolls back only what is still open.
    engine = create_async_engine(
        url, connect_args={"timeout": 30}, hide_parameters=True, pool_reset_on_return=None
    )

    @event.listens_for(engine.sync_engine, "reset")
    def _sqlite_reset(dbapi_conn, _record, _state):  # type: ignore[no-untyped-def]
        if dbapi_conn.driver_connection.in_transaction:
            dbapi_conn.rollback()

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # An erased conversation must not survive in free pages: deleted cells are zeroed.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """Hand out no connection the server has closed (a restart, a failover, an idle timeout).

    asyncpg notices a server's goodbye as it arrives and marks the connection closed, so the
    check costs no round trip; `pool_pre_ping` would cost three per checkout (BEGIN, a query,
    ROLLBACK), about 0.3 ms of CPU, two or three times a turn. On DisconnectionError the pool
    throws the connection away and hands out another (tests/resilience/test_reconnect.py). A
    connection dropped in the very instant before its use still fails that one statement;
    SQLAlchemy then refreshes the whole pool, as it would with the ping.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection, _record, _proxy):  # type: ignore[no-untyped-def]
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the database server closed this connection")


class Database:
    """The engine and its session factory; built once in the app's lifespan."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite allows one writer at a time, and a blocked writer sleeps in SQLite's busy
        # handler with growing back-off (seconds of tail latency under load). Queueing the
        # process's transactions on an asyncio lock instead keeps them short and fair.
        self._lock = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block succeeds, rolls back when it raises."""
        async with self._serialised(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield

    async def after_erasure(self) -> None:
        """Flush erased data out of SQLite's WAL: its frames keep the deleted rows' old pages
        until a checkpoint, so copy them into the (secure_delete-zeroed) file and truncate the
        WAL. Call it after the erasing transaction committed; PostgreSQL needs nothing."""
        if self._lock is None:
            return
        async with self._serialised(), self.engine.connect() as connection:
            result = await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = result.one()[0]
        if busy:  # another process's reader held the WAL; its next checkpoint completes this
            logger.warning("WAL checkpoint after an erasure was blocked; it will complete later")

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade_to_head(database_url: str) -> None:
    """Run Alembic migrations to head.

    Alembic's async env.py starts its own event loop, so when one is already running here (the
    eval runner, a notebook) the migration runs on a worker thread and this call waits for it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _upgrade(database_url)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_upgrade, database_url).result()


def _upgrade(database_url: str) -> None:
    from alembic import command

    _ensure_sqlite_dir(database_url)
    with _migration_lock(database_url):
        command.upgrade(alembic_config(database_url), "head")


@contextmanager
def _migration_lock(database_url: str) -> Iterator[None]:
    """Serialise processes migrating one SQLite file (PostgreSQL uses an advisory lock instead:
    see migrations/env.py); two servers starting together would otherwise both create tables."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    with open(f"{parsed.database}.migrate-lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
