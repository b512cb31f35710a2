"""Every OpenBLAS a process loads runs one thread once the models are in (app/nlp/threads.py).

The default, one thread per core that spins between products, burnt a second core for nothing:
the evaluation suite's CPU time went from 43 s to 25 s for the same wall time with one.
Checked in a fresh interpreter: in a test worker, an earlier test has loaded everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.config import ROOT

PROBE = """
import json
from threadpoolctl import threadpool_info
def blas():
    return {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
from app.feedback.embed import model
from app.dialogue.understand import _trees
before = blas()
model()
embeddings = blas()
_trees()
print(json.dumps([before, embeddings, blas()]))
"""


def test_every_blas_library_runs_one_thread_once_the_models_are_loaded() -> None:
    unset = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")  # the process's own doing, not ours
    env = {k: v for k, v in os.environ.items() if k not in unset}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    before, embeddings, trees = json.loads(out.stdout.strip().splitlines()[-1])
    assert before, "numpy's OpenBLAS is loaded with numpy"
    assert set(embeddings.values()) == {1}, embeddings  # the embedding model's first load
    assert len(trees) > len(embeddings), "scikit-learn brings scipy's OpenBLAS with the trees"
    assert set(trees.values()) == {1}, trees
