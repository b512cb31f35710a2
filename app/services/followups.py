"""After the conversation: the recall check and the follow-up note, stored with the conversation
and shown in its report. The scoring itself is pure (app/followup/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.dialogue.recall import learner_name
from app.dialogue.types import DialogueState, Outcome
from app.errors import ConversationNotEnded, RecallAlreadyAnswered
from app.followup.coach import coach_note
from app.followup.notes import Channel, Ended, NoteContext
from app.followup.recall import check_recall
from app.followup.revealed import (
    Revealed,
    background,
    offered,
    revealed,
    revealed_in_lines,
)
from app.models import Conversation
from app.repositories import ConversationRepository
from app.repositories.followups import FollowupRepository
from app.services.access import owned
from app.services.personas import persona_of
from app.services.runtime import Runtime
from app.services.tenancy import Tenant
from app.services.transcript import utterances
from app.services.transcripts import IMPORTED

ENDINGS: dict[Outcome | None, Ended] = {
    Outcome.WARM_CLOSE: "warm",
    Outcome.NEUTRAL_CLOSE: "neutral",
    Outcome.WALKED_AWAY: "cool",
    None: "neutral",
}
# Which revealed lines a rewrite suggestion names first: what was earned, then the stories.
PRIORITY = {"hook": 0, "deeper": 1, "fact": 2, "said": 3, "offer": 4}


@dataclass(frozen=True)
class AfterConversation:
    """What the learner heard in one ended conversation, and from whom."""

    name: str  # the partner's name ("Priya Raman")
    profile: str  # who they are, for the note coach ("Priya Raman, recruiter at ...")
    items: list[Revealed]
    background: list[str]
    offered: str | None
    ended: Ended
    learner_name: str | None

    def question(self) -> str:
        return f"What did you learn about {self.name.split()[0]}?"

    def note_context(self, channel: Channel) -> NoteContext:
        told = sorted((i for i in self.items if i.kind != "offer"), key=lambda i: PRIORITY[i.kind])
        return NoteContext(
            revealed=tuple(i.text for i in told),
            offered=self.offered,
            ended=self.ended,
            channel=channel,
            partner=self.profile,
        )


def after(runtime: Runtime, conversation: Conversation) -> AfterConversation:
    lines = utterances(conversation.messages)
    state = DialogueState.model_validate(conversation.state)
    learner = learner_name(u.content for u in lines if u.role == "user")
    if conversation.source == IMPORTED:  # a real conversation: no persona file behind it
        name = _other_speaker(conversation)
        items = revealed_in_lines(lines)
        return AfterConversation(name, name, items, [name], None, ENDINGS[state.outcome], learner)
    persona = persona_of(runtime, conversation)
    items = revealed(persona, lines, state)
    return AfterConversation(
        persona.name,
        f"{persona.name}, {persona.role} at {persona.company}",
        items,
        background(persona, lines),
        offered(persona, items),
        ENDINGS[state.outcome],
        learner,
    )


def _other_speaker(conversation: Conversation) -> str:
    """The first speaker of an imported transcript who is not the learner."""
    details = conversation.import_details or {}
    learner = details.get("learner")
    others = [s for s in details.get("speakers", []) if s and s != learner]
    return str(others[0]) if others else "them"


class FollowupService:
    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.repo = ConversationRepository(session)
        self.followups = FollowupRepository(session)

    async def recall_question(self, tenant: Tenant, conversation_id: str) -> dict[str, Any]:
        conversation = await owned(self.repo, tenant, conversation_id)
        answered = await self.followups.latest(conversation_id, "recall")
        return {
            "question": after(self.runtime, conversation).question(),
            "ended": DialogueState.model_validate(conversation.state).ended,
            "result": answered.result if answered else None,
        }

    async def recall(self, tenant: Tenant, conversation_id: str, answer: str) -> dict[str, Any]:
        conversation = await self._ended(tenant, conversation_id)
        existing = await self.followups.latest(conversation_id, "recall")
        if existing is not None:
            if existing.text == answer:
                return existing.result  # the same answer sent again (a retried request)
            raise RecallAlreadyAnswered(
                "This conversation's recall check is already answered; its result is in the "
                "report. Each conversation is checked once."
            )
        heard = after(self.runtime, conversation)
        result = check_recall(
            answer,
            heard.items,
            heard.background,
            partner=heard.name,
            learner_name=heard.learner_name,
        )
        body = {"question": heard.question(), **result.to_json()}
        await self.followups.add(conversation_id, "recall", answer, body)
        return body

    async def note(
        self, tenant: Tenant, conversation_id: str, note: str, channel: Channel
    ) -> dict[str, Any]:
        conversation = await self._ended(tenant, conversation_id)
        heard = after(self.runtime, conversation)
        feedback = coach_note(note, heard.note_context(channel))
        draft = await self.followups.count(conversation_id, "note") + 1
        body = {"note": note, "channel": channel, "draft": draft, **feedback}
        await self.followups.add(conversation_id, "note", note, body, channel=channel)
        return body

    async def with_followups(self, conversation_id: str, report: dict[str, Any]) -> dict[str, Any]:
        """The report with the recall check's result and the latest note's feedback (null until
        the learner gave them)."""
        recall = await self.followups.latest(conversation_id, "recall")
        note = await self.followups.latest(conversation_id, "note")
        return {
            **report,
            "recall": recall.result if recall else None,
            "follow_up_note": note.result if note else None,
        }

    async def _ended(self, tenant: Tenant, conversation_id: str) -> Conversation:
        conversation = await owned(self.repo, tenant, conversation_id)
        if not DialogueState.model_validate(conversation.state).ended:
            raise ConversationNotEnded(
                "The conversation is still going: end it (POST .../end) before the recall "
                "check or the follow-up note."
            )
        return conversation


def analyze_note(
    note: str,
    *,
    revealed_lines: list[str],
    offered_item: str | None,
    ended: Ended,
    channel: Channel,
    partner: str | None,
) -> dict[str, Any]:
    """POST /v1/notes/analyze: a note judged against a conversation described in the request."""
    context = NoteContext(tuple(revealed_lines), offered_item, ended, channel, partner or "")
    return {"note": note, "channel": channel, **coach_note(note, context)}
