"""Conversation use cases other than taking a turn: create, read, list, end, report, erase."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.dialogue.machine import finish, initial_state
from app.dialogue.recall import as_json
from app.dialogue.types import DialogueState
from app.feedback.report import Report
from app.models import Conversation, Message
from app.models.tables import utcnow
from app.personas.schema import DEFAULT_DIFFICULTY
from app.repositories import ConversationRepository
from app.services.access import for_caller, grant_for, owned, refuse_visitors
from app.services.memory import recall
from app.services.personas import PersonaService, snapshot_of
from app.services.runtime import Runtime
from app.services.tenancy import Tenant
from app.services.transcript import conversation_json, conversation_summary, report_for


class ConversationService:
    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.repo = ConversationRepository(session)

    async def create(
        self,
        tenant: Tenant,
        persona_id: str,
        difficulty: str | None,
        user_ref: str | None,
        seed: str | None = None,
    ) -> dict[str, Any]:
        grant = await grant_for(self.repo, tenant, user_ref)
        user_ref = grant.user_ref  # a visitor's is derived from its visitor token
        persona = await PersonaService(self.runtime, self.repo.session).get(tenant, persona_id)
        level = difficulty or DEFAULT_DIFFICULTY
        self.runtime.personas.difficulty(
            persona, level
        )  # unknown difficulty: 422 naming the choices
        conversation_id = str(uuid.uuid4())
        # The same learner meeting this persona again: it remembers them, and trust starts
        # from part of where it was left.
        memory = await recall(self.repo, tenant.id, user_ref, persona)
        start = memory.starting_trust(persona.rules(level).initial_trust) if memory else None
        state = initial_state(persona, level, trust=start)
        opening = self.runtime.engine.opening(
            persona,
            level,
            seed or conversation_id,
            memory=memory,
            recent=self.runtime.recent_for(seed),
        )
        conversation = Conversation(
            id=conversation_id,
            tenant_id=tenant.id,
            persona_id=persona.id,
            difficulty=level,
            user_ref=user_ref,
            token_hash=grant.token_hash,
            engine=self.runtime.engine.name,
            seed=seed,
            continues_id=memory.conversation_id if memory else None,
            memory=as_json(memory),
            persona_snapshot=snapshot_of(self.runtime, persona),
            state=_dump(state),
            version=0,
            summary="",
            summary_covers=0,
            messages=[Message(index=0, role="persona", content=opening, state=_dump(state))],
        )
        await self.repo.add(conversation)
        return {**for_caller(tenant, conversation_json(conversation)), **grant.secrets()}

    async def get(self, tenant: Tenant, conversation_id: str) -> dict[str, Any]:
        conversation = await owned(self.repo, tenant, conversation_id)
        return for_caller(tenant, conversation_json(conversation))

    async def list(
        self, tenant: Tenant, *, user_ref: str | None, limit: int, offset: int
    ) -> dict[str, Any]:
        refuse_visitors(tenant, "list conversations or learners")
        rows, total = await self.repo.list_for(
            tenant.id, user_ref=user_ref, limit=limit, offset=offset
        )
        return {
            "conversations": [conversation_summary(c) for c in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    async def end(self, tenant: Tenant, conversation_id: str) -> Report:
        conversation = await owned(self.repo, tenant, conversation_id)
        state = DialogueState.model_validate(conversation.state)
        if not state.ended:
            ended = finish(state)
            await self.repo.set_state(conversation, _dump(ended), utcnow())
            conversation.state = _dump(ended)
        return report_for(conversation)

    async def report(self, tenant: Tenant, conversation_id: str) -> Report:
        return report_for(await owned(self.repo, tenant, conversation_id))

    async def delete(self, tenant: Tenant, conversation_id: str) -> None:
        await owned(self.repo, tenant, conversation_id, with_messages=False)
        await self.repo.delete(tenant.id, conversation_id)


def _dump(state: DialogueState) -> dict[str, Any]:
    return state.model_dump(mode="json")
