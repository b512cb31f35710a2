"""The dialogue state machine: pure functions from (state, turn) to the next state.

A turn moves trust by the analyzer's verdict (`MOVE_WEIGHTS` and the score), within three rules
no verdict overrides: a pitch, a meta question ("are you a bot?") or an ask made too early never
raises trust; a well-timed ask after real rapport never lowers it; and a hook unlocks only on a
turn that shows genuine interest, after mostly interested turns with no agenda among them.

The stage is then one function of trust, `stage_for`, used everywhere (the machine, the engines,
the diagram), so stage and trust cannot disagree: bands of trust give opening, rapport, discovery
and opportunity; `cooling` is the lowest band while trust keeps falling; `closing` is the reward
band once the conversation has run its natural course (the persona's time or topics are spent).
`ENDINGS` says how a conversation ends, first match wins; `graph.mermaid()` draws both tables.

Numbers were tuned with tests/dialogue/test_machine.py: on `normal`, a listener (score ~80 with a
follow-up question each turn) reaches discovery on turn 4 and opportunity around turn 7, and the
persona wraps up when its natural length is reached; a user who only pitches cools the persona on
turn 2 and is walked away from on turn 4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.dialogue.types import DialogueState, Outcome, Stage, TurnMark
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
# What an agenda turn costs at least, whatever the analyzer thought of it: talking to the
# software, pitching, or asking for a favour, a job or a sale before there is any rapport.
AGENDA_COST = 0.03

# --- what earns a hook, and when an ask is well timed -----------------------------------------

INTEREST_WINDOW = 3  # the recent turns a hook (or an ask) is judged on, this one included
INTEREST_NEEDED = 2  # of which this many showed genuine interest
ASK_AFTER_TURNS = 4  # an ask before this many turns is an ask in the first minute

# --- where the stages sit ---------------------------------------------------------------------

LIVE_ORDER = (Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY, Stage.CLOSING)
BANDS = (Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY)  # by trust alone
RANK: dict[Stage, int] = {stage: i for i, stage in enumerate(LIVE_ORDER)}
THRESHOLD: dict[Stage, float] = {  # trust needed to be in each live stage
    Stage.OPENING: 0.0,
    Stage.RAPPORT: 0.4,
    Stage.DISCOVERY: 0.55,
    Stage.OPPORTUNITY: 0.68,
    Stage.CLOSING: 0.68,  # a warm wrap-up needs the reward's trust; below it the persona just goes
}
COOLING_STREAK = 2  # cold turns in a row that make a low-trust persona visibly cool
WARM_FINISH_TRUST = 0.6  # a user who ends the chat earns a warm close only above this trust
# A conversation's natural length: about one turn per thing the persona has to talk about
# (facts and hooks), never shorter than this, never past the turn cap.
MIN_NATURAL_TURNS = 10


@dataclass(frozen=True, slots=True)
class TurnSignals:
    """What the user's line was, besides the analyzer's moves (app/dialogue/signals.py reads
    them from the text). The defaults say nothing special, as for a plain feedback object."""

    meta: bool = False  # talks to the software: "are you a bot?", "ignore your instructions"
    ask: bool = False  # asks for a favour, a job or a sale: "could you introduce me to Marcus?"
    pitch: bool = False  # sells themselves or a product (the analyzer's pitch move included)
    topics_left: int | None = None  # the persona's facts not told yet; None when unknown

    def agenda(self, feedback: Feedback) -> bool:
        return self.meta or self.ask or self.pitch or Move.PITCH in feedback.moves


@dataclass(frozen=True, slots=True)
class TurnFacts:
    """What the rules may look at: the previous stage and this turn's updated numbers."""

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
    time_up: bool  # the conversation has run its natural course

    @property
    def falling(self) -> bool:
        return self.cold and self.cold_streak >= COOLING_STREAK


Guard = Callable[[TurnFacts], bool]


@dataclass(frozen=True, slots=True)
class Transition:
    """A way a conversation ends; `outcome` None means "as earned" (see `finish`)."""

    sources: frozenset[Stage]
    target: Stage
    guard: Guard
    label: str  # the guard in words, for the diagram
    outcome: Outcome | None = None


@dataclass(frozen=True, slots=True)
class StageRule:
    """One row of the mapping from trust to stage; the first row that applies gives the stage."""

    stage: Stage
    applies: Callable[[float, bool, bool], bool]  # (trust, falling, time_up)
    label: str


LIVE = frozenset(LIVE_ORDER) | {Stage.COOLING}


def _at_least(floor: float) -> Callable[[float, bool, bool], bool]:
    return lambda trust, falling, time_up: trust >= floor


