from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.tables import utcnow


class Followup(Base):
    """What the learner wrote after a conversation, and its feedback: the recall check's answer
    (one per conversation) or a follow-up note draft (each draft kept, newest last).

    Erased with its conversation (ON DELETE CASCADE), as the transcript is."""

    __tablename__ = "conversation_followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "recall" | "note"
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)  # notes only
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
