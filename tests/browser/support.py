"""Helpers for the browser tests: the real server's command line, a second web origin."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
BOUND_ORIGIN = "https://coach.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "OPENAI_"))}
    env.update(
        RAPPORT_AUTH="open",
        RAPPORT_ENGINE="scripted",
        RAPPORT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'db.sqlite'}",
        RAPPORT_RATE_LIMIT_PER_MINUTE="100000",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"rapport {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=1) as http:  # one client: httpx.get() costs ~40 ms of CPU a call
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited early:\n{log.read_text()}")
            try:
                if http.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 60 s:\n{log.read_text()}")


@contextmanager
def running(args: list[str], env: dict[str, str], ready_url: str, log: Path) -> Iterator[None]:
    """A server process for the length of the block; its output goes to `log` for failures."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(ready_url, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def rapport_server(tmp: Path, *, demo_key: bool = False, **env_overrides: str) -> Iterator[Server]:
    """The real app (migrated SQLite, open auth) under uvicorn on a free loopback port.

    With demo_key, /demo embeds a publishable key bound to the server's own origin, as a
    deployment in `keys` mode would.
    """
    env = server_env(tmp, **env_overrides)
    cli(env, "db", "upgrade")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if demo_key:
        env["RAPPORT_DEMO_KEY"] = Server(base, env).publishable_key(base)
    args = [
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with running(args, env, f"{base}/healthz", tmp / "server.log"):
        yield Server(base, env)


@contextmanager
def fake_llm(tmp: Path) -> Iterator[str]:
    """The project's OpenAI-compatible fake (app/llm/fake.py); yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(
        ["-m", "app.llm.fake", "--port", str(port)],
        server_env(tmp),
        f"{base}/v1/models",
        tmp / "fake-llm.log",
    ):
        yield base


class Server:
    def __init__(self, base: str, env: dict[str, str]) -> None:
        self.base = base
        self.env = env

    def publishable_key(self, *origins: str) -> str:
        args = ["keys", "create", "--name", "browser-test", "--publishable"]
        for origin in origins:
            args += ["--origin", origin]
        return cli(self.env, *args).strip().splitlines()[-1]


class OtherSite:
    """A second tiny web server on another port: a different origin embedding the widget."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def embed(self, path: str, widget_base: str, key: str) -> str:
        self.pages[path] = (
            "<!doctype html><html><head><title>Another coaching site</title></head><body>"
            "<h1>Another coaching site</h1>"
            f'<script src="{widget_base}/widget.js" data-key="{key}" data-persona="recruiter" '
            "async></script></body></html>"
        )
        return self.origin + path
