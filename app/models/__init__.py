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
