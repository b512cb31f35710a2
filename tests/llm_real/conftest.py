"""The real-model suite (`make test-llm-real`): a llama-cpp-python server with SmolLM2-135M,
the recording proxy in front of it, and the service in a subprocess. See harness.py.

Every test here is marked `llm_real`; `make test` and `make test-postgres` deselect them, and a
run without RAPPORT_LLM_REAL_PYTHON (the server's venv, which `make test-llm-real` builds) skips
them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm_real.harness import ProxyState, RealServer, ServerEnvMissing, model_proxy


@pytest.fixture(scope="session")
def real_server() -> Iterator[RealServer]:
    try:
        server = RealServer()
    except ServerEnvMissing as exc:
        if os.environ.get("RAPPORT_LLM_REAL_REQUIRED"):  # make test-llm-real: never a quiet skip
            raise
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def proxied(real_server: RealServer) -> Iterator[tuple[str, ProxyState]]:
    with model_proxy(real_server.url) as (url, state):
        try:
            yield url, state
        finally:
            write_calls(state, real_server.log.with_suffix(".calls.jsonl"))


def write_calls(state: ProxyState, path: Path) -> None:
    """Every call the suite's services made, one JSON line each, for reading a slow or failed
    run afterwards: kind, streamed, max_tokens, the server's token counts, seconds, status."""
    with path.open("w") as out:
        for r in state.since(0):
            seconds = round(r.ended - r.started, 2) if r.ended is not None else None
            row = {
                "kind": r.kind,
                "stream": bool(r.body.get("stream")),
                "max_tokens": r.body.get("max_tokens"),
                "prompt_tokens": r.prompt_tokens,
                "completion_tokens": r.completion_tokens,
                "finish_reason": r.finish_reason,
                "seconds": seconds,
                "status": r.status,
                "cut": r.cut,
            }
            out.write(json.dumps(row) + "\n")


@pytest.fixture
def proxy_url(proxied: tuple[str, ProxyState]) -> str:
    return proxied[0]


@pytest.fixture
def proxy(proxied: tuple[str, ProxyState]) -> ProxyState:
    return proxied[1]


@pytest.fixture(autouse=True)
def server_up(real_server: RealServer) -> None:
    """Each test starts with the model running (a test that killed it may have failed early)."""
    if real_server.proc is None or real_server.proc.poll() is not None:
        real_server.start()
