"""Recall answers and follow-up note drafts of a conversation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.followups import Followup


class FollowupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        conversation_id: str,
        kind: str,
        text: str,
        result: dict[str, Any],
        channel: str | None = None,
    ) -> Followup:
        row = Followup(
            conversation_id=conversation_id, kind=kind, text=text, channel=channel, result=result
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def latest(self, conversation_id: str, kind: str) -> Followup | None:
        found = await self.session.execute(
            select(Followup)
            .where(Followup.conversation_id == conversation_id, Followup.kind == kind)
            .order_by(Followup.id.desc())
            .limit(1)
        )
        return found.scalar_one_or_none()

    async def count(self, conversation_id: str, kind: str) -> int:
        found = await self.session.execute(
            select(Followup.id).where(
                Followup.conversation_id == conversation_id, Followup.kind == kind
            )
        )
        return len(found.all())
