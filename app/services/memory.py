"""Relationship memory: what a persona remembers of a learner when they meet again.

Keyed on the conversation's stored `user_ref` within one tenant (for a publishable key's visitor
that is the reference its visitor token stands for), and on the persona: a new conversation
continues the learner's most recent one with that persona in which they said anything, ended or
not. Without a `user_ref` there is nobody to remember, and a conversation starts fresh.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.dialogue.memory import LearnerMemory
from app.dialogue.recall import from_json, remember
from app.dialogue.types import DialogueState
from app.models import Conversation
from app.models.tables import utcnow
from app.personas.schema import Persona
from app.repositories import ConversationRepository
from app.services.transcript import utterances


async def recall(
    repo: ConversationRepository, tenant_id: str, user_ref: str | None, persona: Persona
) -> LearnerMemory | None:
    """What `persona` remembers of the learner `user_ref`, or None for a first meeting."""
    if user_ref is None:
        return None
    last = await repo.latest_with_learner(tenant_id, user_ref, persona.id)
    return None if last is None else memory_of(last, persona, utcnow())


def memory_of(conversation: Conversation, persona: Persona, now: datetime) -> LearnerMemory:
    return remember(
        persona,
        conversation.id,
        utterances(conversation.messages),
        DialogueState.model_validate(conversation.state),
        last_active=_aware(conversation.ended_at or conversation.updated_at),
        now=now,
        earlier=from_json(conversation.memory),
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
