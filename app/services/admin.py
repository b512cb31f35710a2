"""Operator use cases run from the CLI, each in its own short-lived database connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.config import Settings
from app.db import Database
from app.models import ApiKey
from app.repositories import KeyRepository
from app.services.keys import KeyService, NewKey


@asynccontextmanager
async def _keys(settings: Settings) -> AsyncIterator[KeyRepository]:
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            yield KeyRepository(session)
    finally:
        await db.dispose()


async def create_key(
    settings: Settings, name: str, publishable: bool, origins: list[str]
) -> NewKey:
    async with _keys(settings) as repo:
        return await KeyService(repo).create(name, publishable=publishable, origins=origins)


async def list_keys(settings: Settings) -> list[ApiKey]:
    async with _keys(settings) as repo:
        return await repo.all()


async def revoke_key(settings: Settings, key_id: str) -> int:
    async with _keys(settings) as repo:
        return await repo.revoke(key_id)