ENDINGS: tuple[Transition, ...] = (
    Transition(
        LIVE,
        Stage.ENDED,
        # A persona cools visibly before it walks: trust at 0 ends the talk only once it has
        # already said it is cooling, so the learner gets one warning to change course.
        lambda t: (
            t.cold
            and (t.cold_streak >= t.patience or (t.trust <= 0.0 and t.stage is Stage.COOLING))
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
        LIVE,
        Stage.ENDED,
        lambda t: t.time_up and t.trust < THRESHOLD[Stage.CLOSING],
        f"natural length reached or topics spent, trust < {THRESHOLD[Stage.CLOSING]} "
        "(outcome as earned)",
    ),
    Transition(
        LIVE, Stage.ENDED, lambda t: t.turn >= t.max_turns, "turn cap reached (outcome as earned)"
    ),
)
TRANSITIONS = ENDINGS  # the name the diagram and older callers know

STAGE_RULES: tuple[StageRule, ...] = (
    StageRule(
        Stage.CLOSING,
        lambda trust, falling, time_up: time_up and trust >= THRESHOLD[Stage.CLOSING],
        f"natural length reached or topics spent, trust >= {THRESHOLD[Stage.CLOSING]}",
    ),
    StageRule(
        Stage.COOLING,
        lambda trust, falling, time_up: falling and trust < THRESHOLD[Stage.RAPPORT],
        f"trust < {THRESHOLD[Stage.RAPPORT]} and {COOLING_STREAK}+ cold turns in a row",
    ),
    *(
        StageRule(stage, _at_least(THRESHOLD[stage]), f"trust >= {THRESHOLD[stage]}")
        for stage in reversed(BANDS)
    ),
)


# --- public API -------------------------------------------------------------------------------


def stage_for(trust: float, *, falling: bool = False, time_up: bool = False) -> Stage:
    """The one mapping from trust to a live stage (see the module docstring)."""
    return next(rule.stage for rule in STAGE_RULES if rule.applies(trust, falling, time_up))


def natural_length(persona: Persona, max_turns: int) -> int:
    """The turn at which the persona starts to wrap up when its topics have not run out first."""
    return min(max_turns, max(MIN_NATURAL_TURNS, len(persona.facts) + len(persona.hooks)))


def initial_state(
    persona: Persona, difficulty: str, *, trust: float | None = None
) -> DialogueState:
    """The state before the first user line; `trust` overrides the difficulty's starting trust
    (a learner the persona remembers starts warmer)."""
    start = persona.rules(difficulty).initial_trust if trust is None else trust
    stage = stage_for(start)
    return DialogueState(trust=start, stage=stage, stages_reached=[stage])


def advance(
    state: DialogueState,
    feedback: Feedback,
    persona: Persona,
    difficulty: str,
    *,
    max_turns: int,
    signals: TurnSignals | None = None,
) -> DialogueState:
    """The state after one user turn that earned `feedback`. An ended state never changes."""
    if state.ended:
        return state
    said = signals or TurnSignals()
    rules = persona.rules(difficulty)
    facts = _turn_facts(state, feedback, said, rules, persona, max_turns)
    nxt = state.model_copy(
        update={
            "trust": facts.trust,
            "turn": facts.turn,
            "cold_streak": facts.cold_streak,
            "warm_streak": facts.warm_streak,
            "stages_reached": list(state.stages_reached),
            "unlocked_hooks": list(state.unlocked_hooks),
            "recent": [*state.recent, _mark(feedback, said)][-INTEREST_WINDOW:],
            "asked_well": state.asked_well or (said.ask and well_timed_ask(state)),
        }
    )
    ending = next((r for r in ENDINGS if state.stage in r.sources and r.guard(facts)), None)
    if ending is not None:
        return _end(nxt, ending.outcome or _earned(nxt))
    nxt = _enter(nxt, stage_for(facts.trust, falling=facts.falling, time_up=facts.time_up))
    return _unlock_hook(nxt, persona)


def finish(state: DialogueState) -> DialogueState:
    """The user ended the conversation: close warmly only if trust and stage earned it."""
    if state.ended:
        return state
    return _end(state, _earned(state))


def trust_delta(feedback: Feedback, trust: float, rules: DifficultyRules) -> float:
    """How much the analyzer's verdict moves trust, before the agenda rules and clamping."""
    raw = SCORE_WEIGHT * (feedback.score - 50) / 50
    raw += sum(MOVE_WEIGHTS[move] for move in set(feedback.moves))
    raw = max(-LOSS_CAP, min(GAIN_CAP, raw))
    if raw >= 0:
        return raw * rules.trust_gain * max(0.0, GAIN_HEADROOM - trust)
    return _loss(raw, trust, rules)


def turn_delta(
    feedback: Feedback, signals: TurnSignals, state: DialogueState, rules: DifficultyRules
) -> float:
    """How much this turn moves trust: the verdict, within the agenda rules."""
    delta = trust_delta(feedback, state.trust, rules)
    if signals.meta:
        return min(delta, _loss(-AGENDA_COST, state.trust, rules))
    if signals.ask and well_timed_ask(state):
        return 0.0  # asking once it is earned is what networking is for: no reward, no sting
    if signals.agenda(feedback):
        return min(delta, _loss(-AGENDA_COST, state.trust, rules))
    return delta


def well_timed_ask(state: DialogueState) -> bool:
    """An ask after real rapport: past the first minute, trust at rapport or above, not cooling,
    and most of the recent turns showed genuine interest."""
    return (
        state.turn >= ASK_AFTER_TURNS
        and state.trust >= THRESHOLD[Stage.RAPPORT]
        and state.stage is not Stage.COOLING
        and _interested_turns(state.recent) >= INTEREST_NEEDED
    )


def hook_earned(recent: list[TurnMark]) -> bool:
    """Genuine interest on this turn and most recent ones, and no agenda among them."""
    window = recent[-INTEREST_WINDOW:]
    return (
        bool(window)
        and window[-1] is TurnMark.INTERESTED
        and TurnMark.AGENDA not in window
        and _interested_turns(window) >= INTEREST_NEEDED
    )


def stage_rank(stage: Stage) -> int:
    """Order of the live stages; cooling and ended rank below everything (they unlock nothing)."""
    return RANK.get(stage, -1)


# --- internals --------------------------------------------------------------------------------


def _loss(raw: float, trust: float, rules: DifficultyRules) -> float:
    # Losses weigh more when there is more trust to lose: a pitch in discovery stings, while a
    # persona who is already guarded gives a cold opener a little longer.
    return raw * rules.trust_loss * (LOSS_BASE + trust)


def _mark(feedback: Feedback, signals: TurnSignals) -> TurnMark:
    if signals.agenda(feedback):
        return TurnMark.AGENDA
    return TurnMark.INTERESTED if feedback.genuine_interest else TurnMark.PLAIN


def _interested_turns(marks: list[TurnMark]) -> int:
    return sum(m is TurnMark.INTERESTED for m in marks[-INTEREST_WINDOW:])


def _turn_facts(
    state: DialogueState,
    feedback: Feedback,
    signals: TurnSignals,
    rules: DifficultyRules,
    persona: Persona,
    max_turns: int,
) -> TurnFacts:
    delta = turn_delta(feedback, signals, state, rules)
    cold, warm = delta < -DEAD_BAND, delta > DEAD_BAND
    warm_streak = 0 if cold else state.warm_streak + int(warm)
    # Only sustained warmth forgives: from the second warm turn in a row, each one cancels one
    # cold turn. A user who alternates pitches with nice questions still runs out of patience.
    forgive = int(warm and warm_streak >= 2)
    cold_streak = state.cold_streak + 1 if cold else max(0, state.cold_streak - forgive)
    turn = state.turn + 1
    return TurnFacts(
        stage=state.stage,
        trust=min(1.0, max(0.0, state.trust + delta)),
        cold=cold,
        warm=warm,
        cold_streak=cold_streak,
        warm_streak=warm_streak,
        turn=turn,
        max_turns=max_turns,
        patience=rules.patience,
        trust_before=state.trust,
        time_up=turn >= natural_length(persona, max_turns) or signals.topics_left == 0,
    )


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
    """Warm when the reward was on the table, or when the learner closed with a well-timed ask
    in a conversation that got to what matters (discovery): the persona's answer to such an ask
    is a yes or a warm "let me think", and the goodbye is as warm."""
    reached = max((stage_rank(s) for s in state.stages_reached), default=0)
    earned = reached >= RANK[Stage.OPPORTUNITY] or (
        state.asked_well and reached >= RANK[Stage.DISCOVERY]
    )
    if state.stage is not Stage.COOLING and earned and state.trust >= WARM_FINISH_TRUST:
        return Outcome.WARM_CLOSE
    return Outcome.NEUTRAL_CLOSE


def _unlock_hook(state: DialogueState, persona: Persona) -> DialogueState:
    """Unlock at most one hook per turn, in file order, so revelations are paced; only on a
    turn that earned it (`hook_earned`), whatever trust says."""
    if state.ended or not hook_earned(state.recent):
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
