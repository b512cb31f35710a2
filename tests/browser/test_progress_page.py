"""The progress pages in a real Chromium, opened as a coach would: from a progress link, with
no key in the browser. Six conversations are made over HTTP against the real server first."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.helpers import LISTENER_TO_RECRUITER, PITCHER_TO_RECRUITER
from tests.api.progress_data import improving_learner, practice
from tests.browser.support import Server, cli

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]


def in_a_thread(work: Callable[[], object]) -> None:
    """asyncio.run away from this thread, where Playwright's sync API keeps a loop running."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 (re-raised below, in the test's thread)
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=300)
    if failures:
        raise failures[0]


@pytest.fixture(scope="module")
def coach(keyed_server: Server) -> dict[str, str]:
    """A tenant with two learners: alex, who got better over six conversations, and bea."""
    key = cli(keyed_server.env, "keys", "create", "--name", "coach").strip().splitlines()[-1]

    async def make() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            base_url=keyed_server.base, headers=headers, timeout=60
        ) as client:
            await improving_learner(client, "alex")
            await practice(client, "bea", PITCHER_TO_RECRUITER[:3])
            await practice(client, "bea", LISTENER_TO_RECRUITER[:3])

    in_a_thread(lambda: asyncio.run(make()))
    links = {}
    with httpx.Client(
        base_url=keyed_server.base, headers={"Authorization": f"Bearer {key}"}
    ) as http:
        for name, body in (("alex", {"user_ref": "alex"}), ("coach", {})):
            made = http.post("/v1/progress-links", json=body)
            assert made.status_code == 201, made.text
            links[name] = made.json()["url"]
    return links


def test_a_coach_opens_a_learners_progress_page_from_a_link(
    coach: dict[str, str], new_page: NewPage, screenshot_path: Callable[[str], Path]
):
    page = new_page(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(coach["alex"]))
    page.on("request", lambda r: None if r.url.startswith(origin) else blocked.append(r.url))
    page.goto(coach["alex"])
    expect(page.get_by_role("heading", name="Progress of alex")).to_be_visible()
    expect(page.get_by_test_id("trend-status")).to_have_text("Improving")
    expect(page.get_by_test_id("next-practice")).not_to_be_empty()
    expect(page.get_by_test_id("chart")).to_have_count(5)
    expect(page.locator("[data-testid=conversations] tbody tr")).to_have_count(6)
    assert page.get_by_test_id("chart").first.bounding_box()["height"] > 150
    assert blocked == []  # the page fetched nothing but itself
    page.screenshot(path=screenshot_path("progress-learner.png"), full_page=True)


def test_the_coach_view_lists_the_learners_and_links_to_each(
    coach: dict[str, str], new_page: NewPage, screenshot_path: Callable[[str], Path]
):
    page = new_page(viewport={"width": 1280, "height": 560})
    page.goto(coach["coach"])
    rows = page.get_by_test_id("learner")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("bea")
    page.screenshot(path=screenshot_path("progress-coach.png"), full_page=True)
    page.get_by_role("link", name="alex").click()
    expect(page.get_by_role("heading", name="Progress of alex")).to_be_visible()
    expect(page.get_by_role("link", name="← All learners")).to_be_visible()
