from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "secret" | "publishable"
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings; the key itself never is
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_tenant_user_ref", "tenant_id", "user_ref"),
        # A new conversation looks up the learner's latest one with the same persona.
        Index(
            "ix_conversations_tenant_user_ref_persona",
            "tenant_id",
            "user_ref",
            "persona_id",
            "created_at",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    persona_id: Mapped[str] = mapped_column(String(100))
    difficulty: Mapped[str] = mapped_column(String(32))
    user_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # SHA-256 of the conversation token a publishable key got when it created the conversation
    # (app/services/access.py); null for conversations made with secret keys or open auth.
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # While a reply is being written (between a turn's two transactions), until when: another
    # turn or a retry meanwhile gets 409 turn_in_progress instead of calling the model again.
    # A lease, not a flag, so that a worker that dies mid-reply does not block it for ever.
    reply_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    engine: Mapped[str] = mapped_column(String(32))
    # What the engines vary their wording by; the id unless the caller asked for a fixed seed
    # (evaluation runs do, so that a script replays the same conversation every time).
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Relationship memory: the learner's earlier conversation with this persona that this one
    # continues, and what the persona remembers of it (app/dialogue/recall.py). Null when the
    # conversation started fresh (no user_ref, or a first meeting).
    continues_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    memory: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A tenant's own persona is copied here when the conversation starts, so editing or deleting
    # it later cannot change or break a conversation already under way. Built-ins stay null.
    persona_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # "practice" (with a persona), or "imported": a real conversation scored from a transcript
    # (POST /v1/transcripts with store), whose details say who spoke and in what file format.
    source: Mapped[str] = mapped_column(String(16), default="practice", server_default="practice")
    import_details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Optimistic concurrency: every write to the transcript bumps it, guarded by its old value.
    version: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_covers: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        order_by="Message.index",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",  # async sessions cannot lazy-load: load messages explicitly or not at all
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # "persona" | "user"
    content: Mapped[str] = mapped_column(Text)
    feedback: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The dialogue state right after this message: the opening line carries the initial state,
    # a user line the state its feedback moved to. Replies and the report are rebuilt from it.
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class TenantPersona(Base):
    """A persona a tenant wrote or imported over the API; visible only to that tenant."""

    __tablename__ = "tenant_personas"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    persona_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated Persona, as JSON
    listing: Mapped[dict[str, Any]] = mapped_column(JSON)  # its public fields: what lists show
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProgressLink(Base):
    """A short-lived link to a progress page, for a coach's browser (which sends no key): only
    the SHA-256 of its random token is kept. `user_ref` null: the tenant's coach view and every
    learner page under it."""

    __tablename__ = "progress_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class EvalRun(Base):
    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    engine: Mapped[str] = mapped_column(String(32))
    scripts: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)  # the documented --json document
