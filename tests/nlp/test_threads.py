"""What a server's start-up loads: one thread for every OpenBLAS, and no scikit-learn.

OpenBLAS's default, one thread per core spinning between products, burnt a second core for
nothing (the evaluation suite's CPU time: 43 s -> 25 s for the same wall time with one thread,
app/nlp/threads.py). The matcher's trees run with onnxruntime; importing scikit-learn and scipy
to predict with them cost 1.7 s of every start-up. Checked in a fresh interpreter: in a test
worker, earlier tests have loaded everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.config import ROOT

PROBE = """
import asyncio, json, sys
from threadpoolctl import threadpool_info
from app.main import create_app

app = create_app()

async def start_and_stop():
    async with app.router.lifespan_context(app):
        pass

asyncio.run(start_and_stop())
blas = {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
modules = sorted(m for m in ("sklearn", "scipy") if m in sys.modules)
print(json.dumps({"blas": blas, "modules": modules}))
"""


def test_a_server_start_loads_one_blas_thread_and_no_scikit_learn(tmp_path: Path) -> None:
    unset = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")  # the process's own doing, not ours
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("RAPPORT_")}
    env |= {"RAPPORT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["blas"], "numpy's OpenBLAS is loaded with numpy"
    assert set(loaded["blas"].values()) == {1}, loaded["blas"]
    assert loaded["modules"] == [], "the matcher's trees run without scikit-learn"
