"""ORM tables. Import every model here so Alembic's autogenerate and the tests see them all."""

from app.models.tables import (
    ApiKey,
    Conversation,
    EvalRun,
    Message,
    ProgressLink,
    TenantPersona,
)

__all__ = ["ApiKey", "Conversation", "EvalRun", "Message", "ProgressLink", "TenantPersona"]

# After the conversation (issue 19): the recall check's answer and follow-up note drafts.
from app.models.followups import Followup  # noqa: E402

__all__ += ["Followup"]
