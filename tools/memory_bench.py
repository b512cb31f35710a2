"""Does a flood of made-up Origins or invalid keys grow a worker's memory? (issue 16, point 2/4)

Starts one real uvicorn worker (keys auth, scripted engine, SQLite in a temp directory), warms it
up with ordinary requests, then sends N requests that each carry a never-seen Origin (with a real
publishable key) or a never-seen key, and reports the worker's resident memory before, during and
after. Exit status 1 if it grew by more than --budget-mb.

    .venv/bin/python tools/memory_bench.py                 # 20,000 requests, default limits
    .venv/bin/python tools/memory_bench.py --no-limits     # every request reaches the key lookup

`--app-dir` points at another checkout (e.g. an older commit in a git worktree) to measure it with
the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = "https://coach.example"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(tmp: Path, app_dir: Path, no_limits: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "OPENAI_"))}
    env.update(
        RAPPORT_AUTH="keys",
        RAPPORT_ENGINE="scripted",
        RAPPORT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        PYTHONPATH=str(app_dir),
    )
    if no_limits:
        env.update(RAPPORT_RATE_LIMIT_PER_MINUTE="1000000000")
        env.update(RAPPORT_AUTH_FAILURES_PER_MINUTE="1000000000")
    return env


def rapport(env: dict[str, str], app_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def wait_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("the worker exited during start-up")
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the worker did not start")


def flood(key: str, n: int, padding: int = 1_000) -> list[dict[str, str]]:
    """Each request's headers: a new Origin (a new host, or the allowed one with a new query),
    or a new made-up key. Origins are padded to about `padding` bytes, as an attacker would."""
    pad = "a" * max(0, padding - 40)
    out = []
    for i in range(n):
        if i % 2:
            out.append({"Authorization": f"Bearer rk_{i:08d}{'x' * 35}"})
        elif i % 4:
            host = ".".join(pad[j : j + 60] for j in range(0, len(pad), 60))
            out.append({"Authorization": f"Bearer {key}", "Origin": f"https://s{i}.{host}.example"})
        else:
            out.append({"Authorization": f"Bearer {key}", "Origin": f"{ALLOWED}?v={i}&{pad}"})
    return out


async def send(base: str, requests: list[dict[str, str]], concurrency: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    queue = iter(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for headers in queue:
                status = (await client.get("/v1/personas", headers=headers)).status_code
                statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def run(args: argparse.Namespace) -> int:
    app_dir = Path(args.app_dir).resolve()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = environment(tmp, app_dir, args.no_limits)
        rapport(env, app_dir, "db", "upgrade")
        key = rapport(
            env, app_dir, "keys", "create", "--name", "bench", "--publishable", "--origin", ALLOWED
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
        command += ["--no-proxy-headers"]
        with open(tmp / "worker.log", "wb") as log:
            process = subprocess.Popen(command, cwd=app_dir, env=env, stdout=log, stderr=log)
        try:
            wait_up(base, process)
            growth = asyncio.run(measure(args, base, key, process.pid))
        except Exception:
            print((tmp / "worker.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 0 if growth <= args.budget_mb else 1


async def measure(args: argparse.Namespace, base: str, key: str, pid: int) -> float:
    warm = [{"Authorization": f"Bearer {key}", "Origin": ALLOWED}] * args.warmup
    warm += flood(key, 200, args.origin_bytes)  # every code path once, before the baseline
    await send(base, warm, args.concurrency)
    await asyncio.sleep(1)
    start = rss_mb(pid)
    print(f"worker pid {pid}: {start:.1f} MB after {len(warm):,} warm-up requests")
    load = flood(key, args.requests + 200, args.origin_bytes)[200:]
    step = max(1, len(load) // 4)
    statuses: dict[int, int] = {}
    began = time.perf_counter()
    for part in range(0, len(load), step):
        for status, count in (await send(base, load[part : part + step], args.concurrency)).items():
            statuses[status] = statuses.get(status, 0) + count
        print(f"  {min(part + step, len(load)):>6,} requests: {rss_mb(pid):.1f} MB")
    seconds = time.perf_counter() - began
    await asyncio.sleep(1)
    growth = rss_mb(pid) - start
    answered = ", ".join(f"{s}: {c:,}" for s, c in sorted(statuses.items()))
    print(f"answers: {answered} ({len(load) / seconds:,.0f} requests/s)")
    print(f"growth: {growth:+.1f} MB over {len(load):,} requests (budget {args.budget_mb} MB)")
    return growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--budget-mb", type=float, default=10.0)
    parser.add_argument("--no-limits", action="store_true", help="rate limits out of the way")
    parser.add_argument("--origin-bytes", type=int, default=1_000, help="length of each Origin")
    parser.add_argument("--app-dir", default=str(ROOT), help="the checkout to run")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
