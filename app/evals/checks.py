"""The `expect` checks: each key compares one figure of the run with what the author expected.

Failures are sentences a persona author understands without reading code ("expected outcome
warm_close, got walked_away at turn 5"), quoting the user's line where a turn is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.evals.scripts import Expect


@dataclass(frozen=True, slots=True)
class Observed:
    """What a run produced, in the API's own shapes (report, state, messages)."""

    report: dict[str, Any]
    state: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    ended_early: bool = False  # the persona ended it before the script ran out of lines

    def user_line(self, turn: int | None) -> str | None:
        if turn is None:
            return None
        users = [m for m in self.messages if m.get("role") == "user"]
        return users[turn - 1]["content"] if 0 < turn <= len(users) else None


Check = Callable[[Any, Observed], str | None]


def _quote(text: str | None, limit: int = 80) -> str:
    if not text:
        return ""
    short = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return f' ("{short}")'


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(getattr(v, "value", v)) for v in items]


def _ending(obs: Observed) -> str:
    outcome = obs.state.get("outcome") or obs.report.get("outcome")
    return f"{outcome} at turn {obs.state.get('turn')}" if outcome else "still open"


def _min_mean_score(want: float, obs: Observed) -> str | None:
    got = float(obs.report["mean_score"])
    return None if got >= want else f"mean score {got:.1f} is below the expected minimum {want:g}"


def _max_mean_score(want: float, obs: Observed) -> str | None:
    got = float(obs.report["mean_score"])
    return None if got <= want else f"mean score {got:.1f} is above the expected maximum {want:g}"


def _min_gi_rate(want: float, obs: Observed) -> str | None:
    got = float(obs.report["genuine_interest_rate"])
    if got >= want:
        return None
    return f"genuine-interest rate {got:.0%} is below the expected minimum {want:.0%}"


def _max_gi_rate(want: float, obs: Observed) -> str | None:
    got = float(obs.report["genuine_interest_rate"])
    if got <= want:
        return None
    return f"genuine-interest rate {got:.0%} is above the expected maximum {want:.0%}"


def _reached(obs: Observed) -> list[str]:
    return [str(s) for s in obs.report.get("stages_reached", [])]


def _reaches_stage(want: Any, obs: Observed) -> str | None:
    reached = _reached(obs)
    missing = [s for s in _as_list(want) if s not in reached]
    if not missing:
        return None
    return f"expected to reach {', '.join(missing)}, reached only {', '.join(reached) or 'nothing'}"


def _not_reaches_stage(want: Any, obs: Observed) -> str | None:
    hit = [s for s in _as_list(want) if s in _reached(obs)]
    if not hit:
        return None
    return f"expected not to reach {', '.join(hit)}, but it did ({_ending(obs)})"


def _outcome(want: Any, obs: Observed) -> str | None:
    allowed = _as_list(want)
    got = obs.state.get("outcome") or obs.report.get("outcome")
    if got in allowed:
        return None
    expected = " or ".join(allowed)
    return f"expected outcome {expected}, got {got or 'none'} at turn {obs.state.get('turn')}"


def _first_pitch_turn(want: int | None, obs: Observed) -> str | None:
    got: int | None = obs.report.get("first_pitch_turn")
    if got == want:
        return None
    if want is None:
        return f"expected no pitch, but turn {got} was one{_quote(obs.user_line(got))}"
    if got is None:
        return f"expected the first pitch at turn {want}, but no turn was judged a pitch"
    return f"expected the first pitch at turn {want}, got turn {got}{_quote(obs.user_line(got))}"


def _min_first_pitch_turn(want: int, obs: Observed) -> str | None:
    got = obs.report.get("first_pitch_turn")
    if got is None or got >= want:
        return None
    return (
        f"expected no pitch before turn {want}, but turn {got} was one{_quote(obs.user_line(got))}"
    )


def _turns(obs: Observed) -> int:
    return int(obs.report.get("turns", obs.state.get("turn", 0)))


def _min_turns(want: int, obs: Observed) -> str | None:
    got = _turns(obs)
    return None if got >= want else f"expected at least {want} turns, got {got} ({_ending(obs)})"


def _max_turns(want: int, obs: Observed) -> str | None:
    got = _turns(obs)
    return None if got <= want else f"expected at most {want} turns, got {got} ({_ending(obs)})"


def _final_trust(obs: Observed) -> float:
    return float(obs.state["trust"])


def _min_final_trust(want: float, obs: Observed) -> str | None:
    got = _final_trust(obs)
    return None if got >= want else f"final trust {got:.2f} is below the expected minimum {want:g}"


def _max_final_trust(want: float, obs: Observed) -> str | None:
    got = _final_trust(obs)
    return None if got <= want else f"final trust {got:.2f} is above the expected maximum {want:g}"


def _max_talk_share(want: float, obs: Observed) -> str | None:
    got = float(obs.report["talk_share"])
    if got <= want:
        return None
    return f"the user spoke {got:.0%} of the words, above the expected maximum {want:.0%}"


def _min_follow_ups(want: int, obs: Observed) -> str | None:
    got = int(obs.report["follow_up_questions"])
    if got >= want:
        return None
    return f"expected at least {want} follow-up questions, the analyzer found {got}"


def _ended_early(want: bool, obs: Observed) -> str | None:
    if obs.ended_early == want:
        return None
    if want:
        return f"expected the persona to end it early, but it ran to the last line ({_ending(obs)})"
    return f"expected the conversation to last all the lines, but it ended early ({_ending(obs)})"


CHECKS: dict[str, Check] = {
    "min_mean_score": _min_mean_score,
    "max_mean_score": _max_mean_score,
    "min_genuine_interest_rate": _min_gi_rate,
    "max_genuine_interest_rate": _max_gi_rate,
    "reaches_stage": _reaches_stage,
    "not_reaches_stage": _not_reaches_stage,
    "outcome": _outcome,
    "first_pitch_turn": _first_pitch_turn,
    "min_first_pitch_turn": _min_first_pitch_turn,
    "min_turns": _min_turns,
    "max_turns": _max_turns,
    "min_final_trust": _min_final_trust,
    "max_final_trust": _max_final_trust,
    "max_talk_share": _max_talk_share,
    "min_follow_up_questions": _min_follow_ups,
    "ended_early": _ended_early,
}


def check(expect: Expect, observed: Observed) -> list[str]:
    """Every failed expectation, in the order the keys are declared; empty when all hold."""
    failures = []
    for key in expect.checked_keys():
        message = CHECKS[key](getattr(expect, key), observed)
        if message:
            failures.append(message)
    return failures
