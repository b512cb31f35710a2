"""Domain errors. Services raise these; app/api/problems.py maps them to problem+json.

No FastAPI import here, so services, the CLI and the evals can share them.
"""

from __future__ import annotations

from typing import Any


class RapportError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(RapportError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(RapportError):
    status, code, title = 409, "conflict", "Conflict"


class QuotaExceeded(Conflict):
    """The tenant already has as many of something as it may: delete one first."""

    code = "quota_exceeded"

    def __init__(self, detail: str, limit: int) -> None:
        super().__init__(detail, limit=limit)


class ConversationEnded(Conflict):
    code = "conversation_ended"


class ConcurrentTurn(Conflict):
    code = "concurrent_turn"


class NothingToRetry(Conflict):
    code = "nothing_to_retry"


class ReplyMissing(Conflict):
    """A turn was sent while the previous user message still has no reply (use /retry)."""

    code = "reply_missing"


class TurnInProgress(Conflict):
    """The reply to the last message is being written right now: wait, then read or go on."""

    code = "turn_in_progress"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class Unauthorized(RapportError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(RapportError):
    status, code, title = 403, "forbidden", "Forbidden"


class InvalidInput(RapportError):
    status, code, title = 422, "invalid_input", "Invalid input"


class RateLimited(RapportError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class LLMUnavailable(RapportError):
    status, code, title = 503, "llm_unavailable", "The language model is unavailable"


class PersonaInvalid(Exception):
    """A persona file failed validation; the message names the file and the field."""


class ConversationNotEnded(Conflict):
    """The recall check and the follow-up note come after the conversation: end it first."""

    code = "conversation_not_ended"


class RecallAlreadyAnswered(Conflict):
    """A conversation's recall check is answered once: a second try after seeing the answer
    would measure the feedback, not the listening."""

    code = "recall_already_answered"
