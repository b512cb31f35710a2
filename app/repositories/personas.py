"""A tenant's own personas."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import TenantPersona
from app.models.tables import utcnow


class PersonaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: str, persona_id: str) -> TenantPersona | None:
        return await self.session.get(TenantPersona, (tenant_id, persona_id))

    async def all(self, tenant_id: str) -> list[TenantPersona]:
        query = (
            select(TenantPersona)
            .where(TenantPersona.tenant_id == tenant_id)
            .order_by(TenantPersona.persona_id)
        )
        return list((await self.session.execute(query)).scalars())

    async def add(self, record: TenantPersona) -> None:
        self.session.add(record)
        await self.session.flush()

    async def replace(self, record: TenantPersona, body: dict[str, object]) -> None:
        record.body = body
        record.updated_at = utcnow()
        await self.session.flush()

    async def delete(self, tenant_id: str, persona_id: str) -> bool:
        result = await self.session.execute(
            delete(TenantPersona).where(
                TenantPersona.tenant_id == tenant_id, TenantPersona.persona_id == persona_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
