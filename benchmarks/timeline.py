"""Benchmark: ``tradeshock timeline`` warm-started against cold starts, side by side in one run.

    PYTHONPATH=src python benchmarks/timeline.py [END]

Solves every policy date from 2025-01-01 to END (default 2026-12-02) on the default world twice,
each solve starting from the previous date's solution (warm) and from the baseline (cold), and
writes ``benchmarks/timeline.json``: solve seconds and iterations of both (compilation of the
measures and the province tables excluded, timed separately), the whole run with the provinces as
the command runs it, and the largest difference in real income between the two (both are
certified to the same tolerance).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

import tradeshock as ts
from tradeshock.analysis.timeline import timeline


def main(end: str = "2026-12-02") -> dict:
    w = ts.load_world("default")
    ts.simulate(w)                        # re-solved baseline cached for both runs
    out = {"world": "default", "end": end}
    runs = {}
    for label, warm in (("warm", True), ("cold", False), ("warm_again", True)):
        t0 = time.perf_counter()
        tl = timeline(w, "2025-01-01", end, provinces=False, warm=warm)
        total = time.perf_counter() - t0
        s = tl.solves
        runs[label] = tl
        out[label] = {"dates": len(s), "solve_seconds": round(float(s["seconds"].sum()), 3),
                      "solve_seconds_no_quota": round(float(s.loc[s["quotas"] == 0, "seconds"].sum()), 3),
                      "iterations_no_quota": int(s.loc[s["quotas"] == 0, "iterations"].sum()),
                      "total_seconds": round(total, 2)}
    t0 = time.perf_counter()                 # as the command runs it: with the provinces
    timeline(w, "2025-01-01", end, provinces=True, warm=True)
    out["with_provinces_total_seconds"] = round(time.perf_counter() - t0, 2)
    out["max_abs_diff_real_income_pct"] = float(np.abs(runs["warm"].wide().to_numpy()
                                                      - runs["cold"].wide().to_numpy()).max())
    Path(__file__).with_name("timeline.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:]), indent=1))
