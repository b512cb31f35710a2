"""A tenant's own personas."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import TenantPersona
from app.models.tables import utcnow


class PersonaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, persona_id: str) -> TenantPersona | None:
        return await self.session.get(TenantPersona, (tenant_id, persona_id))

    async def exists(self, tenant_id: str, persona_id: str) -> bool:
        query = select(TenantPersona.persona_id).where(
            TenantPersona.tenant_id == tenant_id, TenantPersona.persona_id == persona_id
        )
        return (await self.session.execute(query)).first() is not None

    async def count(self, tenant_id: str) -> int:
        query = select(func.count()).where(TenantPersona.tenant_id == tenant_id)
        return int((await self.session.execute(query)).scalar_one())

    async def listings(self, tenant_id: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
        """One page of the tenant's personas, public fields only: the bodies are not read."""
        query = (
            select(TenantPersona.listing)
            .where(TenantPersona.tenant_id == tenant_id)
            .order_by(TenantPersona.persona_id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(query)).scalars())

    async def lock_tenant(self, tenant_id: str) -> None:
        """Serialise this tenant's persona creations until the transaction ends, so that two at
        once cannot both pass the quota. PostgreSQL: a transaction-level advisory lock; SQLite
        allows one writer at a time already (app/db.py queues a process's transactions)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        key = int.from_bytes(
            hashlib.blake2b(f"personas|{tenant_id}".encode(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def add(self, record: TenantPersona) -> None:
        self.session.add(record)
        await self.session.flush()

    async def replace(
        self, record: TenantPersona, body: dict[str, Any], listing: dict[str, Any]
    ) -> None:
        record.body = body
        record.listing = listing
        record.updated_at = utcnow()
        await self.session.flush()

    async def delete(self, tenant_id: str, persona_id: str) -> bool:
        result = await self.session.execute(
            delete(TenantPersona).where(
                TenantPersona.tenant_id == tenant_id, TenantPersona.persona_id == persona_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
