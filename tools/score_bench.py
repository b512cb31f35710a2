"""How long `rapport score` takes on the committed 30-turn WebVTT meeting, and what the progress
pages cost to draw (docs/benchmarks.md, "Real conversations and progress").

    .venv/bin/python tools/score_bench.py [--runs 10]

The command is timed as a user runs it, interpreter start to exit, wall clock and CPU (user +
system, which a busy machine inflates less); then, in this process, reading and scoring the file
once warm, and drawing a learner's page of 20 conversations; then the coach view over HTTP, in
process on a fresh SQLite file, with `--learners` x `--conversations` stored transcripts.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEETING = ROOT / "evals" / "data" / "transcripts" / "coffee-chat-marisol.vtt"
RAPPORT = Path(sys.executable).with_name("rapport")


def command_times(runs: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [str(RAPPORT), "score", str(MEETING), "--me", "Alex", "--json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def in_process() -> dict[str, float]:
    from app.feedback.report import Report
    from app.progress.page import learner_page
    from app.progress.trends import Point, move_shares, trend
    from app.transcripts.parse import decode, parse
    from app.transcripts.score import score

    data = MEETING.read_bytes()
    score(parse(decode(data)), "Alex")  # loads the analyzer's model
    started = time.perf_counter()
    scored = score(parse(decode(data)), "Alex")
    scoring = time.perf_counter() - started
    report: Report = scored.report
    feedback = [line.feedback for line in scored.lines if line.feedback is not None]
    points = [
        Point(
            str(n),
            datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=n),
            "imported",
            "Marisol Vega (real conversation)",
            "imported",
            True,
            report,
            move_shares(feedback),
        )
        for n in range(20)
    ]
    started = time.perf_counter()
    learner_page("alex", points, trend(points))
    page = time.perf_counter() - started
    return {"score": scoring, "page": page}


async def coach_view(learners: int, conversations: int) -> dict[str, float]:
    """The coach view over HTTP (in process, a fresh SQLite file): `learners` learners with
    `conversations` stored transcripts each (the meeting, 30 messages with feedback)."""
    import tempfile

    import httpx

    from app.config import Settings
    from app.db import upgrade_to_head
    from app.main import create_app
    from app.repositories import KeyRepository
    from app.services.keys import KeyService

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade_to_head(url)
        settings = Settings(
            database_url=url, engine="scripted", auth="keys", rate_limit_per_minute=100_000
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with app.state.runtime.db.transaction() as session:
                key = (await KeyService(KeyRepository(session)).create("bench")).plain
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers
            ) as client:
                body = {"transcript": MEETING.read_text(), "me": "Alex", "store": True}
                for n in range(learners * conversations):
                    stored = await client.post(
                        "/v1/transcripts", json={**body, "user_ref": f"learner-{n % learners}"}
                    )
                    stored.raise_for_status()
                timings = {}
                for name, path in (
                    ("json", f"/v1/learners?limit={learners}"),
                    ("again", f"/v1/learners?limit={learners}"),
                    ("html", f"/v1/learners.html?limit={learners}"),
                    ("learner", "/v1/learners/learner-0/progress.html"),
                ):
                    started = time.perf_counter()
                    (await client.get(path)).raise_for_status()
                    timings[name] = time.perf_counter() - started
                return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--learners", type=int, default=25)
    parser.add_argument("--conversations", type=int, default=8)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    walls, cpus = command_times(args.runs)
    inside = in_process()
    print(f"load average (1 min) at start: {load:.2f}, {os.cpu_count()} cores")
    print(
        f"rapport score --json, {args.runs} runs: wall median {statistics.median(walls):.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f}); CPU median "
        f"{statistics.median(cpus):.2f} s (min {min(cpus):.2f})"
    )
    print(f"in process, warm: read + score 30 turns {inside['score'] * 1000:.0f} ms")
    print(f"a learner's progress page of 20 conversations: {inside['page'] * 1000:.0f} ms")
    import asyncio

    coach = asyncio.run(coach_view(args.learners, args.conversations))
    print(
        f"coach view, {args.learners} learners x {args.conversations} stored transcripts: "
        f"GET /v1/learners {coach['json'] * 1000:.0f} ms (again, its points cached: "
        f"{coach['again'] * 1000:.0f} ms), /v1/learners.html "
        f"{coach['html'] * 1000:.0f} ms, one learner's page {coach['learner'] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
