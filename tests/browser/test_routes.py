"""The widget's routes, in process (no browser): caching headers, the demo page and its key."""

from __future__ import annotations

import httpx
import pytest

from app.widget.routes import DEMO_KEY_ENV, render_demo


async def test_widget_js_is_served_as_cacheable_javascript(raw_client: httpx.AsyncClient) -> None:
    answer = await raw_client.get("/widget.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/javascript")
    assert "max-age=" in answer.headers["cache-control"]
    assert "attachShadow" in answer.text


async def test_widget_js_answers_304_when_the_etag_matches(raw_client: httpx.AsyncClient) -> None:
    etag = (await raw_client.get("/widget.js")).headers["etag"]
    again = await raw_client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


async def test_demo_page_embeds_the_widget_without_a_key_by_default(
    raw_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEMO_KEY_ENV, raising=False)
    answer = await raw_client.get("/demo")
    assert answer.headers["content-type"].startswith("text/html")
    assert '<script src="/widget.js" data-persona="recruiter" async></script>' in answer.text


async def test_demo_page_carries_the_demo_key_from_the_environment(
    raw_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEMO_KEY_ENV, "pk_demo123")
    answer = await raw_client.get("/demo")
    assert 'data-key="pk_demo123"' in answer.text


def test_a_hostile_demo_key_cannot_break_out_of_the_attribute() -> None:
    page = render_demo('pk_x" onload="alert(1)')
    assert 'onload="alert(1)"' not in page
    assert "pk_x&#34; onload=&#34;alert(1)" in page


async def test_the_site_icon_is_served_as_an_ico_holding_a_png(
    raw_client: httpx.AsyncClient,
) -> None:
    answer = await raw_client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # an icon resource with one image
    assert answer.content[22:30] == b"\x89PNG\r\n\x1a\n"
    svg = await raw_client.get("/favicon.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text


async def test_the_demo_page_names_its_icon(raw_client: httpx.AsyncClient) -> None:
    answer = await raw_client.get("/demo")
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in answer.text
