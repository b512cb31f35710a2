"""Rate limits per key and client: in memory by default, in Redis when workers share them."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from starlette.requests import HTTPConnection

from app import metrics
from app.errors import RateLimited

log = logging.getLogger("rapport")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Probe = Callable[..., Awaitable[bool]]  # MovingWindowRateLimiter.hit or .test


def _storage(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    # limits defaults to the coredis driver, which is not installed: say redis-py.
    return RedisStorage(
        _limits_redis_uri(redis_url), implementation="redispy", wrap_exceptions=True
    )


class RateLimiter:
    def __init__(
        self, per_minute: int, redis_url: str | None = None, *, what: str = "this key and client"
    ) -> None:
        self.item: RateLimitItem = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(_storage(redis_url))
        self.what = what

    async def check(self, *identifiers: str) -> None:
        """Count this request, and refuse it (429) if it is over the limit."""
        await self._guarded(self.limiter.hit, identifiers)

    async def ensure_under(self, *identifiers: str) -> None:
        """Refuse (429) if the limit is already reached, without counting this request."""
        await self._guarded(self.limiter.test, identifiers)

    async def count(self, *identifiers: str) -> None:
        """Count an event (a failed authentication) without refusing anything now."""
        try:
            await self.limiter.hit(self.item, *identifiers)
        except StorageError as exc:
            _store_failed(exc)

    async def _guarded(self, allowed: _Probe, identifiers: tuple[str, ...]) -> None:
        try:
            if await allowed(self.item, *identifiers):
                return
            stats = await self.limiter.get_window_stats(self.item, *identifiers)
        except StorageError as exc:
            _store_failed(exc)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"Too many requests: the limit is {self.item.amount} a minute for {self.what}. "
            f"Try again in {retry_after} s.",
            retry_after=retry_after,
        )


def _store_failed(exc: StorageError) -> None:
    # Fail open: a rate-limit store outage must not take the whole API down with it.
    metrics.RATE_LIMIT_STORE_ERRORS.inc()
    log.warning(
        "rate limit store unavailable, request let through: %s", type(exc.storage_error).__name__
    )


def client_address(connection: HTTPConnection, trusted: Sequence[Network]) -> str:
    """The address to rate-limit: the peer, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one of ours (the ones to its left are the client's
    to write). Run uvicorn with --no-proxy-headers so that the peer is the real one."""
    peer = connection.client.host if connection.client else "unknown"
    if not trusted or not _within(peer, trusted):
        return peer
    chain = ",".join(connection.headers.getlist("x-forwarded-for"))
    address = peer
    for hop in reversed([part.strip() for part in chain.split(",") if part.strip()]):
        try:
            parsed = ipaddress.ip_address(hop)
        except ValueError:
            break  # not written by a proxy of ours: trust nothing further left
        address = str(parsed)
        if not any(parsed in network for network in trusted):
            break
    return address


def _within(host: str, trusted: Sequence[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def _limits_redis_uri(url: str) -> str:
    # `limits` serves async storage only for async+ schemes (async+redis://, async+rediss://).
    return url if url.startswith("async+") else f"async+{url}"
