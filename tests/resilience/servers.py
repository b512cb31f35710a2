"""Real `rapport serve` processes for the resilience tests: started, killed and restarted at will.

Each server is the production entry point (`python -m app.cli serve`, which migrates and then
runs uvicorn in the same process), so SIGKILL here is what a crashed container gets.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import ROOT
from tests.databases import postgres_database

# Generous: a server starts in seconds, but on a loaded 2-core machine running the suite in
# parallel a start-up (an interpreter, the app, a migration) has taken over 45 s.
READY_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The parent's environment without any RAPPORT_/OPENAI_ setting, plus these ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "OPENAI_"))}
    env.update(
        {
            "RAPPORT_DATABASE_URL": database_url,
            "RAPPORT_ENGINE": "scripted",
            "RAPPORT_AUTH": "open",
            "RAPPORT_RATE_LIMIT_PER_MINUTE": "1000000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no goodbye; what an OOM kill or a power cut does."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(database_url: str, log_path: Path, **env: str) -> Server:
    """Start and wait until ready; a port taken between choosing and binding it is tried again."""
    for attempt in range(3):
        try:
            return _start_once(database_url, log_path, **env)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class PortTaken(RuntimeError):
    pass


def _start_once(database_url: str, log_path: Path, **env: str) -> Server:
    port = free_port()
    earlier = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=server_env(database_url, **env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        _wait_ready(server, earlier)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_server(database_url: str, log_path: Path, **env: str) -> Iterator[Server]:
    server = start_server(database_url, log_path, **env)
    try:
        yield server
    finally:
        server.stop()


def _wait_ready(server: Server, earlier: int) -> None:
    deadline = time.monotonic() + READY_SECONDS
    # One client for all the polls: httpx.get() builds a client (and its SSL context) per call,
    # about 40 ms of CPU, which ten polls a second turned into seconds per server start.
    with httpx.Client(timeout=1) as http:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                log = server.log()
                latest = server.log_path.read_bytes()[earlier:].decode("utf-8", "replace")
                if "address already in use" in latest.lower():
                    raise PortTaken(log)
                raise RuntimeError(f"server exited with {server.proc.returncode}:\n{log}")
            try:
                if http.get(f"{server.base}/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"server not ready in {READY_SECONDS} s:\n{server.log()}")


@contextmanager
def fresh_database(configured: str | None, tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the suite runs on: PostgreSQL if configured, else SQLite."""
    if not (configured and configured.startswith("postgresql")):
        yield f"sqlite+aiosqlite:///{tmp_path / f'served-{uuid.uuid4().hex[:6]}.db'}"
        return
    with postgres_database(configured, "rapport_resilience") as url:
        yield url


def create_key(database_url: str, name: str = "resilience") -> str:
    """A secret key made the operator's way (`rapport keys create`): a tenant of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--name", name],
        cwd=ROOT,
        env=server_env(database_url, RAPPORT_AUTH="keys"),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False
