"""`simulate:` scripts: an LLM plays the user, against the project's fake OpenAI server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.evals.runner import EvalResults, run_eval
from app.evals.scripts import Script
from app.evals.simulator import clean_line
from app.llm.fake import create_fake_app

SIMULATED = Script(
    name="recruiter-simulated-listener",
    persona="recruiter",
    difficulty="normal",
    simulate={"persona": "a curious listener who asks follow-up questions", "turns": 3},
)


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_fake_app(), log_level="critical", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=5)


def fake(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = httpx.request("POST" if body is not None else "GET", url + path, json=body)
    response.raise_for_status()
    return response.json()


def llm_settings(url: str) -> Settings:
    values: dict[str, Any] = {
        "engine": "llm",
        "RAPPORT_LLM_BASE_URL": f"{url}/v1",  # the field is read through its env-style alias
        "RAPPORT_LLM_API_KEY": "test-key",
        "llm_timeout": 2.0,
        "llm_max_retries": 0,
    }
    return Settings(**values)


async def test_simulated_user_writes_every_turn_from_the_prompt(fake_url: str) -> None:
    fake(fake_url, "/_fake/reset", {})
    results: EvalResults = await run_eval([SIMULATED], llm_settings(fake_url))
    [run] = results.runs
    assert run.skipped is None and run.failures == [], run.failures
    users = [m for m in run.messages if m["role"] == "user"]
    assert len(users) == 3 and all(m["content"].strip() for m in users)
    systems = [
        str(r["messages"][0]["content"]) for r in fake(fake_url, "/_fake/requests")["requests"]
    ]
    simulator_prompts = [s for s in systems if "role-playing the USER" in s]
    assert len(simulator_prompts) == 3
    assert "a curious listener who asks follow-up questions" in simulator_prompts[0]
    assert "Priya Raman" in simulator_prompts[0]


async def test_llm_failure_fails_the_run_with_a_reason(fake_url: str) -> None:
    fake(fake_url, "/_fake/reset", {})
    fake(fake_url, "/_fake/config", {"fail": "503"})
    try:
        results = await run_eval([SIMULATED], llm_settings(fake_url))
    finally:
        fake(fake_url, "/_fake/reset", {})
    [run] = results.runs
    assert not run.passed and run.skipped is None
    assert any("failed" in f or "503" in f for f in run.failures), run.failures


async def test_simulate_is_skipped_not_failed_on_the_scripted_engine() -> None:
    results = await run_eval([SIMULATED], Settings(engine="scripted"))
    [run] = results.runs
    assert run.status == "skipped" and run.passed
    assert "scripted engine" in (run.skipped or "")
    assert (results.passed, results.failed, results.skipped) == (0, 0, 1)


def test_clean_line_strips_labels_and_quotes() -> None:
    assert clean_line('  You: "How did you start?" ') == "How did you start?"
    assert clean_line("“Tell me more.”") == "Tell me more."
    assert clean_line("x" * 3000) == "x" * 2000
