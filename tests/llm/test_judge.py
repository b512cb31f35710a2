"""The LLM feedback judge: merged with the local analyzer, and never costing the user a turn."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from app.feedback.analyzer import analyze
from app.feedback.types import NEGATIVE_MOVES, Evidence, Feedback, Move, Utterance
from app.llm.client import LLMClient
from app.llm.judge import MAX_SCORE_SHIFT, FeedbackJudge, anchor, merge
from app.llm.prompts import PromptLibrary
from tests.llm.conftest import FakeControl

HISTORY = (Utterance("persona", "I taught chemistry for four years before recruiting."),)
MESSAGE = "Four years of teaching! What made you leave the classroom?"


def local_feedback() -> Feedback:
    return analyze(MESSAGE, HISTORY)


LOCAL = Feedback(
    genuine_interest=True,
    score=70,
    moves=[Move.FOLLOW_UP_QUESTION],
    evidence=[Evidence(move=Move.FOLLOW_UP_QUESTION, text="What made you leave the classroom?")],
    tip="Reflect what they said before your next question.",
)


async def test_judge_verdict_is_merged_into_the_local_one_and_checked(
    judge: FeedbackJudge, fake: FakeControl
) -> None:
    fake.configure(
        structured_answer={
            "genuine_interest": True,
            "score": 100,
            "moves": ["follow_up_question", "acknowledgement", "reflection", "flattery"],
            "evidence": [
                {"move": "follow_up_question", "text": "what made you leave the classroom"},
                {"move": "acknowledgement", "text": "four years of TEACHING"},
                {"move": "reflection", "text": "Four years of teaching, wow"},
                {"move": "flattery", "text": "Four years"},
            ],
            "tip": "Next, reflect what they say before asking more. Then ask again.",
        }
    )

    merged = await judge.judge(MESSAGE, HISTORY, LOCAL)

    # Added with the user's own words; "reflection" quoted words they never wrote; no "flattery".
    assert merged.moves == [Move.FOLLOW_UP_QUESTION, Move.ACKNOWLEDGEMENT]
    assert merged.evidence == [
        *LOCAL.evidence,
        Evidence(move=Move.ACKNOWLEDGEMENT, text="Four years of teaching"),
    ]
    assert merged.score == LOCAL.score + MAX_SCORE_SHIFT
    assert merged.tip == LOCAL.tip and merged.genuine_interest
    assert fake.requests()[0]["temperature"] == 0  # the same message gets the same verdict
    prompt = fake.requests()[0]["messages"][1]["content"]
    assert f"<message>\n{MESSAGE}\n</message>" in prompt and HISTORY[0].content in prompt


async def test_a_weak_judge_cannot_turn_a_good_question_into_a_dismissive_one(
    judge: FeedbackJudge, fake: FakeControl
) -> None:
    # Issue 17, as a small local model judged it.
    message = "How did you end up in recruiting?"
    local = Feedback(
        genuine_interest=True,
        score=85,
        moves=[Move.FOLLOW_UP_QUESTION],
        evidence=[Evidence(move=Move.FOLLOW_UP_QUESTION, text=message)],
        tip="Follow up on whatever part of her answer surprises you.",
    )
    fake.configure(
        structured_answer={
            "genuine_interest": False,
            "score": 44,
            "moves": ["dismissive"],
            "evidence": [{"move": "dismissive", "text": message}],
            "tip": "You're doing great, Alex!",
        }
    )

    merged = await judge.judge(message, HISTORY, local)

    assert merged == local.model_copy(update={"score": 85 - MAX_SCORE_SHIFT})


async def test_judge_that_times_out_leaves_the_local_feedback_standing(
    llm_client: LLMClient, prompts: PromptLibrary, fake: FakeControl
) -> None:
    fake.configure(latency=2.0)
    judge = FeedbackJudge(llm_client, prompts, timeout=0.2)
    local = local_feedback()
    started = time.perf_counter()

    verdict = await judge.judge(MESSAGE, HISTORY, local)

    assert verdict == local
    assert time.perf_counter() - started < 0.6


async def test_judge_that_errors_leaves_the_local_feedback_standing(
    judge: FeedbackJudge, fake: FakeControl
) -> None:
    fake.configure(fail="503", fail_scope="structured")
    local = local_feedback()

    assert await judge.judge(MESSAGE, HISTORY, local) == local


async def test_judge_answer_that_does_not_parse_leaves_the_local_feedback_standing(
    judge: FeedbackJudge, fake: FakeControl
) -> None:
    fake.configure(fail="invalid_json")
    local = local_feedback()

    assert await judge.judge(MESSAGE, HISTORY, local) == local


async def test_judge_with_no_usable_moves_keeps_the_local_moves_and_evidence(
    judge: FeedbackJudge, fake: FakeControl
) -> None:
    fake.configure(
        structured_answer={
            "genuine_interest": False,
            "score": 20,
            "moves": ["vibes"],
            "evidence": [],
            "tip": "",
        }
    )
    local = local_feedback()

    merged = await judge.judge(MESSAGE, HISTORY, local)

    assert merged.moves == local.moves and merged.evidence == local.evidence
    assert merged.genuine_interest == local.genuine_interest and merged.tip == local.tip
    assert merged.score == max(20, local.score - MAX_SCORE_SHIFT)


def test_anchor_finds_the_message_words_behind_a_loosely_copied_quote() -> None:
    message = "So   you moved from\nteaching to recruiting?"

    assert anchor('"so you moved from teaching…"', message) == "So   you moved from\nteaching"
    assert anchor("you moved", message) == "you moved"
    assert anchor("never said this", message) is None
    assert anchor("", message) is None


NEUTRAL = Feedback(
    genuine_interest=False,
    score=50,
    moves=[Move.SELF_DISCLOSURE],
    evidence=[Evidence(move=Move.SELF_DISCLOSURE, text="I taught physics in Leeds")],
    tip="Hand the floor back with a question.",
)
TOLD = "I taught physics in Leeds, and honestly my own projects matter more to me than yours."


def judged(*quotes: tuple[str, str], score: int = 50) -> dict[str, Any]:
    return {
        "genuine_interest": False,
        "score": score,
        "moves": [move for move, _ in quotes],
        "evidence": [{"move": move, "text": text} for move, text in quotes],
        "tip": "Great job!",
    }


def test_a_quote_of_the_partner_s_words_earns_the_judge_nothing() -> None:
    partner_line = HISTORY[0].content

    merged = merge(MESSAGE, LOCAL, judged(("reflection", partner_line)))

    assert merged.moves == LOCAL.moves and merged.evidence == LOCAL.evidence


def test_a_negative_move_is_added_only_where_the_analyzer_saw_no_genuine_interest() -> None:
    quote = ("self_focus", "my own projects matter more to me than yours")

    added = merge(TOLD, NEUTRAL, judged(quote))
    refused = merge(MESSAGE, LOCAL, judged(("self_focus", "What made you leave")))

    assert added.moves == [Move.SELF_DISCLOSURE, Move.SELF_FOCUS]
    assert added.evidence[-1].text == quote[1] and added.genuine_interest is False
    assert refused.moves == LOCAL.moves and refused.genuine_interest


def test_a_positive_move_cannot_be_quoted_from_words_the_analyzer_marked_negative() -> None:
    local = NEUTRAL.model_copy(
        update={
            "moves": [Move.SELF_FOCUS],
            "evidence": [Evidence(move=Move.SELF_FOCUS, text="my own projects matter more")],
        }
    )

    merged = merge(TOLD, local, judged(("reflection", "my own projects matter more to me")))

    assert merged.moves == [Move.SELF_FOCUS] and not merged.genuine_interest


def test_a_quoted_positive_move_the_analyzer_missed_can_make_the_turn_genuine() -> None:
    message = "I taught physics in Leeds too. That must have been a big change for you."

    merged = merge(message, NEUTRAL, judged(("reflection", "must have been a big change")))

    assert merged.moves == [Move.SELF_DISCLOSURE, Move.REFLECTION] and merged.genuine_interest


def test_one_word_is_not_a_quote_unless_it_is_the_whole_message() -> None:
    merged = merge(TOLD, NEUTRAL, judged(("self_focus", "I")))
    minimal = merge("ok", NEUTRAL, judged(("minimal", "OK")))

    assert merged.moves == NEUTRAL.moves
    assert minimal.moves == [Move.SELF_DISCLOSURE, Move.MINIMAL]


MOVE_NAMES = st.sampled_from([m.value for m in Move] + ["flattery", "", "PITCH"])
WORDS = st.sampled_from(
    ["What made you", "leave", "the classroom", "I taught", "Four years", "x", "", "teaching!"]
)
RAW = st.one_of(
    st.fixed_dictionaries(
        {
            "genuine_interest": st.one_of(st.booleans(), st.none(), st.text(max_size=3)),
            "score": st.one_of(st.integers(-500, 500), st.floats(allow_nan=False), st.none()),
            "moves": st.lists(MOVE_NAMES, max_size=6),
            "evidence": st.lists(
                st.fixed_dictionaries({"move": MOVE_NAMES, "text": WORDS}), max_size=6
            ),
            "tip": st.text(max_size=40),
        }
    ),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


@example(
    raw={"genuine_interest": None, "score": float("inf"), "moves": [], "evidence": [], "tip": ""},
    local=LOCAL,
)
@given(raw=RAW, local=st.sampled_from([LOCAL, NEUTRAL]))
def test_whatever_the_judge_answers_the_analyzer_s_verdict_bounds_the_merge(
    raw: dict[str, Any], local: Feedback
) -> None:
    merged = merge(MESSAGE, local, raw)

    assert merged.moves[: len(local.moves)] == local.moves
    assert merged.evidence[: len(local.evidence)] == local.evidence
    assert all(e.text in MESSAGE for e in merged.evidence[len(local.evidence) :])
    assert abs(merged.score - local.score) <= MAX_SCORE_SHIFT and 0 <= merged.score <= 100
    assert merged.tip == local.tip
    if local.genuine_interest:
        assert merged.genuine_interest and not set(merged.moves) & NEGATIVE_MOVES
