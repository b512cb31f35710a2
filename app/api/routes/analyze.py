from typing import Any

from fastapi import APIRouter

from app.api.deps import TenantDep
from app.api.schemas import AnalyzeIn
from app.services.analysis import analyze_request

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post("/analyze")
async def analyze_message(body: AnalyzeIn, _: TenantDep) -> dict[str, Any]:
    history = [(h.role, h.content) for h in body.history or []]
    return analyze_request(body.message, body.partner_said, history).model_dump(mode="json")
