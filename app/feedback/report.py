"""The end-of-conversation scorecard (API.md "report"), built from the per-turn feedback.

Counting conventions (documented in docs/labelling.md, "Report"):
- `questions`: user turns that asked at least one real question (follow-up, new-topic or
  mirror); rhetorical questions and sales questions do not count. `follow_up_questions` and
  `reflections` count turns carrying those moves.
- `reflection_to_question_ratio`: reflections / questions (MITI: fair >= 1, good >= 2); null when
  the user asked no question.
- `talk_share`: user words / (user words + persona words, the opening line included).
- `highlights`: up to two best turns (genuine interest, highest score) and the worst turn
  (score under 50), each quoting the user's own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.feedback.text import words
from app.feedback.types import Feedback, Move

QUESTION_MOVES = frozenset({Move.FOLLOW_UP_QUESTION, Move.NEW_TOPIC_QUESTION, Move.MIRROR_QUESTION})
NEUTRAL_SCORE = 50
LONG_MONOLOGUE = 60
TALKATIVE_SHARE = 0.6
QUOTE_CHARS = 160
MIN_TIPS = 2
GOOD_RATIO = 2


@dataclass(frozen=True)
class ReportTurn:
    turn: int  # 1-based user turn number
    user: str  # the user's message
    feedback: Feedback
    reply: str | None  # the persona's reply (None if missing)
    trust: float  # trust after this turn


class Highlight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["best", "worst"]
    turn: int
    text: str  # the user's words, quoted exactly (shortened with "..." when long)
    score: int
    moves: list[Move]
    note: str


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turns: int
    genuine_interest_rate: float
    mean_score: float
    questions: int
    follow_up_questions: int
    reflections: int
    reflection_to_question_ratio: float | None
    talk_share: float
    longest_monologue_words: int
    first_pitch_turn: int | None
    trust_curve: list[float]
    stages_reached: list[str]
    outcome: str | None
    highlights: list[Highlight]
    tips: list[str]


def _count(turns: Sequence[ReportTurn], moves: frozenset[Move]) -> int:
    return sum(1 for t in turns if moves & set(t.feedback.moves))


def _talk_share(opening: str, turns: Sequence[ReportTurn]) -> float:
    user = sum(len(words(t.user)) for t in turns)
    persona = len(words(opening)) + sum(len(words(t.reply or "")) for t in turns)
    total = user + persona
    return round(user / total, 3) if total else 0.0


def _quote(turn: ReportTurn, prefer: Sequence[Move]) -> str:
    for move in prefer:
        for ev in turn.feedback.evidence:
            if ev.move == move:
                return _shorten(ev.text)
    return _shorten(turn.user.strip())


def _shorten(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3].rstrip() + "..."


_PRAISE = {
    Move.FOLLOW_UP_QUESTION: "you asked for more about what they had just said",
    Move.REFLECTION: "you showed you had understood them",
    Move.NEW_TOPIC_QUESTION: "you opened a new topic about them",
    Move.ACKNOWLEDGEMENT: "you recognised what they told you",
}
_BLAME = {
    Move.PITCH: "a pitch before they trusted you",
    Move.TOPIC_HIJACK: "it stepped over what they had said",
    Move.DISMISSIVE: "it judged what they had said",
    Move.SELF_FOCUS: "the turn was about you, not them",
    Move.MINIMAL: "a reply with no attention in it",
}


def _highlights(turns: Sequence[ReportTurn]) -> list[Highlight]:
    ranked = sorted(turns, key=lambda t: (-t.feedback.score, t.turn))
    best = [t for t in ranked if t.feedback.genuine_interest][:2]
    out = [_highlight("best", t, list(_PRAISE)) for t in best]
    worst = [t for t in reversed(ranked) if t.feedback.score < NEUTRAL_SCORE][:1]
    out += [_highlight("worst", t, list(_BLAME)) for t in worst if t not in best]
    return out


def _highlight(kind: Literal["best", "worst"], turn: ReportTurn, order: list[Move]) -> Highlight:
    notes = _PRAISE if kind == "best" else _BLAME
    move = next((m for m in order if m in turn.feedback.moves), None)
    note = notes[move] if move else turn.feedback.tip
    return Highlight(
        kind=kind,
        turn=turn.turn,
        text=_quote(turn, order),
        score=turn.feedback.score,
        moves=list(turn.feedback.moves),
        note=note,
    )


def _first(turns: Sequence[ReportTurn], move: Move) -> ReportTurn | None:
    return next((t for t in turns if move in t.feedback.moves), None)


def _tips(turns: Sequence[ReportTurn], talk_share: float) -> list[str]:
    """Two fixes (specific moments first, then habits), then what to keep doing."""
    fixes = [*_moment_tips(turns), *_habit_tips(turns, talk_share)]
    weakest = min(turns, key=lambda t: (t.feedback.score, t.turn))
    mentioned = any(tip.startswith(f"Turn {weakest.turn} ") for tip in fixes)
    if weakest.feedback.score < NEUTRAL_SCORE and not mentioned:
        fixes.append(f"Turn {weakest.turn}: {weakest.feedback.tip}")
    tips = list(dict.fromkeys(fixes))[:2]
    keep = _keep_doing(turns)
    if keep:
        tips.append(keep)
    if len(tips) < MIN_TIPS:
        tips.append(_balance_tip(turns))
    return tips


def _moment_tips(turns: Sequence[ReportTurn]) -> list[str]:
    tips: list[str] = []
    pitch = _first(turns, Move.PITCH)
    if pitch:
        tips.append(
            f'Turn {pitch.turn} was a pitch ("{_quote(pitch, [Move.PITCH])}"): earn it first '
            "with a few turns of real questions about them."
        )
    hijack = _first(turns, Move.TOPIC_HIJACK)
    if hijack:
        tips.append(f"Turn {hijack.turn} changed the subject: {hijack.feedback.tip}")
    longest = max(turns, key=lambda t: len(words(t.user)))
    if len(words(longest.user)) >= LONG_MONOLOGUE:
        tips.append(
            f"Turn {longest.turn} ran {len(words(longest.user))} words; keep turns to two or "
            "three sentences and end on a question about them."
        )
    return tips


def _habit_tips(turns: Sequence[ReportTurn], talk_share: float) -> list[str]:
    tips: list[str] = []
    if talk_share > TALKATIVE_SHARE:
        tips.append(
            f"You spoke {round(talk_share * 100)}% of the words; the best conversations stay "
            "under half, so ask and then let them talk."
        )
    if _count(turns, frozenset({Move.FOLLOW_UP_QUESTION})) == 0:
        tips.append(
            "None of your questions built on their answers; pick a detail they gave and ask "
            "about it."
        )
    if _count(turns, frozenset({Move.REFLECTION})) == 0:
        tips.append(
            "Try one reflection before your next question: restate what they said in your own "
            'words ("So it sounds like...").'
        )
    return tips


def _keep_doing(turns: Sequence[ReportTurn]) -> str | None:
    best = max(turns, key=lambda t: (t.feedback.score, -t.turn))
    if not best.feedback.genuine_interest:
        return None
    quote = _quote(best, list(_PRAISE))
    return f'Keep doing what worked in turn {best.turn} ("{quote}"): {best.feedback.tip}'


def _balance_tip(turns: Sequence[ReportTurn]) -> str:
    asked = _count(turns, QUESTION_MOVES)
    reflected = _count(turns, frozenset({Move.REFLECTION}))
    if asked == 0:
        return "Ask at least one open question about them in your next conversation."
    if reflected < GOOD_RATIO * asked:
        return (
            f"You reflected {reflected} time(s) for {asked} question(s); aim for two "
            "reflections per question (MITI: 1 is fair, 2 is good) so they hear you listened."
        )
    return (
        'Next time, link back to something they said earlier ("You mentioned..."): it shows '
        "you kept listening."
    )


def build_report(
    opening: str,
    turns: Sequence[ReportTurn],
    *,
    initial_trust: float,
    stages_reached: Sequence[str],
    outcome: str | None,
) -> Report:
    n = len(turns)
    questions = _count(turns, QUESTION_MOVES)
    reflections = _count(turns, frozenset({Move.REFLECTION}))
    share = _talk_share(opening, turns)
    pitch = _first(turns, Move.PITCH)
    return Report(
        turns=n,
        genuine_interest_rate=round(sum(t.feedback.genuine_interest for t in turns) / n, 3)
        if n
        else 0.0,
        mean_score=round(sum(t.feedback.score for t in turns) / n, 1) if n else 0.0,
        questions=questions,
        follow_up_questions=_count(turns, frozenset({Move.FOLLOW_UP_QUESTION})),
        reflections=reflections,
        reflection_to_question_ratio=round(reflections / questions, 2) if questions else None,
        talk_share=share,
        longest_monologue_words=max((len(words(t.user)) for t in turns), default=0),
        first_pitch_turn=pitch.turn if pitch else None,
        trust_curve=[round(initial_trust, 3), *(round(t.trust, 3) for t in turns)],
        stages_reached=list(stages_reached),
        outcome=outcome,
        highlights=_highlights(turns),
        tips=_tips(turns, share) if turns else [],
    )
