"""What the analyzer knows about the conversation before the user's message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.feedback import cues
from app.feedback.text import content_stems, named_entities, sentences, words
from app.feedback.types import Utterance

# How many user turns, and how warm, before asking for a referral or a demo stops being a pitch.
WARM_MIN_TURNS = 3
WARM_MIN_RATE = 0.6


@dataclass(frozen=True, slots=True)
class Context:
    partner_last: str
    partner_statements: tuple[str, ...]  # the partner's last line minus its questions
    partner_questions: tuple[str, ...]
    # statements of the partner's recent lines, newest first: where tips find a hook
    recent_statements: tuple[str, ...]
    partner_stems: frozenset[str]  # content stems of the partner's last line
    earlier_stems: frozenset[str]  # content stems of the partner's earlier lines
    recent_stems: frozenset[str]  # content stems of the partner's last three lines
    partner_entities: frozenset[str]
    user_turns_before: int
    prior_interest_rate: float
    asked_about_user: bool  # the partner just asked the user something about themselves
    partner_emotional: bool  # the partner just shared a feeling or a life event
    partner_shared: bool  # the partner just told something about themselves worth picking up
    partner_content: bool  # the partner's last line says something a pronoun can point at
    invites_questions: bool  # "any questions for me?": a question of any kind answers it

    @property
    def warm(self) -> bool:
        return (
            self.user_turns_before >= WARM_MIN_TURNS and self.prior_interest_rate >= WARM_MIN_RATE
        )

    @property
    def has_partner(self) -> bool:
        return bool(self.partner_last.strip())


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().rstrip("\"')”’").endswith("?")


def _looks_interested(message: str) -> bool:
    """A cheap verdict on an earlier user turn: curious about the partner and not selling.

    The full analysis of every earlier turn would make a turn's cost grow with the
    conversation; this proxy only has to tell warm histories from cold ones.
    """
    curious = (
        "?" in message
        or cues.MORE_REQUEST.search(message) is not None
        or any(cues.REFLECTION.match(s) for s in sentences(message))
        or cues.ACKNOWLEDGE.search(message) is not None
        or cues.FEELING_REFLECTION.search(message) is not None
    )
    selling = (
        cues.PRODUCT_PITCH.search(message) is not None
        or cues.SELF_PITCH.search(message) is not None
        or cues.ASK.search(message) is not None
    )
    return curious and not selling


_SELF_WORDS = frozenset(
    {"i", "i'm", "i've", "i'd", "my", "we", "we're", "we've", "our", "me", "us"}
)
SHARED_MIN_STEMS = 3


def _shares(statements: tuple[str, ...]) -> bool:
    """Did the partner tell something about themselves (not just "nice to meet you")?"""
    if not any(_SELF_WORDS & set(words(s)) for s in statements):
        return False
    return len(content_stems(" ".join(statements))) >= SHARED_MIN_STEMS


def _recent_statements(persona_lines: list[str], lines: int = 3) -> tuple[str, ...]:
    found: list[str] = []
    for line in reversed(persona_lines[-lines:]):
        found.extend(s for s in sentences(line) if not _is_question(s))
    return tuple(found)


def build_context(history: Sequence[Utterance]) -> Context:
    persona_lines = [u.content for u in history if u.role == "persona"]
    user_lines = [u.content for u in history if u.role == "user"]
    last = persona_lines[-1] if persona_lines else ""
    sents = sentences(last)
    questions = tuple(s for s in sents if _is_question(s))
    statements = tuple(s for s in sents if not _is_question(s))
    earlier: frozenset[str] = frozenset()
    for line in persona_lines[:-1]:
        earlier |= content_stems(line)
    recent_user = user_lines[-8:]
    rate = sum(_looks_interested(m) for m in recent_user) / len(recent_user) if recent_user else 0.0
    return Context(
        partner_last=last,
        partner_statements=statements,
        partner_questions=questions,
        recent_statements=_recent_statements(persona_lines),
        partner_stems=content_stems(last),
        earlier_stems=earlier,
        recent_stems=frozenset().union(*(content_stems(x) for x in persona_lines[-3:])),
        partner_entities=named_entities(last),
        user_turns_before=len(user_lines),
        prior_interest_rate=rate,
        asked_about_user=any(cues.ASKED_ABOUT_USER.search(q) for q in questions),
        partner_emotional=cues.EMOTION.search(" ".join(statements)) is not None,
        partner_shared=_shares(statements),
        partner_content=len(content_stems(" ".join(statements))) >= SHARED_MIN_STEMS,
        invites_questions=any(cues.INVITES_QUESTIONS.search(q) for q in questions),
    )
