import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.api.deps import RuntimeDep
from app.config import Settings, is_loopback
from app.errors import NotFound, RapportError, Unauthorized

router = APIRouter(tags=["health"])


class NotReady(RapportError):
    status, code, title = 503, "not_ready", "Not ready"


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> dict[str, Any]:
    try:
        async with runtime.db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise NotReady(f"The database is not reachable: {type(exc).__name__}.") from exc
    return {"status": "ready", "engine": runtime.engine.name}


@router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    _may_scrape(request, runtime.settings)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _may_scrape(request: Request, settings: Settings) -> None:
    """Metrics name routes, outcomes and traffic: a token, or a scraper on this machine."""
    if settings.metrics_token:
        scheme, _, offered = request.headers.get("authorization", "").partition(" ")
        expected = settings.metrics_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(offered.encode(), expected):
            raise Unauthorized("GET /metrics needs `Authorization: Bearer <metrics token>`.")
        return
    peer = request.client.host if request.client else ""
    if settings.auth != "open" and not is_loopback(peer):
        raise NotFound("Not found.")
