"""The dialogue state machine: pure functions from (state, feedback) to the next state.

Two tables drive it. `MOVE_WEIGHTS` (with the score) says how a turn moves trust; `TRANSITIONS`
says how stages change, row by row, first match wins. `graph.mermaid()` draws the same table, so
the diagram cannot drift from the code.

Numbers were tuned with tests/dialogue/test_machine.py: on `normal`, a listener (score ~80 with a
follow-up question each turn) reaches discovery on turn 4 and closes warmly around turn 8; a user
who only pitches cools the persona on turn 2 and is walked away from on turn 4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.dialogue.types import DialogueState, Outcome, Stage
from app.feedback.types import Feedback, Move
from app.personas.schema import DifficultyRules, Persona

# --- how a turn moves trust -------------------------------------------------------------------

MOVE_WEIGHTS: dict[Move, float] = {
    Move.FOLLOW_UP_QUESTION: 0.05,
    Move.REFLECTION: 0.05,
    Move.NEW_TOPIC_QUESTION: 0.03,
    Move.ACKNOWLEDGEMENT: 0.02,
    Move.MIRROR_QUESTION: 0.01,
    Move.SELF_DISCLOSURE: 0.0,
    Move.MINIMAL: -0.04,
    Move.SELF_FOCUS: -0.04,
    Move.TOPIC_HIJACK: -0.05,
    Move.DISMISSIVE: -0.07,
    Move.PITCH: -0.08,
}
SCORE_WEIGHT = 0.08  # trust moved by a score of 100 (or, negatively, 0) on top of the moves
GAIN_CAP = 0.15  # the most one turn can raise trust before difficulty scaling
LOSS_CAP = 0.10  # the most one turn can lower it: a bad line stings, it does not end things
GAIN_HEADROOM = 1.15  # gains shrink as trust approaches the top: trust is slow to earn
LOSS_BASE = 0.5  # loss multiplier at trust 0; it grows to 1.5 at full trust
DEAD_BAND = 0.01  # turns that move trust less than this are neither warm nor cold

# --- where the stages sit ---------------------------------------------------------------------

LIVE_ORDER = (Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY, Stage.CLOSING)
RANK: dict[Stage, int] = {stage: i for i, stage in enumerate(LIVE_ORDER)}
THRESHOLD: dict[Stage, float] = {  # trust needed to enter each live stage
    Stage.OPENING: 0.0,
    Stage.RAPPORT: 0.4,
    Stage.DISCOVERY: 0.55,
    Stage.OPPORTUNITY: 0.68,
    Stage.CLOSING: 0.72,
}
FALL_MARGIN = 0.1  # falling this far below the current stage's threshold means cooling
COOLING_STREAK = 2  # consecutive cold turns that cool the persona whatever the trust
RECOVERY_STREAK = 2  # consecutive warm turns that bring a cooling persona back
WARM_FINISH_TRUST = 0.6  # a user who ends the chat earns a warm close only above this trust


@dataclass(frozen=True, slots=True)
class TurnFacts:
    """What the guards may look at: the previous stage and this turn's updated numbers."""

    stage: Stage
    trust: float
    cold: bool
    warm: bool
    cold_streak: int
    warm_streak: int
    turn: int
    max_turns: int
    patience: int
    trust_before: float


Guard = Callable[[TurnFacts], bool]


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[Stage]
    target: Stage | None  # None: back to the stage before cooling, as far as trust supports
    guard: Guard
    label: str  # the guard in words, for the diagram
    outcome: Outcome | None = None  # for rows into ENDED; None there means "as earned"


def _forward(stage: Stage) -> Guard:
    return lambda t: not t.cold and t.trust >= THRESHOLD[stage]


def _fell_through_floor(t: TurnFacts) -> bool:
    return t.stage in RANK and t.trust < THRESHOLD[t.stage] - FALL_MARGIN


LIVE = frozenset(LIVE_ORDER) | {Stage.COOLING}
WARMING = frozenset(LIVE_ORDER)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        LIVE,
        Stage.ENDED,
        lambda t: (
            t.cold
            and (t.cold_streak >= t.patience or (t.stage is Stage.COOLING and t.trust <= 0.0))
        ),
        "cold turn and (cold streak >= patience or trust at 0 while cooling)",
        Outcome.WALKED_AWAY,
    ),
    Transition(
        frozenset({Stage.CLOSING}),
        Stage.ENDED,
        lambda t: not t.cold,
        "closing played out (turn not cold)",
        Outcome.WARM_CLOSE,
    ),
    Transition(
        LIVE, Stage.ENDED, lambda t: t.turn >= t.max_turns, "turn cap reached (outcome as earned)"
    ),
    Transition(
        WARMING,
        Stage.COOLING,
        lambda t: t.cold and (t.cold_streak >= COOLING_STREAK or _fell_through_floor(t)),
        f"cold streak >= {COOLING_STREAK} or trust fell {FALL_MARGIN} below the stage",
    ),
    Transition(
        frozenset({Stage.OPENING}),
        Stage.RAPPORT,
        _forward(Stage.RAPPORT),
        f"trust >= {THRESHOLD[Stage.RAPPORT]}",
    ),
    Transition(
        frozenset({Stage.RAPPORT}),
        Stage.DISCOVERY,
        _forward(Stage.DISCOVERY),
        f"trust >= {THRESHOLD[Stage.DISCOVERY]}",
    ),
    Transition(
        frozenset({Stage.DISCOVERY}),
        Stage.OPPORTUNITY,
        _forward(Stage.OPPORTUNITY),
        f"trust >= {THRESHOLD[Stage.OPPORTUNITY]} (reward offered)",
    ),
    Transition(
        frozenset({Stage.OPPORTUNITY}),
        Stage.CLOSING,
        _forward(Stage.CLOSING),
        f"trust >= {THRESHOLD[Stage.CLOSING]}",
    ),
    Transition(
        frozenset({Stage.COOLING}),
        None,
        lambda t: t.warm_streak >= RECOVERY_STREAK,
        f"warm streak >= {RECOVERY_STREAK}",
    ),
)


