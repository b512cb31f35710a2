"""`rapport eval` finishes a turn answered 503 with POST .../retry, as a front-end would, against
the fake OpenAI-compatible server; a turn that keeps failing fails the run, transcript kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.evals.runner import MAX_BACKOFF, TurnRetry, run_eval
from app.evals.scripts import Script
from tests.llm.conftest import FakeControl, running_fake

LINES = ["Hi Priya, how did you end up in recruiting?", "What made you leave teaching?"]
SCRIPT = Script(name="recruiter-retried", persona="recruiter", user=LINES)
QUICK = TurnRetry(times=3, backoff=0.01)


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeControl]:
    with running_fake() as control:
        yield control


@pytest.fixture
def fake(fake_server: FakeControl) -> FakeControl:
    fake_server.reset()
    return fake_server


def settings_for(fake: FakeControl) -> Settings:
    values: dict[str, Any] = {
        "engine": "llm",
        "RAPPORT_LLM_BASE_URL": f"{fake.base_url}/v1",
        "RAPPORT_LLM_API_KEY": "test-key",
        "llm_timeout": 2.0,
        "llm_max_retries": 0,  # every model failure reaches the API as a 503
    }
    return Settings(**values)


def persona_calls(fake: FakeControl) -> int:
    return sum(r["messages"][0]["content"].startswith("You are ") for r in fake.requests())


async def test_a_turn_answered_503_is_finished_with_retry_and_the_run_passes(
    fake: FakeControl,
) -> None:
    fake.configure(fail="503", fail_times=2)  # the turn and its first retry fail

    results = await run_eval([SCRIPT], settings_for(fake), turn_retry=QUICK)

    [run] = results.runs
    assert run.failures == [] and run.passed
    assert [m["role"] for m in run.messages] == ["persona", "user", "persona", "user", "persona"]
    assert [m["content"] for m in run.messages if m["role"] == "user"] == LINES
    assert persona_calls(fake) == 4  # 2 failed, then one reply per line


async def test_a_turn_that_keeps_failing_fails_the_run_but_keeps_its_transcript(
    fake: FakeControl,
) -> None:
    fake.configure(fail="503")

    results = await run_eval([SCRIPT], settings_for(fake), turn_retry=QUICK)

    [run] = results.runs
    assert not run.passed and run.ended_early
    assert len(run.failures) == 1 and "/retry answered 503" in run.failures[0]
    assert [m["role"] for m in run.messages] == ["persona", "user"]
    assert run.messages[1]["content"] == LINES[0]
    assert persona_calls(fake) == 1 + QUICK.times  # bounded: the turn, then each retry


def test_the_wait_doubles_honours_retry_after_and_is_capped() -> None:
    retry = TurnRetry(times=5, backoff=1.0)
    plain = httpx.Response(503)
    asked = httpx.Response(503, headers={"Retry-After": "7"})

    assert [retry.wait(n, plain) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert retry.wait(0, asked) == 7.0
    assert retry.wait(10, plain) == MAX_BACKOFF
