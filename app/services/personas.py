"""Personas as a tenant sees them: the read-only built-ins plus the tenant's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound, QuotaExceeded
from app.models import Conversation, TenantPersona
from app.personas.schema import Persona
from app.personas.tenant import parse_tenant_persona
from app.repositories.personas import PersonaRepository
from app.services.access import refuse_visitors
from app.services.runtime import Runtime
from app.services.tenancy import Tenant


class PersonaService:
    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.builtins = runtime.personas
        self.quota = runtime.settings.max_tenant_personas
        self.repo = PersonaRepository(session)

    async def visible(self, tenant: Tenant, *, limit: int, offset: int) -> dict[str, Any]:
        """One page of what the tenant can use: the built-ins first, then its own by id."""
        builtins = [_public(p, "builtin") for p in self.builtins.all()]
        page = builtins[offset : offset + limit]
        if len(page) < limit:
            own = await self.repo.listings(
                tenant.id, limit=limit - len(page), offset=max(0, offset - len(builtins))
            )
            page += [{**listing, "source": "tenant"} for listing in own]
        total = len(builtins) + await self.repo.count(tenant.id)
        return {"personas": page, "total": total, "limit": limit, "offset": offset}

    async def get(self, tenant: Tenant, persona_id: str) -> Persona:
        """The persona a conversation would use: a built-in, or this tenant's own."""
        if persona_id in self.builtins:
            return self.builtins.get(persona_id)
        record = await self.repo.get(tenant.id, persona_id)
        if record is None:
            raise NotFound(
                f"Unknown persona {persona_id!r}; GET /v1/personas lists the ones you can use."
            )
        return Persona.model_validate(record.body)

    async def public(self, tenant: Tenant, persona_id: str) -> dict[str, Any]:
        persona = await self.get(tenant, persona_id)
        return _public(persona, "builtin" if persona_id in self.builtins else "tenant")

    async def create(self, tenant: Tenant, body: Any) -> dict[str, Any]:
        _may_write(tenant)
        parsed = parse_tenant_persona(body, builtin_ids=self._builtin_ids())
        persona = parsed.persona
        await self.repo.lock_tenant(tenant.id)
        if await self.repo.exists(tenant.id, persona.id):
            raise Conflict(f"You already have a persona {persona.id!r}; PUT to replace it.")
        await self._within_quota(tenant)
        record = TenantPersona(
            tenant_id=tenant.id,
            persona_id=persona.id,
            body=_dump(persona),
            listing=persona.public(),
        )
        try:
            await self.repo.add(record)
        except IntegrityError as exc:  # created concurrently by another request
            raise Conflict(f"You already have a persona {persona.id!r}.") from exc
        return {**_public(persona, "tenant"), "warnings": parsed.warnings}

    async def replace(self, tenant: Tenant, persona_id: str, body: Any) -> dict[str, Any]:
        _may_write(tenant)
        parsed = parse_tenant_persona(body, builtin_ids=self._builtin_ids(), persona_id=persona_id)
        record = await self.repo.get(tenant.id, persona_id)
        if record is None:
            raise NotFound(f"You have no persona {persona_id!r}; POST /v1/personas to create it.")
        await self.repo.replace(record, _dump(parsed.persona), parsed.persona.public())
        return {**_public(parsed.persona, "tenant"), "warnings": parsed.warnings}

    async def delete(self, tenant: Tenant, persona_id: str) -> None:
        _may_write(tenant)
        if persona_id in self.builtins:
            raise Conflict(f"{persona_id!r} is a built-in persona and cannot be deleted.")
        if not await self.repo.delete(tenant.id, persona_id):
            raise NotFound(f"You have no persona {persona_id!r}.")

    async def _within_quota(self, tenant: Tenant) -> None:
        if await self.repo.count(tenant.id) >= self.quota:
            raise QuotaExceeded(
                f"You have {self.quota} personas, the most one key may have: delete one "
                "(DELETE /v1/personas/{id}) or PUT to replace one. The operator sets the limit "
                "with RAPPORT_MAX_TENANT_PERSONAS.",
                limit=self.quota,
            )

    def _builtin_ids(self) -> set[str]:
        return {p.id for p in self.builtins.all()}


def persona_of(runtime: Runtime, conversation: Conversation) -> Persona:
    """The persona a stored conversation talks as: its snapshot, or the built-in."""
    if conversation.persona_snapshot is not None:
        return Persona.model_validate(conversation.persona_snapshot)
    return runtime.personas.get(conversation.persona_id)


def snapshot_of(runtime: Runtime, persona: Persona) -> dict[str, Any] | None:
    return None if persona.id in runtime.personas else _dump(persona)


def _may_write(tenant: Tenant) -> None:
    refuse_visitors(tenant, "manage personas")


def _dump(persona: Persona) -> dict[str, Any]:
    return persona.model_dump(mode="json")


def _public(persona: Persona, source: str) -> dict[str, Any]:
    return {**persona.public(), "source": source}
