"""Lockstep batches against one-by-one solves, side by side in one run, on one thread.

Three problems, two on the ``default`` world (41 × 35):

* ``batch``: the 40 cut-off shocks of ``make bench`` (Canada loses each of its 40 largest
  (supplier, sector) imports) on the cached re-solved baseline, through
  :func:`tradeshock.model.batch.solve_batch` with ``lockstep=True`` (the default) and
  ``lockstep=False`` (a loop of :func:`tradeshock.model.solve`);
* ``draws``: 1,000 elasticity draws for ``us-universal-10`` (default distributions, seed 0),
  each a baseline re-solve and a counterfactual, through
  :func:`tradeshock.model.batch.solve_draws` with and without lockstep (as one worker of
  ``parallel.solve_draws`` runs them);
* ``small``: 40 tariff shocks on ``random_world(10, 5)``, where the arithmetic is negligible and
  a solve is almost all per-step overhead (what lockstep shares).

The routes alternate repeat by repeat, so the machine's load hits both alike, and each keeps its
minimum CPU time of this thread (``time.thread_time``: time the scheduler gave to other jobs is
not counted; BLAS and Numba are held to one thread). Also reported: the largest difference
between the routes (ŵ; Canada's real income for the draws) and the outer iterations.

Results go to ``benchmarks/results_lockstep.json`` and the section
``<!-- lockstep:start -->…<!-- lockstep:end -->`` of docs/performance.md.

Usage: ``python benchmarks/lockstep.py [--repeat 7] [--draws 1000] [--draw-repeat 3] [--no-docs]``
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DOC = HERE.parent / "docs" / "performance.md"
START, END = "<!-- lockstep:start -->", "<!-- lockstep:end -->"

import cases  # noqa: E402


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _alternate(variants: dict, repeat: int) -> dict[str, list[float]]:
    """CPU seconds of every variant, repeat by repeat in turn (each run once first, to warm up)."""
    for f in variants.values():
        f()
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(repeat):
        for k, f in variants.items():
            t0 = time.thread_time()
            f()
            times[k].append(time.thread_time() - t0)
    return times


def batch(repeat: int, small: bool = False) -> dict:
    """The 40 cut-off shocks on ``default`` (or 40 tariff shocks on a small synthetic world)."""
    from tradeshock.model.batch import solve_batch
    from tradeshock.simulate import resolved_baseline
    from tradeshock.synthetic import random_world
    from tradeshock.world import load_world

    if small:
        w = random_world(10, 5, seed=0)
        base, _ = resolved_baseline(w, "fixed")
        taus, dh = [], []
        for m in range(40):
            t = np.array(base.tariffs, copy=True)
            t[m % 10, :, :] += 0.05 + 0.01 * m
            t[m % 10, m % 10, :] = 0.0
            taus.append(t)
            dh.append(np.ones_like(t))
        what = "40 tariff shocks on random_world(10, 5)"
    else:
        w = load_world("default")
        shocks = cases.cutoff_shocks(w, "CAN", 40)
        base, _ = resolved_baseline(w, "fixed")
        taus = [np.asarray(s.tariffs) for s in shocks]
        dh = [np.asarray(s.trade_cost_hat) for s in shocks]
        what = "40 cut-off shocks on default (41 x 35)"
    got: dict[str, list] = {}

    def run(lockstep: bool):
        def f():
            got[str(lockstep)] = solve_batch(base, taus, dh, base.deficit, lockstep=lockstep)
        return f

    times = _alternate({"lockstep": run(True), "one_by_one": run(False)}, repeat)
    a, b = got["True"], got["False"]
    return {"problem": what, "members": len(taus),
            "cpu_seconds": times, "min_cpu_seconds": {k: min(v) for k, v in times.items()},
            "ms_per_solve": {k: 1e3 * min(v) / len(taus) for k, v in times.items()},
            "outer_iterations": [e.iterations for e in a],
            "same_iterations": [e.iterations for e in a] == [e.iterations for e in b],
            "max_rel_diff_w_hat": max(float(np.max(np.abs(x.w_hat / y.w_hat - 1)))
                                      for x, y in zip(a, b, strict=True))}


class CanIncome:
    """Canada's exact real-income change per draw, percent."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __call__(self, theta, base, eq0, eq) -> tuple[float, int, int]:
        from tradeshock.model.welfare import real_income

        return 100.0 * float(real_income(base, eq)[self.k]), eq0.iterations, eq.iterations


