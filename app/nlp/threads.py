"""One BLAS thread per process.

numpy (and scipy, which scikit-learn loads with the matcher's trees) bundle OpenBLAS, which
starts one thread per core and, after each matrix product, keeps those threads spinning on the
CPU for a while in case another one follows. Our products are small (a message against a few
hundred rows of 256 or 384 numbers, microseconds of work), so the extra threads save nothing
and the spinning burns a second core: the evaluation suite took 43 s of CPU for 24 s of wall
time with the default, 25 s of CPU for the same wall time with one thread (docs/benchmarks.md).
Several API workers share a machine's cores, and what one worker spins away the others lose.

threadpoolctl is the public way to set it; a limit set by a call (not a `with` block) holds for
the process, for the libraries loaded by then, so it is applied again after each library that
brings its own OpenBLAS is loaded.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def one_blas_thread() -> None:
    """Limit every OpenBLAS loaded so far to one thread (~1 ms; idempotent)."""
    threadpool_limits(limits=1, user_api="blas")
