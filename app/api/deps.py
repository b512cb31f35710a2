"""Dependencies shared by the routes, as Annotated aliases (SessionDep, TenantDep, ...)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Unauthorized
from app.repositories import KeyRepository
from app.services.keys import KeyService, hash_key
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

_KEY_CACHE_SECONDS = 5.0  # a revoked key stops working within this long on every worker


async def get_tenant(request: Request, runtime: RuntimeDep) -> Tenant:
    header = request.headers.get("authorization")
    if header is None and runtime.settings.auth == "open":
        tenant = OPEN_TENANT
    else:
        tenant = await _authenticate(request, runtime, header)
    client = request.client.host if request.client else "unknown"
    await request.app.state.rate_limiter.check(tenant.id, client)
    return tenant


async def _authenticate(request: Request, runtime: Runtime, header: str | None) -> Tenant:
    scheme, _, plain = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise Unauthorized("Send your API key as `Authorization: Bearer <key>`.")
    origin = _page_origin(request)
    cache: dict[tuple[str, str | None], tuple[float, Tenant]] = request.app.state.key_cache
    cache_key = (hash_key(plain.strip()), origin)
    hit = cache.get(cache_key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    async with runtime.db.sessions() as session:
        tenant = await KeyService(KeyRepository(session)).authenticate(plain.strip(), origin)
    cache[cache_key] = (time.monotonic() + _KEY_CACHE_SECONDS, tenant)
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
