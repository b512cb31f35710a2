from typing import Any

from app.evals.checks import Observed, check
from app.evals.scripts import Expect
from tests.evals.factories import make_messages, make_report, make_state


def failures(
    expect: dict[str, Any],
    report: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    lines: list[str] | None = None,
    ended_early: bool = False,
) -> list[str]:
    observed = Observed(
        report or make_report(),
        state or make_state(),
        make_messages(lines or ["a", "b", "c"]),
        ended_early,
    )
    return check(Expect.model_validate(expect), observed)


def test_all_expectations_met_gives_no_failures() -> None:
    expect = {
        "min_mean_score": 70,
        "max_mean_score": 80,
        "min_genuine_interest_rate": 0.7,
        "reaches_stage": "discovery",
        "outcome": "warm_close",
        "first_pitch_turn": None,
        "min_turns": 8,
        "ended_early": False,
    }
    assert failures(expect) == []


def test_wrong_outcome_names_expected_got_and_turn() -> None:
    state = make_state(outcome="walked_away", turn=5)
    assert failures({"outcome": "warm_close"}, state=state) == [
        "expected outcome warm_close, got walked_away at turn 5"
    ]


def test_outcome_list_accepts_any_listed_outcome() -> None:
    state = make_state(outcome="neutral_close")
    assert failures({"outcome": ["warm_close", "neutral_close"]}, state=state) == []
    assert failures({"outcome": ["walked_away"]}, state=state) == [
        "expected outcome walked_away, got neutral_close at turn 8"
    ]


def test_low_mean_score_reports_value_and_minimum() -> None:
    assert failures({"min_mean_score": 75}) == ["mean score 72.5 is below the expected minimum 75"]


def test_high_mean_score_fails_max() -> None:
    assert failures({"max_mean_score": 40}) == ["mean score 72.5 is above the expected maximum 40"]


def test_genuine_interest_rate_bounds_are_percentages() -> None:
    report = make_report(genuine_interest_rate=0.25)
    assert failures({"min_genuine_interest_rate": 0.5}, report=report) == [
        "genuine-interest rate 25% is below the expected minimum 50%"
    ]
    assert failures({"max_genuine_interest_rate": 0.2}, report=report) == [
        "genuine-interest rate 25% is above the expected maximum 20%"
    ]


def test_missing_stage_lists_what_was_reached() -> None:
    report = make_report(stages_reached=["opening", "rapport"])
    assert failures({"reaches_stage": "discovery"}, report=report) == [
        "expected to reach discovery, reached only opening, rapport"
    ]


def test_not_reaches_stage_fails_when_reached() -> None:
    result = failures({"not_reaches_stage": ["opportunity"]})
    assert result == ["expected not to reach opportunity, but it did (warm_close at turn 8)"]


def test_unexpected_pitch_quotes_the_users_line() -> None:
    report = make_report(first_pitch_turn=2)
    lines = ["Hi!", "I'd love a referral for your open role.", "Thanks"]
    assert failures({"first_pitch_turn": None}, report=report, lines=lines) == [
        'expected no pitch, but turn 2 was one ("I\'d love a referral for your open role.")'
    ]


def test_pitch_at_the_wrong_turn_and_missing_pitch() -> None:
    lines = ["Hi!", "Buy my product.", "ok"]
    assert failures(
        {"first_pitch_turn": 1}, report=make_report(first_pitch_turn=2), lines=lines
    ) == ['expected the first pitch at turn 1, got turn 2 ("Buy my product.")']
    assert failures({"first_pitch_turn": 1}) == [
        "expected the first pitch at turn 1, but no turn was judged a pitch"
    ]


def test_min_first_pitch_turn_allows_no_pitch_and_late_pitch() -> None:
    assert failures({"min_first_pitch_turn": 3}) == []
    assert failures({"min_first_pitch_turn": 3}, report=make_report(first_pitch_turn=3)) == []
    assert failures({"min_first_pitch_turn": 3}, report=make_report(first_pitch_turn=1)) == [
        'expected no pitch before turn 3, but turn 1 was one ("a")'
    ]


