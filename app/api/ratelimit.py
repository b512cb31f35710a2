"""Rate limits per key and client: in memory by default, in Redis when workers share them."""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app import metrics
from app.errors import RateLimited

log = logging.getLogger("rapport")


class RateLimiter:
    def __init__(self, per_minute: int, redis_url: str | None = None) -> None:
        self.item: RateLimitItem = RateLimitItemPerMinute(per_minute)
        storage: Storage = (
            # limits defaults to the coredis driver, which is not installed: say redis-py.
            RedisStorage(
                _limits_redis_uri(redis_url), implementation="redispy", wrap_exceptions=True
            )
            if redis_url
            else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(storage)

    async def check(self, *identifiers: str) -> None:
        try:
            if await self.limiter.hit(self.item, *identifiers):
                return
            stats = await self.limiter.get_window_stats(self.item, *identifiers)
        except StorageError as exc:
            # Fail open: a rate-limit store outage must not take the whole API down with it.
            metrics.RATE_LIMIT_STORE_ERRORS.inc()
            log.warning(
                "rate limit store unavailable, request let through: %s",
                type(exc.storage_error).__name__,
            )
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"Too many requests: the limit is {self.item.amount} a minute for this key and client. "
            f"Try again in {retry_after} s.",
            retry_after=retry_after,
        )


def _limits_redis_uri(url: str) -> str:
    # `limits` serves async storage only for async+ schemes (async+redis://, async+rediss://).
    return url if url.startswith("async+") else f"async+{url}"
