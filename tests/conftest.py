"""Test fixtures: a real database (SQLite by default, PostgreSQL when RAPPORT_TEST_DATABASE_URL
points at one), migrated once per run; the app driven in process through httpx.ASGITransport.

Tests isolate themselves by creating their own keys and conversations, not by rolling back:
a turn deliberately commits twice (see app/services/turns.py), which is what the tests must see.
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
        with postgres_database(configured) as url:
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
    from app.services.admin import create_key

    created = await create_key(
        app.state.settings, f"test-{uuid.uuid4().hex[:6]}", publishable, origins or []
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