# --- public API -------------------------------------------------------------------------------


def initial_state(persona: Persona, difficulty: str) -> DialogueState:
    return DialogueState(trust=persona.rules(difficulty).initial_trust)


def advance(
    state: DialogueState, feedback: Feedback, persona: Persona, difficulty: str, *, max_turns: int
) -> DialogueState:
    """The state after one user turn that earned `feedback`. An ended state never changes."""
    if state.ended:
        return state
    rules = persona.rules(difficulty)
    facts = _turn_facts(state, feedback, rules, max_turns)
    row = next((r for r in TRANSITIONS if state.stage in r.sources and r.guard(facts)), None)
    nxt = state.model_copy(
        update={
            "trust": facts.trust,
            "turn": facts.turn,
            "cold_streak": facts.cold_streak,
            "warm_streak": facts.warm_streak,
            "stages_reached": list(state.stages_reached),
            "unlocked_hooks": list(state.unlocked_hooks),
        }
    )
    if row is not None:
        nxt = _apply(nxt, row, state.stage)
    return _unlock_hook(nxt, persona)


def finish(state: DialogueState) -> DialogueState:
    """The user ended the conversation: close warmly only if trust and stage earned it."""
    if state.ended:
        return state
    return _end(state, _earned(state))


def trust_delta(feedback: Feedback, trust: float, rules: DifficultyRules) -> float:
    """How much this turn moves trust, before clamping to 0..1."""
    raw = SCORE_WEIGHT * (feedback.score - 50) / 50
    raw += sum(MOVE_WEIGHTS[move] for move in set(feedback.moves))
    raw = max(-LOSS_CAP, min(GAIN_CAP, raw))
    if raw >= 0:
        return raw * rules.trust_gain * max(0.0, GAIN_HEADROOM - trust)
    # Losses weigh more when there is more trust to lose: a pitch in discovery stings, while a
    # persona who is already guarded gives a cold opener a little longer.
    return raw * rules.trust_loss * (LOSS_BASE + trust)


def stage_rank(stage: Stage) -> int:
    """Order of the live stages; cooling and ended rank below everything (they unlock nothing)."""
    return RANK.get(stage, -1)


# --- internals --------------------------------------------------------------------------------


def _turn_facts(
    state: DialogueState, feedback: Feedback, rules: DifficultyRules, max_turns: int
) -> TurnFacts:
    delta = trust_delta(feedback, state.trust, rules)
    cold, warm = delta < -DEAD_BAND, delta > DEAD_BAND
    warm_streak = 0 if cold else state.warm_streak + int(warm)
    # Only sustained warmth forgives: from the second warm turn in a row, each one cancels one
    # cold turn. A user who alternates pitches with nice questions still runs out of patience.
    forgive = int(warm and warm_streak >= 2)
    cold_streak = state.cold_streak + 1 if cold else max(0, state.cold_streak - forgive)
    return TurnFacts(
        stage=state.stage,
        trust=min(1.0, max(0.0, state.trust + delta)),
        cold=cold,
        warm=warm,
        cold_streak=cold_streak,
        warm_streak=warm_streak,
        turn=state.turn + 1,
        max_turns=max_turns,
        patience=rules.patience,
        trust_before=state.trust,
    )


def _apply(state: DialogueState, row: Transition, previous: Stage) -> DialogueState:
    if row.target is Stage.ENDED:
        return _end(state, row.outcome or _earned(state))
    if row.target is Stage.COOLING:
        state.last_stage_before_cooling = previous
        return _enter(state, Stage.COOLING)
    target = row.target or _recovery_stage(state)
    return _enter(state, target)


def _enter(state: DialogueState, stage: Stage) -> DialogueState:
    state.stage = stage
    if stage not in state.stages_reached:
        state.stages_reached.append(stage)
    return state


def _end(state: DialogueState, outcome: Outcome) -> DialogueState:
    ended = state.model_copy(
        update={"ended": True, "outcome": outcome, "stages_reached": list(state.stages_reached)}
    )
    return _enter(ended, Stage.ENDED)


def _earned(state: DialogueState) -> Outcome:
    reached = max((stage_rank(s) for s in state.stages_reached), default=0)
    if (
        state.stage is not Stage.COOLING
        and reached >= RANK[Stage.OPPORTUNITY]
        and state.trust >= WARM_FINISH_TRUST
    ):
        return Outcome.WARM_CLOSE
    return Outcome.NEUTRAL_CLOSE


def _recovery_stage(state: DialogueState) -> Stage:
    """Back towards where the conversation was, but no further than trust now supports."""
    ceiling = state.last_stage_before_cooling or Stage.OPENING
    supported = [s for s in LIVE_ORDER if state.trust >= THRESHOLD[s] and RANK[s] <= RANK[ceiling]]
    return supported[-1] if supported else Stage.OPENING


def _unlock_hook(state: DialogueState, persona: Persona) -> DialogueState:
    """Unlock at most one hook per turn, in file order, so revelations are paced."""
    if state.ended:
        return state
    for hook in persona.hooks:
        if (
            hook.id not in state.unlocked_hooks
            and state.trust >= hook.min_trust
            and stage_rank(state.stage) >= stage_rank(hook.min_stage)
        ):
            state.unlocked_hooks.append(hook.id)
            break
    return state
