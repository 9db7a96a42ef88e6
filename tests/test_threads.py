"""The engine holds BLAS to one thread while it solves and gives the caller's setting back."""

from __future__ import annotations

import threading

import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

from tradeshock.model import solver  # noqa: E402
from tradeshock.model.threads import one_blas_thread  # noqa: E402


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


@pytest.fixture()
def two_blas_threads():
    if not _blas_threads():
        pytest.skip("no BLAS that threadpoolctl controls")
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        yield


def test_limit_nests_and_restores(two_blas_threads):
    before = _blas_threads()
    with one_blas_thread():
        outer = _blas_threads()
        with one_blas_thread():
            inner = _blas_threads()
        still = _blas_threads()                 # the inner exit does not restore early
    assert set(outer) == set(inner) == set(still) == {1}
    assert _blas_threads() == before


def test_solves_in_other_threads_leave_blas_alone(two_blas_threads):
    """Only the main thread limits: a job thread's solve neither sets nor restores the limit."""
    before, seen = _blas_threads(), []

    def job():
        with one_blas_thread():
            seen.extend(_blas_threads())

    with one_blas_thread():
        t = threading.Thread(target=job)
        t.start()
        t.join()
        held = _blas_threads()                  # the job's exit did not restore the main limit
    assert set(seen) == set(held) == {1}
    t = threading.Thread(target=job)
    seen.clear()
    t.start()
    t.join()
    assert seen == before and _blas_threads() == before


def test_solve_runs_with_one_blas_thread(two_blas_threads, monkeypatch):
    from tradeshock.simulate import resolved_baseline
    from tradeshock.synthetic import random_world

    world = random_world(4, 3, seed=1)
    base, _ = resolved_baseline(world, "fixed")
    seen: list[list[int]] = []
    inner = solver._solve

    def spy(*args, **kw):
        seen.append(_blas_threads())
        return inner(*args, **kw)

    monkeypatch.setattr(solver, "_solve", spy)
    before = _blas_threads()
    solver.solve(base, base.tariffs * 1.1)
    assert seen and all(set(s) == {1} for s in seen)
    assert _blas_threads() == before
