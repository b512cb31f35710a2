"""`python -m app.llm.bench`: the LLM engine's figures with the fake model at 300 ms per call.

What issue 4 asks to measure, twice: once at the engine (reply and judge side by side, summaries
in the background, as the turn service runs them) and once end to end over HTTP against a real
`uvicorn` server with RAPPORT_ENGINE=llm and the judge on.

- turn latency p50 with the judge on, against the fake's latency (target <= 1.15 x);
- throughput of 25 concurrent conversations on one worker, against the ideal 25 / 0.3 s
  (target >= 85 %);
- CPU time spent per turn outside the model (the fake runs in its own process);
- prompt tokens at turn 6 and turn 40 of one conversation (target: turn 40 <= 1.3 x turn 6).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.bench import free_port, served, wait_for
from app.config import Settings
from app.dialogue.engine import ReplyContext
from app.dialogue.types import DialogueState, Stage
from app.feedback.analyzer import analyze
from app.feedback.types import Utterance
from app.llm.client import LLMClient
from app.llm.engine import LLMEngine
from app.llm.judge import FeedbackJudge
from app.llm.prompts import PromptLibrary
from app.llm.tokens import count_chat_tokens
from app.personas.registry import load_personas
from app.personas.schema import Persona

LATENCY = 0.3
CONCURRENCY = 25
PER_CONVERSATION = 8  # turns each of the concurrent conversations takes
THINK_TIME = 0.2  # seconds between turns in the prompt-size conversation, as a typing user
USER_LINES = [
    "How did you end up in recruiting after teaching chemistry for four years?",
    "What do you miss most about the classroom, if anything at all?",
    "That click moment sounds special. Do you get that feeling in recruiting too?",
    "What does a typical week look like for you since the layoffs?",
    "You mentioned being the only engineering recruiter left. How do you keep up?",
    "What kind of engineers does the data platform team need right now?",
    "How did the ride-along with the nurse in Fresno change how you see the product?",
    "It sounds like the paperwork problem is what drives everyone there. Is that right?",
]
# Follow-ups that read as listening whatever the persona just said: they warm any conversation.
WARM_LINES = [
    "Tell me more about that, what makes it so interesting for you?",
    "It sounds like that matters a lot to you. What got you there?",
    "That sounds like a lot. How has it shaped the way you work?",
]
# Lines that neither warm nor cool much: they keep a conversation open for 40 turns over HTTP,
# used once trust passes STEADY_ABOVE (the closing stage, which ends the chat, starts at 0.72).
STEADY_ABOVE = 0.58
STEADY_LINES = [
    "I work on data pipelines myself, mostly batch jobs for reporting.",
    "We had a similar reorganisation at my company last spring.",
    "I've been to a few of these fairs this year.",
]

Turn = Callable[[int], Awaitable[None]]


# -- the synthetic conversation shared with tests/llm ---------------------------------------------


def warm_state(persona: Persona, turn: int) -> DialogueState:
    """A warm conversation that unlocks one more hook every four turns: the most prompt."""
    stages = [Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY]
    hooks = [h.id for h in persona.hooks][: max(0, (turn - 4) // 4)]
    stage = stages[min(len(stages) - 1, turn // 4)]
    trust = min(0.9, 0.3 + turn * 0.02)
    return DialogueState(stage=stage, trust=trust, turn=turn, unlocked_hooks=hooks)


async def converse(
    engine: LLMEngine,
    persona: Persona,
    turns: int,
    seed: str,
    judge: FeedbackJudge | None = None,
    on_prompt: Callable[[int, int], None] | None = None,
    settle: bool = False,
) -> list[float]:
    """One conversation as the turn service runs it; returns each turn's latency in seconds.

    The judge runs beside the reply and the summary after it, off the critical path. `settle`
    waits for each summary before the next turn, as when the user takes a few seconds to type:
    prompt sizes are then the same from run to run.
    """
    history = [Utterance("persona", engine.opening(persona, "normal", seed))]
    summary, covers, latencies = "", 0, []
    pending: asyncio.Task[tuple[str, int] | None] | None = None
    for turn in range(1, turns + 1):
        if pending is not None and pending.done():
            summary, covers = pending.result() or (summary, covers)
            pending = None
        line = USER_LINES[turn % len(USER_LINES)]
        feedback = analyze(line, history)
        history.append(Utterance("user", line))
        before, after = warm_state(persona, turn - 1), warm_state(persona, turn)
        ctx = ReplyContext(
            persona, "normal", tuple(history), feedback, before, after, seed, summary, covers
        )
        if on_prompt:
            on_prompt(turn, engine.build_prompt(ctx).tokens)
        started = time.perf_counter()
        history.append(Utterance("persona", await _reply_with_judge(engine, ctx, judge)))
        latencies.append(time.perf_counter() - started)
        if pending is None:  # one summary at a time; the next one folds whatever is left
            pending = asyncio.create_task(
                engine.summarize(persona, tuple(history), summary, covers)
            )
            if settle:
                await asyncio.wait([pending])
    if pending is not None:
        await pending
    return latencies


async def _reply_with_judge(
    engine: LLMEngine, ctx: ReplyContext, judge: FeedbackJudge | None
) -> str:
    async def reply() -> str:
        return "".join([chunk async for chunk in engine.stream(ctx)])

    if judge is None:
        return await reply()
    text, _ = await asyncio.gather(
        reply(), judge.judge(ctx.history[-1].content, ctx.history[:-1], ctx.feedback)
    )
    return text


# -- engine-level figures -----------------------------------------------------------------------


async def engine_figures(fake_url: str, admin: httpx.AsyncClient) -> dict[str, Any]:
    settings = Settings(
        RAPPORT_LLM_BASE_URL=f"{fake_url}/v1", RAPPORT_LLM_API_KEY="bench", llm_timeout=10
    )
    client = LLMClient.from_settings(settings)
    prompts = PromptLibrary(settings.prompts_dir)
    engine, judge = LLMEngine(client, prompts), FeedbackJudge(client, prompts)
    persona = load_personas(settings.personas_dir).get("recruiter")
    try:
        await admin.post("/_fake/config", json={"latency": 0.0})
        tokens: dict[int, int] = {}
        await converse(engine, persona, 40, "tokens", on_prompt=tokens.__setitem__, settle=True)
        await admin.post("/_fake/config", json={"latency": LATENCY})
        latencies = await converse(engine, persona, 20, "latency", judge)
        cpu, wall = time.process_time(), time.perf_counter()
        loaded = await asyncio.gather(
            *(
                converse(engine, persona, PER_CONVERSATION, f"c{n}", judge)
                for n in range(CONCURRENCY)
            )
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await client.aclose()
    turns = CONCURRENCY * PER_CONVERSATION
    under_load = [latency for run in loaded for latency in run]
    return figures(
        latencies, under_load, turns / wall, cpu / turns, tokens.get(6, 0), tokens.get(40, 0)
    )


def figures(
    latencies: list[float],
    under_load: list[float],
    throughput: float,
    cpu_per_turn: float,
    t6: int,
    t40: int,
) -> dict[str, Any]:
    p50 = statistics.median(latencies) if latencies else float("nan")
    p50_loaded = statistics.median(under_load) if under_load else float("nan")
    ideal = CONCURRENCY / LATENCY
    return {
        "turn_latency_p50_ms": round(p50 * 1000, 1),
        "latency_ratio": round(p50 / LATENCY, 3),
        "turn_latency_p50_loaded_ms": round(p50_loaded * 1000, 1),
        "throughput_turns_per_s": round(throughput, 1),
        "throughput_share_of_ideal": round(throughput / ideal, 3),
        "cpu_ms_per_turn": round(cpu_per_turn * 1000, 2),
        "prompt_tokens_turn_6": t6,
        "prompt_tokens_turn_40": t40,
        "prompt_token_ratio": round(t40 / t6, 3) if t6 else None,
    }


# -- end to end over HTTP -----------------------------------------------------------------------


@contextmanager
def fake_server(latency: float) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "app.llm.fake", "--port", str(port), "--latency", str(latency)]
    proc = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/v1/models")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def api_server(fake_url: str) -> Iterator[tuple[str, int]]:
    """The real app on one worker with the LLM engine and judge; yields (url, pid)."""
    with tempfile.TemporaryDirectory() as tmp, served(
        f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
        RAPPORT_ENGINE="llm",
        RAPPORT_FEEDBACK_JUDGE="llm",
        RAPPORT_LLM_BASE_URL=f"{fake_url}/v1",
        RAPPORT_LLM_API_KEY="bench",
    ) as running:
        yield running.url, running.pid


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def http_conversation(
    http: httpx.AsyncClient,
    turns: int,
    latencies: list[float],
    steady: bool = False,
    after_turn: Callable[[int], Awaitable[None]] | None = None,
    think: float = 0.0,
) -> int:
    """Turns on one recruiter conversation; returns how many were answered before it ended.

    `steady` keeps trust below the closing stage so the conversation lasts; `think` pauses
    between turns as a person typing would, which lets the background summary land.
    """
    created = await http.post("/v1/conversations", json={"persona_id": "recruiter"})
    created.raise_for_status()
    cid, trust = created.json()["id"], 0.0
    for turn in range(1, turns + 1):
        cool_down = steady and trust >= STEADY_ABOVE
        pool = STEADY_LINES if cool_down else WARM_LINES if steady else USER_LINES
        started = time.perf_counter()
        answer = await http.post(
            f"/v1/conversations/{cid}/turns", json={"content": pool[turn % len(pool)]}
        )
        answer.raise_for_status()
        latencies.append(time.perf_counter() - started)
        state = answer.json()["state"]
        trust = state["trust"]
        if after_turn:
            await after_turn(turn)
        if state["ended"]:
            return turn
        await asyncio.sleep(think)
    return turns


async def last_persona_prompt_tokens(admin: httpx.AsyncClient) -> int:
    requests = (await admin.get("/_fake/requests")).json()["requests"]
    persona = [
        r
        for r in requests
        if r["messages"][0]["content"].startswith("You are ") and "tools" not in r
    ]
    return count_chat_tokens(m["content"] for m in persona[-1]["messages"]) if persona else 0


async def http_figures(fake_url: str, admin: httpx.AsyncClient) -> dict[str, Any]:
    with api_server(fake_url) as (url, pid):
        limits = httpx.Limits(max_connections=CONCURRENCY + 5)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            await admin.post("/_fake/config", json={"latency": 0.0})
            tokens: dict[int, int] = {}

            async def record(turn: int) -> None:
                tokens[turn] = await last_persona_prompt_tokens(admin)

            reached = await http_conversation(
                http, 40, [], steady=True, after_turn=record, think=THINK_TIME
            )
            await admin.post("/_fake/config", json={"latency": LATENCY})
            latencies: list[float] = []
            await http_conversation(http, 20, latencies)
            loaded: list[float] = []
            cpu, wall = process_cpu_seconds(pid), time.perf_counter()
            done = await asyncio.gather(
                *(http_conversation(http, PER_CONVERSATION, loaded) for _ in range(CONCURRENCY))
            )
            cpu, wall = process_cpu_seconds(pid) - cpu, time.perf_counter() - wall
    turns = sum(done)
    result = figures(
        latencies, loaded, turns / wall, cpu / turns, tokens.get(6, 0), tokens.get(40, 0)
    )
    result["turns_reached_in_token_conversation"] = reached
    return result


# -- report -------------------------------------------------------------------------------------


ROWS = [
    ("turn_latency_p50_ms", "turn latency p50, judge on (ms)", "<= 345 (1.15 x 300)"),
    ("latency_ratio", "p50 / fake latency", "<= 1.15"),
    ("turn_latency_p50_loaded_ms", f"turn latency p50, {CONCURRENCY} at once (ms)", ""),
    (
        "throughput_turns_per_s",
        f"throughput, {CONCURRENCY} conversations (turns/s)",
        f">= {0.85 * CONCURRENCY / LATENCY:.1f}",
    ),
    ("throughput_share_of_ideal", f"share of ideal {CONCURRENCY}/{LATENCY} s", ">= 0.85"),
    ("cpu_ms_per_turn", "CPU per turn outside the model (ms)", ""),
    ("prompt_tokens_turn_6", "prompt tokens at turn 6", ""),
    ("prompt_tokens_turn_40", "prompt tokens at turn 40", ""),
    ("prompt_token_ratio", "turn 40 / turn 6", "<= 1.3"),
]


def markdown(results: dict[str, dict[str, Any]]) -> str:
    columns = list(results)
    lines = [
        "| measure | " + " | ".join(columns) + " | target |",
        "| --- | " + " | ".join("---" for _ in columns) + " | --- |",
    ]
    for key, label, target in ROWS:
        values = " | ".join(str(results[c].get(key, "")) for c in columns)
        lines.append(f"| {label} | {values} | {target} |")
    return "\n".join(lines)


async def run(http: bool) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with fake_server(LATENCY) as fake_url:
        async with httpx.AsyncClient(base_url=fake_url) as admin:
            results["engine"] = await engine_figures(fake_url, admin)
            if http:
                results["http (1 worker, SQLite)"] = await http_figures(fake_url, admin)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine-only", action="store_true", help="skip the HTTP run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = asyncio.run(run(http=not args.engine_only))
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
