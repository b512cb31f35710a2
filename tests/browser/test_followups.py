"""After the scorecard, the widget's two optional steps on the API's follow-ups: the recall
check ("What did you learn about Priya?") and the follow-up note, each answered in the widget and
shown in words (not only colour), by a publishable key's visitor with its conversation token."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DEEP_ACTIVE,
    PHONE,
    WARM_FOLLOW_UP,
    WARM_QUESTION,
    Server,
    open_widget,
    run_axe,
    say,
)

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
RECALL = (
    "She taught high-school chemistry before she went into recruiting, and she misses the "
    "moment a student finally gets it."
)
NOTE = (
    "Hi Priya,\n\nThanks for the chat at the fair yesterday. I keep thinking about how you went "
    "from teaching chemistry to recruiting, and how you still miss the moment a student gets "
    "it.\n\nWould you have 15 minutes next week to tell me how you made that switch?\n\nBest,\nAlex"
)
RECALL_URL = re.compile(r".*/v1/conversations/[^/]+/recall$")
NOTE_URL = re.compile(r".*/v1/conversations/[^/]+/note$")


def end_after(page: Page, *lines: str) -> None:
    for line in lines:
        say(page, line)
    page.get_by_test_id("rapport-end").click()
    expect(page.get_by_test_id("rapport-scorecard")).to_be_visible()


def test_a_visitor_answers_the_recall_check_and_drafts_a_note_after_the_scorecard(
    keyed_server: Server, new_page: NewPage, screenshot_path: Callable[[str], Path]
) -> None:
    page = new_page(viewport={"width": 1280, "height": 860})
    open_widget(page, f"{keyed_server.base}/demo")
    end_after(page, WARM_QUESTION, WARM_FOLLOW_UP)

    recall = page.get_by_test_id("rapport-recall")
    expect(recall.get_by_role("heading")).to_have_text("What did you learn about Priya?")
    page.get_by_test_id("rapport-recall-input").fill(RECALL)
    with page.expect_response(RECALL_URL) as answered:
        page.get_by_test_id("rapport-recall-send").click()
    response = answered.value
    assert response.status == 200, response.text()
    # A publishable key's visitor: the server let it in by its conversation token.
    assert response.request.headers.get("x-rapport-conversation-token")
    result: dict[str, Any] = response.json()
    assert result["recalled"], result  # her chemistry story was told and is remembered

    shown = page.get_by_test_id("rapport-recall-result")
    expect(shown).to_be_focused()
    expect(page.get_by_test_id("rapport-recall-score")).to_have_text(
        f"Recall score: {result['score']} of 100"
    )
    for title, kind in (
        ("Recalled", "recalled"),
        ("Missed", "missed"),
        ("Misremembered", "misremembered"),
    ):
        expect(shown.get_by_role("heading", name=f"{title} ({len(result[kind])})")).to_be_visible()
    for claim in result["recalled"]:
        expect(shown.locator("[data-kind=recalled]")).to_contain_text(claim["claim"])
    for revealed in result["missed"]:
        expect(shown.locator("[data-kind=missed]")).to_contain_text(revealed["text"])
    for claim in result["misremembered"]:
        expect(shown.locator("[data-kind=misremembered]")).to_contain_text(claim["claim"])
    # Answered once: the answer box is gone, the result stays.
    expect(page.get_by_test_id("rapport-recall-input")).to_be_hidden()

    note = page.get_by_test_id("rapport-note")
    expect(note.get_by_role("heading").first).to_have_text("Draft your follow-up note")
    page.get_by_test_id("rapport-note-input").fill(NOTE)
    with page.expect_response(NOTE_URL) as coached:
        page.get_by_test_id("rapport-note-send").click()
    response = coached.value
    assert response.status == 200, response.text()
    feedback: dict[str, Any] = response.json()
    verdicts: dict[str, dict[Any, str]] = {
        "specific": {True: "yes", False: "not yet"},
        "thanks": {"fine": "fine", "grovelling": "overdone", "missing": "missing"},
        "ask": {
            "none": "no ask",
            "fine": "clear",
            "unclear": "unclear",
            "too_many": "too many",
            "too_big": "too big",
        },
        "length": {"fine": "fine", "too_long": "too long", "too_short": "too short"},
    }
    names = {"specific": "Specific", "thanks": "Thanks", "ask": "Ask", "length": "Length"}
    shown = page.get_by_test_id("rapport-note-result")
    expect(shown).to_be_focused()
    expect(page.get_by_test_id("rapport-note-verdict")).to_have_text(
        "Ready to send." if feedback["good"] else "Worth another draft."
    )
    for label, words in verdicts.items():
        word = words[feedback[label]["value"]]
        row = shown.locator(f"li[data-label={label}]")
        expect(row.locator("strong")).to_have_text(f"{names[label]}: {word}")
        expect(row).to_contain_text(feedback[label]["comment"])
        for span in feedback[label].get("evidence", []):
            expect(row.locator("q")).to_contain_text(span["text"])
    low, high = feedback["length"]["range"]
    expect(shown.locator("li[data-label=length]")).to_contain_text(
        f"{feedback['length']['words']} words; aim for {low}\u2013{high}"
    )
    expect(page.get_by_test_id("rapport-note-rewrite")).to_contain_text(
        feedback["rewrite"]["write"]
    )
    # A note may be redrafted: its box stays, with the draft in it.
    expect(page.get_by_test_id("rapport-note-input")).to_have_value(NOTE)

    run_axe(page, "the recall result and the note feedback")
    shoot_both_results(page, new_page, screenshot_path("widget-recall-note.png"))

    # The report keeps both: an ended conversation opened again shows them, not empty forms.
    page.reload()
    expect(page.get_by_test_id("rapport-recall-score")).to_have_text(
        f"Recall score: {result['score']} of 100"
    )
    expect(page.get_by_test_id("rapport-recall-input")).to_be_hidden()
    expect(page.get_by_test_id("rapport-note-verdict")).to_be_visible()


def test_the_steps_are_skippable_by_keyboard_and_say_what_went_wrong_in_dark_mode(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**PHONE, color_scheme="dark")
    open_widget(page, f"{server.base}/demo")
    end_after(page, WARM_QUESTION)

    page.get_by_test_id("rapport-recall-skip").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("rapport-recall-input")).to_be_hidden()
    expect(page.get_by_test_id("rapport-recall")).to_contain_text("Skipped.")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-recall-unskip"  # the focus is not lost
    page.keyboard.press("Enter")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-recall-input"  # changed their mind: type
    page.keyboard.press("Tab")
    assert page.evaluate(DEEP_ACTIVE) == "rapport-recall-send"

    # Nothing written: the visitor is told, nothing is sent.
    page.get_by_test_id("rapport-note-send").click()
    error = page.get_by_test_id("rapport-note-error")
    expect(error).to_have_text("Write something first, or skip this step.")
    expect(page.get_by_test_id("rapport-note-input")).to_be_focused()

    # The network fails: the visitor's words, the draft kept, and Ctrl+Enter sends it again.
    page.route(NOTE_URL, lambda route: route.abort("internetdisconnected"))
    page.keyboard.type("Thanks for the chat, Priya!")
    page.keyboard.press("Control+Enter")
    expect(error).to_have_text(
        "Could not reach the practice server. Check your connection and try again."
    )
    expect(page.get_by_test_id("rapport-note-input")).to_have_value("Thanks for the chat, Priya!")
    run_axe(page, "phone, dark mode: a skipped recall check and a note that failed to send")
    page.unroute(NOTE_URL)
    page.get_by_test_id("rapport-note-input").press("Control+Enter")
    expect(error).to_be_hidden()
    expect(page.get_by_test_id("rapport-note-verdict")).to_be_visible()
    expect(page.locator("li[data-label=length] strong")).to_have_text("Length: too short")
    run_axe(page, "phone, dark mode: note feedback")


def test_the_steps_speak_the_widgets_language(server: Server, new_page: NewPage) -> None:
    page = new_page(viewport={"width": 1280, "height": 860})
    html = (
        "<!doctype html><html lang='es'><head><meta charset='utf-8'><title>Sitio</title></head>"
        f"<body><main><h1>Un sitio</h1></main><script src='{server.base}/widget.js' "
        "data-persona='recruiter' async></script></body></html>"
    )
    url = f"{server.base}/followups-es"
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    open_widget(page, url)
    end_after(page, WARM_QUESTION)
    expect(page.get_by_test_id("rapport-recall").get_by_role("heading")).to_have_text(
        "¿Qué aprendiste sobre Priya?"
    )
    expect(page.get_by_test_id("rapport-note-skip")).to_have_text("Omitir")
    run_axe(page, "es: the follow-up steps")


def shoot_both_results(page: Page, new_page: NewPage, path: Path) -> None:
    """The panel scrolled to the recall result, then to the note feedback, side by side: one
    picture of both steps as the widget really draws them."""
    panel = page.locator("#rw-panel")
    shots = []
    for testid in ("rapport-recall", "rapport-note-result"):
        page.get_by_test_id(testid).evaluate(
            "el => { const log = el.closest('.log'); log.scrollTop += "
            "el.getBoundingClientRect().top - log.getBoundingClientRect().top - 8; }"
        )
        shots.append(base64.b64encode(panel.screenshot()).decode())
    sheet = new_page(viewport={"width": 900, "height": 740})
    sheet.set_content(
        "<body style='margin:0;padding:20px;display:flex;gap:20px;background:#e9edf3'>"
        + "".join(
            f"<img style='border-radius:16px' src='data:image/png;base64,{shot}'>" for shot in shots
        )
        + "</body>"
    )
    sheet.screenshot(path=path, full_page=True)
