"""Elasticity draws against independent cold solves, side by side in one run.

Case: ``us-universal-10`` (a Canada scenario) on the ``default`` world, N draws of θ from the
default distributions (lognormal, ×/÷ 2 at 90%; seed 0). Two routes over the same draws, both on
a process pool of ``--workers`` processes:

* ``solve_draws``: :func:`tradeshock.parallel.solve_draws` (the engine's batch: each draw's
  baseline re-solve and counterfactual warm-started from the central solution);
* ``cold``: for every draw, ``simulate(world.replace(theta=θ_d), shock)`` from scratch (baseline
  re-solve and counterfactual from no change), the way a user without the batch path would.

Both give Canada's real income per draw; the script reports wall times, draws per second, the
ratio, and the largest difference between the two routes (they must agree to the solver
tolerance). Results go to ``benchmarks/draws.json`` and the section
``<!-- draws:start -->…<!-- draws:end -->`` of docs/performance.md.

Usage: ``python benchmarks/draws.py [--draws 1000] [--workers 2] [--no-docs]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "performance.md"
START, END = "<!-- draws:start -->", "<!-- draws:end -->"

_JOB: dict = {}


def _init(world, shock) -> None:
    _JOB.update(world=world, shock=shock)


def _cold(theta: np.ndarray) -> float:
    """One independent cold solve: Canada's real income (percent)."""
    from tradeshock.simulate import simulate

    w = _JOB["world"].replace(theta=np.asarray(theta))
    return float(simulate(w, _JOB["shock"]).welfare().loc["CAN", "real_income"])


class CanIncome:
    """Picklable reducer: Canada's exact real-income change in percent."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __call__(self, theta, base, eq0, eq) -> float:
        from tradeshock.model.welfare import real_income

        return 100.0 * float(real_income(base, eq)[self.k])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()

    from tradeshock import uncertainty as U
    from tradeshock.parallel import DrawFailure, solve_draws
    from tradeshock.runner import load_scenario
    from tradeshock.world import load_world

    w = load_world("default")
    sc = load_scenario("us-universal-10")
    shock = sc.to_shock(w)
    thetas = U.draw_thetas(U.default_distributions(w), args.draws, seed=0)
    k = w.countries.index("CAN")

    t0 = time.perf_counter()
    fast = solve_draws(w, shock, thetas, backend="processes", workers=args.workers,
                       reduce=CanIncome(k))
    t_fast = time.perf_counter() - t0
    failed = [f.index for f in fast if isinstance(f, DrawFailure)]

    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers, initializer=_init,
                             initargs=(w, shock)) as pool:
        cold = list(pool.map(_cold, thetas, chunksize=max(1, args.draws // (8 * args.workers))))
    t_cold = time.perf_counter() - t0

    ok = [i for i in range(args.draws) if i not in set(failed)]
    diff = float(np.max(np.abs(np.array([fast[i] for i in ok]) - np.array(cold)[ok]))) if ok else None
    vals = np.array([fast[i] for i in ok])
    rec = {
        "case": "us-universal-10 on default (41 x 35), Canada real income",
        "draws": args.draws, "workers": args.workers, "cores": os.cpu_count(),
        "solve_draws_seconds": round(t_fast, 1), "cold_seconds": round(t_cold, 1),
        "ratio_cold_over_draws": round(t_cold / t_fast, 2),
        "draws_per_second": round(args.draws / t_fast, 2),
        "cold_per_second": round(args.draws / t_cold, 2),
        "failed_draws": failed, "max_abs_difference_pp": diff,
        "can_real_income_p05_p50_p95": [round(float(x), 4) for x in
                                        np.quantile(vals, [0.05, 0.5, 0.95])] if ok else None,
        "load_average": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (HERE / "draws.json").write_text(json.dumps(rec, indent=2) + "\n")
    print(json.dumps(rec, indent=2))
    if not args.no_docs and DOC.exists():
        table = (f"{START}\n| route | {args.draws} draws, {args.workers} workers | draws/s |\n"
                 f"|---|---|---|\n"
                 f"| `solve_draws` (warm-started batch) | {t_fast:.1f} s | {args.draws / t_fast:.1f} |\n"
                 f"| independent cold solves | {t_cold:.1f} s | {args.draws / t_cold:.1f} |\n\n"
                 f"Ratio {t_cold / t_fast:.2f}x; largest difference in Canada's real income "
                 f"between the routes {diff:.1e} pp; failed draws {len(failed)}; load average "
                 f"{rec['load_average']:.1f} at the start ({rec['date']}).\n{END}")
        text = DOC.read_text()
        if START in text:
            a, b = text.index(START), text.index(END) + len(END)
            text = text[:a] + table + text[b:]
            DOC.write_text(text)


if __name__ == "__main__":
    main()
