"""Conversation and message persistence. The only module that builds queries for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import ConcurrentTurn, NotFound
from app.models import Conversation, Message
from app.models.tables import utcnow


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, tenant_id: str, conversation_id: str, *, with_messages: bool = True
    ) -> Conversation:
        """The tenant's conversation; someone else's is reported as missing, not forbidden."""
        query = select(Conversation).where(
            Conversation.id == conversation_id, Conversation.tenant_id == tenant_id
        )
        if with_messages:
            query = query.options(selectinload(Conversation.messages))
        found = (await self.session.execute(query)).scalar_one_or_none()
        if found is None:
            raise NotFound(f"No conversation {conversation_id!r} for this key.")
        return found

    async def add(self, conversation: Conversation) -> None:
        """Insert a new conversation together with the messages it was built with."""
        self.session.add(conversation)
        await self.session.flush()

    async def append(
        self,
        conversation_id: str,
        version: int,
        message: Message,
        *,
        state: dict[str, Any] | None = None,
        ended_at: datetime | None = None,
    ) -> int:
        """Add a message and move the conversation on from `version`, or fail if anyone else
        moved it first.

        The version guard catches a concurrent writer that read the same transcript; the unique
        (conversation_id, index) constraint is the backstop. Returns the new version.
        """
        values: dict[str, Any] = {"version": version + 1, "updated_at": utcnow()}
        if state is not None:
            values["state"] = state
        if ended_at is not None:
            values["ended_at"] = ended_at
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.version == version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentTurn("Another turn on this conversation was being taken; try again.")
        message.conversation_id = conversation_id
        self.session.add(message)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise ConcurrentTurn("Another turn on this conversation was taken first.") from exc
        return version + 1

    async def set_state(
        self, conversation: Conversation, state: dict[str, Any], ended_at: datetime | None
    ) -> None:
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id, Conversation.version == conversation.version)
            .values(
                state=state,
                ended_at=ended_at,
                version=conversation.version + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentTurn("The conversation changed while it was being updated; try again.")

    async def set_feedback(self, message_id: int, feedback: dict[str, Any]) -> None:
        await self.session.execute(
            update(Message).where(Message.id == message_id).values(feedback=feedback)
        )

    async def set_summary(self, conversation_id: str, summary: str, covers: int) -> None:
        # Only move forward: a slower, older summary must not overwrite a newer one.
        await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.summary_covers < covers)
            .values(summary=summary, summary_covers=covers)
        )

    async def list_for(
        self, tenant_id: str, *, user_ref: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[Conversation], int]:
        where = [Conversation.tenant_id == tenant_id]
        if user_ref is not None:
            where.append(Conversation.user_ref == user_ref)
        total = (
            await self.session.execute(select(func.count()).where(*where).select_from(Conversation))
        ).scalar_one()
        rows = (
            await self.session.execute(
                select(Conversation)
                .where(*where)
                .order_by(Conversation.created_at.desc(), Conversation.id)
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
        return list(rows), int(total)

    async def delete(self, tenant_id: str, conversation_id: str) -> None:
        await self.get(tenant_id, conversation_id, with_messages=False)
        await self.session.execute(
            delete(Message).where(Message.conversation_id == conversation_id)
        )
        await self.session.execute(delete(Conversation).where(Conversation.id == conversation_id))
