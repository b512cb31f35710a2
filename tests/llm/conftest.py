"""The fake OpenAI-compatible server, started once on loopback; every test talks to it over HTTP.

Tests steer the fake through its admin endpoints (latency, failures, canned answers) and read back
what it was sent; nothing in the client is monkeypatched.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.dialogue.engine import ReplyContext
from app.dialogue.types import DialogueState, Stage
from app.feedback.analyzer import analyze
from app.feedback.types import Utterance
from app.llm.client import LLMClient
from app.llm.engine import LLMEngine
from app.llm.fake import create_fake_app
from app.llm.judge import FeedbackJudge
from app.llm.prompts import PromptLibrary
from app.personas.registry import load_personas
from app.personas.schema import Persona


class FakeControl:
    """The test's handle on the fake: its URL and its admin endpoints."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=5)

    def configure(self, **changes: Any) -> None:
        self.http.post("/_fake/config", json=changes).raise_for_status()

    def reset(self) -> None:
        self.http.post("/_fake/reset").raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        return self.http.get("/_fake/requests").json()["requests"]

    def most_busy(self) -> int:
        """The most requests the fake answered at once since its last reset."""
        return int(self.http.get("/_fake/requests").json()["most_busy"])

    def sent_text(self) -> str:
        """Every message content the fake received, joined: what the model could ever see."""
        return "\n".join(
            str(m.get("content") or "") for r in self.requests() for m in r["messages"]
        )


@contextmanager
def running_fake(**config: Any) -> Iterator[FakeControl]:
    """The fake on a free loopback port, in a thread of this process, for as long as the block."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_fake_app(**config), log_level="critical", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    control = FakeControl(f"http://127.0.0.1:{sock.getsockname()[1]}")
    try:
        yield control
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        control.http.close()


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeControl]:
    with running_fake() as control:
        yield control


@pytest.fixture(autouse=True)
def fresh_fake(fake: FakeControl) -> None:
    fake.reset()


def llm_settings_for(fake: FakeControl, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "RAPPORT_LLM_BASE_URL": f"{fake.base_url}/v1",
        "RAPPORT_LLM_API_KEY": "test-key",
        "llm_timeout": 2.0,
        "llm_max_retries": 2,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def llm_settings(fake: FakeControl) -> Settings:
    return llm_settings_for(fake)


@pytest.fixture
async def llm_client(llm_settings: Settings) -> AsyncIterator[LLMClient]:
    client = LLMClient.from_settings(llm_settings)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def prompts() -> PromptLibrary:
    return PromptLibrary(Settings().prompts_dir)


@pytest.fixture
def engine(llm_client: LLMClient, prompts: PromptLibrary) -> LLMEngine:
    return LLMEngine(llm_client, prompts)


@pytest.fixture
def judge(llm_client: LLMClient, prompts: PromptLibrary) -> FeedbackJudge:
    return FeedbackJudge(llm_client, prompts)


@pytest.fixture(scope="session")
def recruiter() -> Persona:
    return load_personas(Settings().personas_dir).get("recruiter")


def context(
    persona: Persona,
    user_line: str,
    *,
    history: tuple[Utterance, ...] | None = None,
    stage: Stage = Stage.RAPPORT,
    trust: float = 0.45,
    unlocked: tuple[str, ...] = (),
    summary: str = "",
    covers: int = 0,
    turn: int = 2,
) -> ReplyContext:
    """A turn's context: the history so far plus the new user line, judged by the analyzer."""
    before_lines = history if history is not None else (Utterance("persona", persona.openings[0]),)
    feedback = analyze(user_line, before_lines)
    before = DialogueState(stage=stage, trust=trust, turn=turn - 1, unlocked_hooks=list(unlocked))
    after = before.model_copy(update={"turn": turn})
    return ReplyContext(
        persona=persona,
        difficulty="normal",
        history=(*before_lines, Utterance("user", user_line)),
        feedback=feedback,
        before=before,
        after=after,
        seed="test-seed",
        summary=summary,
        summary_covers=covers,
    )


async def reply_to(engine: LLMEngine, ctx: ReplyContext) -> tuple[str, list[str]]:
    chunks = [chunk async for chunk in engine.stream(ctx)]
    return "".join(chunks), chunks
