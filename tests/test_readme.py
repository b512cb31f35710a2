"""The README's quick start, pasted as a newcomer would: its first shell block starts a keyed
server (`make run ...`), the next ones run in a second terminal against it. Only the port is
changed (to a free one) and the database is a temporary file, so a developer's own server and
./var/ are left alone."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import ROOT
from tests.resilience.servers import free_port

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
QUICK_START = "## Quick start"
README_PORT = "8001"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def quick_start_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(QUICK_START)
    section = text[start : text.find("\n## ", start + len(QUICK_START))]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def newcomer_env(tmp_path: Path) -> dict[str, str]:
    """A shell without the suite's settings; the database is the only thing moved aside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "OPENAI_"))}
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    env["RAPPORT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'rapport.db'}"
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, dict[str, str], str]]:
    """Terminal 1: the first block, on a free port, until the server answers."""
    if not (ROOT / ".venv" / "bin" / "rapport").exists():
        pytest.skip("the README runs .venv/bin/rapport; make the project's .venv first")
    for tool in ("make", "curl"):
        if shutil.which(tool) is None:
            pytest.skip(f"the README's quick start needs {tool} (.ci/run installs it)")
    blocks = quick_start_blocks()
    assert len(blocks) >= 2, "the quick start has a server block and a client block"
    port = free_port()
    env = newcomer_env(tmp_path)
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            ["bash", "-c", blocks[0].replace(README_PORT, str(port))],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make and the server it starts, stopped together below
        )
    try:
        _wait_until_up(proc, port, log)
        yield port, env, "\n".join(blocks[1:]).replace(README_PORT, str(port))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _wait_until_up(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120  # make may have to install first
    with httpx.Client(timeout=1) as http:  # one client: httpx.get() costs ~40 ms of CPU a call
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"the server block exited:\n{log.read_text()}")
            try:
                if http.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise AssertionError(f"the server block did not come up:\n{log.read_text()}")


def test_the_quick_start_pasted_in_order_works(server: tuple[int, dict[str, str], str]) -> None:
    port, env, commands = server
    assert "RAPPORT_AUTH=keys" in quick_start_blocks()[0]  # the key is really checked
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", commands],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout
    assert done.returncode == 0, f"stdout:\n{out}\nstderr:\n{done.stderr}"
    assert "rapport.dev/problems" not in out, out  # no command met an error
    assert re.search(rf"conversation {UUID}", out), out  # the id was captured
    assert '"feedback"' in out and '"reply"' in out  # a turn
    assert "event: delta" in out and "event: done" in out  # a streamed turn
    assert '"genuine_interest_rate"' in out  # the report
    without_key = httpx.get(f"http://127.0.0.1:{port}/v1/personas")
    assert without_key.status_code == 401  # keys mode: the key mattered
