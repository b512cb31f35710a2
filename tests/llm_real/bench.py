"""`make bench-llm-real`: turn times and prompt tokens on the real model, beside the fake's.

    RAPPORT_LLM_REAL_PYTHON=... python -m tests.llm_real.bench [--json out.json]

The service runs in a subprocess (one worker, SQLite, the local feedback analyzer, the settings of
harness.SERVICE_ENV) and talks to the model through the recording proxy, which keeps what the
server reported for every call. Two measurements, each against SmolLM2-135M on llama-cpp-python
and against the fake (`python -m app.llm.fake`, 0.3 s a call):

- turn time: the six seed conversations (listener and pitcher with three personas), REST turns,
  p50 and p90 over all their turns;
- prompt tokens per turn: one 12-turn REST conversation with the recruiter, the persona call's
  `usage.prompt_tokens` as the server counted it (its own tokenizer), waiting after each turn
  until the model is idle (the summary done), as a learner reading and typing would; target:
  turn 12 within 1.3 x turn 4.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from app.llm.bench import STEADY_ABOVE, STEADY_LINES, WARM_LINES, fake_server
from tests.llm_real.harness import (
    SERVICE_ENV,
    ProxyState,
    RealServer,
    deadline_seconds,
    model_proxy,
    service,
    take_turn,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [
    (persona, kind)
    for persona in ("recruiter", "conference_stranger", "prospect")
    for kind in ("listener", "pitcher")
]
TOKEN_TURNS = 12
TARGET_RATIO = 1.3


def wait_idle(proxy: ProxyState, seconds: float = 60) -> None:
    """Until no call is in flight: the background summary of the last turn has been answered."""
    deadline = time.monotonic() + seconds
    # The summary starts RAPPORT_LLM_BACKGROUND_DELAY after the reply, if one is due.
    time.sleep(float(SERVICE_ENV["RAPPORT_LLM_BACKGROUND_DELAY"]) + 0.5)
    while time.monotonic() < deadline:
        if all(r.ended is not None for r in proxy.since(0)):
            return
        time.sleep(0.1)


def seed_turn_times(url: str) -> list[float]:
    times = []
    with httpx.Client(base_url=url, timeout=deadline_seconds() + 30) as http:
        for persona, kind in SEEDS:
            script = yaml.safe_load(
                (ROOT / f"evals/scripts/{persona}/normal-{kind}.yaml").read_text()
            )
            body = {"persona_id": persona, "difficulty": "normal", "seed": f"bench-{kind}"}
            cid = http.post("/v1/conversations", json=body).json()["id"]
            for line in script["user"]:
                turn = take_turn(http, cid, line, streamed=False)
                if turn.status != 200:
                    raise RuntimeError(f"{persona}/{kind}: turn answered {turn.status} {turn.code}")
                times.append(turn.seconds)
                if turn.state and turn.state["ended"]:
                    break
    return times


def prompt_tokens_by_turn(url: str, proxy: ProxyState, turns: int = TOKEN_TURNS) -> dict[int, int]:
    """One REST conversation with the recruiter; the server-reported prompt tokens of each
    turn's persona call (the last one, if the guard had it written again)."""
    tokens: dict[int, int] = {}
    with httpx.Client(base_url=url, timeout=deadline_seconds() + 30) as http:
        body = {"persona_id": "recruiter", "difficulty": "normal", "seed": "bench-tokens"}
        cid = http.post("/v1/conversations", json=body).json()["id"]
        trust = 0.0
        for n in range(1, turns + 1):
            lines = STEADY_LINES if trust >= STEADY_ABOVE else WARM_LINES
            mark = proxy.mark
            turn = take_turn(http, cid, lines[n % len(lines)], streamed=False)
            if turn.status != 200 or turn.state is None:
                raise RuntimeError(f"turn {n} answered {turn.status} {turn.code}")
            persona = [r for r in proxy.since(mark, "persona") if r.prompt_tokens]
            if persona:
                tokens[n] = int(persona[-1].prompt_tokens or 0)
            trust = turn.state["trust"]
            if turn.state["ended"]:
                raise RuntimeError(f"the conversation ended at turn {n}")
            wait_idle(proxy)
    return tokens


def measure(model_url: str, label: str) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        model_proxy(model_url) as (proxy_url, proxy),
        service(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", proxy_url) as url,
    ):
        times = seed_turn_times(url)
        wait_idle(proxy)
        tokens = prompt_tokens_by_turn(url, proxy)
        persona_calls = [r for r in proxy.since(0, "persona") if r.ended and r.status == 200]
        completion = [r.completion_tokens for r in persona_calls if r.completion_tokens]
    ratio = tokens[12] / tokens[4] if tokens.get(4) and tokens.get(12) else None
    return {
        "server": label,
        "turns": len(times),
        "turn_p50_s": round(statistics.median(times), 2),
        "turn_p90_s": round(statistics.quantiles(times, n=10)[-1], 2),
        "reply_completion_tokens_p50": statistics.median(completion) if completion else None,
        "prompt_tokens_by_turn": tokens,
        "turn_12_over_turn_4": round(ratio, 3) if ratio else None,
    }


@contextmanager
def real_model() -> Iterator[str]:
    server = RealServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def markdown(results: list[dict[str, Any]]) -> str:
    head = "| | " + " | ".join(r["server"] for r in results) + " |"
    rows = [head, "| --- |" + " --- |" * len(results)]
    for key, name in (
        ("turns", "REST turns (six seed conversations)"),
        ("turn_p50_s", "turn time p50 (s)"),
        ("turn_p90_s", "turn time p90 (s)"),
        ("reply_completion_tokens_p50", "reply completion tokens p50"),
    ):
        rows.append(f"| {name} | " + " | ".join(str(r[key]) for r in results) + " |")
    for n in range(1, TOKEN_TURNS + 1):
        cells = [str(r["prompt_tokens_by_turn"].get(n, "-")) for r in results]
        rows.append(f"| prompt tokens, turn {n} | " + " | ".join(cells) + " |")
    ratios = [str(r["turn_12_over_turn_4"]) for r in results]
    rows.append(f"| turn 12 / turn 4 (target <= {TARGET_RATIO}) | " + " | ".join(ratios) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures as JSON too")
    parser.add_argument("--no-fake", action="store_true", help="the real model only")
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results = []
    with real_model() as url:
        results.append(measure(url, "SmolLM2-135M, llama-cpp-python"))
    if not args.no_fake:
        with fake_server(0.3) as url:
            results.append(measure(url, "fake, 0.3 s a call"))
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    real = results[0]["turn_12_over_turn_4"]
    return 0 if real is not None and real <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
