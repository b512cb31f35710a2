"""The embeddable widget in a real Chromium, against the real server (scripted engine, SQLite)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.support import (
    BOUND_ORIGIN,
    DEEP_ACTIVE,
    PITCH,
    WARM_FOLLOW_UP,
    WARM_QUESTION,
    OtherSite,
    Server,
    computed,
    conversation_id,
    open_widget,
    say,
    wait_for_reply,
)

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]


def server_conversation(server: Server, page: Page) -> dict[str, Any]:
    answer = httpx.get(f"{server.base}/v1/conversations/{conversation_id(page)}", timeout=10)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def test_three_turn_conversation_marks_questions_genuine_and_the_pitch_not(
    server: Server, new_page: NewPage, screenshot_path: Callable[[str], Path]
) -> None:
    page = new_page(viewport={"width": 1280, "height": 860})
    open_widget(page, f"{server.base}/demo")
    chips = [say(page, text) for text in (WARM_QUESTION, WARM_FOLLOW_UP, PITCH)]

    assert [c.get_attribute("data-genuine-interest") for c in chips] == ["true", "true", "false"]
    messages = page.get_by_test_id("rapport-message")
    roles = [messages.nth(i).get_attribute("data-role") for i in range(messages.count())]
    assert roles == ["persona", "user", "persona", "user", "persona", "user", "persona"]
    stored = server_conversation(server, page)
    user_feedback = [m["feedback"] for m in stored["messages"] if m["role"] == "user"]
    assert [c.get_attribute("data-score") for c in chips] == [
        str(f["score"]) for f in user_feedback
    ]
    evidence = user_feedback[0]["evidence"][0]["text"]  # the likeliest move's, wherever it sits
    expect(messages.nth(1).locator("mark").filter(has_text=evidence)).to_have_count(1)
    page.screenshot(path=screenshot_path("widget-desktop.png"))
    chips[0].click()
    expect(page.get_by_role("tooltip").first).to_contain_text(user_feedback[0]["tip"])


def test_ending_shows_the_scorecard_with_trust_and_score_chart(
    server: Server, new_page: NewPage, screenshot_path: Callable[[str], Path]
) -> None:
    page = new_page(viewport={"width": 1280, "height": 860})
    open_widget(page, f"{server.base}/demo")
    scores = [
        say(page, text).get_attribute("data-score") for text in (WARM_QUESTION, WARM_FOLLOW_UP)
    ]
    page.get_by_test_id("rapport-end").click()

    card = page.get_by_test_id("rapport-scorecard")
    expect(card).to_be_visible()
    report = httpx.get(f"{server.base}/v1/conversations/{conversation_id(page)}/report").json()
    points = card.locator("svg polyline").get_attribute("points") or ""
    assert len(points.split()) == len(report["trust_curve"]) == 3
    assert [r.get_attribute("data-score") for r in card.locator("svg rect").all()] == scores
    expect(card).to_contain_text(f"{round(report['genuine_interest_rate'] * 100)}%")
    for tip in report["tips"]:
        expect(card).to_contain_text(tip)
    expect(page.get_by_test_id("rapport-input")).to_be_hidden()
    page.screenshot(path=screenshot_path("widget-scorecard.png"))


def test_when_the_persona_walks_away_the_scorecard_appears_on_its_own(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    page.get_by_test_id("rapport-difficulty").select_option("hard")
    page.get_by_test_id("rapport-start").click()
    expect(page.get_by_test_id("rapport-message")).to_have_count(1)
    card = page.get_by_test_id("rapport-scorecard")
    for _ in range(8):  # pitching again and again: she leaves within a few turns on "hard"
        say(
            page,
            "I'm a senior engineer with ten years of experience, here is my resume, can "
            "you get me an interview with your hiring manager?",
        )
        if page.get_by_test_id("rapport-input").is_hidden():  # hidden as soon as the turn ends it
            break

    expect(card).to_contain_text("They walked away")
    expect(page.get_by_test_id("rapport-input")).to_be_hidden()
    expect(page.get_by_test_id("rapport-end")).to_be_hidden()
    assert server_conversation(server, page)["state"]["outcome"] == "walked_away"


def test_keyboard_alone_opens_the_chat_sends_with_enter_and_escape_closes(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{server.base}/demo")
    expect(page.get_by_test_id("rapport-launcher")).to_be_visible()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate(DEEP_ACTIVE) == "rapport-launcher":
            break
    assert page.evaluate(DEEP_ACTIVE) == "rapport-launcher"
    outline = computed(page.get_by_test_id("rapport-launcher"), "outline-style")["outline-style"]
    assert outline != "none", "the focused launcher shows no focus ring"

    page.keyboard.press("Enter")
    expect(page.get_by_test_id("rapport-message").first).not_to_be_empty()
    assert page.evaluate(DEEP_ACTIVE) == "rapport-input"
    page.keyboard.type("How did you end up")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("in recruiting?")
    page.keyboard.press("Enter")
    user = page.locator("[data-testid=rapport-message][data-role=user]")
    expect(user).to_have_count(1)
    assert user.locator(".text").text_content() == "How did you end up\nin recruiting?"
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)

    wait_for_reply(page)
    page.keyboard.press("Shift+Tab")  # back from the message box to the newest feedback chip
    assert page.evaluate(DEEP_ACTIVE) == "rapport-feedback"
    expect(page.get_by_role("tooltip")).to_be_visible()

    page.keyboard.press("Escape")  # the tip first (WCAG 1.4.13), the focus stays on its chip
    expect(page.get_by_role("tooltip")).to_be_hidden()
    expect(page.locator("#rw-panel")).to_be_visible()
    assert page.evaluate(DEEP_ACTIVE) == "rapport-feedback"
    page.keyboard.press("Escape")  # then the panel, and the focus goes back to the launcher
    expect(page.locator("#rw-panel")).to_be_hidden()
    assert page.evaluate(DEEP_ACTIVE) == "rapport-launcher"


def test_screen_readers_get_a_live_log_and_labelled_controls(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)

    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_label("Your message")).to_have_attribute("data-testid", "rapport-input")
    expect(page.get_by_label("Who you'll meet")).to_have_attribute("data-testid", "rapport-persona")
    expect(page.get_by_label("Difficulty")).to_have_attribute("data-testid", "rapport-difficulty")
    expect(page.get_by_role("button", name="Close practice chat")).to_be_visible()
    expect(page.get_by_role("meter", name="Their trust in you")).to_have_attribute(
        "aria-valuenow", re.compile(r"^\d+$")
    )
    expect(page.locator("[data-testid=rapport-message][aria-busy]")).to_have_count(0)
    expect(log).to_contain_text(f"You: {WARM_QUESTION}")


def test_picking_another_persona_shows_who_and_the_scene_then_starts_with_them(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    personas = httpx.get(f"{server.base}/v1/personas").json()["personas"]
    other = next(p for p in personas if p["id"] != "recruiter")

    page.get_by_test_id("rapport-persona").select_option(other["id"])
    preview = page.locator("#rw-preview")
    expect(preview).to_contain_text(f"{other['name']}, {other['role']}")
    expect(preview).to_contain_text(other["scenario"])
    expect(page.get_by_test_id("rapport-message")).to_have_count(3)  # nothing thrown away yet
    page.get_by_test_id("rapport-start").click()
    expect(page.get_by_test_id("rapport-keep")).to_be_focused()  # asked first: it cannot be undone
    page.get_by_test_id("rapport-confirm").click()

    expect(page.get_by_test_id("rapport-message")).to_have_count(1)
    expect(page.get_by_role("heading", name=f"Practise with {other['name']}")).to_be_visible()
    expect(page.get_by_test_id("rapport-input")).to_be_focused()
    assert server_conversation(server, page)["persona_id"] == other["id"]
    expect(preview).to_be_hidden()


def test_the_demo_call_to_action_opens_the_widget(server: Server, new_page: NewPage) -> None:
    page = new_page()
    page.goto(f"{server.base}/demo")
    expect(page.get_by_test_id("rapport-launcher")).to_be_visible()  # the async script has run
    page.get_by_role("button", name="Try a practice conversation").click()
    expect(page.get_by_test_id("rapport-message").first).to_have_attribute("data-role", "persona")


def test_host_page_css_does_not_leak_in_and_widget_css_does_not_leak_out(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(viewport={"width": 1280, "height": 860})
    open_widget(page, f"{server.base}/demo")

    launcher = computed(
        page.get_by_test_id("rapport-launcher"),
        "font-family",
        "text-transform",
        "background-color",
        "letter-spacing",
        "border-top-left-radius",
    )
    assert "Palatino" not in launcher["font-family"]
    assert launcher["text-transform"] == "none"
    assert launcher["background-color"] == "rgb(181, 64, 14)"  # the demo site's brand colour
    assert launcher["letter-spacing"] == "normal"
    assert launcher["border-top-left-radius"] == "999px"
    picker = computed(page.get_by_test_id("rapport-persona"), "font-size", "border-top-style")
    assert picker == {"font-size": "15px", "border-top-style": "solid"}
    icon = page.get_by_test_id("rapport-launcher").locator("svg.shut").bounding_box()
    assert icon is not None and icon["width"] == 22  # the site's `svg { width: 48px }` is kept out

    host_button = computed(
        page.locator("#try-practice"),
        "background-color",
        "text-transform",
        "border-top-left-radius",
        "font-family",
    )
    assert host_button["background-color"] == "rgb(181, 64, 14)"
    assert host_button["text-transform"] == "uppercase"
    assert host_button["border-top-left-radius"] == "0px"
    assert "Palatino" in host_button["font-family"]
    assert page.evaluate("document.styleSheets.length") == 1  # the site's own <style> only


def test_a_site_can_set_the_widget_accent_colour(server: Server, new_page: NewPage) -> None:
    page = new_page()
    page.goto(f"{server.base}/demo")
    page.evaluate("document.documentElement.style.setProperty('--rapport-accent', '#1f3b2d')")
    background = computed(page.get_by_test_id("rapport-launcher"), "background-color")
    assert background == {"background-color": "rgb(31, 59, 45)"}


def test_a_publishable_key_is_refused_on_another_origin_with_a_clear_message(
    server: Server, other_site: OtherSite, new_page: NewPage
) -> None:
    url = other_site.embed("/refused.html", server.base, server.publishable_key(BOUND_ORIGIN))
    page = new_page()
    page.goto(url)
    page.get_by_test_id("rapport-launcher").click()

    error = page.get_by_test_id("rapport-error")
    expect(error.locator("p")).to_have_text(
        "This practice chat isn't set up for this website yet, so it can't start. "
        "Please try again later."
    )
    expect(error).not_to_contain_text(BOUND_ORIGIN)  # the site's configuration is not the visitor's
    expect(page.get_by_test_id("rapport-retry")).to_be_hidden()
    expect(page.get_by_test_id("rapport-message")).to_have_count(0)
    for control in (
        "rapport-persona",
        "rapport-difficulty",
        "rapport-start",
        "rapport-input",
        "rapport-send",
    ):
        expect(page.get_by_test_id(control)).to_be_disabled()
    expect(page.get_by_role("button", name="Close practice chat")).to_be_focused()


def test_a_publishable_key_works_from_its_own_origin(
    server: Server, other_site: OtherSite, new_page: NewPage
) -> None:
    key = server.publishable_key(BOUND_ORIGIN, other_site.origin)
    page = new_page()
    open_widget(page, other_site.embed("/allowed.html", server.base, key))
    chip = say(page, WARM_QUESTION)
    expect(chip).to_have_attribute("data-genuine-interest", "true")
    expect(page.get_by_test_id("rapport-error")).to_be_hidden()


def stored_tokens(page: Page) -> dict[str, Any]:
    return page.evaluate("""() => {
      const key = Object.keys(localStorage).find(k => k.startsWith('rapport:'));
      const visitor = Object.keys(localStorage).find(k => k.startsWith('rapport-visitor:'));
      return { ...JSON.parse(localStorage.getItem(key)),
               visitor: visitor && JSON.parse(localStorage.getItem(visitor)).token };
    }""")


def test_with_a_publishable_key_the_widget_holds_its_tokens_end_to_end(
    server: Server, other_site: OtherSite, new_page: NewPage
) -> None:
    key = server.publishable_key(other_site.origin)
    url = other_site.embed("/tokens.html", server.base, key)
    page = new_page()
    open_widget(page, url)
    say(page, WARM_QUESTION)
    tokens = stored_tokens(page)
    assert tokens["token"].startswith("ct_") and tokens["visitor"].startswith("vt_")

    page.reload()  # resuming reads the conversation with its token
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)
    say(page, WARM_FOLLOW_UP)
    page.get_by_test_id("rapport-end").click()
    expect(page.get_by_test_id("rapport-scorecard")).to_be_visible()

    # The key and its origin alone, as any visitor of the site has them, reach nothing.
    forged = {"Authorization": f"Bearer {key}", "Origin": other_site.origin}
    base = f"{server.base}/v1/conversations"
    assert httpx.get(f"{base}/{tokens['id']}", headers=forged, timeout=10).status_code == 404
    assert httpx.get(base, headers=forged, timeout=10).status_code == 403

    page.get_by_test_id("rapport-start").click()  # a new conversation, as the same visitor
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(0)
    again = stored_tokens(page)
    assert again["id"] != tokens["id"] and again["token"] != tokens["token"]
    assert again["visitor"] == tokens["visitor"]


def test_the_demo_works_in_keys_mode_with_its_demo_key(
    keyed_server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{keyed_server.base}/demo")
    chip = say(page, WARM_QUESTION)
    expect(chip).to_have_attribute("data-genuine-interest", "true")


def test_reload_continues_the_same_conversation(server: Server, new_page: NewPage) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    before = conversation_id(page)
    page.get_by_test_id("rapport-input").fill("half-typed draft")
    page.reload()

    expect(page.get_by_test_id("rapport-message")).to_have_count(3)
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)
    expect(page.get_by_test_id("rapport-input")).to_have_value("half-typed draft")
    assert conversation_id(page) == before


def test_network_failure_keeps_the_message_and_retry_completes_the_turn(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    turns = re.compile(r".*/v1/conversations/[^/]+/turns$")
    page.route(turns, lambda route: route.abort("internetdisconnected"))
    page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
    page.get_by_test_id("rapport-input").press("Enter")

    expect(page.get_by_test_id("rapport-error")).to_contain_text("Could not reach")
    expect(page.locator("[data-testid=rapport-message][data-role=user]")).to_have_text(
        WARM_QUESTION
    )
    page.unroute(turns)
    page.get_by_test_id("rapport-retry").click()
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)
    expect(page.get_by_test_id("rapport-error")).to_be_hidden()
    stored = server_conversation(server, page)
    assert [m["content"] for m in stored["messages"] if m["role"] == "user"] == [WARM_QUESTION]


def test_a_turn_the_server_finished_despite_an_error_answer_is_not_sent_twice(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    turns = re.compile(r".*/v1/conversations/[^/]+/turns$")

    def store_then_fail(route: Route) -> None:
        # The server completes the turn, but the browser sees a failure (a proxy's 503, say).
        route.fetch(headers={**route.request.headers, "accept": "application/json"})
        route.fulfill(
            status=503,
            content_type="application/problem+json",
            body=json.dumps(
                {
                    "type": "about:blank",
                    "title": "The language model is unavailable",
                    "status": 503,
                    "detail": "timed out",
                    "code": "llm_unavailable",
                }
            ),
        )

    page.route(turns, store_then_fail)
    page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
    page.get_by_test_id("rapport-send").click()
    expect(page.get_by_test_id("rapport-error")).to_contain_text("can't answer right now")
    page.unroute(turns)
    page.get_by_test_id("rapport-retry").click()

    expect(page.get_by_test_id("rapport-error")).to_be_hidden()
    expect(page.get_by_test_id("rapport-message")).to_have_count(3)
    stored = server_conversation(server, page)
    assert [m["role"] for m in stored["messages"]] == ["persona", "user", "persona"]


def test_a_plain_json_answer_is_used_when_the_response_is_not_a_stream(
    server: Server, new_page: NewPage
) -> None:
    page = new_page()
    open_widget(page, f"{server.base}/demo")

    def without_stream(route: Route) -> None:
        route.fulfill(
            response=route.fetch(headers={**route.request.headers, "accept": "application/json"})
        )

    page.route(re.compile(r".*/turns$"), without_stream)
    chip = say(page, WARM_QUESTION)
    expect(chip).to_have_attribute("data-genuine-interest", "true")
    stored = server_conversation(server, page)
    expect(page.get_by_test_id("rapport-message").last).to_have_text(
        re.compile(re.escape(stored["messages"][-1]["content"]))
    )


def configure_fake(fake: str, **config: object) -> None:
    httpx.post(f"{fake}/_fake/config", json=config, timeout=5).raise_for_status()


def test_llm_replies_stream_into_the_message_piece_by_piece(
    llm_server: tuple[Server, str], new_page: NewPage
) -> None:
    server, fake = llm_server
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    configure_fake(fake, fail="", chunk_delay=0.15)
    try:
        page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
        page.get_by_test_id("rapport-send").click()
        reply = page.locator("[data-testid=rapport-message][data-role=persona]").nth(1)
        lengths: set[int] = set()
        expect(reply).to_have_attribute("aria-busy", "true")
        while reply.get_attribute("aria-busy") == "true":
            lengths.add(len(reply.text_content() or ""))
            page.wait_for_timeout(40)
    finally:
        configure_fake(fake, chunk_delay=0.0)
    final = server_conversation(server, page)["messages"][-1]["content"]
    expect(reply).to_have_text(final)
    partial = {n for n in lengths if 0 < n < len(final)}
    assert len(partial) >= 2, f"the reply did not arrive in pieces (lengths seen: {lengths})"


def test_llm_unavailable_keeps_the_message_and_retry_fetches_the_missing_reply(
    llm_server: tuple[Server, str], new_page: NewPage
) -> None:
    server, fake = llm_server
    page = new_page()
    open_widget(page, f"{server.base}/demo")
    configure_fake(fake, fail="503", fail_scope="chat")
    try:
        page.get_by_test_id("rapport-input").fill(WARM_QUESTION)
        page.get_by_test_id("rapport-send").click()
        expect(page.get_by_test_id("rapport-error")).to_contain_text("can't answer right now")
    finally:
        configure_fake(fake, fail="")
    expect(page.get_by_test_id("rapport-feedback")).to_have_count(1)  # the message was stored
    stored = server_conversation(server, page)
    assert [m["role"] for m in stored["messages"]] == ["persona", "user"]

    page.get_by_test_id("rapport-retry").click()
    expect(page.get_by_test_id("rapport-error")).to_be_hidden()
    expect(page.get_by_test_id("rapport-message")).to_have_count(3)
    # The bubble appears with the first streamed words; the reply is stored when the stream
    # ends, so wait for the widget to finish it before reading what the server kept.
    reply = page.locator("[data-testid=rapport-message][data-role=persona]").nth(1)
    expect(reply).not_to_have_attribute("aria-busy", "true")
    stored = server_conversation(server, page)
    assert [m["role"] for m in stored["messages"]] == ["persona", "user", "persona"]
    expect(page.get_by_test_id("rapport-message").last).to_have_text(
        stored["messages"][-1]["content"]
    )
