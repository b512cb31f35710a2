"""The widget's layout on every screen it meets: phones both ways up, a desktop, a laptop at 200%
zoom, right-to-left host pages and a host page with a transformed <body>.

On each, every control of the panel is reached with Tab and is visible where it is focused (in
the viewport, inside the panel, not covered), and the conversation keeps at least 40% of the
panel's height (WCAG 1.4.10 reflow, 1.4.4 resize text).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DEEP_ACTIVE,
    DESKTOP,
    PHONE,
    PHONE_LANDSCAPE,
    WARM_FOLLOW_UP,
    WARM_QUESTION,
    ZOOMED,
    Server,
    computed,
    open_widget,
    say,
    serve_host_page,
)

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
SCREENS: dict[str, dict[str, Any]] = {
    "phone 390x844": PHONE,
    "phone landscape 844x390": PHONE_LANDSCAPE,
    "desktop 1366x850": DESKTOP,
    "1280x720 at 200% zoom": ZOOMED,
}

# Marks every control the panel renders now, and says how many there are.
MARK_CONTROLS = """() => {
  const root = document.querySelector('rapport-widget').shadowRoot;
  const panel = root.getElementById('rw-panel');
  const controls = [...panel.querySelectorAll('button, select, textarea, [tabindex="0"]')]
    .filter(el => !el.disabled && el.getClientRects().length > 0);
  controls.forEach((el, i) => el.setAttribute('data-probe', String(i)));
  return controls.map(el => el.getAttribute('data-testid') || el.className || el.tagName);
}"""
# Where the focused control is: inside the viewport and the panel, and on top at its centre.
FOCUSED_PLACE = """() => {
  const root = document.querySelector('rapport-widget').shadowRoot;
  const el = root.activeElement;
  if (!el || !el.hasAttribute('data-probe')) return null;
  const r = el.getBoundingClientRect(), p = root.getElementById('rw-panel').getBoundingClientRect();
  const cx = Math.min(Math.max(r.left + r.width / 2, r.left + 1), r.right - 1);
  const cy = Math.min(Math.max(r.top + r.height / 2, r.top + 1), r.bottom - 1);
  const hit = root.elementFromPoint(cx, cy);
  const clip = el.closest('.log') ? el.closest('.log').getBoundingClientRect() : p;
  const within = (o) => r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5
    && r.left >= o.left - 0.5 && r.right <= o.right + 0.5;
  return { probe: el.getAttribute('data-probe'),
    name: el.getAttribute('data-testid') || el.className,
    inViewport: within({ top: 0, left: 0, bottom: innerHeight, right: innerWidth }),
    inPanel: within(p),
    inScroller: r.top >= clip.top - 0.5 && r.bottom <= clip.bottom + 0.5,
    target: el.matches('.log') || (r.width >= 44 && r.height >= 44),
    onTop: Boolean(hit && (hit === el || el.contains(hit))) };
}"""
ROOM = """() => {
  const root = document.querySelector('rapport-widget').shadowRoot;
  const log = root.querySelector('.log'), panel = root.getElementById('rw-panel');
  return log.getBoundingClientRect().height / panel.getBoundingClientRect().height;
}"""


def assert_every_control_reachable(page: Page) -> list[str]:
    """Tab from the launcher through the panel: every rendered control gets the focus once, and
    where it has it, it is wholly visible."""
    controls = page.evaluate(MARK_CONTROLS)
    page.evaluate(
        "document.querySelector('rapport-widget').shadowRoot"
        ".querySelector('[data-probe=\"0\"]').focus()"
    )
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(len(controls) + 3):
        place = page.evaluate(FOCUSED_PLACE)
        if place is not None:
            seen.setdefault(place["probe"], place)
        page.keyboard.press("Tab")
    missing = [controls[int(i)] for i in range(len(controls)) if str(i) not in seen]
    assert not missing, f"never reached with Tab: {missing} (of {controls})"
    hidden = [
        p
        for p in seen.values()
        if not (p["inViewport"] and p["inPanel"] and p["onTop"] and p["inScroller"])
    ]
    assert not hidden, f"focused but not wholly visible: {hidden}"
    small = [p["name"] for p in seen.values() if not p["target"]]
    assert not small, f"touch targets under 44x44 px: {small}"
    return controls


def assert_room_for_the_conversation(page: Page) -> None:
    share = page.evaluate(ROOM)
    assert share >= 0.4, f"the conversation has {share:.0%} of the panel's height"


@pytest.mark.parametrize("screen", SCREENS)
def test_every_control_is_reachable_and_the_conversation_keeps_room(
    server: Server, new_page: NewPage, screen: str, tmp_path: Path
) -> None:
    page = new_page(**SCREENS[screen])
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    say(page, WARM_FOLLOW_UP)
    panel = page.locator("#rw-panel").bounding_box()
    viewport = SCREENS[screen]["viewport"]
    assert panel is not None
    assert panel["x"] >= 0 and panel["y"] >= 0
    assert panel["x"] + panel["width"] <= viewport["width"]
    assert panel["y"] + panel["height"] <= viewport["height"]
    assert_room_for_the_conversation(page)
    controls = assert_every_control_reachable(page)
    assert "rapport-end" in controls and "rapport-send" in controls
    page.screenshot(path=tmp_path / "layout.png")

    # With the picker unfolded (short screens fold it away) and the start-over question asked.
    change = page.get_by_test_id("rapport-change")
    if change.is_visible():
        change.click()
    page.get_by_test_id("rapport-start").click()
    expect(page.get_by_test_id("rapport-keep")).to_be_focused()
    assert_every_control_reachable(page)
    page.get_by_test_id("rapport-confirm").focus()
    page.keyboard.press("Escape")  # declines, and the focus goes back to the button that asked
    expect(page.get_by_test_id("rapport-keep")).to_be_hidden()
    expect(page.get_by_test_id("rapport-start")).to_be_focused()

    # The scorecard scrolls within the conversation; its button is reached too.
    page.get_by_test_id("rapport-end").click()
    expect(page.get_by_test_id("rapport-scorecard")).to_be_visible()
    assert "rapport-again" in assert_every_control_reachable(page)
    assert_room_for_the_conversation(page)


def test_phone_layout_fills_the_screen_and_traps_focus(server: Server, new_page: NewPage) -> None:
    page = new_page(**PHONE)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    say(
        page,
        "Did you see the slides at https://example.com/a-really-long-unbroken-path-that-"
        "keeps-going-and-going-past-the-edge-of-a-phone-screen ? What did you think?",
    )

    box = page.locator("#rw-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    log = page.get_by_role("log")
    assert log.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(page.get_by_test_id("rapport-launcher")).to_be_hidden()
    for _ in range(15):  # the full-screen panel keeps keyboard focus inside it
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "RAPPORT-WIDGET"


def test_phone_landscape_folds_the_picker_away_and_puts_end_beside_the_message_box(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**PHONE_LANDSCAPE)
    open_widget(page, f"{server.base}/demo")
    expect(page.get_by_test_id("rapport-persona")).to_be_hidden()
    end = page.get_by_test_id("rapport-end").bounding_box()
    send = page.get_by_test_id("rapport-send").bounding_box()
    assert end is not None and send is not None
    assert abs((end["y"] + end["height"]) - (send["y"] + send["height"])) < 12  # one row
    expect(page.get_by_test_id("rapport-end")).to_have_accessible_name("End & see scorecard")

    change = page.get_by_test_id("rapport-change")
    change.click()
    expect(change).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("rapport-persona")).to_be_focused()
    change.click()
    expect(page.get_by_test_id("rapport-persona")).to_be_hidden()


def test_arabic_site_gets_a_right_to_left_widget_that_fits(
    server: Server, new_page: NewPage
) -> None:
    for screen in ("desktop 1366x850", "phone 390x844"):
        page = new_page(**SCREENS[screen])
        url = serve_host_page(page, server, "/host-ar", html_attrs='lang="ar" dir="rtl"')
        open_widget(page, url)
        panel = page.locator("#rw-panel")
        assert computed(panel, "direction") == {"direction": "rtl"}
        expect(page.get_by_test_id("rapport-send")).to_have_text("إرسال")
        say(page, WARM_QUESTION)  # English server text in an Arabic layout
        user = page.locator("[data-testid=rapport-message][data-role=user]").first
        assert computed(user, "direction") == {"direction": "ltr"}  # dir=auto: reads as written
        assert_room_for_the_conversation(page)
        assert_every_control_reachable(page)
        if screen.startswith("desktop"):  # the launcher sits at the reading end: bottom left
            page.get_by_test_id("rapport-launcher").click()
            launcher = page.get_by_test_id("rapport-launcher").bounding_box()
            assert launcher is not None and launcher["x"] < 100


def test_an_english_widget_on_a_right_to_left_page_is_not_mirrored(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    url = serve_host_page(
        page,
        server,
        "/host-rtl-en",
        html_attrs='lang="he" dir="rtl"',
        widget_attrs='data-persona="recruiter" data-lang="en"',
    )
    open_widget(page, url)
    assert computed(page.locator("#rw-panel"), "direction") == {"direction": "ltr"}
    expect(page.get_by_test_id("rapport-send")).to_have_text("Send")
    launcher = page.get_by_test_id("rapport-launcher").bounding_box()
    assert launcher is not None and launcher["x"] > 1000  # an English widget: bottom right
    assert_every_control_reachable(page)


def test_a_transformed_body_does_not_carry_the_launcher_off_screen(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(viewport={"width": 1280, "height": 720})
    url = serve_host_page(
        page,
        server,
        "/host-transform",
        head="<style>body { transform: translateZ(0); margin: 0 } p { font-size: 40px }</style>",
    )
    page.goto(url)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    box = page.get_by_test_id("rapport-launcher").bounding_box()
    assert box is not None
    assert 720 - 40 <= box["y"] + box["height"] <= 720, box  # 20 px from the viewport's bottom
    assert 1280 - 40 <= box["x"] + box["width"] <= 1280, box
    open_widget(page)
    panel = page.locator("#rw-panel").bounding_box()
    assert panel is not None and panel["y"] >= 0 and panel["y"] + panel["height"] <= 720


def test_the_focused_launcher_and_controls_show_a_ring_with_3_to_1_contrast(
    server: Server, new_page: NewPage
) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, f"{server.base}/demo")
    page.get_by_test_id("rapport-input").focus()
    page.keyboard.press("Shift+Tab")  # keyboard focus, so :focus-visible applies
    ring = page.evaluate("""() => {
      const root = document.querySelector('rapport-widget').shadowRoot;
      const el = root.activeElement, style = getComputedStyle(el);
      const panel = getComputedStyle(root.getElementById('rw-panel')).backgroundColor;
      return { outline: style.outlineColor, width: style.outlineWidth,
               style: style.outlineStyle, panel };
    }""")
    assert ring["style"] == "solid" and ring["width"] == "3px"
    assert contrast(ring["outline"], ring["panel"]) >= 3, ring
    assert page.evaluate(DEEP_ACTIVE) is not None


def contrast(a: str, b: str) -> float:
    def luminance(rgb: str) -> float:
        parts = [float(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
