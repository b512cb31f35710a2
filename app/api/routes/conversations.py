from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from app.api.deps import RuntimeDep, SessionDep, TenantDep, TurnsDep
from app.api.schemas import ID_PATTERN, CreateConversation, TurnIn, UserRef
from app.api.streaming import turn_events, wants_stream
from app.feedback.report import Report
from app.services.conversations import ConversationService
from app.services.followups import FollowupService

router = APIRouter(prefix="/v1", tags=["conversations"])
ConversationId = Annotated[str, Path(max_length=100, pattern=ID_PATTERN)]
# A turn answers JSON, or with `Accept: text/event-stream` server-sent events: feedback, delta*,
# state, done (the JSON answer), or error (a problem document).
TURN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The turn: feedback, the persona's reply and the new state",
        "content": {
            "application/json": {},
            "text/event-stream": {"schema": {"type": "string"}},
        },
    }
}


@router.post("/conversations", status_code=status.HTTP_201_CREATED)
async def create_conversation(
    body: CreateConversation, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    service = ConversationService(runtime, session)
    return await service.create(tenant, body.persona_id, body.difficulty, body.user_ref, body.seed)


@router.get("/conversations")
async def list_conversations(
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
    user_ref: Annotated[UserRef | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    service = ConversationService(runtime, session)
    return await service.list(tenant, user_ref=user_ref, limit=limit, offset=offset)


@router.get("/learners/{user_ref}/conversations")
async def learner_conversations(
    user_ref: Annotated[UserRef, Path()],
    runtime: RuntimeDep,
    session: SessionDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    service = ConversationService(runtime, session)
    return await service.list(tenant, user_ref=user_ref, limit=limit, offset=offset)


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: ConversationId, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    return await ConversationService(runtime, session).get(tenant, conversation_id)


@router.delete("/conversations/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_conversation(
    conversation_id: ConversationId, runtime: RuntimeDep, tenant: TenantDep
) -> Response:
    # Its own transaction, not SessionDep's: the WAL checkpoint must follow the commit.
    async with runtime.db.transaction() as session:
        await ConversationService(runtime, session).delete(tenant, conversation_id)
    await runtime.db.after_erasure()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/conversations/{conversation_id}/turns", response_model=None, responses=TURN_RESPONSES
)
async def take_turn(
    conversation_id: ConversationId,
    body: TurnIn,
    request: Request,
    turns: TurnsDep,
    tenant: TenantDep,
) -> JSONResponse | EventSourceResponse:
    if wants_stream(request):
        prepared = await turns.prepare(tenant, conversation_id, body.content)
        return EventSourceResponse(turn_events(turns, prepared))
    # Already plain JSON types: sent as they are, without another encoding pass per turn.
    return JSONResponse((await turns.take(tenant, conversation_id, body.content)).to_json())


@router.post(
    "/conversations/{conversation_id}/retry", response_model=None, responses=TURN_RESPONSES
)
async def retry_turn(
    conversation_id: ConversationId, request: Request, turns: TurnsDep, tenant: TenantDep
) -> dict[str, Any] | EventSourceResponse:
    if wants_stream(request):
        prepared = await turns.prepare_retry(tenant, conversation_id)
        return EventSourceResponse(turn_events(turns, prepared))
    return (await turns.retry(tenant, conversation_id)).to_json()


@router.post("/conversations/{conversation_id}/end")
async def end_conversation(
    conversation_id: ConversationId, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    report = await ConversationService(runtime, session).end(tenant, conversation_id)
    return await _with_followups(runtime, session, conversation_id, report)


@router.get("/conversations/{conversation_id}/report")
async def get_report(
    conversation_id: ConversationId, runtime: RuntimeDep, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    report = await ConversationService(runtime, session).report(tenant, conversation_id)
    return await _with_followups(runtime, session, conversation_id, report)


async def _with_followups(
    runtime: RuntimeDep, session: SessionDep, conversation_id: str, report: Report
) -> dict[str, Any]:
    # The recall check's result and the latest follow-up note's feedback, once given.
    service = FollowupService(runtime, session)
    return await service.with_followups(conversation_id, report.model_dump(mode="json"))
