"""The LLM feedback judge: merged with the local analyzer, and never costing the user a turn."""

from __future__ import annotations

import time

from app.feedback.analyzer import analyze
from app.feedback.types import Feedback, Move, Utterance
from app.llm.client import LLMClient
from app.llm.judge import FeedbackJudge, anchor
from app.llm.prompts import PromptLibrary
from tests.llm.conftest import FakeControl

HISTORY = (Utterance("persona", "I taught chemistry for four years before recruiting."),)
MESSAGE = "Four years of teaching! What made you leave the classroom?"


def local_feedback() -> Feedback:
    return analyze(MESSAGE, HISTORY)


async def test_judge_verdict_is_merged_with_the_local_one_and_checked(
    judge: FeedbackJudge, fake: FakeControl
) -> None:
    fake.configure(
        structured_answer={
            "genuine_interest": True,
            "score": 100,
            "moves": ["follow_up_question", "acknowledgement", "flattery"],
            "evidence": [
                {"move": "follow_up_question", "text": "what made you leave the classroom"},
                {"move": "acknowledgement", "text": "Four years of teaching, wow"},
                {"move": "flattery", "text": "Four years"},
            ],
            "tip": "Next, reflect what they say before asking more. Then ask again.",
        }
    )
    local = local_feedback()

    merged = await judge.judge(MESSAGE, HISTORY, local)

    assert merged.moves == [Move.FOLLOW_UP_QUESTION, Move.ACKNOWLEDGEMENT]  # no "flattery"
    assert merged.score == round((100 + local.score) / 2)
    assert merged.tip == "Next, reflect what they say before asking more."
    quoted = {e.move: e.text for e in merged.evidence}
    assert quoted[Move.FOLLOW_UP_QUESTION] == "What made you leave the classroom"
    assert all(e.text in MESSAGE for e in merged.evidence)
    assert fake.requests()[0]["temperature"] == 0  # the same message gets the same verdict
    prompt = fake.requests()[0]["messages"][1]["content"]
    assert f"<message>\n{MESSAGE}\n</message>" in prompt and HISTORY[0].content in prompt


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
    assert merged.genuine_interest is False and merged.tip == local.tip


def test_anchor_finds_the_message_words_behind_a_loosely_copied_quote() -> None:
    message = "So   you moved from\nteaching to recruiting?"

    assert anchor('"so you moved from teaching…"', message) == "So   you moved from\nteaching"
    assert anchor("you moved", message) == "you moved"
    assert anchor("never said this", message) is None
    assert anchor("", message) is None
