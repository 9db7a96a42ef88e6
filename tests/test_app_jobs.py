"""The dashboard's job pool for real: a job past the time limit is stopped (its worker process is
killed and replaced), a full queue refuses with a message, identical jobs are joined."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("dash")

from tradeshock.app.jobs import Busy, JobPool  # noqa: E402
from tradeshock.app.service import job_key  # noqa: E402


def _wait(cond, timeout=120.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_time_limit_queue_limit_and_joining():
    pool = JobPool(workers=1, queue_limit=1, time_limit=1.0, warm=())
    try:
        long = {"scenario": "china-canola-retaliation-2025"}  # 64 solves and a cold worker: beyond 1 s
        a = pool.submit("attribute", long, job_key("attribute", long), label="long")
        assert pool.submit("attribute", long, job_key("attribute", long)) is a   # joined, not queued twice
        _wait(lambda: a.state == "running")
        other = {"scenario": "us-universal-10"}
        b = pool.submit("run", other, job_key("run", other), label="queued")
        assert pool.position(b) == 0
        third = {"scenario": "asia-energy-pivot"}
        with pytest.raises(Busy, match="busy"):
            pool.submit("run", third, job_key("run", third))
        pool.wait(a, 60)
        assert a.state == "failed" and "time limit" in a.error and a.elapsed < 15
        _wait(lambda: b.state in ("done", "failed"), 120)    # the fresh worker takes the next job
        info = pool.info()
        assert info["timeouts"] >= 1 and info["restarts"] >= 1 and info["rejected"] == 1
    finally:
        pool.close()


def test_target_task_on_a_base_scenario_is_the_python_api():
    # the Strategy page's target job names its base scenario; the search must start from the
    # whole scenario (its EV quota included), exactly as solve_target does
    from tradeshock.analysis.targets import Lever, solve_target
    from tradeshock.app.worker import TASKS
    from tradeshock.world import load_world

    payload = {"country": "CAN", "target": "exports x1.0", "lever": "trade_cost", "partners": ["CHN"],
               "base": "canada-china-deal-2026"}
    got = TASKS["target"](payload, lambda text: None)
    ref = solve_target(load_world("default"), "CAN", "exports x1.0", Lever("trade_cost", ("CHN",)),
                       base="canada-china-deal-2026")
    assert got.start == pytest.approx(ref.start, rel=1e-12)
    assert got.value == pytest.approx(ref.value, rel=1e-9) and got.reached
    assert got.result.meta["quotas"] and got.result.meta["quotas"] == ref.result.meta["quotas"]
