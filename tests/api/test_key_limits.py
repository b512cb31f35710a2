"""Bounded key cache, strict origins, and rate limits for requests without a valid key."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cachetools import TTLCache
from starlette.requests import Request

from app.api.ratelimit import client_address
from app.main import create_app
from app.services.keys import KeyService
from tests.api.helpers import assert_problem
from tests.conftest import make_settings, new_key

ORIGIN = "https://coach.example"


@pytest.mark.parametrize(
    "origin",
    [
        "https://coach.example/",
        "https://coach.example/widget",
        "https://coach.example?utm=1",
        "https://coach.example#x",
        "https://someone@coach.example",
        "https://coach.example:",
        "https://coach.example:0443",
        "https://coach.example\t",
    ],
)
async def test_an_origin_with_anything_but_scheme_host_and_port_is_refused(app, raw_client, origin):
    key = await new_key(app, publishable=True, origins=[ORIGIN])
    response = await raw_client.get(
        "/v1/personas", headers={"Authorization": f"Bearer {key}", "Origin": origin}
    )
    assert_problem(response, 403, "origin_not_allowed")


@pytest.mark.parametrize(
    "origin", ["https://COACH.example", "https://coach.example:443", "HTTPS://coach.example"]
)
async def test_origins_are_compared_normalised(app, raw_client, origin):
    key = await new_key(app, publishable=True, origins=["https://Coach.Example:443/"])
    response = await raw_client.get(
        "/v1/personas", headers={"Authorization": f"Bearer {key}", "Origin": origin}
    )
    assert response.status_code == 200, response.text


async def test_unique_origins_do_not_grow_the_key_cache(app, raw_client):
    key = await new_key(app, publishable=True, origins=[ORIGIN])
    headers = {"Authorization": f"Bearer {key}"}
    assert (await raw_client.get("/v1/personas", headers={**headers, "Origin": ORIGIN})).is_success
    before = len(app.state.key_cache)
    for n in range(200):
        origin = f"https://site{n}.example" if n % 2 else f"{ORIGIN}?n={n}"
        response = await raw_client.get("/v1/personas", headers={**headers, "Origin": origin})
        assert_problem(response, 403, "origin_not_allowed")
    assert len(app.state.key_cache) <= before  # other tests' entries may expire meanwhile


async def test_the_key_cache_is_an_lru_with_a_size_and_a_ttl(app):
    cache = app.state.key_cache
    assert isinstance(cache, TTLCache)
    assert cache.maxsize == app.state.settings.key_cache_size
    assert cache.ttl == app.state.settings.key_cache_seconds


async def test_a_key_whose_cache_entry_expires_mid_lookup_is_looked_up_again(app, raw_client):
    """Each read of the cache's clock moves it on a second, so an entry alive when asked about
    has expired by the next read: a second read of the cache (`in`, then `[]`) raised KeyError."""
    key = await new_key(app, publishable=False)
    clock = iter(range(1_000_000))
    shared = app.state.key_cache  # the app is the session's: its own cache goes back after
    app.state.key_cache = TTLCache(maxsize=16, ttl=1.5, timer=lambda: next(clock))
    headers = {"Authorization": f"Bearer {key}"}
    try:
        for _ in range(3):  # stored, then each later read finds it alive and then expired
            response = await raw_client.get("/v1/personas", headers=headers)
            assert response.status_code == 200, response.text
    finally:
        app.state.key_cache = shared


@pytest.fixture
async def strict_app(settings) -> AsyncIterator[Any]:
    """An app that allows three requests without a valid key per address and minute."""
    application = create_app(make_settings(settings.database_url, auth_failures_per_minute=3))
    async with application.router.lifespan_context(application):
        yield application


async def _call(application: Any, headers: dict[str, str], client: str = "203.0.113.7"):
    transport = httpx.ASGITransport(app=application, client=(client, 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://rapport.test") as c:
        return await c.get("/v1/personas", headers=headers)


async def test_invalid_keys_are_rate_limited_per_address_without_a_lookup(strict_app, monkeypatch):
    lookups = 0
    real = KeyService.lookup

    async def counting(self: KeyService, plain: str) -> Any:
        nonlocal lookups
        lookups += 1
        return await real(self, plain)

    monkeypatch.setattr(KeyService, "lookup", counting)
    for n in range(3):
        assert_problem(await _call(strict_app, {"Authorization": f"Bearer rk_bad{n}"}), 401)
    for n in range(5):
        limited = await _call(strict_app, {"Authorization": f"Bearer rk_worse{n}"})
        assert_problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
    assert lookups == 3
    elsewhere = await _call(strict_app, {"Authorization": "Bearer rk_bad"}, "198.51.100.9")
    assert_problem(elsewhere, 401)


async def test_requests_without_a_key_count_as_failures(strict_app):
    for _ in range(3):
        assert_problem(await _call(strict_app, {}, "203.0.113.20"), 401)
    assert_problem(await _call(strict_app, {}, "203.0.113.20"), 429)


async def test_a_refused_origin_counts_as_a_failure(strict_app):
    key = await new_key(strict_app, publishable=True, origins=[ORIGIN])
    headers = {"Authorization": f"Bearer {key}", "Origin": "https://evil.example"}
    for _ in range(3):
        assert_problem(await _call(strict_app, headers, "203.0.113.30"), 403)
    assert_problem(await _call(strict_app, headers, "203.0.113.30"), 429)


async def test_a_repeated_unknown_key_is_looked_up_once(app, raw_client, monkeypatch):
    lookups = 0
    real = KeyService.lookup

    async def counting(self: KeyService, plain: str) -> Any:
        nonlocal lookups
        lookups += 1
        return await real(self, plain)

    monkeypatch.setattr(KeyService, "lookup", counting)
    for _ in range(5):
        response = await raw_client.get(
            "/v1/personas", headers={"Authorization": "Bearer rk_never_issued_xyz"}
        )
        assert_problem(response, 401)
    assert lookups == 1


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


PROXY = (ipaddress.ip_network("10.0.0.0/8"),)


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    assert client_address(_request("127.0.0.1", "203.0.113.5"), ()) == "127.0.0.1"
    assert client_address(_request("192.0.2.1", "203.0.113.5"), PROXY) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client():
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    request = _request("10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.9")
    assert client_address(request, PROXY) == "203.0.113.5"


def test_a_garbled_forwarded_hop_stops_the_walk():
    assert client_address(_request("10.0.0.2", "203.0.113.5, nonsense"), PROXY) == "10.0.0.2"
    assert client_address(_request("10.0.0.2", "10.0.0.3"), PROXY) == "10.0.0.3"


def test_trusted_proxies_are_read_from_a_comma_separated_setting(monkeypatch):
    from app.config import Settings

    monkeypatch.setenv("RAPPORT_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")
    networks = Settings().trusted_proxies
    assert [str(n) for n in networks] == ["10.0.0.0/8", "192.0.2.7/32"]


async def test_the_rate_limit_bucket_follows_the_forwarded_client_behind_a_proxy(settings):
    application = create_app(
        make_settings(
            settings.database_url, auth_failures_per_minute=2, trusted_proxies="10.0.0.0/8"
        )
    )
    async with application.router.lifespan_context(application):
        for client in ("203.0.113.40", "203.0.113.41"):
            for _ in range(2):
                headers = {"X-Forwarded-For": client}
                assert_problem(await _call(application, headers, "10.0.0.2"), 401)
        limited = await _call(application, {"X-Forwarded-For": "203.0.113.40"}, "10.0.0.2")
        assert_problem(limited, 429)
        # Straight from the internet, the header is the caller's own invention.
        direct = {"X-Forwarded-For": "203.0.113.42"}
        assert_problem(await _call(application, direct, "198.51.100.50"), 401)
        assert_problem(await _call(application, direct, "198.51.100.50"), 401)
        assert_problem(await _call(application, direct, "198.51.100.50"), 429)
