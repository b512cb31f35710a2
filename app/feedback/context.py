"""What the analyzer knows about the conversation before the user's message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from app.feedback import cues, text
from app.feedback.text import content_stems, named_entities, split_light, words
from app.feedback.types import Utterance

# How many user turns, and how warm, before asking for a referral or a demo stops being a pitch.
WARM_MIN_TURNS = 4
WARM_MIN_RATE = 0.6


@dataclass(frozen=True)
class Context:
    """Facts about the conversation so far. Computed once per analysis; the parts only some
    moves need (older lines, tip hooks) are computed on first use."""

    partner_last: str
    partner_statements: tuple[str, ...]  # the partner's last line minus its questions
    partner_questions: tuple[str, ...]
    partner_stems: frozenset[str]  # content stems of the partner's last line
    partner_entities: frozenset[str]
    persona_lines: tuple[str, ...]
    user_lines: tuple[str, ...]
    asked_about_user: bool  # the partner just asked the user something about themselves
    partner_emotional: bool  # the partner just shared a feeling or a life event
    partner_shared: bool  # the partner just told something about themselves worth picking up
    partner_content: bool  # the partner's last line says something a pronoun can point at
    invites_questions: bool  # "any questions for me?": a question of any kind answers it
    introduced: bool  # "I'm Aisha": the user introducing themselves in turn is no self-focus

    @property
    def has_partner(self) -> bool:
        return bool(self.partner_last.strip())

    @property
    def user_turns_before(self) -> int:
        return len(self.user_lines)

    @cached_property
    def prior_interest_rate(self) -> float:
        recent = self.user_lines[-8:]
        return sum(_looks_interested(m) for m in recent) / len(recent) if recent else 0.0

    @property
    def warm(self) -> bool:
        return (
            self.user_turns_before >= WARM_MIN_TURNS and self.prior_interest_rate >= WARM_MIN_RATE
        )

    @cached_property
    def earlier_stems(self) -> frozenset[str]:
        """Content stems of the partner's earlier lines ("you mentioned...")."""
        return frozenset().union(*(content_stems(x) for x in self.persona_lines[:-1]))

    @cached_property
    def recent_stems(self) -> frozenset[str]:
        """Content stems of the partner's last three lines."""
        return frozenset().union(*(content_stems(x) for x in self.persona_lines[-3:]))

    @cached_property
    def recent_statements(self) -> tuple[str, ...]:
        """Statements of the partner's recent lines, newest first: where tips find a hook."""
        found: list[str] = []
        for line in reversed(self.persona_lines[-3:]):
            found.extend(s for s in split_light(line) if not _is_question(s))
        return tuple(found)


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().rstrip("\"')”’").endswith("?")


@lru_cache(maxsize=4096)
def _looks_interested(message: str) -> bool:
    """A cheap verdict on an earlier user turn: curious about the partner and not selling.

    The full analysis of every earlier turn would make a turn's cost grow with the
    conversation; this proxy only has to tell warm histories from cold ones.
    """
    curious = (
        "?" in message
        or cues.MORE_REQUEST.search(message) is not None
        or any(cues.REFLECTION.match(s) for s in split_light(message))
        or cues.ACKNOWLEDGE.search(message) is not None
        or cues.FEELING_REFLECTION.search(message) is not None
    )
    selling = (
        cues.PRODUCT_PITCH.search(message) is not None
        or cues.SELF_PITCH.search(message) is not None
        or cues.ASK.search(message) is not None
        or cues.JOB_SEEKING.search(message) is not None
        or cues.AGENDA.search(message) is not None  # "who signs off on new software?"
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


def repeats_their_question(sentence: str, ctx: Context) -> bool:
    """The user says the partner's question about them back before answering it ("My team?",
    "Me?"): it asks them nothing."""
    tokens = words(sentence)
    if not (ctx.asked_about_user and ctx.partner_questions and 0 < len(tokens) <= 3):
        return False
    if not _SELF_WORDS & set(tokens):
        return False
    asked: frozenset[str] = frozenset().union(*(content_stems(q) for q in ctx.partner_questions))
    return content_stems(sentence) <= asked


def clear_caches() -> None:
    """Forget everything cached about particular messages (benchmarks time cold analyses)."""
    from app.feedback.analyzer import _pitchy  # the analyzer imports this module
    from app.feedback.embed import embed_one
    from app.feedback.features import _question_part

    _pitchy.cache_clear()
    embed_one.cache_clear()
    _question_part.cache_clear()
    _looks_interested.cache_clear()
    text.clear_caches()


def build_context(history: Sequence[Utterance]) -> Context:
    persona_lines = tuple(u.content for u in history if u.role == "persona")
    last = persona_lines[-1] if persona_lines else ""
    sents = split_light(last)
    questions = tuple(s for s in sents if _is_question(s))
    statements = tuple(s for s in sents if not _is_question(s))
    said = " ".join(statements)
    return Context(
        partner_last=last,
        partner_statements=statements,
        partner_questions=questions,
        partner_stems=content_stems(last),
        partner_entities=named_entities(last),
        persona_lines=persona_lines,
        user_lines=tuple(u.content for u in history if u.role == "user"),
        asked_about_user=any(cues.ASKED_ABOUT_USER.search(q) for q in questions)
        or cues.INVITES_INTRODUCTION.search(last) is not None,
        partner_emotional=cues.EMOTION.search(said) is not None,
        partner_shared=_shares(statements),
        partner_content=len(content_stems(said)) >= SHARED_MIN_STEMS,
        invites_questions=any(cues.INVITES_QUESTIONS.search(q) for q in questions),
        introduced=cues.INTRODUCTION.search(last) is not None,
    )