def test_turn_counts_mention_how_it_ended() -> None:
    report, state = make_report(turns=4), make_state(turn=4, outcome="walked_away")
    assert failures({"min_turns": 6}, report=report, state=state) == [
        "expected at least 6 turns, got 4 (walked_away at turn 4)"
    ]
    assert failures({"max_turns": 3}, report=report, state=state) == [
        "expected at most 3 turns, got 4 (walked_away at turn 4)"
    ]


def test_ended_early_checks_both_directions() -> None:
    assert failures({"ended_early": True}) == [
        "expected the persona to end it early, but it ran to the last line (warm_close at turn 8)"
    ]
    assert failures({"ended_early": False}, ended_early=True) == [
        "expected the conversation to last all the lines, but it ended early (warm_close at turn 8)"
    ]


def test_trust_talk_share_and_follow_ups() -> None:
    report = make_report(talk_share=0.8, follow_up_questions=1)
    state = make_state(trust=0.2)
    assert failures(
        {"min_final_trust": 0.5, "max_talk_share": 0.6, "min_follow_up_questions": 3},
        report=report,
        state=state,
    ) == [
        "final trust 0.20 is below the expected minimum 0.5",
        "the user spoke 80% of the words, above the expected maximum 60%",
        "expected at least 3 follow-up questions, the analyzer found 1",
    ]


def test_several_failures_come_in_declaration_order() -> None:
    state = make_state(outcome="walked_away")
    result = failures({"outcome": "warm_close", "min_mean_score": 90}, state=state)
    assert [r.split(" ")[0] for r in result] == ["mean", "expected"]


def test_hooks_unlocked_are_counted_and_the_first_unlocking_turn_is_quoted() -> None:
    messages = make_messages(["Are you a bot?", "Do you have a backend role?"])
    users = [m for m in messages if m["role"] == "user"]
    users[0]["state"], users[1]["state"] = {"hooks_unlocked": 1}, {"hooks_unlocked": 1}
    observed = Observed(make_report(), make_state(hooks_unlocked=1), messages)
    got = check(Expect(unlocks_hook=False, max_hooks_unlocked=0), observed)
    assert got[0] == 'expected no hook to unlock, but 1 did, the first at turn 1 ("Are you a bot?")'
    assert got[1].startswith("expected at most 0 hooks unlocked, got 1")
    assert check(Expect(unlocks_hook=True, min_hooks_unlocked=1), observed) == []
    older_server = Observed(make_report(), make_state(), messages)
    assert "hooks_unlocked" in check(Expect(unlocks_hook=False), older_server)[0]


def test_memory_checks_read_continues_the_opening_and_earlier_lines() -> None:
    messages = make_messages(["Hi again"])
    messages[0]["content"] = "Alex! Good to see you again. I taught chemistry for four years."
    remembered = Observed(
        make_report(),
        make_state(),
        messages,
        continues="c1",
        previous_id="c1",
        initial_state={"trust": 0.45},
        earlier_persona_lines=["Hi! I taught chemistry for four years. It was fun."],
    )
    expect = Expect(remembers=True, opening_mentions="alex", min_initial_trust=0.4)
    assert check(expect, remembered) == []
    repeats = check(Expect(max_repeats_from_previous=0), remembered)
    assert repeats == [
        "the persona said 1 sentences from an earlier conversation again (at most 0 expected)"
        ' ("I taught chemistry for four years.")'
    ]
    fresh = Observed(make_report(), make_state(), messages, previous_id="c1")
    assert check(Expect(remembers=True), fresh) == [
        "expected to continue the previous conversation (c1), but it started fresh"
    ]
    assert check(Expect(remembers=False), remembered) == [
        "expected a fresh start, but it continues c1"
    ]
    assert check(Expect(opening_mentions=["Sam"]), remembered)[0].startswith(
        "expected the opening line to mention Sam"
    )
