"""Small builders for conversations the analyzer tests feed in."""

from __future__ import annotations

from app.feedback.types import Utterance


def partner(line: str) -> list[Utterance]:
    """A conversation whose only line so far is the partner's."""
    return [Utterance("persona", line)]


def conversation(*pairs: tuple[str, str], last: str) -> list[Utterance]:
    """(partner, user) exchanges, then the partner's latest line."""
    history: list[Utterance] = []
    for persona_line, user_line in pairs:
        history += [Utterance("persona", persona_line), Utterance("user", user_line)]
    return [*history, Utterance("persona", last)]


WARM_RECRUITER = (
    (
        "Hi there! I'm Priya, I do the engineering hiring here. How's the fair treating you?",
        "Good, thanks! How did you end up in recruiting?",
    ),
    (
        "By accident. I taught high-school chemistry for four years first.",
        "From chemistry to recruiting, what a switch. What do you miss about teaching?",
    ),
    (
        "Seeing someone get it, that little click. The offer call is my version of it now.",
        "So the offer call is your click. What makes a candidate stand out to you?",
    ),
    (
        "People who ask about the nurses before the tech stack.",
        "That makes sense, the nurses are the point. What is the data team working on?",
    ),
)
