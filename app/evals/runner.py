"""Run evaluation scripts through the public API, in process or against a running server.

The runner is only an HTTP client: in process it talks to `create_app()` through
`httpx.ASGITransport`, so the scripts exercise exactly the routes, services, state machine and
analyzer that users hit; with `--url`/`--key` the same code path talks to a real server.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from app.config import Settings
from app.errors import RapportError
from app.evals.checks import Observed, check
from app.evals.scripts import Script
from app.evals.transcripts import run_transcript

BASE_URL = "http://rapport"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
RATE_LIMIT_RETRIES = 3
MAX_RETRY_WAIT = 60.0
# A turn answered 503 (the model failed or timed out; the user's line is kept) is finished with
# POST .../retry, as the widget's retry button does, this many times, waiting longer each time.
TURN_RETRIES = 3
RETRY_BACKOFF = 2.0  # seconds before the first retry; doubled for each one after
MAX_BACKOFF = 30.0
# The in-process service serves only this run: its per-key limit would only slow the suite down.
IN_PROCESS_RATE_LIMIT = 1_000_000


class ApiError(Exception):
    """The API answered with an error; the message carries the status and the problem detail."""

    def __init__(self, method: str, path: str, response: httpx.Response) -> None:
        self.status = response.status_code
        try:
            body = response.json()
            detail = body.get("detail") or body.get("title") or response.text
            self.code = body.get("code")
        except ValueError:
            detail, self.code = response.text[:300], None
        super().__init__(f"{method} {path} answered {self.status}: {detail}")


class SimulatorError(Exception):
    """The simulated user produced nothing usable."""


class UserSimulator(Protocol):
    """Writes the next user line for a `simulate:` script (an LLM playing the user)."""

    async def next_line(
        self, script: Script, persona: dict[str, Any], transcript: list[dict[str, Any]]
    ) -> str: ...


@dataclass
class RunResult:
    script: Script
    passed: bool
    failures: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    difficulty: str | None = None
    conversation_id: str | None = None
    skipped: str | None = None  # why the run was not attempted (not a failure)
    ended_early: bool = False
    seconds: float = 0.0
    user_ref: str | None = None  # the learner the run's conversations were held as
    # A chained script's conversations, in order (report, state, messages and failures of each);
    # the run's own report, state and messages are the last one's.
    conversations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "skipped" if self.skipped else ("passed" if self.passed else "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "script": self.script.name,
            "persona_id": self.script.persona,
            "difficulty": self.difficulty,
            "passed": self.passed,
            "skipped": self.skipped,
            "ended_early": self.ended_early,
            "failures": self.failures,
            "report": self.report,
            "state": self.state,
            "messages": self.messages,
            "conversation_id": self.conversation_id,
            "user_ref": self.user_ref,
            **({"conversations": self.conversations} if self.script.chained else {}),
        }


@dataclass
class EvalResults:
    runs: list[RunResult]
    engine: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def passed(self) -> int:
        return sum(r.status == "passed" for r in self.runs)

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.runs)

    @property
    def skipped(self) -> int:
        return sum(r.status == "skipped" for r in self.runs)

    def to_json(self) -> dict[str, Any]:
        """The documented `--json` document (API.md), plus `skipped`, `engine` and `created_at`."""
        return {
            "runs": [r.to_json() for r in self.runs],
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "engine": self.engine,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class TurnRetry:
    """How a failed turn is finished: `times` retries, `backoff` seconds doubling between them."""

    times: int = TURN_RETRIES
    backoff: float = RETRY_BACKOFF

    def wait(self, attempt: int, response: httpx.Response) -> float:
        """The pause before retry `attempt` (0-based): the backoff, or longer if the server
        asked for it with Retry-After."""
        asked = _seconds(response.headers.get("Retry-After"))
        return min(MAX_BACKOFF, max(self.backoff * 2**attempt, asked))


def _seconds(header: str | None) -> float:
    try:
        return max(0.0, float(header)) if header else 0.0
    except ValueError:
        return 0.0


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


class Api:
    """The handful of public endpoints a script needs, with problem+json turned into ApiError."""

    def __init__(self, client: httpx.AsyncClient, turn_retry: TurnRetry | None = None) -> None:
        self.client = client
        self.turn_retry = turn_retry or TurnRetry()

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._json(method, path, await self._send(method, path, body))

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            response = await self.client.request(method, path, json=body)
            if response.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                break
            # A shared server may rate-limit a suite run; waiting is better than failing scripts.
            await asyncio.sleep(min(MAX_RETRY_WAIT, float(response.headers.get("Retry-After", 5))))
        return response

    @staticmethod
    def _json(method: str, path: str, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise ApiError(method, path, response)
        return response.json()

    async def persona(self, persona_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/v1/personas/{persona_id}")

    async def create(
        self, persona_id: str, difficulty: str | None, user_ref: str, seed: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"persona_id": persona_id, "user_ref": user_ref, "seed": seed}
        if difficulty:
            body["difficulty"] = difficulty
        return await self.call("POST", "/v1/conversations", body)

    async def turn(self, conversation_id: str, content: str) -> dict[str, Any]:
        """The turn's answer; a 503 is finished with POST .../retry as a front-end would."""
        path = f"/v1/conversations/{conversation_id}/turns"
        response = await self._send("POST", path, {"content": content})
        for attempt in range(self.turn_retry.times):
            if not _unfinished(response):
                break
            await asyncio.sleep(self.turn_retry.wait(attempt, response))
            path = f"/v1/conversations/{conversation_id}/retry"
            response = await self._send("POST", path)
            if _code(response) == "nothing_to_retry":  # the line itself never got stored
                path = f"/v1/conversations/{conversation_id}/turns"
                response = await self._send("POST", path, {"content": content})
        return self._json("POST", path, response)

    async def end(self, conversation_id: str) -> dict[str, Any]:
        return await self.call("POST", f"/v1/conversations/{conversation_id}/end")

    async def report(self, conversation_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/v1/conversations/{conversation_id}/report")

    async def transcript(self, conversation_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/v1/conversations/{conversation_id}")

    async def recall(self, conversation_id: str, answer: str) -> dict[str, Any]:
        path = f"/v1/conversations/{conversation_id}/recall"
        return await self.call("POST", path, {"answer": answer})

    async def note(self, conversation_id: str, note: str, channel: str) -> dict[str, Any]:
        path = f"/v1/conversations/{conversation_id}/note"
        return await self.call("POST", path, {"note": note, "channel": channel})


def _unfinished(response: httpx.Response) -> bool:
    """The turn may still succeed: the model failed (503), or the reply is still being written."""
    if response.status_code == 503:
        return True
    return response.status_code == 409 and _code(response) == "turn_in_progress"


@dataclass(frozen=True, slots=True)
class RunOptions:
    engine: str  # the engine that answers: "scripted", "llm", or "remote" (unknown)
    simulator: UserSimulator | None = None
    # Part of every learner reference: personas remember a learner, so a second run of a script
    # against the same server must not meet a persona that remembers the first run.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    turn_retry: TurnRetry = field(default_factory=TurnRetry)


def skip_reason(script: Script, options: RunOptions) -> str | None:
    if all(m.simulate is None for m in script.meetings()):
        return None
    if options.engine == "scripted":
        return (
            "simulate: needs the LLM engine (a simulated user is an LLM); this run used the "
            "scripted engine: pass --engine llm with RAPPORT_LLM_* set"
        )
    if options.simulator is None:
        return "simulate: needs an LLM for the simulated user; set RAPPORT_LLM_BASE_URL/API_KEY"
    return None


@dataclass
class _Progress:
    """What `_converse` learned: the state after each user line and where the chat stopped."""

    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_state: dict[str, Any] = field(default_factory=dict)
    ended_early: bool = False


def _planned_turns(script: Script) -> int:
    if script.user is not None:
        return len(script.user)
    assert script.simulate is not None  # the schema guarantees one of the two
    return script.simulate.turns


async def _converse(
    api: Api, script: Script, options: RunOptions, conversation: dict[str, Any]
) -> _Progress:
    """Send the user's lines until they run out or the persona ends the conversation."""
    cid = conversation["id"]
    progress = _Progress(last_state=conversation["state"])
    transcript = [dict(m) for m in conversation["messages"]]
    partner = await api.persona(script.persona) if script.simulate else {}
    planned, sent = _planned_turns(script), 0
    while sent < planned and not progress.last_state["ended"]:
        if script.user is not None:
            line = script.user[sent]
        else:
            assert options.simulator is not None
            line = await options.simulator.next_line(script, partner, transcript)
        answer = await api.turn(cid, line)
        sent, progress.last_state = sent + 1, answer["state"]
        progress.states[str(answer["user"]["index"])] = answer["state"]
        transcript.append({"role": "user", "content": line})
        if answer.get("reply"):
            transcript.append({"role": "persona", "content": answer["reply"]["content"]})
    progress.ended_early = sent < planned
    return progress


def _with_states(
    messages: list[dict[str, Any]], states: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    # The transcript endpoint may not carry the per-turn state; the turn answers did, and the
    # report's trust chart needs it per turn.
    return [
        {**m, "state": m.get("state") or states.get(str(m.get("index")))}
        if m.get("role") == "user"
        else m
        for m in messages
    ]


async def run_script(api: Api, script: Script, options: RunOptions) -> RunResult:
    started = time.perf_counter()
    result = RunResult(script=script, passed=False, difficulty=script.difficulty)
    if reason := skip_reason(script, options):
        result.skipped, result.passed = reason, True
        return result
    try:
        await _run(api, script, options, result)
    except ApiError as err:
        result.failures.append(f"the API refused the run: {err}")
    except httpx.HTTPError as err:
        result.failures.append(f"could not reach the API: {err!r}")
    except (RapportError, SimulatorError) as err:
        result.failures.append(f"the simulated user failed: {err}")
    result.passed = not result.failures
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Before:
    """What the earlier conversations of a chained script leave for the next one."""

    conversation_id: str | None = None
    persona_lines: list[str] = field(default_factory=list)


async def _run(api: Api, script: Script, options: RunOptions, result: RunResult) -> None:
    if script.transcript is not None:  # a real conversation, scored: nothing to hold
        await run_transcript(api, script, result)
        return
    # The script's name in the learner reference, so a front-end can find the run's
    # conversations by it (every conversation of a chained script is the same learner); the
    # name as the seed, so the persona words its replies the same way on every run.
    result.user_ref = f"eval:{script.name}:{options.run_id}"
    before = _Before()
    meetings = script.meetings()
    for number, meeting in enumerate(meetings, start=1):
        seed = script.name if not script.chained else f"{script.name}#{number}"
        held = await _hold(api, script.for_meeting(meeting), options, result.user_ref, seed, before)
        result.conversation_id, result.difficulty = held["conversation_id"], held["difficulty"]
        result.report, result.state = held["report"], held["state"]
        result.messages, result.ended_early = held["messages"], held["ended_early"]
        prefix = f"conversation {number}: " if script.chained else ""
        result.failures.extend(prefix + failure for failure in held["failures"])
        if script.chained:
            result.conversations.append(held)
        if held.get("broken_off"):
            return  # the later meetings build on this one
        before = _Before(held["conversation_id"], [*before.persona_lines, *_persona(held)])


async def _hold(
    api: Api, script: Script, options: RunOptions, user_ref: str, seed: str, before: _Before
) -> dict[str, Any]:
    """One conversation of a run, checked against its own `expect`."""
    conversation = await api.create(script.persona, script.difficulty, user_ref, seed=seed)
    cid = conversation["id"]
    try:
        progress = await _converse(api, script, options, conversation)
    except (ApiError, RapportError, SimulatorError) as err:
        return await _broken_off(api, conversation, err)
    ended = progress.last_state["ended"]
    report = await api.report(cid) if ended else await api.end(cid)
    # After the conversation: the script's recall answer and note, as a learner would give
    # them; the report then carries their results, as GET .../report would.
    if script.recall:
        report = {**report, "recall": await api.recall(cid, script.recall)}
    if script.note:
        report = {**report, "follow_up_note": await api.note(cid, script.note, script.note_channel)}
    final = await api.transcript(cid)
    messages = _with_states(final["messages"], progress.states)
    observed = Observed(
        report,
        final["state"],
        messages,
        progress.ended_early,
        continues=conversation.get("continues"),
        previous_id=before.conversation_id,
        initial_state=conversation["state"],
        earlier_persona_lines=before.persona_lines,
    )
    return {
        "conversation_id": cid,
        "continues": conversation.get("continues"),
        "difficulty": conversation.get("difficulty", script.difficulty),
        "passed": not (failures := check(script.expect, observed)),
        "failures": failures,
        "ended_early": progress.ended_early,
        "report": report,
        "state": final["state"],
        "messages": messages,
    }


async def _broken_off(api: Api, conversation: dict[str, Any], err: Exception) -> dict[str, Any]:
    """A conversation that could not go on (a turn still failing after its retries): failed,
    with the transcript as far as it got, so the run shows where and how it broke."""
    cid = conversation["id"]
    refused = isinstance(err, ApiError)
    reason = f"the {'API refused the run' if refused else 'simulated user failed'}: {err}"
    try:
        final = await api.transcript(cid)
    except (ApiError, httpx.HTTPError):
        final = conversation
    return {
        "conversation_id": cid,
        "continues": conversation.get("continues"),
        "difficulty": conversation.get("difficulty"),
        "passed": False,
        "failures": [reason],
        "ended_early": True,
        "broken_off": True,
        "report": None,
        "state": final.get("state"),
        "messages": final.get("messages", []),
    }


def _persona(held: dict[str, Any]) -> list[str]:
    return [m["content"] for m in held["messages"] if m.get("role") == "persona"]


async def run_scripts(
    client: httpx.AsyncClient,
    scripts: Sequence[Script],
    options: RunOptions,
    concurrency: int = 4,
    on_result: Callable[[RunResult], None] | None = None,
) -> EvalResults:
    """Run every script with at most `concurrency` conversations at once; keep the input order."""
    api, gate = Api(client, options.turn_retry), asyncio.Semaphore(max(1, concurrency))

    async def one(script: Script) -> RunResult:
        async with gate:
            result = await run_script(api, script, options)
        if on_result:
            on_result(result)
        return result

    runs = await asyncio.gather(*(one(s) for s in scripts))
    return EvalResults(runs=list(runs), engine=options.engine)


@asynccontextmanager
async def remote_client(url: str, key: str | None) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=TIMEOUT) as c:
        yield c


@asynccontextmanager
async def in_process_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The whole service in this process, on a fresh migrated SQLite file, in open auth mode."""
    from app.db import upgrade_to_head
    from app.main import create_app

    with tempfile.TemporaryDirectory(prefix="rapport-eval-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'eval.db'}"
        # Alembic's async env runs its own event loop, which cannot nest inside ours.
        await asyncio.to_thread(upgrade_to_head, url)
        local = settings.model_copy(
            update={
                "database_url": url,
                "auth": "open",
                "rate_limit_per_minute": IN_PROCESS_RATE_LIMIT,
            }
        )
        app = create_app(local)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE_URL, timeout=TIMEOUT
            ) as c:
                yield c


async def recent_runs(database_url: str, limit: int = 20) -> list[Any]:
    """The newest stored runs (EvalRun rows), for `rapport eval list` and front-ends."""
    from sqlalchemy import select

    from app.db import Database, upgrade_to_head
    from app.models import EvalRun

    await asyncio.to_thread(upgrade_to_head, database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            query = select(EvalRun).order_by(EvalRun.created_at.desc()).limit(limit)
            return list((await session.execute(query)).scalars())
    finally:
        await db.dispose()


async def stored_run(database_url: str, id_prefix: str) -> dict[str, Any] | None:
    """The results document of the stored run whose id starts with `id_prefix` (unique)."""
    from sqlalchemy import select

    from app.db import Database, upgrade_to_head
    from app.models import EvalRun

    await asyncio.to_thread(upgrade_to_head, database_url)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            query = select(EvalRun).where(EvalRun.id.startswith(id_prefix, autoescape=True))
            found = list((await session.execute(query.limit(2))).scalars())
    finally:
        await db.dispose()
    return found[0].results if len(found) == 1 and id_prefix else None


async def store_results(results: EvalResults, database_url: str) -> str:
    """Keep the run in `eval_runs` (migrating first) so that a front-end can list runs later."""
    from app.db import Database, upgrade_to_head
    from app.models import EvalRun

    await asyncio.to_thread(upgrade_to_head, database_url)
    db, run_id = Database(database_url), str(uuid.uuid4())
    try:
        async with db.transaction() as session:
            session.add(
                EvalRun(
                    id=run_id,
                    created_at=results.created_at,
                    engine=results.engine,
                    scripts=len(results.runs),
                    passed=results.passed,
                    failed=results.failed,
                    results=results.to_json(),
                )
            )
    finally:
        await db.dispose()
    return run_id


def _simulator(settings: Settings) -> UserSimulator | None:
    """An LLM user simulator when an LLM is configured; None otherwise (simulate: is skipped)."""
    if not (settings.llm_base_url or settings.llm_api_key):
        return None
    from app.evals.simulator import LLMUserSimulator

    return LLMUserSimulator.from_settings(settings)


async def run_eval(
    scripts: Sequence[Script],
    settings: Settings,
    *,
    url: str | None = None,
    key: str | None = None,
    concurrency: int = 4,
    on_result: Callable[[RunResult], None] | None = None,
    turn_retry: TurnRetry | None = None,
) -> EvalResults:
    """Run the scripts in process (a fresh temporary database) or against the server at `url`."""
    needs_llm = any(s.simulate for s in scripts)
    engine = "remote" if url else settings.resolved_engine
    simulator = _simulator(settings) if needs_llm and engine != "scripted" else None
    options = RunOptions(engine, simulator, turn_retry=turn_retry or TurnRetry())
    try:
        if url:
            async with remote_client(url, key) as client:
                return await run_scripts(client, scripts, options, concurrency, on_result)
        async with in_process_client(settings) as client:
            return await run_scripts(client, scripts, options, concurrency, on_result)
    finally:
        if simulator is not None and hasattr(simulator, "aclose"):
            await simulator.aclose()
