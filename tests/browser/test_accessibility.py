"""axe-core (from the npm registry, injected into the page) finds no violation in any state of
the widget, on a desktop and on a phone; and the keyboard flow is pinned: Escape undoes the
smallest thing first, and the focus always lands somewhere sensible."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.support import (
    BOUND_ORIGIN,
    DEEP_ACTIVE,
    DESKTOP,
    PHONE,
    PITCH,
    WARM_QUESTION,
    OtherSite,
    Server,
    open_widget,
    run_axe,
    say,
    serve_host_page,
)

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
SCREENS: dict[str, dict[str, Any]] = {"desktop": DESKTOP, "phone": PHONE}
TURNS = re.compile(r".*/v1/conversations/[^/]+/turns$")


@pytest.mark.parametrize("screen", SCREENS)
def test_axe_finds_nothing_in_any_state_of_a_conversation(
    server: Server, new_page: NewPage, screen: str
) -> None:
    page = new_page(**SCREENS[screen])
    page.goto(f"{server.base}/demo")
    expect(page.get_by_test_id("rapport-launcher")).to_be_visible()
    run_axe(page, f"{screen}: the demo page, chat closed")

    open_widget(page)
    run_axe(page, f"{screen}: chat open, the opening line")
    chip = say(page, WARM_QUESTION)
    say(page, PITCH)
    run_axe(page, f"{screen}: feedback chips, good and poor")
    if screen == "phone":
        chip.tap()
    else:
        chip.hover()
    expect(page.get_by_role("tooltip").first).to_be_visible()
    run_axe(page, f"{screen}: a tip open")
    page.keyboard.press("Escape")

    page.get_by_test_id("rapport-start").click()
    expect(page.get_by_test_id("rapport-keep")).to_be_visible()
    run_axe(page, f"{screen}: asked whether to start over")
    page.get_by_test_id("rapport-keep").click()

    page.route(TURNS, lambda route: route.abort("internetdisconnected"))
    page.get_by_test_id("rapport-input").fill("And what do you enjoy most about it now?")
    page.get_by_test_id("rapport-send").click()
    expect(page.get_by_test_id("rapport-error")).to_be_visible()
    run_axe(page, f"{screen}: a failed message and its error")
    page.unroute(TURNS)
    page.get_by_test_id("rapport-retry").click()
    expect(page.get_by_test_id("rapport-error")).to_be_hidden()
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(3)

    page.get_by_test_id("rapport-end").click()
    expect(page.get_by_test_id("rapport-scorecard")).to_be_visible()
    run_axe(page, f"{screen}: the scorecard")


@pytest.mark.parametrize("screen", SCREENS)
def test_axe_finds_nothing_with_an_unread_badge_in_dark_mode(
    server: Server, new_page: NewPage, screen: str
) -> None:
    page = new_page(**SCREENS[screen], color_scheme="dark")
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    run_axe(page, f"{screen}: dark mode, a conversation")
    page.get_by_role("button", name="Close practice chat").click()
    page.evaluate("""() => {
      const k = Object.keys(sessionStorage).find(k => k.startsWith('rapport-tab:'));
      const tab = JSON.parse(sessionStorage.getItem(k));
      sessionStorage.setItem(k, JSON.stringify({ ...tab, unread: 2 }));
    }""")
    page.reload()
    expect(page.get_by_test_id("rapport-unread")).to_have_attribute("data-count", "2")
    expect(page.get_by_test_id("rapport-launcher")).to_have_accessible_name(
        "Practise a conversation, 2 new replies"
    )
    run_axe(page, f"{screen}: dark mode, closed with an unread badge")


@pytest.mark.parametrize("screen", SCREENS)
def test_axe_finds_nothing_in_arabic_and_in_spanish(
    server: Server, new_page: NewPage, screen: str
) -> None:
    for lang, attrs in (("ar", 'lang="ar" dir="rtl"'), ("es", 'lang="es"')):
        page = new_page(**SCREENS[screen])
        url = serve_host_page(page, server, f"/a11y-{lang}", html_attrs=attrs)
        open_widget(page, url)
        say(page, WARM_QUESTION)
        run_axe(page, f"{screen}: {lang}, a conversation")
        page.get_by_test_id("rapport-end").click()
        expect(page.get_by_test_id("rapport-scorecard")).to_be_visible()
        run_axe(page, f"{screen}: {lang}, the scorecard")


def test_axe_finds_nothing_when_the_site_is_refused(
    server: Server, other_site: OtherSite, new_page: NewPage
) -> None:
    for screen, options in SCREENS.items():
        page = new_page(**options)
        page.goto(
            other_site.embed(
                "/a11y-refused.html", server.base, server.publishable_key(BOUND_ORIGIN)
            )
        )
        page.get_by_test_id("rapport-launcher").click()
        expect(page.get_by_test_id("rapport-error")).to_be_visible()
        run_axe(page, f"{screen}: refused origin, controls switched off")


def test_keyboard_flow_escape_closes_the_smallest_thing_first(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-input"  # opened: ready to type
    page.keyboard.type(WARM_QUESTION)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)
    expect(page.locator("[data-testid=rapport-message][aria-busy]")).to_have_count(0)
    assert page.evaluate(DEEP_ACTIVE) == "rapport-input"  # still there for the next message

    page.keyboard.press("Shift+Tab")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-feedback"
    tip = page.get_by_role("tooltip")
    expect(tip).to_be_visible()  # on keyboard focus, as on hover
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    assert page.evaluate(DEEP_ACTIVE) == "rapport-feedback"
    page.keyboard.press("Enter")  # a pressed chip pins its tip open
    expect(tip).to_be_visible()
    expect(page.get_by_test_id("rapport-feedback")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()

    # Start is switched off until the reply's stream has closed, a moment after its last words.
    expect(page.get_by_test_id("rapport-start")).to_be_enabled()
    page.get_by_test_id("rapport-start").focus()
    page.keyboard.press("Enter")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-keep"  # the question: the safe answer first
    page.keyboard.press("Escape")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-start"  # declined, back where it was asked
    expect(page.get_by_test_id("rapport-keep")).to_be_hidden()

    page.keyboard.press("Escape")
    expect(page.locator("#rw-panel")).to_be_hidden()
    assert page.evaluate(DEEP_ACTIVE) == "rapport-launcher"
    page.keyboard.press("Enter")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-input"

    page.get_by_test_id("rapport-end").focus()
    page.keyboard.press("Enter")
    card = page.get_by_test_id("rapport-scorecard")
    expect(card).to_be_focused()  # the scorecard is read from its heading
    expect(card).to_have_accessible_name("Your scorecard")
    page.get_by_test_id("rapport-again").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("rapport-input")).to_be_focused()  # ready for the new partner


def test_errors_from_the_server_reach_visitors_in_their_words_not_the_servers(
    server: Server, new_page: NewPage
) -> None:
    """Every problem the API documents for a turn, as a visitor reads it: none repeats the
    server's developer-facing `detail`."""
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    cases = {
        (429, "rate_limited"): "You're sending messages quickly; try again in 7 s.",
        (409, "turn_in_progress"): "Your previous message is still being answered",
        (409, "concurrent_turn"): "Another message was being answered at the same moment.",
        (413, "payload_too_large"): "That message is too long.",
        (500, "internal"): "Something went wrong on our side.",
    }
    for (status, code), words in cases.items():
        body = {
            "status": status,
            "code": code,
            "title": "x",
            "retry_after": 7,
            "detail": f"DEVELOPER DETAIL {code}",
        }

        page.route(TURNS, problem_answer(body))
        page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
        page.get_by_test_id("rapport-send").click()
        error = page.get_by_test_id("rapport-error")
        expect(error).to_contain_text(words)
        expect(error).not_to_contain_text("DEVELOPER DETAIL")
        page.unroute(TURNS)


def problem_answer(body: dict[str, Any]) -> Callable[[Route], None]:
    def answer(route: Route) -> None:
        route.fulfill(
            status=body["status"], content_type="application/problem+json", body=json.dumps(body)
        )

    return answer
