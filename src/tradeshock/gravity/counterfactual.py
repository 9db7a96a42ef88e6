"""Estimate → shock → GE: remove (or add) a trade agreement using its estimated PPML effect.

Mapping from the PPML coefficient to the engine's iceberg costs. In structural gravity the RTA
term enters trade as exp(β·RTA) = t^(1−σ) = τ^(−θ) (θ = σ − 1, the trade elasticity). Removing
the agreement multiplies the member pairs' τ^(−θ) by exp(−β), i.e. the iceberg change is

    d̂ = exp(β / θ)        (e.g. β = 0.557, θ = 6 → d̂ = 1.097: trade costs +9.7%)

which moves partial-equilibrium trade by d̂^(−θ) = exp(−β) whatever θ is. A sector with its own
θ_j gets d̂_j = exp(β/θ_j), the same trade-flow effect (docs/gravity.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradeshock.errors import DataError
from tradeshock.shock import Shock
from tradeshock.world import World

if TYPE_CHECKING:
    from tradeshock.gravity.ppml import GravityEstimate


def iceberg_change(beta: float, theta: np.ndarray | float, *, direction: str = "remove",
                   share: float = 1.0) -> np.ndarray:
    """d̂ with d̂^(−θ) = exp(∓ share·β): ``remove`` takes the effect away, ``add`` grants it."""
    if direction not in ("remove", "add"):
        raise DataError(f"direction={direction!r}: use 'remove' or 'add'")
    sign = 1.0 if direction == "remove" else -1.0
    th = np.asarray(theta, dtype=float)
    if np.any(th <= 0):
        raise DataError("trade elasticities must be positive to map a gravity estimate to trade costs")
    return np.exp(sign * share * float(beta) / th)


def agreement_shock(world: World, pairs: Sequence[tuple[str, str]], beta: float, *,
                    direction: str = "remove", label: str = "agreement") -> Shock:
    """A :class:`Shock` moving the iceberg costs of ``pairs`` (exporter, importer) by exp(±β/θ_j)."""
    d = iceberg_change(beta, world.theta, direction=direction)
    hat = np.ones((world.n_countries, world.n_countries, world.n_sectors))
    for exp_, imp in pairs:
        i = world.country_index(exp_, "agreement pairs")
        n = world.country_index(imp, "agreement pairs")
        if i == n:
            raise DataError(f"agreement pairs: {exp_}->{imp} is a domestic flow")
        hat[n, i, :] = np.where(world.tradable, d, 1.0)
    record = {"verb": "trade_cost", "label": label, "from_estimate": float(beta),
              "direction": direction, "pairs": [list(p) for p in pairs]}
    return Shock(world, trade_cost_hat=hat, log=(record,))


def apply_estimate(shock: Shock, params: dict[str, Any], label: str = "",
                   tariffs_part: np.ndarray | None = None) -> Shock:
    """Apply a scenario's ``trade_cost: {from_estimate: ...}`` entry to ``shock`` (a new Shock).

    On the selected importer × exporter × sector cells, d̂_j = exp(share·β/θ_j) (``remove``) or
    exp(−share·β/θ_j) (``add``), θ_j the world's elasticity of sector j (the same trade-flow
    effect in every sector) unless ``theta`` fixes one value (the same iceberg change). With
    ``net_of_tariffs`` the scenario's own tariff change on the cell is taken out first —
    ln d̂ = max(0, share·β/θ_j − ln((1+τ')/(1+τ))) — because an RTA estimate measures tariff
    and non-tariff effects together. ``tariffs_part`` (τ' of the agreement's own tariff measures
    only, e.g. the MFN reversion without a tariff war on top) replaces the scenario's τ' in that
    netting. The log record carries β and its standard error (for uncertainty draws).
    """
    w = shock.world
    est = params["estimate"]
    beta, share = float(est["estimate"]), float(params.get("share", 1.0))
    probe = Shock(w).trade_cost(importer=params.get("importer"), exporter=params.get("exporter"),
                                sectors=params.get("sectors"), change=1.0,
                                symmetric=bool(params.get("symmetric", False)))
    mask = (probe.trade_cost_hat != 1.0) & np.asarray(w.tradable, bool)[None, None, :]
    mask &= ~np.eye(w.n_countries, dtype=bool)[:, :, None]
    theta = w.theta if params.get("theta") is None else float(params["theta"])
    log_d = np.broadcast_to(np.log(iceberg_change(beta, theta, direction=params["direction"],
                                                  share=share)), mask.shape)
    if params.get("net_of_tariffs"):
        t_new = np.asarray(shock.tariffs) if tariffs_part is None else np.asarray(tariffs_part)
        tariff_part = np.log((1.0 + t_new) / (1.0 + w.tariffs))
        log_d = np.maximum(0.0, log_d - tariff_part)
    hat = np.where(mask, np.exp(log_d), 1.0)
    record = {"verb": "trade_cost", "label": label, "importer": params.get("importer"),
              "exporter": params.get("exporter"), "sectors": params.get("sectors"),
              "from_estimate": params["from_estimate"], "estimate": beta, "theta": params.get("theta"),
              "std_error": float(est["std_error"]), "share": share, "direction": params["direction"],
              "net_of_tariffs": params.get("net_of_tariffs"),
              "mean_change": float(hat[mask].mean() - 1.0) if mask.any() else 0.0}
    return shock.replace(trade_cost_hat=np.asarray(shock.trade_cost_hat) * hat,
                         log=shock.log + (record,))


def agreement_pairs(panel: pd.DataFrame, members: Sequence[str], year: int,
                    term: str = "rta") -> list[tuple[str, str]]:
    """Directed member pairs with ``term`` = 1 in ``year`` (the pairs the agreement covers)."""
    m = set(members)
    cs = panel[(panel["year"] == int(year)) & panel["exporter"].isin(m) & panel["importer"].isin(m)
               & (panel["exporter"] != panel["importer"])]
    if term not in cs.columns:
        raise DataError(f"panel has no column {term!r}")
    on = cs[cs[term] > 0]
    if on.empty:
        raise DataError(f"no member pair of {sorted(m)} has {term} = 1 in {year}; nothing to remove")
    return sorted(zip(on["exporter"], on["importer"], strict=True))


@dataclasses.dataclass
class AgreementResult:
    """Outcome of :func:`remove_agreement`.

    ``table``: one row per country, percent changes from the baseline to the counterfactual —
    ``real_gdp`` (ŵ/P̂), ``factory_gate_price`` (ŵ, numéraire: world GDP) and
    ``factory_gate_price_ref`` (relative to the reference country's price index, the book's
    normalisation), ``exports`` / ``exports_ref`` (international sales, nominal, same two
    numéraires) — plus ``effect_*`` columns: the agreement's effect as the book reports it
    (baseline relative to the counterfactual without it).
    """

    table: pd.DataFrame
    result: Any
    world: World
    shock: Shock
    beta: float
    std_error: float
    pairs: list[tuple[str, str]]
    meta: dict[str, Any]


def remove_agreement(est: GravityEstimate, panel: pd.DataFrame,
                     members: Sequence[str] = ("CAN", "MEX", "USA"), *, year: int = 1994,
                     term: str = "rta", theta: float = 6.0, baseline: str = "fitted",
                     deficits: str = "fixed", reference: str = "DEU",
                     tol: float = 1e-12) -> AgreementResult:
    """The Advanced Guide's "removing NAFTA" application, end to end on the engine.

    Takes the PPML estimate ``est`` (its ``term`` coefficient and pair effects), builds the
    ``year`` baseline (``fitted`` flows as in the book, or ``observed``), raises the iceberg
    costs of every member pair with ``term`` = 1 by exp(β/θ), solves the one-sector GE and
    reports every country.
    """
    from tradeshock.gravity.baseline import fitted_world, observed_world
    from tradeshock.resolve import check_deficits
    from tradeshock.simulate import simulate

    if baseline not in ("fitted", "observed"):
        raise DataError(f"baseline={baseline!r}: use 'fitted' or 'observed'")
    treatment = check_deficits(deficits)      # the error simulate would raise, before any work
    beta, se = est.coef(term), est.se(term)
    if baseline == "fitted":
        world = fitted_world(est, panel, year, theta=theta, name=f"fitted{year}")
    else:
        world = observed_world(panel, year, theta=theta, name=f"observed{year}")
    pairs = agreement_pairs(panel, members, year, term)
    shock = agreement_shock(world, pairs, beta, direction="remove", label=f"remove {term}")
    res = simulate(world, shock, deficits=treatment, tol=tol)
    ref = world.country_index(reference, "reference")
    w_hat = np.asarray(res.w_hat, dtype=float)
    p_hat = np.asarray(res.P_hat, dtype=float)[:, 0]
    fb, fc = np.asarray(res.flows_base)[:, :, 0], np.asarray(res.flows_cf)[:, :, 0]
    exp_b = fb.sum(axis=0) - np.diag(fb)
    exp_c = fc.sum(axis=0) - np.diag(fc)
    rgdp = w_hat / p_hat
    price_ref = w_hat / p_hat[ref]
    x_hat = exp_c / exp_b
    x_ref = x_hat / p_hat[ref]
    table = pd.DataFrame({
        "name": [world.country_names.get(c, c) for c in world.countries],
        "real_gdp": 100 * (rgdp - 1), "factory_gate_price": 100 * (w_hat - 1),
        "factory_gate_price_ref": 100 * (price_ref - 1), "exports": 100 * (x_hat - 1),
        "exports_ref": 100 * (x_ref - 1),
        "effect_real_gdp": 100 * (1 / rgdp - 1), "effect_factory_gate_price": 100 * (1 - price_ref),
        "effect_exports": 100 * (1 / x_ref - 1),
        "exports_baseline": exp_b,
    }, index=pd.Index(world.countries, name="country"))
    table.attrs["unit"] = "percent (exports_baseline: US$ million)"
    meta = {"term": term, "beta": beta, "std_error": se, "theta": theta,
            "iceberg_change": float(np.exp(beta / theta)), "baseline": baseline, "year": year,
            "deficits": deficits, "reference": reference, "members": list(members),
            "diagnostics": res.diagnostics}
    return AgreementResult(table=table, result=res, world=world, shock=shock, beta=beta,
                           std_error=se, pairs=pairs, meta=meta)


def beta_draws(beta: float, std_error: float, n: int, seed: int = 0) -> np.ndarray:
    """``n`` draws of a coefficient from its sampling distribution N(β, s.e.²) (reproducible)."""
    if n < 1 or not np.isfinite(std_error) or std_error < 0:
        raise DataError(f"beta_draws: need n >= 1 and a finite standard error, got n={n}, "
                        f"s.e.={std_error}")
    return np.random.default_rng(seed).normal(float(beta), float(std_error), int(n))


def agreement_draws(out: AgreementResult, n: int = 200, seed: int = 0,
                    quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Uncertainty of :func:`remove_agreement` from the RTA coefficient's standard error.

    Draws β ~ N(β̂, s.e.²), re-solves the same world for each (the iceberg change follows the
    draw: exp(β_d/θ)) and returns quantiles of real GDP and exports by country (percent).
    """
    from tradeshock.simulate import simulate

    world, rows = out.world, []
    for b in beta_draws(out.beta, out.std_error, n, seed):
        res = simulate(world, agreement_shock(world, out.pairs, float(b)),
                       deficits=out.meta["deficits"], tol=1e-10)
        p = np.asarray(res.P_hat)[:, 0]
        fb, fc = np.asarray(res.flows_base)[:, :, 0], np.asarray(res.flows_cf)[:, :, 0]
        x = (fc.sum(axis=0) - np.diag(fc)) / (fb.sum(axis=0) - np.diag(fb))
        rows.append(np.stack([100 * (np.asarray(res.w_hat) / p - 1), 100 * (x - 1)]))
    arr = np.stack(rows)  # draw, measure, country
    cols = {}
    for k, name in enumerate(("real_gdp", "exports")):
        for q in quantiles:
            cols[f"{name}_q{int(round(100 * q)):02d}"] = np.quantile(arr[:, k, :], q, axis=0)
    df = pd.DataFrame(cols, index=pd.Index(world.countries, name="country"))
    df.attrs.update(draws=n, seed=seed, beta=out.beta, std_error=out.std_error)
    return df


def scenario_effect_draws(scenario: Any, world: World | None = None, n: int = 50, seed: int = 0,
                          countries: Sequence[str] | None = None, *, thetas: bool = False,
                          distributions: Any = None) -> pd.DataFrame:
    """Real income of a scenario under draws of its estimated trade-cost effects.

    Every ``trade_cost: {from_estimate: ...}`` entry is re-applied with β_d ~ N(β̂, s.e.²)
    (through its ``share``: share·β_d/β̂), the rest of the scenario unchanged. With
    ``thetas=True`` the trade elasticities are drawn too (jointly, independent of β; from
    ``distributions`` or :func:`tradeshock.uncertainty.default_distributions`), the world
    takes θ_d (its baseline re-solved) and the shock is rebuilt on it, so d̂_j = exp(β_d/θ_j,d)
    keeps the estimated trade effect. Each draw is solved as ``simulate(scenario)`` would be: on
    the scenario's world and elasticity set, with its deficit treatment. Serial; returns one
    row per draw (``draw``, ``beta``, real income by country, percent).
    """
    from tradeshock.resolve import scenario_deficits, world_for
    from tradeshock.simulate import simulate

    w = world if world is not None else world_for(scenario)
    deficits = scenario_deficits(scenario)
    entries = [e for e in scenario.cost_entries() if "from_estimate" in e.params]
    if not entries:
        raise DataError(f"scenario {scenario.name!r} has no trade_cost entry with from_estimate")
    est = entries[0].params["estimate"]
    draws = beta_draws(est["estimate"], est["std_error"], n, seed)
    theta_draws = None
    if thetas:
        from tradeshock.uncertainty import default_distributions, draw_thetas, parse_distributions

        dist = (parse_distributions(distributions, w, "distributions") if distributions is not None
                else default_distributions(w))
        theta_draws = draw_thetas(dist, n, seed + 1)
    base_share = {e.label: float(e.params.get("share", 1.0)) for e in entries}
    rows = []
    try:
        for k, b in enumerate(draws):
            for e in entries:
                e.share = base_share[e.label] * float(b) / float(e.params["estimate"]["estimate"])
            wd = w if theta_draws is None else w.replace(theta=theta_draws[k])
            r = simulate(wd, scenario.to_shock(wd), deficits=deficits)
            wf = r.welfare()["real_income"]
            sel = list(countries) if countries else list(w.countries)
            rows.append({"draw": k, "beta": float(b), **{c: float(wf[c]) for c in sel}})
    finally:
        for e in entries:
            e.share = base_share[e.label]
    return pd.DataFrame(rows)
