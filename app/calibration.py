"""How fast this machine runs plain Python at the moment a benchmark starts.

The machines here are shared virtual ones: the same loop took 1.15 s and 3.1 s within one hour
of one session, and every benchmark figure moved with it. Each benchmark prints this yardstick
beside its figures, so runs can be compared with the machine's speed in view.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STEPS = 5_000_000


def python_loop_seconds(rounds: int = 3) -> float:
    """Seconds for a 5-million-step Python loop, fastest of `rounds` (as timeit reports)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for step in range(STEPS):
            total += step
        best = min(best, time.perf_counter() - started)
    return best


def describe() -> str:
    return f"plain-Python yardstick: a {STEPS:,}-step loop in {python_loop_seconds():.2f} s"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process, from /proc (Linux): what a served worker
    spends, apart from the load generator sharing the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
