"""Personas as a tenant sees them: the read-only built-ins plus the tenant's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, Forbidden, NotFound
from app.models import Conversation, TenantPersona
from app.personas.schema import Persona
from app.personas.tenant import parse_tenant_persona
from app.repositories.personas import PersonaRepository
from app.services.runtime import Runtime
from app.services.tenancy import Tenant


class PersonaService:
    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.builtins = runtime.personas
        self.repo = PersonaRepository(session)

    async def visible(self, tenant: Tenant) -> list[dict[str, Any]]:
        own = [
            _public(Persona.model_validate(r.body), "tenant")
            for r in await self.repo.all(tenant.id)
        ]
        return [_public(p, "builtin") for p in self.builtins.all()] + own

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
        if await self.repo.get(tenant.id, persona.id) is not None:
            raise Conflict(f"You already have a persona {persona.id!r}; PUT to replace it.")
        record = TenantPersona(tenant_id=tenant.id, persona_id=persona.id, body=_dump(persona))
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
        await self.repo.replace(record, _dump(parsed.persona))
        return {**_public(parsed.persona, "tenant"), "warnings": parsed.warnings}

    async def delete(self, tenant: Tenant, persona_id: str) -> None:
        _may_write(tenant)
        if persona_id in self.builtins:
            raise Conflict(f"{persona_id!r} is a built-in persona and cannot be deleted.")
        if not await self.repo.delete(tenant.id, persona_id):
            raise NotFound(f"You have no persona {persona_id!r}.")

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
    if tenant.kind == "publishable":
        raise Forbidden("Publishable keys cannot change personas; use a secret key.")


def _dump(persona: Persona) -> dict[str, Any]:
    return persona.model_dump(mode="json")


def _public(persona: Persona, source: str) -> dict[str, Any]:
    return {**persona.public(), "source": source}
