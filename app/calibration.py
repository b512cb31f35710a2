"""How fast this machine runs plain Python at the moment a benchmark starts.

The machines here are shared virtual ones: the same loop took 1.15 s and 3.1 s within one hour
of one session, and every benchmark figure moved with it. Each benchmark prints this yardstick
beside its figures, so runs can be compared with the machine's speed in view.
"""

from __future__ import annotations

import time

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
