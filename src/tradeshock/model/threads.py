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

_STATE: dict[str, Any] = {"depth": 0, "saved": [], "blas": None}


def _blas() -> list[Any]:
    """The loaded BLAS libraries' thread controls (``threadpoolctl``; found once: about 2 ms)."""
    if _STATE["blas"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # optional at run time: the limit is a speed-up, not a result
            _STATE["blas"] = []
        else:
            _STATE["blas"] = list(ThreadpoolController().select(user_api="blas").lib_controllers)
    return _STATE["blas"]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread inside the block, in the main thread (about 2 µs per entry)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _STATE["depth"] == 0:
        saved = [(lib, lib.get_num_threads()) for lib in _blas()]
        _STATE["saved"] = [(lib, n) for lib, n in saved if n != 1]
        for lib, _ in _STATE["saved"]:
            lib.set_num_threads(1)
    _STATE["depth"] += 1
    try:
        yield
    finally:
        _STATE["depth"] -= 1
        if _STATE["depth"] == 0:
            for lib, n in _STATE["saved"]:
                lib.set_num_threads(n)
            _STATE["saved"] = []
