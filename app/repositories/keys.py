"""API key persistence. Keys are looked up by their SHA-256; the plain key is never stored."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey
from app.models.tables import utcnow


class KeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        query = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, key: ApiKey) -> None:
        self.session.add(key)
        await self.session.flush()

    async def all(self) -> list[ApiKey]:
        return list(
            (await self.session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars()
        )

    async def revoke(self, key_id_or_prefix: str) -> int:
        result = await self.session.execute(
            update(ApiKey)
            .where(
                (ApiKey.id == key_id_or_prefix) | (ApiKey.prefix == key_id_or_prefix),
                ApiKey.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
