"""The screenshots in docs/screenshots/ (README, docs/api.md), taken from the real widget:
`RAPPORT_UPDATE_SCREENSHOTS=1 make test-browser` refreshes them; otherwise they go to a
temporary folder, and the flows behind them still run as tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.support import (
    DESKTOP,
    PHONE,
    PHONE_LANDSCAPE,
    PITCH,
    WARM_FOLLOW_UP,
    WARM_QUESTION,
    Server,
    open_widget,
    say,
    serve_host_page,
)

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
Shot = Callable[[str], Path]
ARABIC_SITE = (
    "<p>نساعد الباحثين عن عمل على بناء علاقات مهنية حقيقية: اسأل، استمع، ثم تحدّث عن نفسك."
    " تدرّب هنا على محادثة قبل معرض التوظيف القادم، واحصل على ملاحظات بعد كل رسالة.</p>"
)


def demo_with(page: Page, server: Server, **attributes: str) -> str:
    """The demo site, with extra data attributes on its widget tag."""
    html = httpx.get(f"{server.base}/demo", timeout=10).text
    extra = " ".join(f'data-{name}="{value}"' for name, value in attributes.items())
    html = html.replace('<script src="/widget.js"', f'<script src="/widget.js" {extra}')
    url = f"{server.base}/demo-{'-'.join(attributes.values())}"

    def serve(route: Route) -> None:
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(url, serve)
    return url


def test_screenshot_dark_mode(server: Server, new_page: NewPage, screenshot_path: Shot) -> None:
    page = new_page(**DESKTOP, color_scheme="dark")
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    chip = say(page, WARM_FOLLOW_UP)
    chip.hover()
    expect(page.get_by_role("tooltip")).to_be_visible()
    page.screenshot(path=screenshot_path("widget-dark.png"))


def test_screenshot_phone(server: Server, new_page: NewPage, screenshot_path: Shot) -> None:
    page = new_page(**PHONE)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    say(page, PITCH).tap()
    expect(page.get_by_role("tooltip")).to_be_visible()
    page.screenshot(path=screenshot_path("widget-phone.png"))


def test_screenshot_phone_landscape(
    server: Server, new_page: NewPage, screenshot_path: Shot
) -> None:
    page = new_page(**PHONE_LANDSCAPE)
    open_widget(page, f"{server.base}/demo")
    say(page, WARM_QUESTION)
    say(page, WARM_FOLLOW_UP)
    page.screenshot(path=screenshot_path("widget-phone-landscape.png"))


def test_screenshot_spanish(server: Server, new_page: NewPage, screenshot_path: Shot) -> None:
    page = new_page(**DESKTOP)
    open_widget(page, demo_with(page, server, lang="es"))
    say(page, WARM_QUESTION)
    page.get_by_test_id("rapport-end").click()
    expect(page.get_by_test_id("rapport-scorecard")).to_be_visible()
    page.screenshot(path=screenshot_path("widget-es.png"))


def test_screenshot_right_to_left_site(
    server: Server, new_page: NewPage, screenshot_path: Shot
) -> None:
    page = new_page(**DESKTOP)
    url = serve_host_page(
        page,
        server,
        "/shot-ar",
        html_attrs='lang="ar" dir="rtl"',
        body=ARABIC_SITE,
        head="<style>body { font: 20px/1.6 sans-serif; margin: 40px; background: #f4f1ea }</style>",
    )
    open_widget(page, url)
    say(page, WARM_QUESTION)
    page.screenshot(path=screenshot_path("widget-rtl.png"))
