"""Measure one benchmark in a fresh process: ``python benchmarks/measure.py KIND CASE FOLDER``.

``KIND`` is ``engine``, ``reference``, ``batch``, ``kernels``, ``scaling``, ``draws``
(see ``kernels.py``) or ``prepare`` (write the synthetic worlds). The last line printed is
one JSON record with wall-clock seconds, iterations and the process's peak resident memory
(``VmHWM``), so each case's memory is measured on its own (the parent, ``run.py``, only
collects).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402


def _rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _peak_mb() -> float:
    """Peak resident set size of this process so far, MB (``VmHWM``).

    ``VmHWM`` restarts at ``exec``; ``ru_maxrss`` does not (on Linux it keeps the parent's
    size at ``fork``), so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _spin(n: int = 4_000_000) -> float:
    """A pure-Python CPU loop (no memory traffic); returns its wall time."""
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i
    return time.perf_counter() - t0


def control_speedup(workers: int = 2, tasks: int = 4) -> float:
    """Speed-up of ``tasks`` CPU-bound loops on a ``workers`` process pool over serial, right now.

    The ideal parallel speed-up the machine offers at the moment of the batch timing (it is
    well below ``workers`` when other jobs share the cores).
    """
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    for _ in range(tasks):
        _spin()
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_spin, [4_000_000] * workers))          # start the workers
        t0 = time.perf_counter()
        list(pool.map(_spin, [4_000_000] * tasks))
        parallel = time.perf_counter() - t0
    return serial / parallel


def _case(name: str) -> cases.Case:
    return next(c for c in cases.CASES if c.name == name)


def engine(name: str, folder: Path, repeat: int = 5) -> dict:
    """Time ``simulate`` on the case (baseline re-solve once, then best of ``repeat`` solves)."""
    from tradeshock.simulate import resolved_baseline, simulate

    case = _case(name)
    world = case.load(folder)
    shock = case.shock(world)
    rss_loaded = _rss_mb()
    t0 = time.perf_counter()
    _, eq0 = resolved_baseline(world, case.deficits)
    baseline_s = time.perf_counter() - t0
    times = []
    res = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = simulate(world, shock, case.deficits)
        times.append(time.perf_counter() - t0)
    d = res.diagnostics
    return {"kind": "engine", "case": name, "seconds": min(times), "seconds_all": times,
            "solver_seconds": d["seconds"], "iterations": d["iterations"],
            "inner_iterations": d["inner_iterations"], "baseline_seconds": baseline_s,
            "baseline_iterations": eq0.iterations,
            "residuals": [d["residual_price"], d["residual_expenditure"], d["residual_trade_balance"]],
            "converged": d["converged"], "rss_loaded_mb": rss_loaded, "peak_mb": _peak_mb(),
            "w_hat": res.w_hat.tolist()}


def reference(name: str, folder: Path) -> dict:
    """Time the reference algorithm on the case (its own baseline re-solve, then one solve)."""
    import reference as ref

    case = _case(name)
    world = case.load(folder)
    shock = case.shock(world)
    econ = ref.RefEconomy.from_world(world)
    rss_loaded = _rss_mb()
    t0 = time.perf_counter()
    base, it0, _ = ref.rebase(econ, case.deficits)
    baseline_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sol = ref.solve(base, shock.tariffs, shock.trade_cost_hat, deficits=case.deficits,
                    resolve_baseline=False)
    seconds = time.perf_counter() - t0
    return {"kind": "reference", "case": name, "seconds": seconds, "iterations": sol.iterations,
            "inner_iterations": sol.inner_iterations, "baseline_seconds": baseline_s,
            "baseline_iterations": it0,
            "residuals": [sol.residual_price, sol.residual_expenditure, sol.residual_trade_balance],
            "converged": sol.converged, "rss_loaded_mb": rss_loaded, "peak_mb": _peak_mb(),
            "w_hat": sol.w_hat.tolist()}


def batch(n_shocks: int = 40, workers: int = 2) -> dict:
    """Time ``solve_many`` on ``n_shocks`` cut-off shocks on ``default``: serial, processes, dask."""
    from tradeshock.parallel import close_dask, solve_many
    from tradeshock.simulate import resolved_baseline
    from tradeshock.world import load_world

    world = load_world("default")
    shocks = cases.cutoff_shocks(world, "CAN", n_shocks)
    t0 = time.perf_counter()
    resolved_baseline(world, "fixed")
    out = {"kind": "batch", "case": f"{n_shocks} cut-off shocks on default", "n": n_shocks,
           "workers": workers, "baseline_seconds": time.perf_counter() - t0}
    runs = {}
    for label, kw in (("serial", {"backend": "serial"}),
                      ("processes", {"backend": "processes", "workers": workers}),
                      ("dask_cold", {"backend": "dask", "workers": workers}),
                      ("dask_warm", {"backend": "dask", "workers": workers})):
        t0 = time.perf_counter()
        runs[label] = solve_many(world, shocks, **kw)
        out[label] = time.perf_counter() - t0
    close_dask()
    w0 = np.array([r.w_hat for r in runs["serial"]])
    out["max_diff_vs_serial"] = max(float(np.max(np.abs(np.array([r.w_hat for r in v]) / w0 - 1)))
                                    for v in runs.values())
    out["iterations_mean"] = float(np.mean([r.diagnostics["iterations"] for r in runs["serial"]]))
    out["control_speedup"] = control_speedup(workers)
    out["load_average"] = list(os.getloadavg())
    out["peak_mb"] = _peak_mb()
    return out


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "prepare":
        cases.prepare(Path(sys.argv[2]))
        record = {"kind": "prepare", "peak_mb": _peak_mb()}
    elif kind == "batch":
        record = batch(int(sys.argv[2]) if len(sys.argv) > 2 else 40)
    elif kind == "kernels":
        import kernels
        record = kernels.kernels_case(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    elif kind == "scaling":
        import kernels
        record = kernels.scaling(int(sys.argv[2]))
    elif kind == "draws":
        import kernels
        record = kernels.draws(int(sys.argv[2]), int(sys.argv[3]))
    elif kind == "engine":
        record = engine(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 5)
    else:
        record = reference(sys.argv[2], Path(sys.argv[3]))
    print(json.dumps(record))
