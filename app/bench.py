"""`make bench` and `make load`: drive a real server over HTTP and print what it sustains.

bench: one worker on SQLite, N concurrent simulated users holding whole conversations, then
       /healthz at the same concurrency in the same run, so the ratio travels across machines.
load:  200 concurrent conversations of 10 turns on PostgreSQL; afterwards every acknowledged turn
       is looked up in its transcript, so "lost turns" is measured, not assumed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from app import calibration

USER_LINES = [
    "Hi, I'm Sam. What brings you here today?",
    "That sounds like a lot to juggle. How did you end up in that role?",
    "What has been the most surprising part of it so far?",
    "So it sounds like the team grew faster than the process did.",
    "Tell me more about how you handle that.",
    "What would make this year a good one for you?",
    "I'm looking for a new role in data engineering, could you refer me?",
    "Interesting. What do you wish more people asked you about?",
    "ok",
    "How did that change the way you work with your team?",
    "That makes sense, it must have been hard to keep everyone aligned.",
    "What are you hoping to get out of this event?",
]


# The client drops idle connections well before uvicorn does (its keep-alive is 5 s). With both at
# 5 s, a request sent on a connection the server is closing at that instant fails with a ReadError:
# under load this happened in about half of the runs, and it is the client's race, not the server's.
CLIENT_KEEPALIVE_SECONDS = 2.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)  # "HTTP 500", "ReadError", ...
    acknowledged: list[tuple[str, int, str]] = field(default_factory=list)  # (conv, index, text)

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Served:
    url: str
    pid: int


@contextmanager
def served(database_url: str, *, workers: int = 1, **env: str) -> Iterator[Served]:
    """A real `uvicorn` serving the app in a subprocess (open auth, no rate limit, the scripted
    engine unless `env` says otherwise), on a migrated database; stopped on exit."""
    port = free_port()
    environment = {
        **os.environ,
        "RAPPORT_DATABASE_URL": database_url,
        "RAPPORT_AUTH": "open",
        "RAPPORT_ENGINE": "scripted",
        "RAPPORT_RATE_LIMIT_PER_MINUTE": "10000000",
        **env,
    }
    upgrade = [sys.executable, "-m", "app.cli", "db", "upgrade"]
    subprocess.run(upgrade, env=environment, check=True, capture_output=True)
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(command, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/readyz")
        yield Served(url, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def server(database_url: str, workers: int = 1) -> Iterator[str]:
    with served(database_url, workers=workers) as running:
        yield running.url


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


async def converse(
    client: httpx.AsyncClient, persona: str, turns: int, seed: int, tally: Tally
) -> None:
    try:
        await _converse(client, persona, turns, seed, tally)
    except httpx.HTTPError as exc:  # a failed connection is an error to count, not to stop on
        tally.fail(type(exc).__name__)


async def _converse(
    client: httpx.AsyncClient, persona: str, turns: int, seed: int, tally: Tally
) -> None:
    rng = random.Random(seed)
    created = await client.post("/v1/conversations", json={"persona_id": persona})
    if created.status_code != 201:
        tally.fail(f"HTTP {created.status_code} on create")
        return
    conversation = created.json()["id"]
    for _ in range(turns):
        text = rng.choice(USER_LINES)
        started = time.perf_counter()
        response = await client.post(
            f"/v1/conversations/{conversation}/turns", json={"content": text}
        )
        if response.status_code == 409 and response.json().get("code") == "conversation_ended":
            return
        if response.status_code != 200:
            tally.fail(f"HTTP {response.status_code} {_problem_code(response)}".strip())
            return
        tally.latencies.append(time.perf_counter() - started)
        tally.acknowledged.append((conversation, response.json()["user"]["index"], text))
        if response.json()["state"]["ended"]:
            return


def _problem_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:  # not JSON: a proxy's or the server's bare error page
        return ""


async def run_conversations(
    base: str, users: int, conversations: int, turns: int
) -> tuple[Tally, float]:
    tally = Tally()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(conversations):
        queue.put_nowait(n)
    personas = ["recruiter", "conference_stranger", "prospect"]
    limits = httpx.Limits(
        max_connections=users,
        max_keepalive_connections=users,
        keepalive_expiry=CLIENT_KEEPALIVE_SECONDS,
    )

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            await converse(client, personas[n % 3], turns, n, tally)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(users)))
        elapsed = time.perf_counter() - started
    return tally, elapsed


async def healthz_rate(base: str, users: int, seconds: float) -> float:
    limits = httpx.Limits(
        max_connections=users,
        max_keepalive_connections=users,
        keepalive_expiry=CLIENT_KEEPALIVE_SECONDS,
    )
    count = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def hammer() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                await client.get("/healthz")
                count += 1

        started = time.perf_counter()
        await asyncio.gather(*(hammer() for _ in range(users)))
        return count / (time.perf_counter() - started)


async def count_lost(base: str, tally: Tally) -> int:
    lost = 0
    by_conversation: dict[str, list[tuple[int, str]]] = {}
    for conversation, index, text in tally.acknowledged:
        by_conversation.setdefault(conversation, []).append((index, text))
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for conversation, turns in by_conversation.items():
            messages = (await client.get(f"/v1/conversations/{conversation}")).json()["messages"]
            stored = {m["index"]: m for m in messages}
            for index, text in turns:
                user, reply = stored.get(index), stored.get(index + 1)
                complete = (
                    user is not None
                    and user["content"] == text
                    and user.get("feedback")
                    and reply is not None
                    and reply["role"] == "persona"
                )
                lost += 0 if complete else 1
    return lost


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(label: str, tally: Tally, elapsed: float) -> float:
    rate = len(tally.latencies) / elapsed
    print(
        f"{label}: {len(tally.latencies)} turns in {elapsed:.1f} s = {rate:.0f} turns/s; "
        f"p50 {pct(tally.latencies, 0.5):.1f} ms, p99 {pct(tally.latencies, 0.99):.1f} ms, "
        f"mean {statistics.fmean(tally.latencies) * 1000:.1f} ms; errors {tally.errors}"
        + (f" ({dict(tally.error_kinds)})" if tally.error_kinds else "")
    )
    return rate


HEALTHZ_SECONDS = 5.0


def bench(users: int, conversations: int) -> None:
    print(calibration.describe(), "(at the start)")
    with (
        tempfile.TemporaryDirectory() as tmp,
        served(f"sqlite+aiosqlite:///{tmp}/bench.db") as running,
    ):
        base, pid = running.url, running.pid
        asyncio.run(run_conversations(base, 4, 6, 4))  # warm-up: imports, caches, SQLite pages
        cpu = calibration.process_cpu_seconds(pid)
        tally, elapsed = asyncio.run(run_conversations(base, users, conversations, 10))
        turn_cpu = (calibration.process_cpu_seconds(pid) - cpu) / max(1, len(tally.latencies))
        turns_rate = report(f"turns ({users} concurrent users, 1 worker, SQLite)", tally, elapsed)
        cpu = calibration.process_cpu_seconds(pid)
        health = asyncio.run(healthz_rate(base, users, HEALTHZ_SECONDS))
        health_cpu = (calibration.process_cpu_seconds(pid) - cpu) / (health * HEALTHZ_SECONDS)
        print(f"/healthz: {health:.0f} requests/s at {users} concurrent clients")
        print(
            f"server CPU (the worker process alone, the load generator apart): "
            f"{turn_cpu * 1000:.2f} ms a turn, {health_cpu * 1000:.2f} ms a /healthz"
        )
        print(
            f"ratio turns/healthz: {turns_rate / health:.2f} (aim >= 0.33); "
            f"p99 aim < 50 ms at 16 users"
        )


def load(database_url: str) -> None:
    print(calibration.describe(), "(at the start)")
    with server(database_url, workers=1) as base:
        tally, elapsed = asyncio.run(run_conversations(base, 200, 200, 10))
        report("load (200 concurrent conversations x 10 turns, PostgreSQL)", tally, elapsed)
        print(f"errors: {tally.errors}; lost turns: {asyncio.run(count_lost(base, tally))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=160)
    parser.add_argument("--load", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "RAPPORT_LOAD_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    if args.load:
        load(args.database_url)
    else:
        bench(args.users, args.conversations)


if __name__ == "__main__":
    main()
