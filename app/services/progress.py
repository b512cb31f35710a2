"""Progress over time: a learner's conversations measured and compared, a tenant's learners with
their trend (the coach view), and short-lived links that open those pages in a browser."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncSession

from app.dialogue.types import DialogueState
from app.errors import NotFound, RapportError, Unauthorized
from app.feedback.types import Feedback
from app.models import Conversation, ProgressLink
from app.models.tables import utcnow
from app.progress.trends import Point, move_shares, trend
from app.repositories import ConversationRepository
from app.repositories.progress import ProgressRepository
from app.services.access import hash_token, refuse_visitors
from app.services.personas import persona_of
from app.services.runtime import Runtime
from app.services.tenancy import Tenant
from app.services.transcript import report_for

LINK_PREFIX = "pl_"
COACH_VIEW_CONVERSATIONS = 20  # per learner: enough for a trend, bounded for a page of learners
# A conversation's point is its report's figures, 2-4 ms of CPU to build: a coach view of 25
# learners is up to 500 of them. Keyed by the conversation's version, which every change to it
# moves, so an entry is never stale; the lock because points are built in worker threads.
_POINTS: LRUCache[tuple[str, int], Point | None] = LRUCache(maxsize=20_000)
_POINTS_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class LinkScope:
    """What a progress link opens: the tenant's coach view and every learner (user_ref None),
    or one learner's page."""

    tenant: Tenant
    user_ref: str | None
    expires: datetime


@dataclass(frozen=True, slots=True)
class LearnerProgress:
    user_ref: str
    points: list[Point]

    def to_json(self) -> dict[str, Any]:
        outcomes = Counter(p.report.outcome or "none" for p in self.points)
        return {
            "user_ref": self.user_ref,
            "conversations": [p.to_json() for p in self.points],
            "outcomes": {k: outcomes.get(k, 0) for k in _OUTCOME_KEYS},
            "trend": trend(self.points),
        }


_OUTCOME_KEYS = ("warm_close", "neutral_close", "walked_away", "none")


class ProgressService:
    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.repo = ProgressRepository(session)
        self.conversations = ConversationRepository(session)

    async def learner(self, tenant: Tenant, user_ref: str, limit: int = 50) -> LearnerProgress:
        refuse_visitors(tenant, "read learners' progress")
        rows = await self.repo.learner_conversations(tenant.id, user_ref, limit)
        if not rows:
            raise NotFound(f"No conversations for learner {user_ref!r} with this key.")
        # CPU work (a report per conversation): off the event loop, as scoring a transcript is.
        return LearnerProgress(user_ref, await asyncio.to_thread(self._points, rows))

    def _points(self, rows: Sequence[Conversation]) -> list[Point]:
        points = []
        for conversation in rows:
            key = (conversation.id, conversation.version)
            with _POINTS_LOCK:
                known, cached = key in _POINTS, _POINTS.get(key)
            if not known:
                cached = self._point(conversation)
                with _POINTS_LOCK:
                    _POINTS[key] = cached
            if cached is not None:
                points.append(cached)
        return points

    async def learners(self, tenant: Tenant, *, limit: int, offset: int) -> dict[str, Any]:
        """The coach view: every learner with their latest conversations' trend."""
        refuse_visitors(tenant, "list learners")
        rows, total = await self.repo.learners(tenant.id, limit=limit, offset=offset)
        learners = []
        for row in rows:
            progress = await self.learner(tenant, row.user_ref, COACH_VIEW_CONVERSATIONS)
            learners.append(_summary(progress, row.conversations, row.last_at))
        return {"learners": learners, "total": total, "limit": limit, "offset": offset}

    def _point(self, conversation: Conversation) -> Point | None:
        report = report_for(conversation)
        if report.turns == 0:
            return None  # nothing the learner said: nothing to measure
        feedback = [
            Feedback.model_validate(m.feedback)
            for m in conversation.messages
            if m.role == "user" and m.feedback is not None
        ]
        return Point(
            conversation_id=conversation.id,
            date=_aware(conversation.created_at),
            persona_id=conversation.persona_id,
            persona=self._partner(conversation),
            source=conversation.source or "practice",
            ended=DialogueState.model_validate(conversation.state).ended,
            report=report,
            moves=move_shares(feedback),
        )

    def _partner(self, conversation: Conversation) -> str:
        if conversation.source == "imported":
            details = conversation.import_details or {}
            learner = details.get("learner")
            others = [s for s in dict.fromkeys(details.get("speakers", [])) if s != learner]
            return f"{', '.join(others) or 'someone'} (real conversation)"
        try:
            persona = persona_of(self.runtime, conversation)
        except RapportError:  # a built-in that has since been removed
            return conversation.persona_id
        return f"{persona.name}, {persona.role}"

    # -- links -------------------------------------------------------------------------------

    async def create_link(
        self, tenant: Tenant, user_ref: str | None, seconds: int
    ) -> tuple[str, datetime]:
        """A new link token (shown once) and when it stops working."""
        refuse_visitors(tenant, "open learners' progress")
        if user_ref is not None and not await self.conversations.has_learner(tenant.id, user_ref):
            raise NotFound(f"No conversations for learner {user_ref!r} with this key.")
        token = LINK_PREFIX + secrets.token_urlsafe(32)
        now = utcnow()
        expires = now + timedelta(seconds=seconds)
        link = ProgressLink(
            token_hash=hash_token(token),
            tenant_id=tenant.id,
            user_ref=user_ref,
            created_at=now,
            expires_at=expires,
        )
        await self.repo.add_link(link, now)
        return token, expires

    async def scope_of(self, token: str) -> LinkScope:
        link = await self.repo.link(hash_token(token), utcnow())
        if link is None:
            raise Unauthorized(
                "This progress link is unknown or has expired; ask for a new one "
                "(POST /v1/progress-links)."
            )
        tenant = Tenant(id=link.tenant_id, kind="secret")
        return LinkScope(tenant, link.user_ref, _aware(link.expires_at))


def _summary(progress: LearnerProgress, conversations: int, last_at: datetime) -> dict[str, Any]:
    found = trend(progress.points)
    rates = [p.report.genuine_interest_rate for p in progress.points]
    return {
        "user_ref": progress.user_ref,
        "conversations": conversations,
        "last_at": _aware(last_at).isoformat(),
        "status": found["status"],
        "genuine_interest_rates": rates,
        "improved": [c["label"] for c in found["improved"]],
        "not_improved": [c["label"] for c in found["not_improved"]],
        "next_practice": found["next_practice"],
    }


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
