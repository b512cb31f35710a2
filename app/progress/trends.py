"""Progress over time: each conversation's measures from its report, and what changed between a
learner's first conversations and their latest ones. Pure: reports in, plain data out.

How a trend is read: the mean of the first `k` conversations against the mean of the last `k`
(k = 3, or half of them when there are fewer than six; at least two conversations). A measure
"improved" when it moved the right way by at least its step (10 points for a share, 0.25 for
reflections per question, 5 for the mean score), "slipped" when it moved the wrong way by as
much. What "not improved" lists is what slipped, and what stayed short of its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import Any, Literal

from app.feedback.report import Report
from app.feedback.types import Feedback, Move

Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    label: str
    better: Direction
    step: float
    target: float  # what a good conversation reaches (at least, or at most when better="down")
    percent: bool = True


MEASURES: tuple[Measure, ...] = (
    Measure("genuine_interest_rate", "Turns showing genuine interest", "up", 0.1, 0.7),
    Measure("follow_up_share", "Questions that followed up on what they said", "up", 0.1, 0.5),
    Measure("reflection_ratio", "Reflections per question", "up", 0.25, 1.0, percent=False),
    Measure("talk_share", "Your share of the words", "down", 0.1, 0.5),
    Measure("mean_score", "Mean turn score", "up", 5, 65, percent=False),
)
# Moves as a share of the learner's turns: the good ones should rise, the others fall.
MOVE_MEASURES: tuple[Measure, ...] = (
    Measure("follow_up_question", "Turns with a follow-up question", "up", 0.1, 0.3),
    Measure("reflection", "Turns with a reflection", "up", 0.1, 0.2),
    Measure("acknowledgement", "Turns acknowledging what they said", "up", 0.1, 0.2),
    Measure("pitch", "Turns that pitched or asked for something", "down", 0.1, 0.0),
    Measure("self_focus", "Turns about yourself", "down", 0.1, 0.1),
    Measure("topic_hijack", "Turns that changed the subject", "down", 0.1, 0.1),
    Measure("minimal", "One-word replies", "down", 0.1, 0.1),
    Measure("dismissive", "Turns that dismissed what they said", "down", 0.1, 0.0),
)
MIN_FOR_TREND = 2
WINDOW = 3


@dataclass(frozen=True, slots=True)
class Point:
    """One conversation, as progress sees it."""

    conversation_id: str
    date: datetime
    persona_id: str
    persona: str  # who it was with, in words
    source: str  # practice | imported
    ended: bool
    report: Report
    moves: dict[str, float]  # share of the learner's turns carrying each move

    def values(self) -> dict[str, float | None]:
        r = self.report
        return {
            "genuine_interest_rate": r.genuine_interest_rate,
            "follow_up_share": round(r.follow_up_questions / r.questions, 3)
            if r.questions
            else None,
            "reflection_ratio": r.reflection_to_question_ratio,
            "talk_share": r.talk_share,
            "mean_score": r.mean_score,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "date": self.date.isoformat(),
            "persona_id": self.persona_id,
            "persona": self.persona,
            "source": self.source,
            "ended": self.ended,
            "turns": self.report.turns,
            **self.values(),
            "outcome": self.report.outcome,
            "moves": self.moves,
        }


def move_shares(feedback: Sequence[Feedback]) -> dict[str, float]:
    n = len(feedback)
    return {
        m.key: round(sum(Move(m.key) in f.moves for f in feedback) / n, 3) if n else 0.0
        for m in MOVE_MEASURES
    }


@dataclass(frozen=True, slots=True)
class Change:
    measure: Measure
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def verdict(self) -> Literal["improved", "slipped", "unchanged"]:
        toward = self.delta if self.measure.better == "up" else -self.delta
        if toward >= self.measure.step - 1e-9:
            return "improved"
        if -toward >= self.measure.step - 1e-9:
            return "slipped"
        return "unchanged"

    @property
    def short_of_target(self) -> bool:
        m = self.measure
        return self.after < m.target if m.better == "up" else self.after > m.target

    def to_json(self) -> dict[str, Any]:
        m = self.measure
        return {
            "measure": m.key,
            "label": m.label,
            "from": round(self.before, 3),
            "to": round(self.after, 3),
            "verdict": self.verdict,
            "target": m.target,
            "text": f"{m.label}: {_show(m, self.before)} → {_show(m, self.after)}",
        }


def _show(measure: Measure, value: float) -> str:
    if measure.percent:
        return f"{round(value * 100)}%"
    return f"{value:.1f}" if measure.key == "mean_score" else f"{value:.2f}"


def _mean(points: Sequence[Point], key: str, moves: bool) -> float | None:
    if moves:
        return fmean(p.moves[key] for p in points)
    values = [v for p in points if (v := p.values()[key]) is not None]
    return fmean(values) if values else None


def changes(points: Sequence[Point]) -> list[Change]:
    """Every measure and move, first conversations against the latest ones."""
    k = window(len(points))
    early, late = points[:k], points[-k:]
    out = []
    for group, moves in ((MEASURES, False), (MOVE_MEASURES, True)):
        for measure in group:
            before, after = _mean(early, measure.key, moves), _mean(late, measure.key, moves)
            if before is not None and after is not None:
                out.append(Change(measure, before, after))
    return out


def window(n: int) -> int:
    return min(WINDOW, max(1, n // 2))


def trend(points: Sequence[Point]) -> dict[str, Any]:
    """What changed, in numbers and words, and the next thing to practise."""
    if len(points) < MIN_FOR_TREND:
        return {
            "status": "too_few",
            "conversations": len(points),
            "compared": 0,
            "improved": [],
            "not_improved": [],
            "next_practice": next_practice(points),
        }
    found = changes(points)
    improved = [c for c in found if c.verdict == "improved"]
    not_improved = [
        c
        for c in found
        if c.verdict == "slipped" or (c.verdict == "unchanged" and c.short_of_target)
    ]
    return {
        "status": _status(found),
        "conversations": len(points),
        "compared": window(len(points)),
        "improved": [c.to_json() for c in improved],
        "not_improved": [c.to_json() for c in not_improved],
        "next_practice": next_practice(points),
    }


def _status(found: Sequence[Change]) -> str:
    """Improving or slipping by the headline measures (moves are detail), steady otherwise."""
    headline = [c for c in found if c.measure in MEASURES]
    score = sum(c.verdict == "improved" for c in headline) - sum(
        c.verdict == "slipped" for c in headline
    )
    if score == 0:
        interest = next((c for c in headline if c.measure.key == "genuine_interest_rate"), None)
        if interest is not None and interest.verdict != "unchanged":
            return "improving" if interest.verdict == "improved" else "slipping"
        return "steady"
    return "improving" if score > 0 else "slipping"


def next_practice(points: Sequence[Point]) -> dict[str, str] | None:
    """The first habit, in order of what costs a conversation most, that the latest
    conversations fall short on; with the learner's own figure and an example to try."""
    if not points:
        return None
    late = points[-window(len(points)) :]

    def mean(key: str, moves: bool = False) -> float | None:
        return _mean(late, key, moves)

    span = "your last conversation" if len(late) == 1 else f"your last {len(late)} conversations"
    for key, check in _PRACTICE:
        advice = check(mean, span)
        if advice is not None:
            return {"measure": key, "text": advice}
    return {
        "measure": "callbacks",
        "text": f"In {span} you listened well. Next, link back to something they said earlier "
        '("You mentioned the move to Denver. How is that going?"): it shows you kept listening.',
    }


