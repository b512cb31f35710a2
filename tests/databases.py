"""Throw-away PostgreSQL databases for tests, created beside the one a URL names."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


@contextmanager
def postgres_database(base_url: str, prefix: str = "rapport_test") -> Iterator[str]:
    """Create an empty database next to `base_url`'s, yield its URL, drop it afterwards."""
    import asyncpg

    url = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
