"""Conversation and message persistence. The only module that builds queries for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import ConcurrentTurn, NotFound
from app.models import Conversation, Message
from app.models.tables import utcnow

MESSAGES = cast(Table, Message.__table__)


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

    async def lines(self, conversation_id: str) -> Sequence[Row[tuple[int, str, str]]]:
        """The transcript as (position, role, content) rows, in order: what a turn reads.
        (`position` is the message's index; a row's `index` is the tuple method.)

        Plain rows rather than Message objects: a turn reads the whole transcript, and building
        ORM objects (and decoding every stored feedback) for it cost more than the query.
        """
        query = (
            select(MESSAGES.c.index.label("position"), MESSAGES.c.role, MESSAGES.c.content)
            .where(MESSAGES.c.conversation_id == conversation_id)
            .order_by(MESSAGES.c.index)
        )
        return (await self.session.execute(query)).all()  # type: ignore[return-value]

    async def append(
        self,
        conversation_id: str,
        version: int,
        *,
        index: int,
        role: str,
        content: str,
        feedback: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
        ended_at: datetime | None = None,
    ) -> int:
        """Add a message and move the conversation on from `version`, or fail if anyone else
        moved it first. A `state` is stored with the message and becomes the conversation's.

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
        row = {"conversation_id": conversation_id, "index": index, "role": role}
        row |= {"content": content, "feedback": feedback, "state": state}
        try:
            await self.session.execute(insert(MESSAGES).values(**row))
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

    async def set_feedback(
        self, conversation_id: str, index: int, feedback: dict[str, Any]
    ) -> None:
        await self.session.execute(
            update(MESSAGES)
            .where(MESSAGES.c.conversation_id == conversation_id, MESSAGES.c.index == index)
            .values(feedback=feedback)
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
