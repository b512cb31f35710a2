"""Conversation and message persistence. The only module that builds queries for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import EllipsisType
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import ConcurrentTurn, NotFound
from app.models import Conversation, Message
from app.models.tables import utcnow

CONVERSATIONS = cast(Table, Conversation.__table__)
MESSAGES = cast(Table, Message.__table__)

# The statements every turn runs, built once with their values as parameters: SQLAlchemy then
# reuses one cache key and compiled form instead of walking a fresh statement's values (the
# stored feedback and state included) on every execution.
_FIND = select(Conversation).where(
    Conversation.id == bindparam("conversation"), Conversation.tenant_id == bindparam("tenant")
)
_FIND_WITH_MESSAGES = _FIND.options(selectinload(Conversation.messages))
_LINES = (
    select(MESSAGES.c.index.label("position"), MESSAGES.c.role, MESSAGES.c.content)
    .where(MESSAGES.c.conversation_id == bindparam("conversation"))
    .order_by(MESSAGES.c.index)
)
# SET takes whichever columns the parameters name (version and updated_at, maybe state...).
_MOVE_ON = update(CONVERSATIONS).where(
    CONVERSATIONS.c.id == bindparam("conversation"), CONVERSATIONS.c.version == bindparam("seen")
)
_ADD_MESSAGE = insert(MESSAGES)
# Only move forward: a slower, older summary must not overwrite a newer one.
_SET_SUMMARY = update(CONVERSATIONS).where(
    CONVERSATIONS.c.id == bindparam("conversation"),
    CONVERSATIONS.c.summary_covers < bindparam("covering"),
)
_SET_FEEDBACK = update(MESSAGES).where(
    MESSAGES.c.conversation_id == bindparam("conversation"), MESSAGES.c.index == bindparam("at")
)


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, tenant_id: str, conversation_id: str, *, with_messages: bool = True
    ) -> Conversation:
        """The tenant's conversation; someone else's is reported as missing, not forbidden."""
        query = _FIND_WITH_MESSAGES if with_messages else _FIND
        params = {"conversation": conversation_id, "tenant": tenant_id}
        found = (await self.session.execute(query, params)).scalar_one_or_none()
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
        found = await self.session.execute(_LINES, {"conversation": conversation_id})
        return found.all()  # type: ignore[return-value]

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
        reply_due_at: datetime | None | EllipsisType = ...,
    ) -> int:
        """Add a message and move the conversation on from `version`, or fail if anyone else
        moved it first. A `state` is stored with the message and becomes the conversation's;
        `reply_due_at` (a datetime, or None to clear it) the reply lease, if given.

        The version guard catches a concurrent writer that read the same transcript; the unique
        (conversation_id, index) constraint is the backstop. Returns the new version.
        """
        values: dict[str, Any] = {"conversation": conversation_id, "seen": version}
        values |= {"version": version + 1, "updated_at": utcnow()}
        if state is not None:
            values["state"] = state
        if ended_at is not None:
            values["ended_at"] = ended_at
        if reply_due_at is not ...:
            values["reply_due_at"] = reply_due_at
        result = await self.session.execute(_MOVE_ON, values)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentTurn("Another turn on this conversation was being taken; try again.")
        row = {"conversation_id": conversation_id, "index": index, "role": role}
        row |= {"content": content, "feedback": feedback, "state": state, "created_at": utcnow()}
        try:
            await self.session.execute(_ADD_MESSAGE, row)
        except IntegrityError as exc:
            raise ConcurrentTurn("Another turn on this conversation was taken first.") from exc
        return version + 1

    async def reply_due_at(self, conversation_id: str) -> datetime | None:
        query = select(Conversation.reply_due_at).where(Conversation.id == conversation_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def take_lease(self, conversation_id: str, version: int, until: datetime) -> int | None:
        """Mark the reply as being written until `until`, if nobody moved the conversation since
        `version` was read; the new version, or None when someone else got there first."""
        values = {"conversation": conversation_id, "seen": version, "version": version + 1}
        values |= {"reply_due_at": until, "updated_at": utcnow()}
        result = await self.session.execute(_MOVE_ON, values)
        return version + 1 if result.rowcount == 1 else None  # type: ignore[attr-defined]

    async def release_lease(self, conversation_id: str, version: int) -> None:
        """Clear the lease taken at `version`, unless the conversation has moved on since."""
        params = {"conversation": conversation_id, "seen": version, "reply_due_at": None}
        await self.session.execute(_MOVE_ON, params)

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
        params = {"conversation": conversation_id, "at": index, "feedback": feedback}
        await self.session.execute(_SET_FEEDBACK, params)

    async def set_summary(self, conversation_id: str, summary: str, covers: int) -> None:
        params = {"conversation": conversation_id, "covering": covers}
        params |= {"summary": summary, "summary_covers": covers}
        await self.session.execute(_SET_SUMMARY, params)

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

    async def has_learner(self, tenant_id: str, user_ref: str) -> bool:
        query = select(Conversation.id).where(
            Conversation.tenant_id == tenant_id, Conversation.user_ref == user_ref
        )
        return (await self.session.execute(query.limit(1))).first() is not None

    async def latest_with_learner(
        self, tenant_id: str, user_ref: str, persona_id: str
    ) -> Conversation | None:
        """The learner's most recent conversation with this persona in which they said anything
        (ended or not), with its messages: what a new conversation with it continues."""
        spoke = exists().where(Message.conversation_id == Conversation.id, Message.role == "user")
        query = (
            select(Conversation)
            .where(
                Conversation.tenant_id == tenant_id,
                Conversation.user_ref == user_ref,
                Conversation.persona_id == persona_id,
                Conversation.source == "practice",  # a persona remembers its own meetings only
                spoke,
            )
            .order_by(Conversation.created_at.desc(), Conversation.id.desc())
            .limit(1)
            .options(selectinload(Conversation.messages))
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def delete(self, tenant_id: str, conversation_id: str) -> None:
        await self.get(tenant_id, conversation_id, with_messages=False)
        # An erased conversation is forgotten by the ones that remembered it, too.
        await self.session.execute(
            update(Conversation)
            .where(Conversation.continues_id == conversation_id)
            .values(continues_id=None, memory=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            delete(Message).where(Message.conversation_id == conversation_id)
        )
        await self.session.execute(delete(Conversation).where(Conversation.id == conversation_id))
