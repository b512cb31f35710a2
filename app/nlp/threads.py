"""One thread per process for the numeric libraries: OpenBLAS and onnxruntime.

numpy (and scipy, where scikit-learn's training tools load it) bundle OpenBLAS, which starts one
thread per core and, after each matrix product, keeps those threads spinning on the CPU for a
while in case another one follows. Our products are small (a message against a few hundred rows
of 256 or 384 numbers, microseconds of work), so the extra threads save nothing and the spinning
burns a second core: the evaluation suite took 43 s of CPU for 24 s of wall time with the
default, 25 s of CPU for the same wall time with one thread (docs/benchmarks.md). onnxruntime's
pools are the same story for a turn's one short sequence. Several API workers share a machine's
cores, and what one worker spins away the others lose.

threadpoolctl is the public way to set OpenBLAS's count; a limit set by a call (not a `with`
block) holds for the process, for the libraries loaded by then.
"""

from __future__ import annotations

from pathlib import Path

import onnxruntime
from threadpoolctl import threadpool_limits


def one_blas_thread() -> None:
    """Limit every OpenBLAS loaded so far to one thread (~1 ms; idempotent)."""
    threadpool_limits(limits=1, user_api="blas")


def onnx_session(path: Path) -> onnxruntime.InferenceSession:
    """An onnxruntime session on the CPU with one thread for a node and one for the graph."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
