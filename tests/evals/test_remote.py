"""`--url/--key`: the same runner against a real server over HTTP, with key auth."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from app.config import Settings
from app.db import upgrade_to_head
from app.evals.runner import run_eval
from app.evals.scripts import Script
from app.main import create_app
from app.services.admin import create_key

LISTENER = Script(
    name="remote-listener",
    persona="recruiter",
    difficulty="normal",
    user=["Hi Priya, I'm Alex. How did you end up in recruiting?"],
    expect={"first_pitch_turn": None, "max_turns": 1},
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('remote') / 'server.db'}"
    upgrade_to_head(url)
    settings = Settings(database_url=url, auth="keys", engine="scripted")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), log_level="critical", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", settings
    srv.should_exit = True
    thread.join(timeout=5)


def test_remote_run_with_a_key_passes(server: tuple[str, Settings]) -> None:
    base_url, settings = server
    key = asyncio.run(create_key(settings, "eval", False, [])).plain
    results = asyncio.run(run_eval([LISTENER], Settings(), url=base_url, key=key))
    [run] = results.runs
    assert run.passed, run.failures
    assert results.engine == "remote"
    assert [m["role"] for m in run.messages] == ["persona", "user", "persona"]


def test_remote_run_with_a_wrong_key_fails_with_the_status(server: tuple[str, Settings]) -> None:
    base_url, _ = server
    results = asyncio.run(run_eval([LISTENER], Settings(), url=base_url, key="rk_wrong"))
    [run] = results.runs
    assert not run.passed
    assert "401" in run.failures[0]
