"""Generate the tables of docs/elasticities.md: θ by sector in every set, results under each set.

Rewrites the blocks between ``<!-- <name>:start -->`` and ``<!-- <name>:end -->`` markers:

* ``theta``: θ by WIOD sector in every packaged set of the ``default`` world, with the default
  distribution's 90% interval;
* ``results``: the main Canada scenarios solved under each set (Canada's real income, Canada's
  exports to the US, Canada's refined-petroleum and mining exports to the US);
* ``bands``: ``us-universal-10`` with elasticity draws (p05/p50/p95 and band widths) and the
  tornado of Canada's real income.

Usage: ``python benchmarks/elasticity_sets.py [--draws 100] [--no-docs]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "elasticities.md"

SETS = ("tradeshock2024", "cp2015", "broda_weinstein", "uniform5", "simonovska_waugh")
SCENARIOS = ("us-universal-10", "status-quo-2026-03", "china-canola-retaliation-2025",
             "canada-china-deal-2026", "cusma-termination", "asia-energy-pivot")


def theta_table(w) -> str:
    from tradeshock import uncertainty as U

    d = U.default_distributions(w).table().set_index("sector")
    head = "| sector | " + " | ".join(f"`{s}`" for s in SETS) + " | default 90% band |\n"
    head += "|---" * (len(SETS) + 2) + "|\n"
    rows = []
    for k, s in enumerate(w.sectors):
        vals = " | ".join(f"{w.elasticities[x][k]:.2f}" for x in SETS)
        rows.append(f"| {s} | {vals} | {d.loc[s, 'p05']:.2f}–{d.loc[s, 'p95']:.2f} |")
    return head + "\n".join(rows) + "\n"


def _flow_pct(res, exporter: str, importer: str, sector: str | None = None) -> float:
    w = res.world
    i, n = w.countries.index(exporter), w.countries.index(importer)
    b, c = res.flows_base[n, i], res.flows_cf[n, i]
    if sector is not None:
        j = w.sectors.index(sector)
        return 100 * (c[j] / b[j] - 1)
    return 100 * (c.sum() / b.sum() - 1)


def results_table(w) -> tuple[str, dict]:
    from tradeshock.runner import load_scenario
    from tradeshock.simulate import simulate

    out: dict = {}
    lines = ["| scenario | quantity | " + " | ".join(f"`{s}`" for s in SETS) + " |",
             "|---|---" + "|---" * len(SETS) + "|"]
    worlds = {s: w.with_elasticities(s) for s in SETS}
    for name in SCENARIOS:
        sc = load_scenario(name)
        rs = {s: simulate(worlds[s], sc) for s in SETS}
        q = {
            "Canada real income %": {s: float(r.welfare().loc["CAN", "real_income"])
                                     for s, r in rs.items()},
            "Canada→US exports %": {s: _flow_pct(r, "CAN", "USA") for s, r in rs.items()},
        }
        if name == "us-universal-10":
            q["Canada→US refined petroleum %"] = {s: _flow_pct(r, "CAN", "USA", "petroleum")
                                                  for s, r in rs.items()}
            q["Canada→US mining %"] = {s: _flow_pct(r, "CAN", "USA", "mining")
                                       for s, r in rs.items()}
            q["US real income %"] = {s: float(r.welfare().loc["USA", "real_income"])
                                     for s, r in rs.items()}
        out[name] = q
        for label, vals in q.items():
            digits = 2 if "income" in label else 1
            lines.append(f"| {name} | {label} | " + " | ".join(f"{vals[s]:+.{digits}f}"
                                                                 for s in SETS) + " |")
    return "\n".join(lines) + "\n", out


def bands_table(w, draws: int) -> tuple[str, dict]:
    from tradeshock import uncertainty as U
    from tradeshock.runner import load_scenario

    sc = load_scenario("us-universal-10")
    t0 = time.perf_counter()
    u = U.run_draws(w, sc, draws, seed=0, tornado_country="CAN")
    secs = time.perf_counter() - t0
    rows = [("Canada real income %", "welfare", "real_income", {"country": "CAN"}),
            ("US real income %", "welfare", "real_income", {"country": "USA"}),
            ("Mexico real income %", "welfare", "real_income", {"country": "MEX"}),
            ("Canada→US exports %", "exports", "change_pct", {"country": "CAN", "partner": "USA"}),
            ("Canada→China exports %", "exports", "change_pct", {"country": "CAN", "partner": "CHN"})]
    lines = ["| quantity | point | p05 | p50 | p95 | width p95−p05 |", "|---|---|---|---|---|---|"]
    rec = {}
    for label, table, col, where in rows:
        p, lo, mid, hi = u.band(table, col, **where)
        rec[label] = [p, lo, mid, hi]
        d = 3 if "income" in label else 1
        lines.append(f"| {label} | {p:+.{d}f} | {lo:+.{d}f} | {mid:+.{d}f} | {hi:+.{d}f} | "
                     f"{hi - lo:.{d}f} |")
    text = "\n".join(lines) + "\n\n"
    text += (f"{u.n_ok} of {u.draws} draws solved ({len(u.failures)} failed), seed 0, "
             f"{secs:.0f} s on a 2-core machine (load average {os.getloadavg()[0]:.1f}) including "
             "the tornado.\n\n")
    tor = u.tornado.head(8)
    text += "| sector | θ | θ p05 → p95 | Canada real income at p05 → p95 | swing (pp) |\n"
    text += "|---|---|---|---|---|\n"
    for r in tor.itertuples(index=False):
        text += (f"| {r.sector} | {r.theta:.2f} | {r.theta_p05:.2f} → {r.theta_p95:.2f} | "
                 f"{r.value_at_p05:+.3f} → {r.value_at_p95:+.3f} | {r.swing:.3f} |\n")
    rec["tornado"] = tor.to_dict(orient="records")
    return text, rec


def _replace(text: str, name: str, block: str) -> str:
    a, b = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if a not in text:
        return text
    i, j = text.index(a) + len(a), text.index(b)
    return text[:i] + "\n" + block + text[j:]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    from tradeshock.world import load_world

    w = load_world("default")
    th = theta_table(w)
    res_md, res = results_table(w)
    bands_md, bands = bands_table(w, args.draws)
    (HERE / "elasticity_sets.json").write_text(json.dumps(
        {"results": res, "bands": bands, "draws": args.draws}, indent=2, default=float) + "\n")
    print(th, res_md, bands_md, sep="\n")
    if not args.no_docs and DOC.exists():
        text = DOC.read_text()
        for name, block in (("theta", th), ("results", res_md), ("bands", bands_md)):
            text = _replace(text, name, block)
        DOC.write_text(text)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
