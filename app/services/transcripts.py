"""Scoring a real conversation from its transcript (POST /v1/transcripts, `rapport score`).

Nothing is stored unless asked: with `store`, the scored conversation is kept as an imported
conversation of the key's tenant (source "imported"), ended, with the learner's `user_ref` if
given, so that it counts in the learner's progress beside their practice conversations.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.dialogue.types import DialogueState, Outcome, Stage
from app.models import Conversation, Message
from app.models.tables import utcnow
from app.repositories import ConversationRepository
from app.services.access import refuse_visitors
from app.services.tenancy import Tenant
from app.services.transcript import conversation_summary
from app.transcripts.parse import Format, Transcript, from_items, parse
from app.transcripts.score import Scored, score

IMPORTED = "imported"  # the `source` and `persona_id` of an imported conversation


@dataclass(frozen=True, slots=True)
class TranscriptRequest:
    me: str
    text: str | None = None  # the file's contents, or
    items: Sequence[tuple[str, str, float | None]] | None = None  # turns given as data
    format: Format | None = None
    outcome: str | None = None
    store: bool = False
    user_ref: str | None = None
    held_at: datetime | None = None


def read(request: TranscriptRequest) -> Transcript:
    if request.items is not None:
        return from_items(request.items)
    return parse(request.text or "", request.format)


def score_request(request: TranscriptRequest) -> Scored:
    return score(read(request), request.me, request.outcome)


class TranscriptService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = ConversationRepository(session)

    async def score(self, tenant: Tenant, request: TranscriptRequest) -> dict[str, Any]:
        refuse_visitors(tenant, "score transcripts")
        # The analyzer is CPU work (a few ms a turn, up to 500 turns): off the event loop, so
        # that other requests are answered meanwhile.
        scored = await asyncio.to_thread(score_request, request)
        out = scored.to_json()
        if request.store:
            conversation = await self._store(tenant, request, scored)
            out["conversation"] = conversation_summary(conversation)
        return out

    async def _store(
        self, tenant: Tenant, request: TranscriptRequest, scored: Scored
    ) -> Conversation:
        held = _aware(request.held_at) if request.held_at else utcnow()
        learner_turns = sum(1 for line in scored.lines if line.role == "user")
        state = DialogueState(
            stage=Stage.ENDED,
            trust=0.0,  # not measured: a real conversation has no persona
            turn=learner_turns,
            ended=True,
            outcome=Outcome(request.outcome) if request.outcome else None,
            stages_reached=[],
        ).model_dump(mode="json")
        messages = [
            Message(
                index=index,
                role=line.role,
                content=line.turn.text,
                feedback=line.feedback.model_dump(mode="json") if line.feedback else None,
                created_at=held,
            )
            for index, line in enumerate(scored.lines)
        ]
        conversation = Conversation(
            id=str(uuid.uuid4()),
            tenant_id=tenant.id,
            persona_id=IMPORTED,
            difficulty="normal",
            user_ref=request.user_ref,
            engine=IMPORTED,
            source=IMPORTED,
            import_details={
                "format": scored.transcript.format,
                "learner": scored.learner,
                "speakers": [line.turn.speaker for line in scored.lines],
            },
            state=state,
            version=0,
            summary="",
            summary_covers=0,
            created_at=held,
            updated_at=utcnow(),
            ended_at=held,
            messages=messages,
        )
        await self.repo.add(conversation)
        return conversation


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
