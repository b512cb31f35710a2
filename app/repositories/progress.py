"""Reads for progress over time (a learner's conversations, a tenant's learners) and the
short-lived links that open a progress page in a browser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Conversation, ProgressLink


@dataclass(frozen=True, slots=True)
class LearnerRow:
    user_ref: str
    conversations: int
    last_at: datetime


class ProgressRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def learner_conversations(
        self, tenant_id: str, user_ref: str, limit: int
    ) -> list[Conversation]:
        """The learner's latest `limit` conversations with their messages, oldest first."""
        query = (
            select(Conversation)
            .where(Conversation.tenant_id == tenant_id, Conversation.user_ref == user_ref)
            .order_by(Conversation.created_at.desc(), Conversation.id.desc())
            .limit(limit)
            .options(selectinload(Conversation.messages))
        )
        rows = list((await self.session.execute(query)).scalars())
        return rows[::-1]

    async def learners(
        self, tenant_id: str, *, limit: int, offset: int
    ) -> tuple[Sequence[LearnerRow], int]:
        """The tenant's learners (conversations with a user_ref), most recently active first."""
        where = (Conversation.tenant_id == tenant_id, Conversation.user_ref.is_not(None))
        last = func.max(Conversation.created_at)
        query = (
            select(Conversation.user_ref, func.count(), last)
            .where(*where)
            .group_by(Conversation.user_ref)
            .order_by(last.desc(), Conversation.user_ref)
            .limit(limit)
            .offset(offset)
        )
        found = (await self.session.execute(query)).all()
        rows = [LearnerRow(str(ref), int(n), last_at) for ref, n, last_at in found]
        total = select(func.count(func.distinct(Conversation.user_ref))).where(*where)
        return rows, int((await self.session.execute(total)).scalar_one())

    async def add_link(self, link: ProgressLink, now: datetime) -> None:
        # Expired links are cleared as new ones are made: the table stays as small as the
        # links that still work.
        await self.session.execute(delete(ProgressLink).where(ProgressLink.expires_at <= now))
        self.session.add(link)
        await self.session.flush()

    async def link(self, token_hash: str, now: datetime) -> ProgressLink | None:
        query = select(ProgressLink).where(
            ProgressLink.token_hash == token_hash, ProgressLink.expires_at > now
        )
        return (await self.session.execute(query)).scalar_one_or_none()
