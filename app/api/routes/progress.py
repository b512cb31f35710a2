"""Progress over time: JSON for programs, HTML pages for a coach's browser.

A browser sends no `Authorization` header when a coach clicks a link, so the HTML pages take
either the key (as every /v1 call does) or `?token=` from a short-lived link made with
`POST /v1/progress-links`. The pages load nothing from elsewhere, and are served with a strict
Content-Security-Policy and no referrer, so the token does not travel on.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import Field

from app.api.deps import ClientDep, RuntimeDep, SessionDep, TenantDep, get_tenant
from app.api.schemas import Strict, UserRef
from app.errors import NotFound, Unauthorized
from app.progress.page import coach_page, learner_page
from app.progress.trends import trend
from app.services.progress import LINK_PREFIX, ProgressService
from app.services.tenancy import Tenant

router = APIRouter(prefix="/v1", tags=["progress"])
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
HTML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}
}
Limit = Annotated[int, Query(ge=1, le=200)]
Token = Annotated[
    str | None,
    Query(max_length=100, description="A progress link's token, instead of the key (browsers)."),
]


@dataclass(frozen=True, slots=True)
class Viewer:
    tenant: Tenant
    user_ref: str | None = None  # a link for one learner opens only that learner's page
    token: str | None = None
    expires: datetime | None = None


async def get_viewer(
    request: Request, runtime: RuntimeDep, client: ClientDep, token: Token = None
) -> Viewer:
    if token is None or "authorization" in request.headers:
        return Viewer(await get_tenant(request, runtime, client))
    failures = request.app.state.auth_failures
    await failures.ensure_under("auth-failures", client)
    try:
        if not token.startswith(LINK_PREFIX):
            raise Unauthorized("This is not a progress link's token.")
        async with runtime.db.sessions() as session:
            scope = await ProgressService(runtime, session).scope_of(token)
    except Unauthorized:
        await failures.count("auth-failures", client)
        raise
    await request.app.state.rate_limiter.check(scope.tenant.id, client)
    return Viewer(scope.tenant, scope.user_ref, token, scope.expires)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


class ProgressLinkIn(Strict):
    user_ref: UserRef | None = Field(
        None, description="One learner's page; without it, the coach view and every learner."
    )
    expires_in: int = Field(3600, ge=60, le=7 * 24 * 3600, description="Seconds it works for.")


@router.post("/progress-links", status_code=status.HTTP_201_CREATED)
async def create_progress_link(
    body: ProgressLinkIn,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
) -> dict[str, Any]:
    """A link a coach opens in a browser: a learner's progress page, or the coach view."""
    service = ProgressService(runtime, session)
    token, expires = await service.create_link(tenant, body.user_ref, body.expires_in)
    page = _learner_path(body.user_ref) if body.user_ref else "/v1/learners.html"
    path = f"{page}?token={token}"
    return {
        "url": str(request.base_url).rstrip("/") + path,
        "path": path,
        "token": token,
        "user_ref": body.user_ref,
        "expires_at": expires.isoformat(),
    }


@router.get("/learners")
async def list_learners(
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The coach view: the tenant's learners, most recently active first, with their trend."""
    return await ProgressService(runtime, session).learners(tenant, limit=limit, offset=offset)


@router.get("/learners.html", response_class=HTMLResponse, responses=HTML_RESPONSE)
async def learners_page(
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """The coach view as a page, each learner linking to their progress page."""
    if viewer.user_ref is not None:
        raise NotFound("This link opens one learner's page only.")
    found = await ProgressService(runtime, session).learners(
        viewer.tenant, limit=limit, offset=offset
    )

    def href(user_ref: str) -> str:
        return _learner_path(user_ref, viewer.token)

    html = coach_page(found["learners"], found["total"], href, expires=viewer.expires)
    return HTMLResponse(html, headers=HTML_HEADERS)


@router.get("/learners/{user_ref}/progress")
async def learner_progress(
    user_ref: Annotated[UserRef, Path()],
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
    limit: Limit = 50,
) -> dict[str, Any]:
    """One learner's conversations measured, their trend and the next thing to practise."""
    progress = await ProgressService(runtime, session).learner(tenant, user_ref, limit)
    return progress.to_json()


@router.get(
    "/learners/{user_ref}/progress.html", response_class=HTMLResponse, responses=HTML_RESPONSE
)
async def learner_progress_page(
    user_ref: Annotated[UserRef, Path()],
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    limit: Limit = 50,
) -> HTMLResponse:
    """One learner's progress as a page with charts (SVG drawn on the server)."""
    if viewer.user_ref is not None and viewer.user_ref != user_ref:
        raise NotFound(f"No conversations for learner {user_ref!r} with this link.")
    progress = await ProgressService(runtime, session).learner(viewer.tenant, user_ref, limit)
    back = None
    if viewer.user_ref is None:
        back = "/v1/learners.html" + (f"?token={viewer.token}" if viewer.token else "")
    html = learner_page(
        user_ref, progress.points, trend(progress.points), back=back, expires=viewer.expires
    )
    return HTMLResponse(html, headers=HTML_HEADERS)


def _learner_path(user_ref: str, token: str | None = None) -> str:
    path = f"/v1/learners/{quote(user_ref, safe='')}/progress.html"
    return f"{path}?token={token}" if token else path
