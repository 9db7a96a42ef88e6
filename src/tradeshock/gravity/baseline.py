"""From a gravity estimate to the one-sector baseline the engine solves (numerics; no file I/O).

The Advanced Guide's two-stage procedure (Anderson & Yotov 2016; Yotov et al. 2016, ch. 2):

1. bilateral trade costs t_ij^(1−σ) = exp(γ_ij + Σ_c β_c x_ij,c) from the estimated pair fixed
   effects γ and the policy terms (e.g. RTA) of the base year, domestic trade as reference;
2. pairs without a pair effect (separated: zero trade in every year) get a predicted γ from a PPML
   of exp(γ) on distance, contiguity, language and colony with exporter and importer effects;
3. the fitted baseline flows solve the constrained PPML with exporter and importer effects and
   offset ln t — i.e. t scaled to match every country's observed output and expenditure
   (biproportional fitting, which is what that PPML's first-order conditions say).

:func:`observed_world` keeps the data's flows instead; docs/gravity.md compares the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.errors import ConvergenceError, DataError
from tradeshock.world import World

#: Stage-2 covariates of the Advanced Guide (pair effects on geography).
STAGE2 = ("ln_dist", "cntg", "lang", "clny")


def cross_section(panel: pd.DataFrame, year: int, where: str = "panel") -> pd.DataFrame:
    """Rows of ``year`` as a complete square: every exporter-importer pair once, or a DataError."""
    cs = panel[panel["year"] == int(year)]
    if cs.empty:
        raise DataError(f"{where}: no rows for year {year}")
    countries = sorted(set(cs["exporter"]) | set(cs["importer"]))
    every = sorted(set(panel["exporter"]) | set(panel["importer"]))
    absent = sorted(set(every) - set(countries))
    if absent:
        raise DataError(f"{where}: {', '.join(absent[:5])} absent from year {year} (present in other "
                        "years); a world needs every country in its base year: pick another year or "
                        "drop the country from the panel")
    n = len(countries)
    if len(cs) != n * n or cs.duplicated(["exporter", "importer"]).any():
        have = set(zip(cs["exporter"], cs["importer"], strict=True))
        gone = [(e, m) for e in countries for m in countries if (e, m) not in have][:3]
        raise DataError(f"{where}: year {year} has {len(cs)} rows for {n} countries, expected "
                        f"{n}x{n} = {n * n} (every pair incl. domestic); missing e.g. "
                        f"{', '.join(f'{e}->{m}' for e, m in gone)}; a world needs a complete year")
    return cs.sort_values(["exporter", "importer"]).reset_index(drop=True)


def world_from_table(cs: pd.DataFrame, value: str, *, name: str, year: int, theta: float,
                     provenance: dict[str, Any] | None = None,
                     country_names: dict[str, str] | None = None) -> World:
    """A one-sector world (no IO, zero tariffs) from a square exporter-importer table."""
    countries = sorted(set(cs["exporter"]) | set(cs["importer"]))
    n = len(countries)
    idx = {c: k for k, c in enumerate(countries)}
    flows = np.zeros((n, n, 1))
    flows[cs["importer"].map(idx).to_numpy(), cs["exporter"].map(idx).to_numpy(), 0] = \
        cs[value].to_numpy(dtype=float)
    dom = np.diag(flows[:, :, 0])
    if np.any(dom <= 0):
        bad = [countries[k] for k in np.flatnonzero(dom <= 0)]
        raise DataError(f"world {name}: no domestic sales for {', '.join(bad)} in {year}; a "
                        "one-sector world needs each country's sales to itself")
    return World(
        name=name, year=int(year), countries=tuple(countries), sectors=("manufacturing",),
        flows=flows, tariffs=np.zeros((n, n, 1)), va_share=np.ones((n, 1)),
        io_share=np.zeros((n, 1, 1)), final_share=np.ones((n, 1)), theta=np.array([float(theta)]),
        tradable=np.array([True]), country_names=country_names or {c: c for c in countries},
        sector_labels={"manufacturing": "Manufacturing (aggregate, Yotov et al. 2016)"},
        provenance=provenance or {}, elasticities={"gravity": np.array([float(theta)])},
    )


def trade_costs(est: Any, panel: pd.DataFrame, year: int,
                stage2: Sequence[str] = STAGE2) -> pd.DataFrame:
    """Bilateral trade costs of ``year``: ``exporter, importer, ln_t_bar, ln_t, source``.

    ``ln_t_bar`` = γ_ij (pair effect, domestic = 0), ``ln_t`` = ln_t_bar + Σ_c β_c x_ij,c of that
    year: ln t_ij^(1−σ) in the book's notation (so a trade-cost *level* is exp(−ln_t/θ)).
    ``source`` says where each γ came from: ``pair effect``, ``domestic`` or ``stage 2``.
    """
    if "pair" not in est.fixed_effects:
        raise DataError("trade_costs needs an estimate with pair fixed effects")
    cs = cross_section(panel, year)
    from tradeshock.gravity.panel import add_fixed_effect_ids

    spec = est.spec
    cs = add_fixed_effect_ids(cs, pairs=spec["pairs"], domestic=spec["domestic"])
    gamma = est.fixed_effects["pair"]
    dom = cs["exporter"] == cs["importer"]
    ref = float(gamma.get("domestic", 0.0)) if spec["domestic"] == "common" else 0.0
    g = cs["fe_pair"].map(gamma) - ref
    g[dom & (spec["domestic"] == "common")] = 0.0
    source = np.where(dom, "domestic", np.where(g.notna(), "pair effect", "stage 2"))
    missing = g.isna().to_numpy()
    if missing.any():
        from tradeshock.gravity.ppml import estimate

        miss_cols = [c for c in stage2 if c not in cs.columns]
        if miss_cols:
            raise DataError(f"stage 2 needs column(s) {', '.join(miss_cols)} to predict the trade "
                            f"costs of {int(missing.sum())} pairs without a pair effect")
        known = cs[~dom & ~missing].assign(trade=np.exp(g[~dom & ~missing]))
        e2 = estimate(known, list(stage2), fixed_effects=("exporter", "importer"), vcov="cluster",
                      where=f"stage 2 ({year})")
        fx, fm = e2.fixed_effects["exporter"], e2.fixed_effects["importer"]
        sub = cs[missing]
        lin = sub["exporter"].map(fx).fillna(0.0) + sub["importer"].map(fm).fillna(0.0)
        for c in stage2:
            lin = lin + e2.coef(c) * sub[c].astype(float)
        g[missing] = lin.to_numpy()
    policy = np.zeros(len(cs))
    for c in spec["covariates"]:
        policy = policy + est.coef(c) * cs[c].to_numpy(dtype=float)
    out = cs[["exporter", "importer"]].copy()
    out["ln_t_bar"] = g.to_numpy(dtype=float)
    out["ln_t"] = out["ln_t_bar"] + policy
    out["source"] = source
    return out


def fitted_flows(ln_t: np.ndarray, output: np.ndarray, expenditure: np.ndarray, *,
                 tol: float = 1e-13, max_iter: int = 100000) -> np.ndarray:
    """X_ij = exp(ln_t_ij) a_i b_j with row sums ``output`` (exporters) and column sums ``expenditure``.

    ``ln_t`` is (exporter, importer). This is the constrained PPML with exporter and importer
    effects and offset ln t (its first-order conditions are these adding-up constraints),
    solved by biproportional fitting. Raises :class:`ConvergenceError` if it does not converge.
    """
    t = np.exp(np.asarray(ln_t, dtype=float) - np.max(ln_t))
    y, e = np.asarray(output, dtype=float), np.asarray(expenditure, dtype=float)
    if abs(y.sum() - e.sum()) > 1e-9 * y.sum():
        raise DataError(f"fitted_flows: world output {y.sum():.6g} differs from world expenditure "
                        f"{e.sum():.6g}")
    b = np.ones_like(e)
    err = np.inf
    for _ in range(max_iter):
        a = y / (t @ b)
        b = e / (t.T @ a)
        x = a[:, None] * t * b[None, :]
        err = float(np.max(np.abs(x.sum(axis=1) / y - 1.0)))
        if err < tol:
            return x
    raise ConvergenceError(f"fitted_flows: adding-up error {err:.2e} after {max_iter} sweeps")


def fitted_world(est: Any, panel: pd.DataFrame, year: int, *, theta: float, name: str | None = None,
                 stage2: Sequence[str] = STAGE2, provenance: dict[str, Any] | None = None) -> World:
    """The baseline world of ``year`` with **fitted** flows (the Advanced Guide's GE baseline).

    Output and expenditure of every country equal the data's; bilateral flows are the model's
    prediction from the estimated trade costs (:func:`trade_costs`, :func:`fitted_flows`).
    """
    cs = cross_section(panel, year)
    costs = trade_costs(est, panel, year, stage2)
    countries = sorted(set(cs["exporter"]))
    k = {c: i for i, c in enumerate(countries)}
    n = len(countries)
    ln_t = np.zeros((n, n))
    ln_t[costs["exporter"].map(k), costs["importer"].map(k)] = costs["ln_t"].to_numpy()
    obs = np.zeros((n, n))
    obs[cs["exporter"].map(k), cs["importer"].map(k)] = cs["trade"].to_numpy()
    x = fitted_flows(ln_t, obs.sum(axis=1), obs.sum(axis=0))
    table = pd.DataFrame({"exporter": np.repeat(countries, n), "importer": np.tile(countries, n),
                          "fitted": x.ravel()})
    n_stage2 = int((costs["source"] == "stage 2").sum())
    prov = dict(provenance or {})
    prov.setdefault("method", [])
    prov["method"] = list(prov["method"]) + [
        f"FITTED baseline flows for {year}: constrained PPML (exporter + importer effects, offset "
        f"ln t) on trade costs from the pair effects and {', '.join(est.spec['covariates'])} of "
        f"'{est.spec['formula']}'; {n_stage2} pairs' costs predicted in stage 2 from "
        f"{', '.join(stage2)}. Output and expenditure match the data; bilateral flows are fitted.",
    ]
    prov["baseline"] = "fitted"
    return world_from_table(table, "fitted", name=name or f"fitted{year}", year=year, theta=theta,
                            provenance=prov)


def observed_world(panel: pd.DataFrame, year: int, *, theta: float, name: str | None = None,
                   provenance: dict[str, Any] | None = None) -> World:
    """The baseline world of ``year`` with the data's **observed** flows."""
    cs = cross_section(panel, year)
    prov = dict(provenance or {})
    prov["baseline"] = "observed"
    return world_from_table(cs, "trade", name=name or f"observed{year}", year=year, theta=theta,
                            provenance=prov)
