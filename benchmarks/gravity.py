"""Gravity estimation speed: pyfixest HDFE PPML on the full panel beside a dense-dummy GLM.

One process, one run, side by side:

* ``tradeshock.gravity.estimate`` (pyfixest ``fepois``) on the Advanced Guide panel with three
  sets of high-dimensional fixed effects (exporter-year, importer-year, pair): all 21 years
  1986-2006 (99,981 rows) and the book's 4-year panel (28,566 rows);
* the same PPML on a subsample of countries, once by pyfixest and once as a plain Poisson GLM
  with a dense dummy matrix (IRLS, least squares every step: what dummy-variable tools do),
  with the coefficients compared.

Usage: ``python benchmarks/gravity.py [--countries 20,30] [--repeat 2]``; writes
``benchmarks/gravity_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
BOOK_YEARS = (1986, 1990, 1994, 1998, 2002, 2006)


def dense_ppml(y: np.ndarray, x: np.ndarray, tol: float = 1e-10, max_iter: int = 100):
    """Poisson GLM by IRLS on a dense design; weighted least squares by lstsq each step."""
    mu = (y + y.mean()) / 2
    eta = np.log(mu)
    dev_old = np.inf
    for it in range(1, max_iter + 1):
        z = eta + (y - mu) / mu
        sw = np.sqrt(mu)
        beta = np.linalg.lstsq(x * sw[:, None], z * sw, rcond=None)[0]
        eta = x @ beta
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu))
        if abs(dev - dev_old) / max(abs(dev), 1e-300) < tol:
            return beta, it
        dev_old = dev
    return beta, max_iter


def dense_design(d: pd.DataFrame) -> np.ndarray:
    cols = [d["rta"].to_numpy(float)]
    for k, fe in enumerate(["exporter-year", "importer-year", "pair"]):
        m = pd.get_dummies(d[f"fe_{fe}"], drop_first=k > 0, dtype=float)
        cols.append(m.to_numpy())
    return np.column_stack(cols)


def best(f, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), times, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--countries", default="20,30", help="Subsample sizes for the dense comparison")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from tradeshock.gravity import estimate, load_panel

    panel = load_panel("agtpa")
    records: dict = {"machine": {"python": platform.python_version(), "cores": os.cpu_count(),
                                 "load_avg": os.getloadavg()}}
    estimate(panel[panel.year.isin([1986, 1990])], ["rta"])  # warm up (numba compilation)
    for label, years in (("full 1986-2006", None), ("book 4-year", BOOK_YEARS)):
        sec, times, e = best(lambda y=years: estimate(panel, ["rta"], years=y), args.repeat)
        records[label] = {"seconds": sec, "all": times, "rta": e.coef("rta"), "se": e.se("rta"),
                          "n_obs": e.spec["n_obs"], "dropped": e.drops.n_dropped,
                          "fixed_effects": e.spec["n_fixed_effects"],
                          "pyfixest_seconds": e.spec["seconds"]}
        print(f"{label:16s} N={e.spec['n_obs']:>6} FE={e.spec['n_fixed_effects']} "
              f"{sec:6.2f} s (pyfixest {e.spec['seconds']:.2f} s) rta={e.coef('rta'):.6f}")
    biggest = panel.groupby("exporter")["trade"].sum().sort_values(ascending=False).index
    for n in (int(k) for k in args.countries.split(",")):
        keep = set(biggest[:n])
        sub = panel[panel.exporter.isin(keep) & panel.importer.isin(keep) & panel.year.isin(BOOK_YEARS)]
        sec_hd, _, e = best(lambda s=sub: estimate(s, ["rta"]), args.repeat)
        x = dense_design(e.data)
        y = e.data["trade"].to_numpy(float)
        sec_dense, _, (beta, iters) = best(lambda y=y, x=x: dense_ppml(y, x), 1)
        rec = {"n_obs": len(y), "columns": x.shape[1], "hdfe_seconds": sec_hd,
               "dense_seconds": sec_dense, "ratio": sec_dense / sec_hd, "dense_iterations": iters,
               "rta_hdfe": e.coef("rta"), "rta_dense": float(beta[0]),
               "abs_diff": abs(e.coef("rta") - float(beta[0]))}
        records[f"subsample {n} countries"] = rec
        print(f"{n} countries: N={len(y)}, {x.shape[1]} dummy columns: pyfixest {sec_hd:.2f} s, "
              f"dense GLM {sec_dense:.2f} s ({rec['ratio']:.0f}x); rta {e.coef('rta'):.6f} vs "
              f"{beta[0]:.6f}")
    records["machine"]["load_avg_end"] = os.getloadavg()
    (HERE / "gravity_results.json").write_text(json.dumps(records, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