def draws(n_draws: int, repeat: int) -> dict:
    """``n_draws`` elasticity draws of us-universal-10 on ``default``: lockstep vs one-by-one."""
    from tradeshock import uncertainty as U
    from tradeshock.model import baseline_from_world, solve
    from tradeshock.model.batch import solve_draws
    from tradeshock.runner import load_scenario
    from tradeshock.simulate import resolved_baseline
    from tradeshock.world import load_world

    w = load_world("default")
    shock = load_scenario("us-universal-10").to_shock(w)
    thetas = U.draw_thetas(U.default_distributions(w), n_draws, seed=0)
    raw = baseline_from_world(w)
    base_c, eq0_c = resolved_baseline(w, "fixed")
    tau, dhat = np.asarray(shock.tariffs), np.asarray(shock.trade_cost_hat)
    eq_c = solve(base_c, tau, dhat, base_c.deficit)
    reduce = CanIncome(w.countries.index("CAN"))
    got: dict[str, list] = {}

    def run(lockstep: bool):
        def f():
            got[str(lockstep)] = solve_draws(raw, thetas, tau, dhat, deficit_base=base_c.deficit,
                                             central=(eq0_c, eq_c), reduce=reduce,
                                             lockstep=lockstep)
        return f

    # warm the compiled kernels on a few draws (not the whole run twice)
    solve_draws(raw, thetas[:4], tau, dhat, deficit_base=base_c.deficit, central=(eq0_c, eq_c))
    times: dict[str, list[float]] = {"lockstep": [], "one_by_one": []}
    for _ in range(repeat):
        for k, f in (("lockstep", run(True)), ("one_by_one", run(False))):
            t0 = time.thread_time()
            f()
            times[k].append(time.thread_time() - t0)
    a, b = got["True"], got["False"]
    return {"problem": f"{n_draws} elasticity draws, us-universal-10 on default (41 x 35)",
            "draws": n_draws, "cpu_seconds": times,
            "min_cpu_seconds": {k: min(v) for k, v in times.items()},
            "ms_per_draw": {k: 1e3 * min(v) / n_draws for k, v in times.items()},
            "ms_per_solve": {k: 1e3 * min(v) / (2 * n_draws) for k, v in times.items()},
            "mean_outer_iterations": [float(np.mean([x[1] for x in a])),
                                      float(np.mean([x[2] for x in a]))],
            "same_iterations": [x[1:] for x in a] == [x[1:] for x in b],
            "max_abs_diff_can_real_income_pp": float(max(abs(x[0] - y[0])
                                                         for x, y in zip(a, b, strict=True)))}


def table(rec: dict) -> str:
    """The markdown block between the lockstep markers."""
    rows = []
    for key, what, unit in (("batch", "default 41 × 35: 40 cut-off shocks (`solve_batch`)",
                             "ms_per_solve"),
                            ("draws", f"default 41 × 35: {rec['draws']['draws']:,} elasticity "
                                      "draws (`solve_draws`, 2 solves each)", "ms_per_solve"),
                            ("small", "`random_world(10, 5)`: 40 tariff shocks (`solve_batch`; "
                                      "overhead-bound)", "ms_per_solve")):
        r = rec[key]
        lo, one = r[unit]["lockstep"], r[unit]["one_by_one"]
        tl, to = r["min_cpu_seconds"]["lockstep"], r["min_cpu_seconds"]["one_by_one"]
        diff = (f"{r['max_rel_diff_w_hat']:.1e} (rel. ŵ)" if key != "draws"
                else f"{r['max_abs_diff_can_real_income_pp']:.1e} pp (CAN real income)")
        rows.append(f"| {what} | {one:.2f} ms ({to:.2f} s) | {lo:.2f} ms ({tl:.2f} s) "
                    f"| {one / lo:.2f}× | {'yes' if r['same_iterations'] else 'no'} | {diff} |")
    m = rec["machine"]
    return (f"{START}\n| problem (one thread, min CPU time of repeats) "
            "| one by one, per solve (total) | lockstep, per solve (total) | speed-up "
            "| same iterations | max difference |\n|---|---:|---:|---:|---|---|\n"
            + "\n".join(rows) + "\n\n"
            f"Repeats: {rec['repeat']} (batch), {rec['draw_repeat']} (draws), alternated. "
            f"Machine: {m['cpu']}, {m['cores']} cores shared with other jobs; {m['date']}; "
            f"load average {m['load_start']:.1f} at the start, {m['load_end']:.1f} at the end "
            "(CPU-time minima, which the load inflates less than wall time).\n" + END)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--draw-repeat", type=int, default=3)
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rec = {"batch": batch(args.repeat), "small": batch(args.repeat, small=True),
           "draws": draws(args.draws, args.draw_repeat),
           "repeat": args.repeat, "draw_repeat": args.draw_repeat}
    rec["machine"] = {"cpu": _cpu(), "cores": os.cpu_count(), "date": date, "load_start": load0,
                      "load_end": os.getloadavg()[0], "python": platform.python_version(),
                      "numpy": np.__version__}
    (HERE / "results_lockstep.json").write_text(json.dumps(rec, indent=2) + "\n")
    print(json.dumps({k: rec[k] for k in ("batch", "small", "draws")}, indent=2, default=str)[:3000])
    text = table(rec)
    print(text)
    if not args.no_docs and DOC.exists():
        doc = DOC.read_text()
        if START in doc:
            a, b = doc.index(START), doc.index(END) + len(END)
            doc = doc[:a] + text + doc[b:]
        else:
            doc = doc.rstrip("\n") + "\n\n## Lockstep batches\n\n" + text + "\n"
        DOC.write_text(doc)


if __name__ == "__main__":
    main()
