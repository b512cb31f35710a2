"""What can be wrong with a transcript, as domain errors (problem+json through app/api/problems)."""

from __future__ import annotations

from app.errors import RapportError


class InvalidTranscript(RapportError):
    """The file cannot be read as the format it claims (or seems) to be; `line` says where."""

    status, code, title = 422, "invalid_transcript", "Invalid transcript"

    def __init__(self, detail: str, line: int | None = None, **extra: object) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(where + detail, **({"line": line} if line is not None else {}), **extra)
        self.line = line


class UnknownSpeaker(RapportError):
    """The learner's name names no speaker, or more than one: `speakers` lists who is there."""

    status, code, title = 422, "unknown_speaker", "Unknown speaker"

    def __init__(self, detail: str, speakers: list[str]) -> None:
        super().__init__(detail, speakers=speakers)
        self.speakers = speakers


class TranscriptTooLarge(RapportError):
    """Over a size limit (bytes, or turns after merging); `limit` is the number allowed."""

    status, code, title = 413, "transcript_too_long", "Transcript too large"

    def __init__(self, detail: str, *, limit: int, too_many_bytes: bool = False) -> None:
        if too_many_bytes:
            super().__init__(detail, code="payload_too_large", limit=limit)
        else:
            super().__init__(detail, limit=limit)
        self.limit = limit
