"""The dialogue state machine: scripted conversations per persona, then properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dialogue.machine import advance, finish, initial_state, natural_length
from app.dialogue.types import DialogueState, Outcome, Stage
from app.errors import InvalidInput
from app.feedback.types import Feedback, Move
from tests.dialogue.factories import (
    LISTENER,
    MAX_TURNS,
    PERSONA_IDS,
    PITCHER,
    feedback,
    persona,
    play,
)


def _first_turn_at(states: list[DialogueState], stage: Stage) -> int | None:
    return next((s.turn for s in states if s.stage is stage), None)


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_listener_reaches_discovery_within_four_turns(persona_id: str) -> None:
    states = play(persona(persona_id), LISTENER)
    turn = _first_turn_at(states, Stage.DISCOVERY)
    assert turn is not None and turn <= 4


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_listener_is_not_closed_before_the_persona_s_natural_length(persona_id: str) -> None:
    # Issue 15: a listener's discovery call was closed after 6 turns. The persona now wraps up
    # when its time is up (about one turn per thing it has to talk about), then closes warmly.
    who = persona(persona_id)
    states = play(who, LISTENER * 2)
    length = natural_length(who, MAX_TURNS)
    assert length >= 10
    assert not any(s.ended for s in states if s.turn < length)
    assert states[length].stage is Stage.CLOSING
    final = states[-1]
    assert final.outcome is Outcome.WARM_CLOSE and final.turn == length + 1
    assert {Stage.OPPORTUNITY, Stage.CLOSING, Stage.ENDED} <= set(final.stages_reached)


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_listener_unlocks_every_hook_one_turn_at_a_time(persona_id: str) -> None:
    who = persona(persona_id)
    states = play(who, LISTENER)
    assert states[-1].unlocked_hooks == [h.id for h in who.hooks]
    for before, after in zip(states, states[1:], strict=False):
        assert len(after.unlocked_hooks) - len(before.unlocked_hooks) <= 1


@pytest.mark.parametrize("persona_id", PERSONA_IDS)
def test_pitcher_cools_the_persona_and_is_walked_away_from(persona_id: str) -> None:
    states = play(persona(persona_id), PITCHER)
    assert _first_turn_at(states, Stage.COOLING) == 2
    final = states[-1]
    assert final.outcome is Outcome.WALKED_AWAY
    assert 4 <= final.turn <= 6
    assert final.unlocked_hooks == []


def test_pitcher_is_walked_away_from_sooner_on_hard_than_on_easy() -> None:
    hard = play(persona(), PITCHER, "hard")[-1]
    easy = play(persona(), PITCHER, "easy")[-1]
    assert hard.outcome is easy.outcome is Outcome.WALKED_AWAY
    assert hard.turn < easy.turn


@pytest.mark.parametrize("difficulty", ["easy", "normal", "hard"])
def test_a_persona_says_it_is_cooling_before_it_walks_away(difficulty: str) -> None:
    # Two pitches empty a hard persona's trust; it warns once and leaves only on the next cold turn,
    # so a learner who stops pitching and starts asking can still recover.
    states = play(persona(), PITCHER, difficulty)
    assert states[-1].outcome is Outcome.WALKED_AWAY
    assert states[-2].stage is Stage.COOLING


def test_listener_reaches_the_offer_sooner_on_easy_than_on_hard() -> None:
    easy = _first_turn_at(play(persona(), LISTENER, "easy"), Stage.OPPORTUNITY)
    hard = _first_turn_at(play(persona(), LISTENER, "hard"), Stage.OPPORTUNITY)
    assert easy is not None and hard is not None
    assert easy < hard


def test_bad_start_then_listening_recovers_to_a_warm_close() -> None:
    states = play(persona(), PITCHER[:2] + LISTENER * 2)
    assert states[2].stage is Stage.COOLING
    recovered = next(s for s in states[3:] if s.stage is not Stage.COOLING)
    assert recovered.turn <= 5
    assert states[-1].outcome is Outcome.WARM_CLOSE


def test_one_pitch_in_discovery_drops_trust_but_listening_continues() -> None:
    states = play(persona(), LISTENER[:4])
    assert states[-1].stage is Stage.DISCOVERY
    after_pitch = advance(states[-1], PITCHER[0], persona(), "normal", max_turns=40)
    assert after_pitch.trust < states[-1].trust
    assert after_pitch.cold_streak == 1


def test_alternating_pitches_and_questions_still_runs_out_of_patience() -> None:
    final = play(persona(), [PITCHER[0], LISTENER[0]] * 10)[-1]
    assert final.outcome is Outcome.WALKED_AWAY


def test_conversation_ends_at_the_turn_cap_with_an_earned_outcome() -> None:
    neutral = feedback(50, Move.SELF_DISCLOSURE)
    state = initial_state(persona(), "normal")
    for _ in range(3):
        state = advance(state, neutral, persona(), "normal", max_turns=3)
    assert state.ended and state.turn == 3
    assert state.outcome is Outcome.NEUTRAL_CLOSE


def test_ended_state_absorbs_further_turns() -> None:
    final = play(persona(), PITCHER)[-1]
    assert final.ended
    assert advance(final, LISTENER[0], persona(), "normal", max_turns=40) == final
    assert finish(final) == final


def test_finish_after_the_offer_is_a_warm_close() -> None:
    states = play(persona(), LISTENER)
    at_opportunity = next(s for s in states if s.stage is Stage.OPPORTUNITY)
    finished = finish(at_opportunity)
    assert finished.outcome is Outcome.WARM_CLOSE and finished.stage is Stage.ENDED


def test_finish_early_is_a_neutral_close() -> None:
    states = play(persona(), LISTENER[:2])
    assert finish(states[-1]).outcome is Outcome.NEUTRAL_CLOSE


def test_finish_while_cooling_is_a_neutral_close() -> None:
    states = play(persona(), PITCHER[:2])
    assert states[-1].stage is Stage.COOLING
    assert finish(states[-1]).outcome is Outcome.NEUTRAL_CLOSE


def test_initial_state_uses_the_difficulty_trust() -> None:
    who = persona()
    assert initial_state(who, "hard").trust == who.difficulties["hard"].initial_trust
    assert initial_state(who, "easy").trust > initial_state(who, "hard").trust


def test_unknown_difficulty_is_invalid_input_naming_the_choices() -> None:
    with pytest.raises(InvalidInput, match="easy, normal, hard"):
        initial_state(persona(), "nightmare")


# --- properties -------------------------------------------------------------------------------

feedbacks = st.builds(
    lambda score, moves, interest: Feedback(
        genuine_interest=interest, score=score, moves=sorted(moves), evidence=[], tip="tip"
    ),
    st.integers(0, 100),
    st.sets(st.sampled_from(list(Move)), max_size=4),
    st.booleans(),
)
personas = st.sampled_from(PERSONA_IDS).map(persona)
difficulties = st.sampled_from(["easy", "normal", "hard"])


@settings(max_examples=150, deadline=None)
@given(personas, difficulties, st.lists(feedbacks, max_size=45), st.integers(1, 50))
def test_any_feedback_sequence_keeps_the_state_valid(who, difficulty, turns, max_turns) -> None:
    state = initial_state(who, difficulty)
    for turn in turns:
        nxt = advance(state, turn, who, difficulty, max_turns=max_turns)
        if state.ended:
            assert nxt == state
        else:
            assert nxt.turn == state.turn + 1
            assert nxt.turn <= max_turns
        assert 0.0 <= nxt.trust <= 1.0
        assert nxt.stage in Stage
        assert nxt.ended == (nxt.stage is Stage.ENDED) == (nxt.outcome is not None)
        assert set(state.unlocked_hooks) <= set(nxt.unlocked_hooks)
        assert set(nxt.unlocked_hooks) <= {h.id for h in who.hooks}
        assert nxt.stage in nxt.stages_reached
        state = nxt


@settings(max_examples=100, deadline=None)
@given(personas, st.lists(feedbacks, max_size=30))
def test_finish_always_ends_with_an_outcome(who, turns) -> None:
    state = initial_state(who, "normal")
    for turn in turns:
        state = advance(state, turn, who, "normal", max_turns=40)
    finished = finish(state)
    assert finished.ended and finished.stage is Stage.ENDED
    assert finished.outcome is not None
    if state.ended:
        assert finished == state


@settings(max_examples=100, deadline=None)
@given(personas, difficulties, st.lists(feedbacks, max_size=20), feedbacks)
def test_advance_is_pure_and_deterministic(who, difficulty, turns, last) -> None:
    state = initial_state(who, difficulty)
    for turn in turns:
        state = advance(state, turn, who, difficulty, max_turns=40)
    snapshot = state.model_copy(deep=True)
    first = advance(state, last, who, difficulty, max_turns=40)
    second = advance(state, last, who, difficulty, max_turns=40)
    assert first == second
    assert state == snapshot  # the input state was not mutated
