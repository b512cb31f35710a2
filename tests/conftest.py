"""Test fixtures: a real database (SQLite by default, PostgreSQL when RAPPORT_TEST_DATABASE_URL
points at one), migrated once per test process; the app driven in process through
httpx.ASGITransport.

Tests isolate themselves by creating their own keys and conversations, not by rolling back:
a turn deliberately commits twice (see app/services/turns.py), which is what the tests must see.

`make test` runs the suite in several processes (pytest-xdist, `--dist loadfile`: a file's tests
all go to one worker, so a module-scoped fixture such as a pair of servers or a whole evaluation
run is built once). Each process has its own database: a SQLite file in its own temporary folder,
or a PostgreSQL database created beside the configured one and named after the worker.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.db import upgrade_to_head
from app.main import create_app
from tests.databases import postgres_database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("RAPPORT_TEST_DATABASE_URL")
    if configured and configured.startswith("postgresql"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under xdist
        with postgres_database(configured, prefix=f"rapport_test_{worker}") as url:
            upgrade_to_head(url)
            yield url
        return
    path: Path = tmp_path_factory.mktemp("db") / "rapport.db"
    url = configured or f"sqlite+aiosqlite:///{path}"
    upgrade_to_head(url)
    yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "auth": "keys",
        "engine": "scripted",
        "rate_limit_per_minute": 100_000,
        "auth_failures_per_minute": 100_000,
        "llm_base_url": None,
        "llm_api_key": None,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def raw_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as client:
        yield client


async def new_key(app: Any, *, publishable: bool = False, origins: list[str] | None = None) -> str:
    """A key made by the service `rapport keys create` uses, on the app's own connection pool
    (admin.create_key opens an engine per call: 8 ms against 1 ms, for most tests)."""
    from app.repositories import KeyRepository
    from app.services.keys import KeyService

    async with app.state.runtime.db.transaction() as session:
        created = await KeyService(KeyRepository(session)).create(
            f"test-{uuid.uuid4().hex[:6]}", publishable=publishable, origins=origins or []
        )
    return created.plain


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own secret key: its own tenant, so tests cannot see each other's data."""
    key = await new_key(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://rapport.test",
        headers={"Authorization": f"Bearer {key}"},
    ) as c:
        yield c


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a `slow` test go first. pytest-xdist hands out whole files in this order, and a
    slow file handed out last keeps the run going while the other workers sit idle."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: files stay whole
