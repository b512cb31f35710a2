from typing import Any

from fastapi import APIRouter

from app.api.deps import RuntimeDep, SessionDep, TenantDep
from app.api.followup_schemas import NoteAnalyzeIn, NoteIn, RecallIn
from app.api.routes.conversations import ConversationId
from app.services.followups import FollowupService, analyze_note

router = APIRouter(prefix="/v1", tags=["after the conversation"])


@router.get("/conversations/{conversation_id}/recall")
async def get_recall(
    conversation_id: ConversationId, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    return await FollowupService(runtime, session).recall_question(tenant, conversation_id)


@router.post("/conversations/{conversation_id}/recall")
async def answer_recall(
    conversation_id: ConversationId,
    body: RecallIn,
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
) -> dict[str, Any]:
    return await FollowupService(runtime, session).recall(tenant, conversation_id, body.answer)


@router.post("/conversations/{conversation_id}/note")
async def coach_note(
    conversation_id: ConversationId,
    body: NoteIn,
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
) -> dict[str, Any]:
    service = FollowupService(runtime, session)
    return await service.note(tenant, conversation_id, body.note, body.channel)


@router.post("/notes/analyze")
async def analyze_a_note(body: NoteAnalyzeIn, _: TenantDep) -> dict[str, Any]:
    return analyze_note(
        body.note,
        revealed_lines=body.revealed,
        offered_item=body.offered,
        ended=body.ended,
        channel=body.channel,
        partner=body.partner,
    )
