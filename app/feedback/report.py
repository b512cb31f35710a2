"""The end-of-conversation scorecard (API.md "report"), built from the per-turn feedback.

Counting conventions (documented in docs/labelling.md, "Report"):
- `questions`: user turns that asked at least one question, whatever it served: a pitch or a
  change of subject phrased as a question is still a question the user asked (a checking
  reflection, "So you moved for the job?", is a reflection). `agenda_questions` counts the turns
  whose question served the user's own agenda (a pitch or a hijack). `follow_up_questions` and
  `reflections` count turns carrying those moves.
- `reflection_to_question_ratio`: reflections / questions (counselling research calls 1 fair and
  2 good); null when the user asked no question.
- `talk_share`: user words / (user words + persona words, the opening line included).
- `highlights`: up to two best turns (genuine interest, highest score, and never a turn that
  pitched or asked for something before it was earned) and the worst turn (score under 50), each
  quoting the user's own words.
- `tips`: written for the user in plain words; a user who mostly answered in a word or two is
  told that first, not that their (absent) questions missed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.feedback import cues
from app.feedback.text import sentences, words
from app.feedback.types import NEGATIVE_MOVES, QUESTION_MOVES, Feedback, Move

NEUTRAL_SCORE = 50
LONG_MONOLOGUE = 60
TALKATIVE_SHARE = 0.6
QUOTE_CHARS = 160
MIN_TIPS = 2
GOOD_RATIO = 2
AGENDA_MOVES = frozenset({Move.PITCH, Move.TOPIC_HIJACK})
# Sales qualification the cue lists may not name: never a turn to hold up as good listening.
SALES_WORDS = re.compile(
    r"(?i)\b(?:approv\w*|sign(?:s|ing)? off|purchase|discount|pricing|price|contract|demo|"
    r"trial|quote|budget|decision[- ]makers?)\b"
)
# Most of the user's turns a word or two: the first thing to fix, before any question habit.
ONE_WORD_SHARE = 0.5


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
    agenda_questions: int = 0
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


def _asks(turn: ReportTurn) -> bool:
    """Did the turn ask a question, of any kind? A question move, or a sentence ending in "?"
    that is not a checking reflection."""
    if QUESTION_MOVES & set(turn.feedback.moves):
        return True
    reflected = {e.text for e in turn.feedback.evidence if e.move == Move.REFLECTION}
    return any(
        s.rstrip(" \"')”’").endswith("?") and s not in reflected and len(words(s)) > 1
        for s in sentences(turn.user)
    )


def _agenda_question(turn: ReportTurn) -> bool:
    return bool(AGENDA_MOVES & set(turn.feedback.moves)) and _asks(turn)


def _one_word(turn: ReportTurn) -> bool:
    return Move.MINIMAL in turn.feedback.moves or len(words(turn.user)) <= 2


def _sells(turn: ReportTurn) -> bool:
    """A pitch or an ask, by the analyzer's verdict or by its own words: a scorecard must never
    hold one up as a good turn, even when the turn's verdict missed it."""
    if NEGATIVE_MOVES & set(turn.feedback.moves):
        return True
    return any(
        rx.search(turn.user)
        for rx in (
            cues.PRODUCT_PITCH,
            cues.ASK,
            cues.SELF_PITCH,
            cues.JOB_SEEKING,
            cues.AGENDA,
            SALES_WORDS,
        )
    )


def _good_turns(turns: Sequence[ReportTurn]) -> list[ReportTurn]:
    """Turns worth holding up: genuine interest and nothing sold, best first."""
    ranked = sorted(turns, key=lambda t: (-t.feedback.score, t.turn))
    return [t for t in ranked if t.feedback.genuine_interest and not _sells(t)]


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
    best = _good_turns(turns)[:2]
    out = [_highlight("best", t, list(_PRAISE)) for t in best]
    worst = [t for t in reversed(ranked) if t.feedback.score < NEUTRAL_SCORE][:1]
    out += [_highlight("worst", t, list(_BLAME)) for t in worst if t not in best]
    return out


def _highlight(kind: Literal["best", "worst"], turn: ReportTurn, order: list[Move]) -> Highlight:
    notes = _PRAISE if kind == "best" else _BLAME
    move = next((m for m in order if m in turn.feedback.moves), None)
    note = notes[move] if move else turn.feedback.tip
    if kind == "best" and not move:
        note = "you kept the attention on them"
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
        # Its own sentence: the tip often has a colon of its own ("They asked ...: answer it").
        tips.append(f"Turn {hijack.turn} changed the subject. {hijack.feedback.tip}")
    longest = max(turns, key=lambda t: len(words(t.user)))
    if len(words(longest.user)) >= LONG_MONOLOGUE:
        tips.append(
            f"Turn {longest.turn} ran {len(words(longest.user))} words; keep turns to two or "
            "three sentences and end on a question about them."
        )
    return tips


def _habit_tips(turns: Sequence[ReportTurn], talk_share: float) -> list[str]:
    tips: list[str] = []
    short = [t for t in turns if _one_word(t)]
    if len(short) >= max(2, ONE_WORD_SHARE * len(turns)):
        quoted = ", ".join(f'"{_shorten(t.user.strip())}"' for t in short[:2])
        tips.append(
            f"Most of your replies were a word or two ({quoted}); answer in two sentences with "
            "one concrete detail about you, then ask them something back."
        )
        return tips
    if talk_share > TALKATIVE_SHARE:
        tips.append(
            f"You spoke {round(talk_share * 100)}% of the words; the best conversations stay "
            "under half, so ask and then let them talk."
        )
    asked = [t for t in turns if _asks(t)]
    if not asked:
        tips.append(
            "You didn't ask them anything; next time ask one open question about them, then "
            "build on their answer."
        )
    elif _count(turns, frozenset({Move.FOLLOW_UP_QUESTION})) == 0:
        about = "your own agenda" if all(_agenda_question(t) for t in asked) else "new topics"
        tips.append(
            f"Your questions went to {about}, not to what they had just said; pick a detail "
            "they gave and ask about it."
        )
    if _count(turns, frozenset({Move.REFLECTION})) == 0:
        tips.append(
            "Try one reflection before your next question: restate what they said in your own "
            'words ("So it sounds like...").'
        )
    return tips


def _keep_doing(turns: Sequence[ReportTurn]) -> str | None:
    good = _good_turns(turns)
    if not good:
        return None
    best = good[0]
    quote = _quote(best, list(_PRAISE))
    move = next((m for m in _PRAISE if m in best.feedback.moves), None)
    why = _PRAISE[move] if move else "you kept the attention on them"
    return f'Keep doing what worked in turn {best.turn} ("{quote}"): {why}.'


def _times(n: int) -> str:
    return {0: "never", 1: "once", 2: "twice"}.get(n, f"{n} times")


def _balance_tip(turns: Sequence[ReportTurn]) -> str:
    asked = sum(1 for t in turns if _asks(t))
    reflected = _count(turns, frozenset({Move.REFLECTION}))
    if asked == 0:
        return "Ask at least one open question about them in your next conversation."
    if reflected < GOOD_RATIO * asked:
        questions = "one question" if asked == 1 else f"{asked} questions"
        return (
            f"You put what they said into your own words {_times(reflected)} and asked "
            f"{questions}; aim for about two reflections per question, so they hear you "
            "listened."
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
    questions = sum(1 for t in turns if _asks(t))
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
        agenda_questions=sum(1 for t in turns if _agenda_question(t)),
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
