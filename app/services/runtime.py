"""Everything built once per process: settings, database, persona registry, engine, judge.

The app's lifespan builds one Runtime; the CLI and the eval runner build their own the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.db import Database
from app.dialogue.engine import PersonaEngine
from app.dialogue.recency import RecentLines
from app.dialogue.scripted import ScriptedEngine
from app.personas.registry import PersonaRegistry, load_personas

log = logging.getLogger("rapport")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    personas: PersonaRegistry
    engine: PersonaEngine
    judge: Any | None = None  # app.llm.judge.FeedbackJudge when RAPPORT_FEEDBACK_JUDGE=llm
    llm: Any | None = None  # app.llm.client.LLMClient: owns a connection pool to close
    # What each persona said lately, so that its lines go round across conversations.
    recent: RecentLines = field(default_factory=RecentLines)
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        personas = load_personas(settings.personas_dir)
        engine, judge, llm = _build_engine(settings)
        return cls(
            settings=settings,
            db=Database(
                settings.database_url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
            ),
            personas=personas,
            engine=engine,
            judge=judge,
            llm=llm,
        )

    def recent_for(self, seed: str | None) -> RecentLines | None:
        """What personas said lately, for a conversation created without a seed; a seed given
        by the caller promises the same wording for the same turns, so the seed alone decides."""
        return self.recent if seed is None else None

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run work off the request's critical path, keeping a reference so it is not collected."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)

    async def close(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=5)
        if self.llm is not None:
            await self.llm.aclose()
        await self.db.dispose()


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("background task failed: %r", task.exception())


def _build_engine(settings: Settings) -> tuple[PersonaEngine, Any | None, Any | None]:
    if settings.resolved_engine == "scripted":
        return ScriptedEngine(), None, None
    from app.llm.client import LLMClient
    from app.llm.engine import LLMEngine
    from app.llm.judge import FeedbackJudge
    from app.llm.prompts import PromptLibrary

    client = LLMClient.from_settings(settings)
    prompts = PromptLibrary(settings.prompts_dir)
    judge = FeedbackJudge(client, prompts) if settings.feedback_judge == "llm" else None
    engine = LLMEngine(
        client,
        prompts,
        directions=settings.llm_directions,
        history_tokens=settings.llm_history_tokens,
        context_tokens=settings.llm_context_tokens,
    )
    return engine, judge, client
