"""One feedback object without a conversation (POST /v1/analyze and `rapport analyze`)."""

from __future__ import annotations

from collections.abc import Sequence

from app.feedback.analyzer import analyze
from app.feedback.types import Feedback, Role, Utterance


def analyze_request(
    message: str, partner_said: str | None, history: Sequence[tuple[Role, str]] = ()
) -> Feedback:
    lines = [Utterance(role, content) for role, content in history]
    if not lines and partner_said:
        lines = [Utterance("persona", partner_said)]
    return analyze(message.strip(), lines)