def _pct(value: float) -> str:
    return f"{round(value * 100)}%"


def _minimal(mean: Any, span: str) -> str | None:
    share = mean("minimal", True)
    if share is None or share <= 0.3:
        return None
    return (
        f"In {span}, {_pct(share)} of your replies were a word or two. Answer in two sentences "
        "with one concrete detail about you, then ask them something back."
    )


def _pitch(mean: Any, span: str) -> str | None:
    share = mean("pitch", True)
    if share is None or share < 0.1:  # one turn in ten
        return None
    return (
        f"In {span}, {_pct(share)} of your turns pitched or asked for something. Hold the ask: "
        "spend the first few turns on questions about them, and ask only once they have asked "
        "about you."
    )


def _talk(mean: Any, span: str) -> str | None:
    share = mean("talk_share")
    if share is None or share <= 0.6:
        return None
    return (
        f"In {span} you spoke {_pct(share)} of the words. Ask, then let them talk: keep your "
        "turns to two or three sentences and end on a question about them."
    )


def _follow_ups(mean: Any, span: str) -> str | None:
    share = mean("follow_up_share")
    if share is not None and share >= 0.5:
        return None
    said = (
        "you asked few questions"
        if share is None
        else (f"{_pct(share)} of your questions followed up on what they had just said")
    )
    return (
        f"In {span}, {said}. Pick one detail from their last answer and ask about it "
        '("You said the team doubled this year. What has that been like?").'
    )


def _reflections(mean: Any, span: str) -> str | None:
    ratio = mean("reflection_ratio")
    if ratio is not None and ratio >= 1.0:
        return None
    figure = "" if ratio is None else f" ({ratio:.1f} reflections per question)"
    return (
        f"In {span} you rarely put what they said into your own words{figure}. Before your "
        'next question, reflect first: "So it sounds like the move was more about the team '
        'than the title."'
    )


def _interest(mean: Any, span: str) -> str | None:
    rate = mean("genuine_interest_rate")
    if rate is None or rate >= 0.7:
        return None
    return (
        f"In {span}, {_pct(rate)} of your turns showed genuine interest. Keep the attention on "
        "them: ask about what they care about, and stay with their answer before moving on."
    )


_PRACTICE = (
    ("minimal", _minimal),
    ("pitch", _pitch),
    ("talk_share", _talk),
    ("follow_up_share", _follow_ups),
    ("reflection_ratio", _reflections),
    ("genuine_interest_rate", _interest),
)
