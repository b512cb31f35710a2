"""Real-browser fixtures: the real server in a subprocess, Debian's Chromium driven by Playwright.

Chromium comes from the system (`apt-get install chromium`); Playwright's own browser download is
never used. Without /usr/bin/chromium the browser tests are skipped, saying why.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    OtherSite,
    Server,
    fake_llm,
    rapport_server,
)


@pytest.fixture(scope="package")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium "
            "(apt-get install -y chromium; .ci/run installs it)"
        )
    return CHROMIUM


@pytest.fixture(scope="package")
def server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with rapport_server(tmp_path_factory.mktemp("scripted")) as running_server:
        yield running_server


@pytest.fixture(scope="package")
def keyed_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server in `keys` mode whose /demo carries a publishable key for its own origin."""
    with rapport_server(
        tmp_path_factory.mktemp("keys"), demo_key=True, RAPPORT_AUTH="keys"
    ) as running_server:
        yield running_server


@pytest.fixture(scope="package")
def llm_server(
    chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """A server on the LLM engine, talking to the fake model; yields it and the fake's URL."""
    tmp = tmp_path_factory.mktemp("llm")
    with (
        fake_llm(tmp) as fake,
        rapport_server(
            tmp,
            RAPPORT_ENGINE="llm",
            RAPPORT_LLM_BASE_URL=f"{fake}/v1",
            RAPPORT_LLM_API_KEY="fake",
            RAPPORT_LLM_MAX_RETRIES="0",
        ) as running_server,
    ):
        yield running_server, fake


@pytest.fixture(scope="package")
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    thread = threading.Thread(target=site.httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    site.httpd.shutdown()


@pytest.fixture(scope="package")
def browser(chromium_path: Path) -> Iterator[Browser]:
    # Package scope, not session: Playwright's sync API keeps an event loop running in this
    # thread while it lives, and every later test that calls asyncio.run() would fail.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts (fresh sessionStorage); page errors fail the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(**context_options: Any) -> Page:
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot_path(tmp_path: Path) -> Callable[[str], Path]:
    """docs/screenshots/ when RAPPORT_UPDATE_SCREENSHOTS=1 (for the README), else a temp dir."""

    def path(name: str) -> Path:
        if os.environ.get("RAPPORT_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            return SCREENSHOTS / name
        return tmp_path / name

    return path
