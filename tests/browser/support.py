"""Helpers for the browser tests: the real server's command line, a second web origin, and
driving the widget in a page (open it, say something, odd host pages, axe-core)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

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
            '<!doctype html><html lang="en"><head><title>Another coaching site</title></head>'
            "<body><main><h1>Another coaching site</h1></main>"
            f'<script src="{widget_base}/widget.js" data-key="{key}" data-persona="recruiter" '
            "async></script></body></html>"
        )
        return self.origin + path


# ---------------------------------------------------------------- driving the widget in a page
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# It answers whatever Priya's opener asked (what brings you, which stop, what's on your list):
# "Pretty good, thanks!" alone dodged 3 of her 26 openers' questions, and the analyzer, rightly,
# read the question after it as a change of subject (session 17).
WARM_QUESTION = (
    "Pretty good, thanks! I'm here to meet a few teams, and this is my first stop. "
    "How did you end up in recruiting?"
)
# "What made you leave teaching?" is the classic follow-up, but after the answer variant that
# gives a "because" (about something else) the analyzer calls it hollow: a known error with its
# own test in tests/feedback/test_live_examples.py. The widget's test should not hang on it.
# Some of Priya's answers end by asking back ("So how did you land in tech?"); a follow-up
# that ignores it is a dodge, rightly not genuine, so this one answers her first. Over 300
# seeded conversations sharing recent lines, as the server does, the linear model alone still
# judged 2 a hijack, after her "Not the straight line you'd expect..." (session 14); the
# analyzer's second stage reads that turn as a follow-up (docs/benchmarks.md, session 15 notes).
# The old line failed 1 in 60.
WARM_FOLLOW_UP = (
    "I got into tech through customer support myself, years ago. "
    "What do you miss most about teaching?"
)
PITCH = (
    "I'm a senior backend engineer with eight years of Python experience, here is my resume, "
    "I'd be a great fit for your team."
)
# The focused element, through shadow roots: its data-testid, or its tag name.
DEEP_ACTIVE = """() => { let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el ? (el.getAttribute('data-testid') || el.tagName.toLowerCase()) : null; }"""
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
PHONE_LANDSCAPE = {
    "viewport": {"width": 844, "height": 390},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 850}}
# A 1280x720 laptop at 200% zoom: CSS pixels are what the page lays out in.
ZOOMED = {"viewport": {"width": 640, "height": 360}, "device_scale_factor": 2}


def open_widget(page: Page, url: str | None = None) -> None:
    if url is not None:
        page.goto(url)
    page.get_by_test_id("rapport-launcher").click()
    opening = page.get_by_test_id("rapport-message").first
    expect(opening).to_have_attribute("data-role", "persona")
    expect(opening).not_to_be_empty()


def wait_for_reply(page: Page) -> None:
    expect(page.locator("[data-testid=rapport-message][aria-busy]")).to_have_count(0)
    expect(page.get_by_test_id("rapport-message").last).to_have_attribute("data-role", "persona")


def say(page: Page, text: str) -> Locator:
    """Send one message; returns its feedback chip once the persona's reply has finished."""
    chips = page.get_by_test_id("rapport-feedback")
    before = chips.count()
    page.get_by_test_id("rapport-input").fill(text)
    page.get_by_test_id("rapport-send").click()
    expect(chips).to_have_count(before + 1)
    wait_for_reply(page)
    return chips.nth(before)


def stored_conversation(page: Page) -> dict[str, Any]:
    """What the widget keeps in localStorage about its conversation (id, token, times...)."""
    stored = page.evaluate("""() => Object.keys(localStorage)
      .filter(k => k.startsWith('rapport:'))
      .map(k => localStorage.getItem(k))[0] || null""")
    return json.loads(stored) if stored else {}


def conversation_id(page: Page) -> str:
    stored = stored_conversation(page).get("id")
    assert stored, "the widget did not keep its conversation id in localStorage"
    return str(stored)


def computed(locator: Locator, *props: str) -> dict[str, str]:
    return locator.evaluate(  # type: ignore[no-any-return]
        "(el, props) => Object.fromEntries(props.map(p => "
        "[p, getComputedStyle(el).getPropertyValue(p)]))",
        list(props),
    )


def serve_host_page(
    page: Page,
    server: Server,
    path: str,
    *,
    html_attrs: str = 'lang="en"',
    head: str = "",
    widget_attrs: str = 'data-persona="recruiter"',
    body: str = "",
) -> str:
    """A host page of our own making on the server's origin (answered by the browser itself),
    embedding the widget: for odd host pages (RTL, a transformed body, another language)."""
    html = (
        f"<!doctype html><html {html_attrs}><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Host page</title>{head}</head><body><main><h1>A coaching site</h1>"
        + (body or "<p>" + " ".join(["Practise here before the real event."] * 40) + "</p>")
        + f"</main><script src='{server.base}/widget.js' {widget_attrs} async></script>"
        "</body></html>"
    )
    url = f"{server.base}{path}"
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
    return url


def run_axe(page: Page, label: str) -> None:
    """axe-core (from the npm registry, see package.json) over the whole page, widget included
    (it walks open shadow roots): no violations, each one named when there are."""
    assert AXE.exists(), f"{AXE} is missing: `make test-browser` installs it (npm ci)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' >>> ') + ': ' + n.failureSummary) }));
    }""")
    assert not result, f"axe-core violations ({label}):\n" + json.dumps(result, indent=1)


def pattern(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text))
