"""Turning stored rows back into the pure objects the dialogue and feedback code work on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from app.dialogue.types import DialogueState
from app.feedback.report import Report, ReportTurn, build_report
from app.feedback.types import Feedback, Utterance
from app.models import Conversation, Message
from app.transcripts.score import report_of


class Line(Protocol):
    """What a transcript line needs for the dialogue: a Message, or a row of one."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


def utterances(lines: Iterable[Line]) -> tuple[Utterance, ...]:
    return tuple(Utterance(m.role, m.content) for m in lines)  # type: ignore[arg-type]


def message_json(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"index": message.index, "role": message.role, "content": message.content}
    if message.role == "user":
        out["feedback"] = message.feedback
    return out


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    """A conversation without its messages (listings)."""
    return {
        "id": conversation.id,
        "persona_id": conversation.persona_id,
        "difficulty": conversation.difficulty,
        "user_ref": conversation.user_ref,
        # The learner's earlier conversation with this persona that this one continues (the
        # persona remembers it), or null when it started fresh.
        "continues": conversation.continues_id,
        # "practice", or "imported": a real conversation scored from a transcript
        "source": conversation.source or "practice",
        "created_at": _utc_iso(conversation.created_at),
        "ended_at": _utc_iso(conversation.ended_at) if conversation.ended_at else None,
        "state": DialogueState.model_validate(conversation.state).public(),
    }


def _utc_iso(moment: datetime) -> str:
    """ISO 8601 with its offset, always. SQLite hands timestamps back without one (they are
    stored in UTC), and a browser reads an ISO string without an offset as local time."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    messages = [message_json(m) for m in conversation.messages]
    return {**conversation_summary(conversation), "messages": messages}


def state_before(messages: list[Message], user_position: int) -> DialogueState:
    """The state in force before the user line at `user_position` (the last one that has state)."""
    for message in reversed(messages[:user_position]):
        if message.state is not None:
            return DialogueState.model_validate(message.state)
    raise ValueError("a transcript always starts with the opening line and its state")


def report_for(conversation: Conversation) -> Report:
    if conversation.source == "imported":
        return _imported_report(conversation)
    messages = conversation.messages
    state = DialogueState.model_validate(conversation.state)
    turns: list[ReportTurn] = []
    for position, message in enumerate(messages):
        if message.role != "user":
            continue
        following = messages[position + 1] if position + 1 < len(messages) else None
        reply = following.content if following is not None and following.role == "persona" else None
        after = DialogueState.model_validate(message.state)
        turns.append(
            ReportTurn(
                turn=len(turns) + 1,
                user=message.content,
                feedback=Feedback.model_validate(message.feedback),
                reply=reply,
                trust=after.trust,
            )
        )
    initial = DialogueState.model_validate(messages[0].state)
    return build_report(
        messages[0].content,
        turns,
        initial_trust=initial.trust,
        stages_reached=[s.value for s in state.stages_reached],
        outcome=state.outcome.value if state.outcome else None,
    )


def _imported_report(conversation: Conversation) -> Report:
    """A real conversation's report, rebuilt from its stored lines and feedback (it has no
    dialogue states: no persona took part)."""
    lines = [
        (m.role, m.content, Feedback.model_validate(m.feedback) if m.feedback else None)
        for m in conversation.messages
    ]
    outcome = DialogueState.model_validate(conversation.state).outcome
    return report_of(lines, outcome.value if outcome else None)  # type: ignore[arg-type]
