"""Dependencies shared by the routes, as Annotated aliases (SessionDep, TenantDep, ...)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

from cachetools import TTLCache
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.ratelimit import RateLimiter, client_address
from app.config import is_loopback
from app.errors import Forbidden, Unauthorized
from app.repositories import KeyRepository
from app.services.access import CONVERSATION_PREFIX, VISITOR_PREFIX, presented
from app.services.keys import KeyService, check_origin, hash_key
from app.services.runtime import Runtime
from app.services.tenancy import OPEN_TENANT, Tenant
from app.services.turns import TurnService


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` one in its
# thread pool, a thread hand-off per request for a dictionary lookup.
async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the handler succeeds, rolled back otherwise."""
    async with runtime.db.transaction() as session:
        yield session


# scope="function": the commit runs when the handler returns, before the response is sent. With
# the default ("request") scope FastAPI sends the answer first, so a 201 or 204 could be
# acknowledged and then lost to a crash or a failed commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_client(request: Request, runtime: RuntimeDep) -> str:
    return client_address(request, runtime.settings.trusted_proxies)


ClientDep = Annotated[str, Depends(get_client)]


async def get_tenant(request: Request, runtime: RuntimeDep, client: ClientDep) -> Tenant:
    header = request.headers.get("authorization")
    if header is None and runtime.settings.auth == "open":
        _only_on_loopback(request)
        tenant = OPEN_TENANT
    else:
        tenant = await _authenticate(request, runtime, header, client)
    await request.app.state.rate_limiter.check(tenant.id, client)
    if tenant.is_visitor:
        tenant = replace(
            tenant,
            conversation_token=presented(
                request.headers.get("x-rapport-conversation-token"), CONVERSATION_PREFIX
            ),
            visitor_token=presented(request.headers.get("x-rapport-visitor-token"), VISITOR_PREFIX),
        )
    return tenant


def _only_on_loopback(request: Request) -> None:
    """Open auth answers only callers on this machine, however the server was started (the
    settings name a host, but `uvicorn --host 0.0.0.0` need not have told them)."""
    peer = request.client.host if request.client else ""
    if not is_loopback(peer):
        raise Unauthorized("This server runs with RAPPORT_AUTH=open, for loopback use only.")


async def _authenticate(
    request: Request, runtime: Runtime, header: str | None, client: str
) -> Tenant:
    """The key's tenant. Failures (no key, a wrong one, a refused origin) are counted per client
    address, and past the limit refused before the key is even looked up."""
    failures: RateLimiter = request.app.state.auth_failures
    await failures.ensure_under("auth-failures", client)
    try:
        tenant = await _known_key(request, runtime, header)
        check_origin(tenant, _page_origin(request))
    except (Unauthorized, Forbidden):
        await failures.count("auth-failures", client)
        raise
    return tenant


class _NotCached:
    """A key not in the cache, told apart from an unknown key cached as None."""


_NOT_CACHED = _NotCached()


async def _known_key(request: Request, runtime: Runtime, header: str | None) -> Tenant:
    scheme, _, plain = (header or "").partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain:
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`.")
    # By the key's hash only: the Origin is checked against the cached key, so no header a
    # client can vary at will makes a new entry. Unknown keys are cached (as None) too.
    cache: TTLCache[str, Tenant | None] = request.app.state.key_cache
    digest = hash_key(plain)
    # One read: `digest in cache` then `cache[digest]` reads the clock twice, and an entry that
    # expires between the two raises KeyError (a 500, seen once in a CI fuzz run).
    cached = cache.get(digest, _NOT_CACHED)
    if isinstance(cached, _NotCached):
        async with runtime.db.sessions() as session:
            tenant = await KeyService(KeyRepository(session)).lookup(plain)
        cache[digest] = tenant
    else:
        tenant = cached
    if tenant is None:
        raise Unauthorized("The API key is not valid (unknown or revoked).")
    return tenant


def _page_origin(request: Request) -> str | None:
    """The origin of the page that made the call.

    Browsers send `Origin` on cross-origin calls but not on same-origin GETs; those carry
    `Sec-Fetch-Site: same-origin` instead (a header page scripts cannot set), and then the page's
    origin is the API's own. Publishable keys bound to the API's origin (the demo) need this.
    """
    origin = request.headers.get("origin")
    if origin is None and request.headers.get("sec-fetch-site") == "same-origin":
        origin = f"{request.url.scheme}://{request.url.netloc}"
    return origin


TenantDep = Annotated[Tenant, Depends(get_tenant)]


async def get_turns(runtime: RuntimeDep) -> TurnService:
    return TurnService(runtime)


TurnsDep = Annotated[TurnService, Depends(get_turns)]
