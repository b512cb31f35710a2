"""Taking a turn: the user's line, its feedback, the machine's move, the persona's reply.

A turn is two short transactions on purpose, not one long one:
1. `prepare` stores the user's message with its feedback and the new dialogue state. Once it has
   committed, the message survives whatever the model does next.
2. the engine writes the reply with no transaction open (an LLM call may take seconds, and a held
   connection per waiting turn would exhaust the pool);
3. `complete` stores the reply, guarded by the conversation's version, so a concurrent turn or
   retry cannot slip a second reply in. If the engine fails, nothing partial is stored and
   `POST .../retry` runs steps 2 and 3 again later.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app import metrics
from app.dialogue.engine import ReplyContext
from app.dialogue.followups import missed_follow_up
from app.dialogue.machine import advance
from app.dialogue.recall import from_json
from app.dialogue.signals import read_turn
from app.dialogue.types import DialogueState
from app.dialogue.understand import is_indexed, knowledge_index
from app.errors import (
    ConcurrentTurn,
    ConversationEnded,
    LLMUnavailable,
    NothingToRetry,
    ReplyMissing,
    TurnInProgress,
)
from app.feedback.analyzer import analyze
from app.feedback.types import Feedback, Utterance
from app.models import Conversation
from app.models.tables import utcnow
from app.repositories import ConversationRepository
from app.services.access import owned
from app.services.personas import persona_of
from app.services.runtime import Runtime
from app.services.tenancy import Tenant
from app.services.transcript import state_before, utterances

log = logging.getLogger("rapport")


@dataclass
class PreparedTurn:
    conversation_id: str
    context: ReplyContext
    user_index: int
    version: int  # the conversation's version: as read, then after the user's message
    started: float
    judged: bool = False  # the LLM judge replaced the stored local verdict


@dataclass
class TurnResult:
    turn: int
    user: dict[str, Any]
    reply: dict[str, Any] | None
    feedback: Feedback
    state: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "user": self.user,
            "reply": self.reply,
            "feedback": self.feedback.model_dump(mode="json"),
            "state": self.state,
        }


class TurnService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # -- the three steps -------------------------------------------------------------------

    async def prepare(self, tenant: Tenant, conversation_id: str, content: str) -> PreparedTurn:
        async with self.runtime.db.transaction() as session:
            repo = ConversationRepository(session)
            turn = await self._plan(repo, tenant, conversation_id, content)
            await self._store_user_line(repo, turn)
            return turn

    async def _plan(
        self, repo: ConversationRepository, tenant: Tenant, conversation_id: str, content: str
    ) -> PreparedTurn:
        """Read the conversation and work out the turn: feedback, the machine's move and
        everything the engine needs to reply. Nothing is written yet."""
        started = time.perf_counter()
        conversation, before = await _open_for_turn(repo, tenant, conversation_id)
        lines = await repo.lines(conversation.id)
        if lines[-1].role == "user":
            # Read again: under READ COMMITTED the row above may predate the line just read,
            # which another turn committed together with its lease.
            _refuse_while_replying(await repo.reply_due_at(conversation.id))
            # No lease: nobody is writing the reply, or it was written (and the lease cleared)
            # since the lines were read; SQLite's reads see each commit as it lands.
            if (await repo.lines(conversation.id))[-1].role != "user":
                raise ConcurrentTurn(
                    "The reply to the last message has just been written; try again."
                )
            raise ReplyMissing("The last message has no reply yet: POST .../retry first.")
        history = utterances(lines)
        persona = persona_of(self.runtime, conversation)
        if not is_indexed(persona):
            # A tenant persona met for the first time (or just edited): embedding its lines
            # takes seconds, which must not stall every other request on this worker.
            await asyncio.to_thread(knowledge_index, persona)
        # the persona's own follow-up, when one fits, makes the tip's suggested next line
        feedback = analyze(content, history, suggestion=missed_follow_up(persona, history))
        after = advance(
            before,
            feedback,
            persona,
            conversation.difficulty,
            max_turns=self.runtime.settings.max_turns,
            signals=read_turn(content, feedback, persona, history),
        )
        context = ReplyContext(
            persona=persona,
            difficulty=conversation.difficulty,
            history=(*history, Utterance("user", content)),
            feedback=feedback,
            before=before,
            after=after,
            seed=conversation.seed or conversation.id,
            summary=conversation.summary,
            summary_covers=conversation.summary_covers,
            memory=from_json(conversation.memory),
            recent=self.runtime.recent_for(conversation.seed),
        )
        return PreparedTurn(
            conversation.id, context, lines[-1].position + 1, conversation.version, started
        )

    async def _store_user_line(self, repo: ConversationRepository, turn: PreparedTurn) -> None:
        """Write the user's message and the new state, guarded by the version that was read."""
        ctx = turn.context
        turn.version = await repo.append(
            turn.conversation_id,
            turn.version,
            index=turn.user_index,
            role="user",
            content=ctx.history[-1].content,
            feedback=ctx.feedback.model_dump(mode="json"),
            state=ctx.after.model_dump(mode="json"),
            ended_at=utcnow() if ctx.after.ended else None,
            reply_due_at=self._lease_end(),
        )

    def _lease_end(self) -> datetime:
        return utcnow() + timedelta(seconds=self.runtime.settings.reply_lease_seconds)

    async def release(self, turn: PreparedTurn) -> None:
        """The reply failed: let a retry run now rather than when the lease runs out."""
        try:
            async with self.runtime.db.transaction() as session:
                await ConversationRepository(session).release_lease(
                    turn.conversation_id, turn.version
                )
        except Exception as exc:  # the lease still ends by itself
            log.warning("could not release a reply lease: %s", type(exc).__name__)

    async def generate(self, turn: PreparedTurn) -> AsyncIterator[str]:
        """The reply as the engine produces it; the judge (if any) runs alongside, not after."""
        judging = self._start_judge(turn)
        try:
            async for chunk in self._within_deadline(self.runtime.engine.stream(turn.context)):
                yield chunk
        except BaseException as exc:  # includes the client going away mid-stream
            _abandon(judging, exc)
            self.runtime.spawn(self.release(turn))
            raise
        await self._take_verdict(judging, turn)

    async def reply(self, turn: PreparedTurn) -> str:
        """The whole reply at once, for a caller that does not stream: the engine makes one
        model call instead of reading a token stream. The judge runs alongside, as above."""
        judging = self._start_judge(turn)
        try:
            text = await self._by_deadline(self.runtime.engine.reply(turn.context))
        except BaseException as exc:
            _abandon(judging, exc)
            raise
        await self._take_verdict(judging, turn)
        return text

    async def _by_deadline(self, reply: Awaitable[str]) -> str:
        """The reply, or 503 llm_unavailable once the turn's deadline has passed (the model
        client's own timeout is per attempt; its retries could outlast the proxy in front)."""
        seconds = self.runtime.settings.reply_deadline_seconds
        try:
            async with asyncio.timeout(seconds):
                return await reply
        except TimeoutError:
            raise _too_slow(seconds) from None

    async def _within_deadline(self, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        """The stream, under one deadline for all of it. Each wait has its own timeout scope
        (in this task, with no `yield` inside it: a scope left open across a yield would cancel
        whatever the consumer happened to be doing)."""
        seconds = self.runtime.settings.reply_deadline_seconds
        deadline = asyncio.get_running_loop().time() + seconds
        iterator = aiter(chunks)
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        chunk = await anext(iterator)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise _too_slow(seconds) from None
                yield chunk
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()

    async def _take_verdict(
        self, judging: asyncio.Task[Feedback] | None, turn: PreparedTurn
    ) -> None:
        if judging is not None:
            verdict = await _judge_result(judging, turn)
            turn.judged = verdict != turn.context.feedback
            turn.context = replace(turn.context, feedback=verdict)

    async def complete(self, turn: PreparedTurn, reply: str) -> TurnResult:
        async with self.runtime.db.transaction() as session:
            await self._store_reply(ConversationRepository(session), turn, reply)
        return self._answered(turn, reply)

    async def _store_reply(
        self, repo: ConversationRepository, turn: PreparedTurn, reply: str
    ) -> None:
        # Guarded by the version step 1 left: fails if anything moved the transcript since.
        await repo.append(
            turn.conversation_id,
            turn.version,
            index=turn.user_index + 1,
            role="persona",
            content=reply,
            reply_due_at=None,
        )
        if turn.judged:
            await repo.set_feedback(
                turn.conversation_id, turn.user_index, turn.context.feedback.model_dump(mode="json")
            )

    def _answered(self, turn: PreparedTurn, reply: str) -> TurnResult:
        ctx = turn.context
        self._after_reply(turn)
        return TurnResult(
            turn=ctx.after.turn,
            user={"index": turn.user_index, "content": ctx.history[-1].content},
            reply={"index": turn.user_index + 1, "content": reply},
            feedback=ctx.feedback,
            state=ctx.after.public(),
        )

    # -- use cases -------------------------------------------------------------------------

    async def take(self, tenant: Tenant, conversation_id: str, content: str) -> TurnResult:
        """A whole turn for a caller that does not stream.

        The reply depends only on what was read, so the engine (and the judge) start while the
        user's line is still being written and committed: the write is off the model call's
        critical path. If the write fails (another turn got in first, the database is down),
        the reply is cancelled and nothing of it is used.
        """
        replying: asyncio.Task[str] | None = None
        try:
            async with self.runtime.db.transaction() as session:
                repo = ConversationRepository(session)
                turn = await self._plan(repo, tenant, conversation_id, content)
                replying = asyncio.create_task(self.reply(turn))
                await self._store_user_line(repo, turn)
        except BaseException:
            if replying is not None:
                replying.cancel()
                await asyncio.gather(replying, return_exceptions=True)
            raise
        return await self.complete(turn, await self._released_on_failure(turn, replying))

    async def _released_on_failure(self, turn: PreparedTurn, replying: Awaitable[str]) -> str:
        try:
            return await replying
        except Exception:
            await self.release(turn)
            raise
        except BaseException:  # cancelled (the client went away): no awaiting now
            self.runtime.spawn(self.release(turn))
            raise

    async def prepare_retry(self, tenant: Tenant, conversation_id: str) -> PreparedTurn:
        async with self.runtime.db.transaction() as session:
            repo = ConversationRepository(session)
            conversation = await owned(repo, tenant, conversation_id)
            if conversation.source == "imported":  # a record of a real one: no persona replies
                raise ConversationEnded("An imported conversation takes no turns or retries.")
            messages = conversation.messages
            last = messages[-1]
            if last.role != "user":
                raise NothingToRetry("Every message already has its reply; nothing to retry.")
            after = DialogueState.model_validate(last.state)
            _refuse_once_ended(conversation, after)
            _refuse_while_replying(conversation.reply_due_at)
            # Taking the lease moves the version: of two retries at once, one gets it.
            until = self._lease_end()
            version = await repo.take_lease(conversation.id, conversation.version, until)
            if version is None:
                raise _in_progress(1)
        context = ReplyContext(
            persona=persona_of(self.runtime, conversation),
            difficulty=conversation.difficulty,
            history=utterances(messages),
            feedback=Feedback.model_validate(last.feedback),
            before=state_before(messages, len(messages) - 1),
            after=after,
            seed=conversation.seed or conversation.id,
            summary=conversation.summary,
            summary_covers=conversation.summary_covers,
            memory=from_json(conversation.memory),
            recent=self.runtime.recent_for(conversation.seed),
        )
        return PreparedTurn(conversation.id, context, last.index, version, time.perf_counter())

    async def retry(self, tenant: Tenant, conversation_id: str) -> TurnResult:
        turn = await self.prepare_retry(tenant, conversation_id)
        return await self.complete(turn, await self._released_on_failure(turn, self.reply(turn)))

    # -- helpers ---------------------------------------------------------------------------

    def _start_judge(self, turn: PreparedTurn) -> asyncio.Task[Feedback] | None:
        if self.runtime.judge is None:
            return None
        ctx = turn.context
        return asyncio.create_task(
            self.runtime.judge.judge(
                ctx.history[-1].content,
                ctx.history[:-1],
                ctx.feedback,
                partner_name=ctx.persona.name,
            )
        )

    def _after_reply(self, turn: PreparedTurn) -> None:
        ctx = turn.context
        metrics.TURNS.labels(engine=self.runtime.engine.name).inc()
        metrics.TURN_SECONDS.observe(time.perf_counter() - turn.started)
        metrics.GENUINE_INTEREST.labels(value=str(ctx.feedback.genuine_interest).lower()).inc()
        if ctx.after.ended:
            metrics.OUTCOMES.labels(outcome=ctx.after.outcome or "none").inc()
        self.runtime.spawn(self._summarize(turn))

    async def _summarize(self, turn: PreparedTurn) -> None:
        ctx = turn.context
        updated = await self.runtime.engine.summarize(
            ctx.persona, ctx.history, ctx.summary, ctx.summary_covers
        )
        if updated is None:
            return
        async with self.runtime.db.transaction() as session:
            await ConversationRepository(session).set_summary(turn.conversation_id, *updated)


async def _open_for_turn(
    repo: ConversationRepository, tenant: Tenant, conversation_id: str
) -> tuple[Conversation, DialogueState]:
    conversation = await owned(repo, tenant, conversation_id, with_messages=False)
    state = DialogueState.model_validate(conversation.state)
    if state.ended:
        raise ConversationEnded("This conversation has ended; start a new one.")
    return conversation, state


def _refuse_once_ended(conversation: Conversation, after: DialogueState) -> None:
    """409 conversation_ended when the conversation was ended (POST .../end) after its last
    message: its report is out and its transcript final. A goodbye the persona owes for a turn
    that itself ended the conversation is still that turn's reply, and may be retried."""
    if DialogueState.model_validate(conversation.state).ended and not after.ended:
        raise ConversationEnded(
            "This conversation was ended before its last message got a reply; "
            "nothing more can be added to it. Start a new one."
        )


def _refuse_while_replying(due: datetime | None) -> None:
    """409 turn_in_progress while another request is writing the reply to the last message:
    a client that retried now would race it and call the model a second time."""
    if due is None:
        return
    if due.tzinfo is None:  # SQLite hands datetimes back naive; they were stored in UTC
        due = due.replace(tzinfo=UTC)
    remaining = (due - utcnow()).total_seconds()
    if remaining > 0:
        raise _in_progress(max(1, min(math.ceil(remaining), _RETRY_AFTER_CAP)))


def _too_slow(seconds: float) -> LLMUnavailable:
    return LLMUnavailable(f"The model did not finish a reply within {seconds:g} s.")


_RETRY_AFTER_CAP = 2  # a reply usually lands within seconds; the lease is only the worst case


def _in_progress(retry_after: int) -> TurnInProgress:
    return TurnInProgress(
        "The reply to the last message is being written; wait for it (GET the conversation) "
        f"and try again in {retry_after} s.",
        retry_after=retry_after,
    )


def _abandon(judging: asyncio.Task[Feedback] | None, exc: BaseException) -> None:
    """The reply failed (or the client left): the judge's verdict is not needed."""
    if judging is not None:
        judging.cancel()
    if isinstance(exc, LLMUnavailable):
        metrics.LLM_FAILURES.inc()


async def _judge_result(task: asyncio.Task[Feedback], turn: PreparedTurn) -> Feedback:
    try:
        return await task
    except Exception:  # the judge never costs the user a turn: the local verdict stands
        return turn.context.feedback
