from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.api.deps import RuntimeDep
from app.errors import RapportError

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


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
