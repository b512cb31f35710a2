"""What a site owner comparing chat widgets expects: tips that behave (WCAG 1.4.13), a question
before starting over, messages sent during a reply that wait their turn, an unread badge, a
launcher that toggles, timestamps, dark mode, languages, a position option, a visitor who
persists across tabs and visits, and errors written for visitors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.support import (
    DESKTOP,
    PHONE,
    PHONE_LANDSCAPE,
    PITCH,
    WARM_FOLLOW_UP,
    WARM_QUESTION,
    Server,
    computed,
    conversation_id,
    open_widget,
    say,
    serve_host_page,
    wait_for_reply,
)

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
TURNS = re.compile(r".*/v1/conversations/[^/]+/turns$")


def configure_fake(fake: str, **config: object) -> None:
    httpx.post(f"{fake}/_fake/config", json=config, timeout=5).raise_for_status()


def rect(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box


# ---------------------------------------------------------------- a reply on its way
def test_the_typing_dots_stay_in_sight_while_the_feedback_arrives_above_them(
    llm_server: tuple[Server, str], new_page: NewPage
) -> None:
    server, fake = llm_server
    page = new_page(**PHONE_LANDSCAPE)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)  # some history, so that the log scrolls
    configure_fake(fake, latency=4.0, first_token_share=0.6)
    try:
        page.get_by_test_id("rapport-input").fill(WARM_FOLLOW_UP)
        page.get_by_test_id("rapport-send").click()
        expect(page.get_by_test_id("rapport-feedback")).to_have_count(2)  # feedback comes first
        dots = page.locator(".dots")
        expect(dots).to_be_visible()
        log, typing = rect(page, ".log"), rect(page, ".dots")
        assert (
            log["y"] <= typing["y"] and typing["y"] + typing["height"] <= log["y"] + log["height"]
        ), "the typing dots are out of sight"
        expect(page.get_by_role("log")).to_contain_text("Priya Raman is typing")
    finally:
        configure_fake(fake, latency=0.0)
    wait_for_reply(page)


def test_a_message_sent_while_a_reply_streams_waits_and_goes_out_after(
    llm_server: tuple[Server, str], new_page: NewPage
) -> None:
    server, fake = llm_server
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    configure_fake(fake, chunk_delay=0.12)
    try:
        page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
        page.get_by_test_id("rapport-input").press("Enter")
        busy = page.locator("[data-testid=rapport-message][aria-busy=true]")
        expect(busy).to_have_count(1)
        page.get_by_test_id("rapport-input").fill(WARM_FOLLOW_UP)
        page.get_by_test_id("rapport-input").press("Enter")
        queued = page.locator(".msg.queued")
        expect(queued).to_have_text(WARM_FOLLOW_UP)
        expect(page.get_by_role("log")).to_contain_text("Sends when Priya Raman has finished")
        expect(page.get_by_test_id("rapport-status")).to_contain_text("will be sent when")
        expect(page.get_by_test_id("rapport-input")).to_have_value("")
        expect(page.get_by_test_id("rapport-feedback")).to_have_count(2, timeout=30_000)
        wait_for_reply(page)
    finally:
        configure_fake(fake, chunk_delay=0.0)
    expect(queued).to_have_count(0)
    stored = httpx.get(f"{server.base}/v1/conversations/{conversation_id(page)}").json()
    assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == [
        WARM_QUESTION,
        WARM_FOLLOW_UP,
    ]
    assert [m["role"] for m in stored["messages"]] == [
        "persona",
        "user",
        "persona",
        "user",
        "persona",
    ]


def test_a_reply_that_lands_while_closed_shows_an_unread_badge_and_the_launcher_toggles(
    llm_server: tuple[Server, str], new_page: NewPage
) -> None:
    server, fake = llm_server
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    launcher = page.get_by_test_id("rapport-launcher")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(launcher).to_have_accessible_name("Hide practice chat")
    configure_fake(fake, latency=2.0)
    try:
        page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
        page.get_by_test_id("rapport-send").click()
        launcher.click()  # the launcher closes what it opened
        expect(page.locator("#rw-panel")).to_be_hidden()
        badge = page.get_by_test_id("rapport-unread")
        expect(badge).to_have_attribute("data-count", "1", timeout=20_000)
    finally:
        configure_fake(fake, latency=0.0)
    expect(launcher).to_have_accessible_name("Practise a conversation, 1 new reply")
    page.reload()  # the count belongs to the tab and survives a reload
    expect(badge).to_have_attribute("data-count", "1")
    launcher.click()
    expect(badge).to_be_hidden()
    expect(launcher).to_have_accessible_name("Hide practice chat")
    expect(page.get_by_test_id("rapport-message")).to_have_count(3)


# ---------------------------------------------------------------- tips (WCAG 1.4.13)
def test_a_tip_stays_while_the_pointer_moves_onto_it_and_escape_hides_only_the_tip(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    chip = say(page, WARM_QUESTION)
    tip = page.get_by_role("tooltip")
    chip.hover()
    expect(tip).to_be_visible()
    box = tip.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    expect(tip).to_be_visible()  # hoverable: the pointer can rest on it to read it
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()  # dismissible without moving the pointer
    expect(page.locator("#rw-panel")).to_be_visible()
    page.mouse.move(5, 5)
    chip.hover()
    expect(tip).to_be_visible()  # and it comes back on the next hover


def test_a_tapped_tip_on_a_phone_opens_in_place_without_covering_the_reply(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**PHONE)
    open_widget(page, f"{server.base}/demo")
    chip = say(page, WARM_QUESTION)
    chip.tap()
    tip = page.get_by_role("tooltip")
    expect(tip).to_be_visible()
    expect(chip).to_have_attribute("aria-expanded", "true")
    reply = page.locator("[data-testid=rapport-message][data-role=persona]").last
    tip_box, reply_box = tip.bounding_box(), reply.bounding_box()
    assert tip_box is not None and reply_box is not None
    assert tip_box["y"] + tip_box["height"] <= reply_box["y"], "the tip covers the reply"
    chip.tap()
    expect(tip).to_be_hidden()


def test_the_tip_says_in_words_which_underlined_words_worked_and_which_cost(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    warm = say(page, WARM_QUESTION)
    pitch = say(page, PITCH)
    warm_tip = page.locator("#" + (warm.get_attribute("aria-describedby") or ""))
    pitch_tip = page.locator("#" + (pitch.get_attribute("aria-describedby") or ""))
    expect(warm_tip).to_contain_text(re.compile(r"Worked: [A-Z][a-z -]+ \u2014 "))
    expect(pitch_tip).to_contain_text("Cost you: ")
    bad = page.locator("[data-role=user] mark.bad").first
    assert computed(bad, "text-decoration-style")["text-decoration-style"] == "wavy"


# ---------------------------------------------------------------- starting over
def test_start_over_asks_first_and_keeps_the_conversation_when_declined(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    first = conversation_id(page)
    start = page.get_by_test_id("rapport-start")
    expect(start).to_have_text("Start over")
    start.click()
    question = page.get_by_role("group", name=re.compile("Start over with Priya Raman"))
    expect(question).to_contain_text("stays unfinished, with no scorecard")
    expect(page.get_by_test_id("rapport-keep")).to_be_focused()
    page.get_by_test_id("rapport-keep").click()
    expect(question).to_be_hidden()
    expect(start).to_be_focused()
    assert conversation_id(page) == first
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)

    start.click()
    page.get_by_test_id("rapport-confirm").click()
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(0)
    assert conversation_id(page) != first
    fresh = conversation_id(page)
    start.click()  # nothing said yet in the new one: nothing to lose, no question
    expect(page.get_by_test_id("rapport-keep")).to_be_hidden()
    expect(page.get_by_test_id("rapport-message")).to_have_count(1)
    page.wait_for_function(
        "id => !Object.keys(localStorage).some(k => k.startsWith('rapport:') && "
        "JSON.parse(localStorage.getItem(k)).id === id)",
        arg=fresh,
    )


# ---------------------------------------------------------------- the message box
def test_the_counter_shows_near_the_limit_and_goes_once_the_message_is_sent(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    hint = page.locator("#rw-hint")
    expect(hint).to_have_text("Shift+Enter for a new line")
    long = ("How did you end up in recruiting? " * 60)[:1850]
    page.get_by_test_id("rapport-input").fill(long)
    expect(hint).to_have_text("150 characters left")
    page.get_by_test_id("rapport-send").click()
    expect(hint).to_have_text("Shift+Enter for a new line")
    wait_for_reply(page)


def test_a_phone_keyboard_gets_no_shift_enter_hint(server: Server, new_page: NewPage) -> None:
    page = new_page(**PHONE)
    open_widget(page, f"{server.base}/demo")
    expect(page.locator("#rw-hint")).to_have_text("")
    expect(page.get_by_test_id("rapport-input")).to_have_attribute("enterkeyhint", "enter")


def test_control_characters_pasted_into_a_message_are_dropped_before_sending(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    page.get_by_test_id("rapport-input").fill("How did you\u0007 end up in\u2028recruiting?")
    page.get_by_test_id("rapport-send").click()
    wait_for_reply(page)
    expect(page.get_by_test_id("rapport-error")).to_be_hidden()
    stored = httpx.get(f"{server.base}/v1/conversations/{conversation_id(page)}").json()
    assert stored["messages"][1]["content"] == "How did you end up in\nrecruiting?"


def test_a_refused_message_comes_back_for_editing_with_words_for_visitors(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    raw = "content: the message contains control characters; only newline and tab are allowed"

    def refuse(route: Route) -> None:
        route.fulfill(
            status=422,
            content_type="application/problem+json",
            json={"status": 422, "code": "invalid_input", "title": "Unprocessable", "detail": raw},
        )

    page.route(TURNS, refuse)
    page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
    page.get_by_test_id("rapport-send").click()
    error = page.get_by_test_id("rapport-error")
    expect(error).to_contain_text("That message couldn't be sent as it is. Edit it and try again.")
    expect(error).not_to_contain_text("control characters")
    expect(page.get_by_test_id("rapport-input")).to_have_value(WARM_QUESTION)
    expect(page.locator("[data-role=user]")).to_have_count(0)


def test_a_failed_message_stays_in_sight_above_the_error(server: Server, new_page: NewPage) -> None:
    page = new_page(**PHONE_LANDSCAPE)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    page.route(TURNS, lambda route: route.abort("internetdisconnected"))
    page.get_by_test_id("rapport-input").fill(WARM_FOLLOW_UP)
    page.get_by_test_id("rapport-send").click()
    expect(page.get_by_test_id("rapport-error")).to_be_visible()
    failed, log = rect(page, ".msg.failed"), rect(page, ".log")
    assert failed["y"] >= log["y"] and failed["y"] + failed["height"] <= log["y"] + log["height"]


def test_without_a_key_on_a_keyed_server_visitors_get_no_developer_text(
    keyed_server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    url = serve_host_page(page, keyed_server, "/no-key")
    page.goto(url)
    page.get_by_test_id("rapport-launcher").click()
    error = page.get_by_test_id("rapport-error")
    expect(error).to_contain_text("isn't set up for this website yet")
    expect(error).not_to_contain_text("Bearer")
    expect(page.get_by_test_id("rapport-send")).to_be_disabled()
    assert any("data-key" in w and "Bearer" in w for w in warnings), warnings


# ---------------------------------------------------------------- time, trust, persistence
def test_messages_show_when_they_were_said_and_keep_it_after_a_reload(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    stamps = page.locator("time.stamp")
    expect(stamps).to_have_count(3)
    before = [stamps.nth(i).get_attribute("datetime") for i in range(3)]
    assert all(re.match(r"\d{4}-\d\d-\d\dT", b or "") for b in before)
    expect(stamps.first).to_have_text(re.compile(r"^\d{1,2}:\d\d"))
    page.reload()
    expect(stamps).to_have_count(3)
    assert [stamps.nth(i).get_attribute("datetime") for i in range(3)] == before


def test_trust_changes_are_announced_to_screen_readers(server: Server, new_page: NewPage) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    meter = page.get_by_role("meter", name="Their trust in you")
    before = int(meter.get_attribute("aria-valuenow") or 0)
    say(page, WARM_QUESTION)
    after = int(meter.get_attribute("aria-valuenow") or 0)
    assert after != before
    status = page.get_by_role("status")
    expect(status).to_have_text(
        re.compile(r"Priya Raman's trust (rose|fell) to \d+%: (guarded|neutral|warm|won over)\.")
    )


def test_the_visitor_persists_across_tabs_and_visits_and_is_remembered(
    server: Server, browser: Browser
) -> None:
    context = browser.new_context(**DESKTOP)
    try:
        first = context.new_page()
        open_widget(first, f"{server.base}/demo")
        say(first, WARM_QUESTION)
        conversation = conversation_id(first)

        second = context.new_page()  # another tab: the same conversation, not a new one
        open_widget(second, f"{server.base}/demo")
        expect(second.get_by_test_id("rapport-feedback")).to_have_count(1)
        assert conversation_id(second) == conversation
        say(second, WARM_FOLLOW_UP)
        # The first tab, open all along, shows what was said in the second.
        expect(first.get_by_test_id("rapport-feedback")).to_have_count(2)
        expect(first.get_by_test_id("rapport-message")).to_have_count(5)

        second.get_by_test_id("rapport-end").click()
        expect(second.get_by_test_id("rapport-scorecard")).to_be_visible()
        second.close()
        first.close()

        later = context.new_page()  # a later visit: the scorecard is still there to read
        open_widget(later, f"{server.base}/demo")
        expect(later.get_by_test_id("rapport-scorecard")).to_be_visible()
        later.get_by_test_id("rapport-again").click()
        expect(later.get_by_test_id("rapport-feedback")).to_have_count(0)
        again = httpx.get(f"{server.base}/v1/conversations/{conversation_id(later)}").json()
        old = httpx.get(f"{server.base}/v1/conversations/{conversation}").json()
        assert again["user_ref"] == old["user_ref"] and again["user_ref"].startswith("web-")
        assert again["continues"] == conversation  # Priya remembers this learner
    finally:
        context.close()


# ---------------------------------------------------------------- looks and languages
def panel_background(page: Page) -> str:
    return computed(page.locator("#rw-panel"), "background-color")["background-color"]


@pytest.mark.parametrize(
    ("scheme", "attribute", "expected"),
    [
        ("dark", "", "rgb(20, 24, 31)"),
        ("light", "", "rgb(255, 255, 255)"),
        ("light", 'data-theme="dark"', "rgb(20, 24, 31)"),
        ("dark", 'data-theme="light"', "rgb(255, 255, 255)"),
    ],
)
def test_dark_mode_follows_the_system_unless_the_site_says_otherwise(
    server: Server, new_page: NewPage, scheme: Any, attribute: str, expected: str
) -> None:
    page = new_page(**DESKTOP, color_scheme=scheme)
    url = serve_host_page(
        page, server, "/themed", widget_attrs=f'data-persona="recruiter" {attribute}'
    )
    open_widget(page, url)
    assert panel_background(page) == expected


@pytest.mark.parametrize(
    ("html_attrs", "widget_attrs", "launcher", "send", "direction"),
    [
        ('lang="es"', "", "Practica una conversación", "Enviar", "ltr"),
        ('lang="en"', 'data-lang="de"', "Ein Gespräch üben", "Senden", "ltr"),
        ('lang="he" dir="rtl"', "", "תרגול שיחה", "שליחה", "rtl"),
        ('lang="fr"', "", "Practise a conversation", "Send", "ltr"),  # no catalogue: English
    ],
)
def test_the_widget_speaks_the_sites_language(
    server: Server,
    new_page: NewPage,
    html_attrs: str,
    widget_attrs: str,
    launcher: str,
    send: str,
    direction: str,
) -> None:
    page = new_page(**DESKTOP, locale="en-US")
    url = serve_host_page(
        page,
        server,
        "/lang",
        html_attrs=html_attrs,
        widget_attrs=f'data-persona="recruiter" {widget_attrs}',
    )
    page.goto(url)
    expect(page.get_by_test_id("rapport-launcher")).to_have_text(launcher)
    open_widget(page)
    expect(page.get_by_test_id("rapport-send")).to_have_text(send)
    assert computed(page.locator("#rw-panel"), "direction") == {"direction": direction}


def test_spanish_feedback_labels_scorecard_and_numbers(server: Server, new_page: NewPage) -> None:
    page = new_page(**DESKTOP)
    url = serve_host_page(page, server, "/es", html_attrs='lang="es"')
    open_widget(page, url)
    chip = say(page, WARM_QUESTION)
    expect(chip).to_contain_text("Interés genuino")
    page.get_by_test_id("rapport-end").click()
    card = page.get_by_test_id("rapport-scorecard")
    expect(card.get_by_role("heading", name="Tus resultados")).to_be_visible()
    expect(card).to_contain_text("Preguntas")
    expect(page.get_by_test_id("rapport-again")).to_have_text("Practicar otra vez")


def test_a_site_can_put_the_widget_on_the_left(server: Server, new_page: NewPage) -> None:
    page = new_page(**DESKTOP)
    url = serve_host_page(
        page, server, "/left", widget_attrs='data-persona="recruiter" data-position="left"'
    )
    open_widget(page, url)
    launcher, panel = rect(page, "[data-testid=rapport-launcher]"), rect(page, "#rw-panel")
    assert launcher["x"] == 20 and panel["x"] == 20


def test_the_demo_page_has_an_icon(server: Server, new_page: NewPage) -> None:
    page = new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{server.base}/demo")
    expect(page.get_by_test_id("rapport-launcher")).to_be_visible()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert httpx.get(f"{server.base}{icon}").status_code == 200
    assert httpx.get(f"{server.base}/favicon.ico").status_code == 200
    assert not missing, missing
