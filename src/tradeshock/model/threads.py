"""The engine's BLAS calls run on one thread while it solves.

Its matrix products are small (N × N Jacobians, N·J × N predictions, m × m Anderson systems),
too small to gain from more threads, and idle OpenBLAS threads spin on the other cores after
each call: measured on 2 cores, lockstep chunks of 12 or more members took twice the CPU time
with two BLAS threads, and process-pool workers slowed each other down. Parallel work comes
from :mod:`tradeshock.parallel` (one core per worker) instead.

The limit is taken on entry to the outermost solve of the main thread and restored when it
leaves (nested solves, e.g. a lockstep batch falling back to one-by-one solves, keep it).
Solves in other threads (the dashboard's jobs) leave BLAS alone: OpenBLAS does not apply a
thread count set from them, and a limit shared by concurrent solves would be restored by
whichever left first. Without ``threadpoolctl`` (or with a BLAS it does not know) it does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["one_blas_thread"]

_STATE: dict[str, Any] = {"depth": 0, "limiter": None, "controller": None}


def _controller() -> Any:
    """A ``threadpoolctl.ThreadpoolController`` (found once: about 2 ms), or None."""
    if _STATE["controller"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # optional at run time: the limit is a speed-up, not a result
            _STATE["controller"] = False
        else:
            _STATE["controller"] = ThreadpoolController()
    return _STATE["controller"] or None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread inside the block, in the main thread (about 10 µs per entry)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _STATE["depth"] == 0:
        ctl = _controller()
        _STATE["limiter"] = ctl.limit(limits=1, user_api="blas") if ctl is not None else None
    _STATE["depth"] += 1
    try:
        yield
    finally:
        _STATE["depth"] -= 1
        if _STATE["depth"] == 0 and _STATE["limiter"] is not None:
            _STATE["limiter"].restore_original_limits()
            _STATE["limiter"] = None
