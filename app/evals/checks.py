"""The `expect` checks: each key compares one figure of the run with what the author expected.

Failures are sentences a persona author understands without reading code ("expected outcome
warm_close, got walked_away at turn 5"), quoting the user's line where a turn is involved.
"""

from __future__ import annotations

import re
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
    # For the conversations of a chained script: what came before this one.
    continues: str | None = None  # the conversation this one says it continues (API field)
    previous_id: str | None = None  # the script's previous conversation, if any
    initial_state: dict[str, Any] = field(default_factory=dict)  # before the first user line
    earlier_persona_lines: list[str] = field(default_factory=list)  # of earlier conversations

    def opening(self) -> str:
        return next((m["content"] for m in self.messages if m.get("role") == "persona"), "")

    def persona_lines(self) -> list[str]:
        return [m["content"] for m in self.messages if m.get("role") == "persona"]

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


def _hooks(obs: Observed) -> int | None:
    value = obs.state.get("hooks_unlocked")
    return None if value is None else int(value)


def _first_unlock(obs: Observed) -> str:
    """' (the first at turn N: "the user's line")', from the states the turns reported."""
    users = [m for m in obs.messages if m.get("role") == "user"]
    for turn, message in enumerate(users, start=1):
        if int((message.get("state") or {}).get("hooks_unlocked") or 0) > 0:
            return f", the first at turn {turn}{_quote(message.get('content'))}"
    return ""


NO_HOOK_COUNT = "the API's state has no hooks_unlocked (a server older than this check)"


def _unlocks_hook(want: bool, obs: Observed) -> str | None:
    got = _hooks(obs)
    if got is None:
        return NO_HOOK_COUNT
    if want and got == 0:
        return f"expected a hook to unlock, none did ({_ending(obs)})"
    if not want and got > 0:
        return f"expected no hook to unlock, but {got} did{_first_unlock(obs)}"
    return None


def _min_hooks_unlocked(want: int, obs: Observed) -> str | None:
    got = _hooks(obs)
    if got is None:
        return NO_HOOK_COUNT
    return None if got >= want else f"expected at least {want} hooks unlocked, got {got}"


def _max_hooks_unlocked(want: int, obs: Observed) -> str | None:
    got = _hooks(obs)
    if got is None:
        return NO_HOOK_COUNT
    if got <= want:
        return None
    return f"expected at most {want} hooks unlocked, got {got}{_first_unlock(obs)}"


def _remembers(want: bool, obs: Observed) -> str | None:
    if want:
        if obs.previous_id is not None and obs.continues == obs.previous_id:
            return None
        got = "started fresh" if obs.continues is None else f"continues {obs.continues}"
        return f"expected to continue the previous conversation ({obs.previous_id}), but it {got}"
    if obs.continues is None:
        return None
    return f"expected a fresh start, but it continues {obs.continues}"


def _opening_mentions(want: Any, obs: Observed) -> str | None:
    opening = obs.opening()
    missing = [text for text in _as_list(want) if text.casefold() not in opening.casefold()]
    if not missing:
        return None
    return f"expected the opening line to mention {', '.join(missing)}{_quote(opening, 120)}"


def _initial_trust(obs: Observed) -> float:
    return float(obs.initial_state.get("trust", 0.0))


def _min_initial_trust(want: float, obs: Observed) -> str | None:
    got = _initial_trust(obs)
    if got >= want:
        return None
    return f"trust at the start {got:.2f} is below the expected minimum {want:g}"


def _max_initial_trust(want: float, obs: Observed) -> str | None:
    got = _initial_trust(obs)
    if got <= want:
        return None
    return f"trust at the start {got:.2f} is above the expected maximum {want:g}"


SENTENCE = re.compile(r"(?<=[.!?])\s+")
STORY_WORDS = 5  # shorter sentences ("Good question.") may fairly come up again


def repeated_sentences(lines: list[str], earlier: list[str]) -> list[str]:
    """Sentences of `lines` (of some length) said word for word in `earlier`."""
    before = {s.strip() for line in earlier for s in SENTENCE.split(line)}
    found = []
    for line in lines:
        for sentence in SENTENCE.split(line):
            text = sentence.strip()
            if len(text.split()) >= STORY_WORDS and text in before and text not in found:
                found.append(text)
    return found


def _max_repeats_from_previous(want: int, obs: Observed) -> str | None:
    repeated = repeated_sentences(obs.persona_lines(), obs.earlier_persona_lines)
    if len(repeated) <= want:
        return None
    return (
        f"the persona said {len(repeated)} sentences from an earlier conversation again "
        f"(at most {want} expected){_quote(repeated[0])}"
    )


def _recall(obs: Observed) -> dict[str, Any]:
    return obs.report.get("recall") or {}


def _min_recall_score(want: int, obs: Observed) -> str | None:
    got = int(_recall(obs).get("score", 0))
    if got >= want:
        return None
    return f"recall score {got} is below the expected minimum {want}: {_recall(obs).get('summary')}"


def _max_recall_score(want: int, obs: Observed) -> str | None:
    got = int(_recall(obs).get("score", 0))
    return None if got <= want else f"recall score {got} is above the expected maximum {want}"


def _min_recalled(want: int, obs: Observed) -> str | None:
    got = len({c["revealed"]["text"] for c in _recall(obs).get("recalled", []) if c["revealed"]})
    if got >= want:
        return None
    return f"expected at least {want} revealed lines recalled, the check found {got}"


def _max_claims(verdict: str, words: str) -> Callable[[int, Observed], str | None]:
    def check_claims(want: int, obs: Observed) -> str | None:
        claims = _recall(obs).get(verdict, [])
        if len(claims) <= want:
            return None
        return f"expected at most {want} {words}, got {len(claims)}{_quote(claims[0]['claim'])}"

    return check_claims


def _note(obs: Observed) -> dict[str, Any]:
    return obs.report.get("follow_up_note") or {}


def _note_label(label: str) -> Check:
    def check_label(want: Any, obs: Observed) -> str | None:
        part = _note(obs).get(label)
        got = part.get("value") if isinstance(part, dict) else part
        allowed = [want] if isinstance(want, bool) else _as_list(want)
        if got in allowed:
            return None
        expected = " or ".join(str(a).lower() for a in allowed)
        comment = f": {part['comment']}" if isinstance(part, dict) and part.get("comment") else ""
        return f"expected the note's {label} to be {expected}, got {str(got).lower()}{comment}"

    return check_label


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
    "unlocks_hook": _unlocks_hook,
    "min_hooks_unlocked": _min_hooks_unlocked,
    "max_hooks_unlocked": _max_hooks_unlocked,
    "remembers": _remembers,
    "opening_mentions": _opening_mentions,
    "min_initial_trust": _min_initial_trust,
    "max_initial_trust": _max_initial_trust,
    "max_repeats_from_previous": _max_repeats_from_previous,
    "min_recall_score": _min_recall_score,
    "max_recall_score": _max_recall_score,
    "min_recalled": _min_recalled,
    "max_misremembered": _max_claims("misremembered", "details misremembered"),
    "max_invented": _max_claims("invented", "claims invented"),
    "note_good": _note_label("good"),
    "note_specific": _note_label("specific"),
    "note_thanks": _note_label("thanks"),
    "note_ask": _note_label("ask"),
    "note_length": _note_label("length"),
}


def check(expect: Expect, observed: Observed) -> list[str]:
    """Every failed expectation, in the order the keys are declared; empty when all hold."""
    failures = []
    for key in expect.checked_keys():
        message = CHECKS[key](getattr(expect, key), observed)
        if message:
            failures.append(message)
    return failures
