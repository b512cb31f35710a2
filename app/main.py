"""create_app(): the lifespan builds the runtime (database, personas, engine) once per process."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cachetools import TTLCache
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api import problems
from app.api.middleware import BodyLimit, CatchAll, RequestMetrics
from app.api.ratelimit import RateLimiter
from app.api.routes import (
    analyze,
    conversations,
    followups,
    health,
    personas,
    progress,
    transcripts,
)
from app.config import Settings, get_settings
from app.dialogue.understand import knowledge_index
from app.feedback import analyzer
from app.feedback.types import Utterance
from app.services.runtime import Runtime
from app.widget.routes import router as widget_router

log = logging.getLogger("rapport")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_bind()  # open auth on a public address: refused here, not only by the CLI

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.build(settings)
        app.state.runtime = runtime
        # Load the analyzer's dictionaries now (~0.15 s), not during the first user's turn.
        analyzer.analyze(
            "How did you get into this?", (Utterance("persona", "I recruit engineers."),)
        )
        # And each built-in persona's question index (tips and the offline engine match
        # questions with it): read from the disk cache, or embedded once per machine (~5 s a
        # persona), before the first user waits for it in the middle of a turn.
        for persona in runtime.personas.all():
            knowledge_index(persona)
        # What start-up built (models, dictionaries, personas, ~145,000 objects) lives as long as
        # the process: out of the collector's sight, a full collection takes ~0 ms instead of the
        # 200-300 ms that otherwise stalled every request on the worker (/healthz included).
        gc.freeze()
        log.info(
            "rapport ready: engine=%s auth=%s personas=%d",
            runtime.engine.name,
            settings.auth,
            len(runtime.personas.all()),
        )
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(
        title="Rapport",
        version="1.0.0",
        lifespan=lifespan,
        description="Practise networking conversations that reward genuine interest.",
        responses=problems.openapi_responses(),
    )
    problems.publish_schema(app)
    app.state.settings = settings
    # LRU with a TTL: bounded however many keys (or made-up keys) callers try.
    app.state.key_cache = TTLCache(maxsize=settings.key_cache_size, ttl=settings.key_cache_seconds)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.redis_url)
    app.state.auth_failures = RateLimiter(
        settings.auth_failures_per_minute,
        settings.redis_url,
        what="requests without a valid key from this address",
    )
    problems.install(app)
    for router in (health.router, personas.router, conversations.router, analyze.router):
        app.include_router(router)
    app.include_router(transcripts.router)
    app.include_router(progress.router)
    app.include_router(followups.router)  # the recall check and the follow-up note
    app.include_router(widget_router)
    # Innermost: a 500 still gets CORS headers (the widget can read it) and is counted.
    app.add_middleware(CatchAll)
    # Any origin may call: secret keys do not belong in browsers, and publishable keys are
    # checked against their own allowed origins, so the refusal is an explicit 403 problem.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Accept",
            "X-Rapport-Conversation-Token",
            "X-Rapport-Visitor-Token",
        ],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        persona_max_bytes=settings.max_persona_bytes,
        transcript_max_bytes=transcripts.TRANSCRIPT_BODY_BYTES,
    )
    app.add_middleware(RequestMetrics)
    return app
