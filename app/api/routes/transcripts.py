from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import Field, model_validator

from app.api.deps import SessionDep, TenantDep
from app.api.schemas import Printable, PrintableSchema, Strict, UserRef
from app.services.transcripts import TranscriptRequest, TranscriptService
from app.transcripts.parse import MAX_BYTES, MAX_NAME_CHARS, MAX_TURN_CHARS, MAX_TURNS

router = APIRouter(prefix="/v1", tags=["transcripts"])

Name = Annotated[str, Printable, PrintableSchema, Field(min_length=1, max_length=MAX_NAME_CHARS)]
# A body is at most 2 MiB (app/main.py); the transcript text itself at most MAX_BYTES of UTF-8.
TRANSCRIPT_BODY_BYTES = 2 * MAX_BYTES


class TranscriptTurnIn(Strict):
    speaker: Name
    text: Annotated[str, Printable, PrintableSchema] = Field(max_length=MAX_TURN_CHARS)
    start: float | None = Field(None, ge=0, description="Seconds into the recording.")


class ScoreTranscriptIn(Strict):
    transcript: str | list[TranscriptTurnIn] = Field(
        description="The file's contents (plain 'Name: line' text, WebVTT, SRT or JSON), or the "
        "turns as a list of {speaker, text}.",
    )
    me: Name = Field(
        description="The learner's name as the transcript writes it ('Alex' finds "
        "'Alex Kim' when no other speaker is called Alex)."
    )
    format: Literal["text", "vtt", "srt", "json"] | None = Field(
        None, description="Told from the first line when not given."
    )
    outcome: Literal["warm_close", "neutral_close", "walked_away"] | None = Field(
        None, description="How the conversation ended, in the learner's view (not measured)."
    )
    store: bool = Field(False, description="Keep it as an imported conversation.")
    user_ref: UserRef | None = Field(None, description="The learner it counts for (with store).")
    held_at: datetime | None = Field(None, description="When it was held (with store).")

    @model_validator(mode="after")
    def _stored_only(self) -> "ScoreTranscriptIn":
        if not self.store and (self.user_ref is not None or self.held_at is not None):
            raise ValueError("user_ref and held_at are kept only with store: true")
        if isinstance(self.transcript, list) and len(self.transcript) > 4 * MAX_TURNS:
            raise ValueError(f"at most {4 * MAX_TURNS} turns before merging")
        return self


@router.post(
    "/transcripts",
    responses={201: {"description": "Scored and stored (with store: true)"}},
)
async def score_transcript(
    body: ScoreTranscriptIn, response: Response, session: SessionDep, tenant: TenantDep
) -> dict[str, Any]:
    """Score a real conversation from its transcript: per-turn feedback and the report."""
    given = body.transcript
    request = TranscriptRequest(
        me=body.me,
        text=given if isinstance(given, str) else None,
        items=None if isinstance(given, str) else [(t.speaker, t.text, t.start) for t in given],
        format=body.format,
        outcome=body.outcome,
        store=body.store,
        user_ref=body.user_ref,
        held_at=body.held_at,
    )
    out = await TranscriptService(session).score(tenant, request)
    if body.store:
        response.status_code = status.HTTP_201_CREATED
    return out
