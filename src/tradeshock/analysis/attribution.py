"""Deals and attribution: which measure of a package did what ("what did he give up?").

A combined scenario (say the January 2026 Canada–China arrangement: an EV quota for China
against canola relief for Canada) has one general-equilibrium effect; its measures interact,
so "the effect of measure A" depends on which others are already in place. The Shapley value
removes that order dependence: each measure gets its marginal effect averaged over every
order in which the measures could be added. Contributions add up exactly to the total.

- ``n <= exact_max`` (10) measures: the exact Shapley value from all 2^n subsets (2^n solves,
  in parallel with :func:`tradeshock.parallel.solve_many`).
- More measures: sampled permutations (antithetic pairs), with a standard error per number;
  each permutation's contributions telescope to the total, so the sum is still exact.

The value function is a vector of outcomes per solve: real income of every country, the
focus country's exports by partner, its value added by sector, and (for Canada) by province.

Also here: :func:`winners_losers` (provinces and sectors ranked across scenarios, used by
``tradeshock compare``) and the small helpers other strategy analyses share
(:func:`load_scenario`, :func:`solve_batch`).

References
----------
Shapley, L. S. (1953). A value for n-person games. Contributions to the Theory of Games II.
Castro, J., Gómez, D. & Tejada, J. (2009). Polynomial calculation of the Shapley value based on
sampling. Computers & Operations Research 36(5).

"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from tradeshock.errors import ScenarioError
from tradeshock.resolve import scenario_deficits, world_for
from tradeshock.scenario import load_scenario

if TYPE_CHECKING:
    from tradeshock.parallel import Backend

#: Default largest number of measures attributed exactly (2^10 = 1024 solves).
EXACT_MAX = 10

# ----------------------------------------------------------------------------- helpers
# load_scenario comes from tradeshock.scenario, scenario_deficits and scenario_world from
# tradeshock.resolve.
scenario_world = world_for


def solve_batch(world: Any, shocks: Sequence[Any], *, deficits: str = "fixed",
                backend: str = "processes", workers: int | None = None,
                **solver_kw: Any) -> list[Any]:
    """Solve independent shocks, in parallel when worthwhile (one shock: ``simulate``).

    ``backend="serial"`` solves them in this process in lockstep (:mod:`tradeshock.model.lockstep`).
    """
    from tradeshock.parallel import solve_many
    from tradeshock.resolve import check_deficits

    shocks = list(shocks)
    if not shocks:
        return []
    dfc = check_deficits(deficits)
    if len(shocks) == 1:
        from tradeshock.simulate import simulate

        return [simulate(world, shocks[0], deficits=dfc, **solver_kw)]
    return list(solve_many(world, shocks, deficits=dfc, backend=cast("Backend", backend),
                           workers=workers, **solver_kw))



# ------------------------------------------------------------------------- outcomes
def outcome_vector(result: Any, focus: str = "CAN") -> pd.DataFrame:
    """The outcomes attributed, as rows ``country, variable, unit, value`` for one solve.

    - ``real_income`` (percent) for every country;
    - for ``focus``: ``exports_change:<partner>`` and ``exports_change:total`` (US$ million),
      ``value_added_change:<sector>`` and ``value_added_change:total`` (US$ million);
    - for Canada, when the provincial shares are available:
      ``province_value_added_change:<XX>`` (the unit the provinces table states).
    """
    rows: list[tuple[str, str, str, float]] = []
    wel = result.welfare()
    for c, v in wel["real_income"].items():
        rows.append((str(c), "real_income", "percent", float(v)))
    countries = list(getattr(result.world, "countries", []))
    if focus in countries:
        ex = result.exports(focus)
        if "country" in ex.columns:
            ex = ex[ex["country"] == focus]
        ex = ex[ex["partner"] != focus]
        ch = ex["counterfactual"] - ex["baseline"]
        for p, v in zip(ex["partner"], ch, strict=True):
            rows.append((focus, f"exports_change:{p}", "US$ million", float(v)))
        rows.append((focus, "exports_change:total", "US$ million", float(ch.sum())))
        out = result.output()
        out = out[out["country"] == focus]
        va = out["value_added_cf"] - out["value_added_base"]
        for s, v in zip(out["sector"], va, strict=True):
            rows.append((focus, f"value_added_change:{s}", "US$ million", float(v)))
        rows.append((focus, "value_added_change:total", "US$ million", float(va.sum())))
        if focus == "CAN":
            rows.extend(_province_rows(result))
    return pd.DataFrame(rows, columns=["country", "variable", "unit", "value"])


def _province_rows(result: Any) -> list[tuple[str, str, str, float]]:
    try:
        prov = result.provinces()
    except Exception:  # no provincial data for this world: attribute the rest
        return []
    col = next((c for c in ("value_added_change", "value_added_change_cad",
                            "value_added_change_usd") if c in prov.columns), None)
    if col is None or "province" not in prov.columns:
        return []
    unit = str(prov.attrs.get("unit", "C$ million" if "cad" in col else "as provinces table"))
    by = prov.groupby("province", sort=True)[col].sum()
    return [("CAN", f"province_value_added_change:{p}", unit, float(v)) for p, v in by.items()]


# ------------------------------------------------------------------ Shapley numerics
def shapley_weights(n: int) -> np.ndarray:
    """w[s] = s!(n-s-1)!/n!: the Shapley weight of a coalition of size s, s = 0..n-1."""
    return np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
                     for s in range(n)])


def shapley_exact(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values from a value table over all coalitions.

    Parameters
    ----------
    values
        (2^n, k): row ``m`` is v(S) for the coalition whose members are the set bits of
        ``m`` (bit i = player i), for k outcomes at once.

    Returns
    -------
    numpy.ndarray
        (n, k): φ_i = Σ_{S ∌ i} |S|!(n-|S|-1)!/n! · (v(S ∪ {i}) − v(S)); rows sum to
        v(N) − v(∅) (efficiency).

    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    m = values.shape[0]
    n = int(round(math.log2(m)))
    if 2 ** n != m:
        raise ValueError(f"value table has {m} rows; need 2^n")
    masks = np.arange(m)
    size = np.array([bin(x).count("1") for x in masks])
    w = shapley_weights(n) if n else np.zeros(0)
    phi = np.zeros((n, values.shape[1]))
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        phi[i] = (w[size[without]][:, None] * (values[without | bit] - values[without])).sum(0)
    return phi


def permutation_samples(n: int, pairs: int, seed: int = 0) -> list[tuple[int, ...]]:
    """``2*pairs`` player orders: random permutations and their reverses (antithetic)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[int, ...]] = []
    for _ in range(pairs):
        p = tuple(int(x) for x in rng.permutation(n))
        out += [p, p[::-1]]
    return out


def shapley_sampled(value: Callable[[int], np.ndarray], n: int,
                    orders: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values estimated from player orders (antithetic pairs consecutive).

    ``value(mask)`` returns v(S) (k,) for the coalition bitmask. Returns (mean, standard
    error), each (n, k); the standard error comes from the spread of the pair averages.
    Each order's marginal contributions sum to v(N) − v(∅), so the means do too.
    """
    draws = []
    for order in orders:
        mask = 0
        prev = value(0)
        phi = np.zeros((n, prev.shape[0]))
        for i in order:
            mask |= 1 << i
            cur = value(mask)
            phi[i] = cur - prev
            prev = cur
        draws.append(phi)
    d = np.array(draws)
    if len(d) >= 2 and len(d) % 2 == 0:
        d = 0.5 * (d[0::2] + d[1::2])
    mean = d.mean(0)
    se = d.std(0, ddof=1) / math.sqrt(len(d)) if len(d) > 1 else np.full_like(mean, np.nan)
    return np.array(draws).mean(0), se


# --------------------------------------------------------------------------- attribute
def attribute(scenario: Any, world: Any = None, *, focus: str = "CAN",
              measures: Sequence[str] | None = None, exact_max: int = EXACT_MAX,
              pairs: int = 32, seed: int = 0, backend: str = "processes",
              workers: int | None = None, deficits: str | None = None,
              **solver_kw: Any) -> pd.DataFrame:
    """Split a scenario's effects into each measure's Shapley contribution.

    Parameters
    ----------
    scenario
        A :class:`~tradeshock.scenario.Scenario`, a path or a scenario name.
    world
        World or world name (default: the scenario's own world).
    focus
        Country whose exports, sectors (and provinces, for Canada) are attributed.
    measures
        Labels to attribute (default ``scenario.measure_labels()``); measures of the
        scenario not listed stay on in every solve.
    exact_max
        Largest number of measures computed exactly (2^n solves); above it, ``pairs``
        antithetic pairs of random orders are sampled ((n+1)·2·pairs solves at most).
    pairs, seed
        Number of antithetic pairs of orders, and the random seed, for sampling.
    deficits
        ``fixed`` or ``zero``; default: the scenario's setting.
    backend, workers, **solver_kw
        Passed to :func:`tradeshock.parallel.solve_many`.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``measure, country, variable, unit, contribution, se``. ``contribution`` is in
        percentage points for percent outcomes (``real_income``) and US$ million for money
        outcomes. For each ``country, variable`` the contributions add up exactly to the
        combined scenario's change from the world's baseline. When the scenario extends a
        base scenario with its own measures, the base's effect is one more row, measure
        ``"(base: <name>)"``. ``se`` is 0 for exact values. ``attrs``: ``method``,
        ``n_measures``, ``n_solves``, ``seconds``, ``scenario``, ``total`` (the combined
        change per ``country, variable``, as records).

    """
    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    w = scenario_world(sc, world)
    labels = list(measures) if measures is not None else list(sc.measure_labels())
    if not labels:
        raise ScenarioError(f"scenario {getattr(sc, 'name', scenario)!r} adds no measures of its "
                            "own to attribute; attribute a scenario with a 'measures' list")
    if len(set(labels)) != len(labels):
        raise ScenarioError(f"scenario {getattr(sc, 'name', scenario)!r}: duplicate measure "
                            f"labels {labels}; give each measure a unique label")
    all_labels = set(sc.measure_labels())
    unknown_l = [x for x in labels if x not in all_labels]
    if unknown_l:
        from tradeshock.errors import unknown

        raise ScenarioError(unknown("measure label", unknown_l[0], sorted(all_labels),
                                    f"scenario {getattr(sc, 'name', '')!r}"))
    fixed_on = all_labels - set(labels)
    n = len(labels)
    dfc = deficits or scenario_deficits(sc)

    def shock_for(mask: int) -> Any:
        on = {labels[i] for i in range(n) if mask >> i & 1} | fixed_on
        return sc.to_shock(w, only=on)

    if n <= exact_max:
        masks = list(range(2 ** n))
        method = "exact Shapley"
        orders: list[tuple[int, ...]] = []
    else:
        orders = permutation_samples(n, pairs, seed)
        need = {0}
        for o in orders:
            m = 0
            for i in o:
                m |= 1 << i
                need.add(m)
        masks = sorted(need)
        method = f"sampled Shapley ({len(orders)} orders, antithetic pairs)"
    from tradeshock.rates import reusing_pairs

    with reusing_pairs():                      # coalitions share most pairs' measures
        shocks = [shock_for(m) for m in masks]
    results = solve_batch(w, shocks, deficits=dfc, backend=backend, workers=workers, **solver_kw)
    frames = [outcome_vector(r, focus) for r in results]
    keys = frames[0][["country", "variable", "unit"]]
    table = {m: f.set_index(["country", "variable"])["value"].reindex(
        pd.MultiIndex.from_frame(keys[["country", "variable"]])).to_numpy(float)
        for m, f in zip(masks, frames, strict=True)}
    if n <= exact_max:
        phi = shapley_exact(np.array([table[m] for m in masks]))
        se = np.zeros_like(phi)
    else:
        phi, se = shapley_sampled(lambda m: table[m], n, orders)
    base = table[0]
    full = (1 << n) - 1
    rows = []
    for i, lab in enumerate(labels):
        rows.append(pd.DataFrame({"measure": lab, "country": keys["country"],
                                  "variable": keys["variable"], "unit": keys["unit"],
                                  "contribution": phi[i], "se": se[i]}))
    if np.any(np.abs(base) > 1e-7 * (1.0 + np.abs(table[full]))):  # the base has effects
        bname = getattr(sc, "extends", None) or (
            f"measures in force on {sc.as_of}" if getattr(sc, "as_of", None) else "base scenario")
        rows.append(pd.DataFrame({"measure": f"(base: {bname})", "country": keys["country"],
                                  "variable": keys["variable"], "unit": keys["unit"],
                                  "contribution": base, "se": 0.0}))
    df = pd.concat(rows, ignore_index=True)
    # plain records, not a DataFrame: pandas compares attrs with == when combining frames
    total = keys.assign(total=table[full]).to_dict("records")
    df.attrs.update({"method": method, "n_measures": n, "n_solves": len(masks),
                     "seconds": time.perf_counter() - t0, "scenario": getattr(sc, "name", ""),
                     "focus": focus, "total": total, "measures": labels,
                     "unit": "percentage points (percent outcomes); US$ million (money)"})
    return df


def waterfall_table(contrib: pd.DataFrame, country: str, variable: str) -> pd.DataFrame:
    """Rows ``measure, contribution, cumulative`` for one outcome, ending in a ``total`` row."""
    d = contrib[(contrib["country"] == country) & (contrib["variable"] == variable)]
    if d.empty:
        raise ScenarioError(f"no attribution for country {country!r}, variable {variable!r}")
    d = d[["measure", "contribution", "se"]].reset_index(drop=True)
    d["cumulative"] = d["contribution"].cumsum()
    tot = pd.DataFrame([{"measure": "total", "contribution": d["contribution"].sum(),
                         "se": np.nan, "cumulative": d["contribution"].sum()}])
    return pd.concat([d, tot], ignore_index=True)


# ----------------------------------------------------------------- winners and losers
def winners_losers(results: Mapping[str, Any], country: str = "CAN",
                   threshold: float = 0.01) -> pd.DataFrame:
    """Provinces and sectors of ``country`` ranked by their value-added change, per scenario.

    Parameters
    ----------
    results
        Scenario name → :class:`~tradeshock.result.Result`.
    country
        Whose provinces and sectors (provinces only for Canada).
    threshold
        Changes smaller than this (percent) in magnitude are labelled ``unchanged``.

    Returns
    -------
    pandas.DataFrame
        ``scenario, level ("province"|"sector"), name, label, value_added_base,
        value_added_change, value_added_change_pct, rank, outcome ("winner"|"loser"|
        "unchanged")``; rank 1 = biggest gain in percent within scenario and level. Sector
        money is US$ million; province money is in the provinces table's unit (see
        ``attrs["unit"]``). Provinces are left out when the world has no provincial data.

    """
    frames = []
    units: dict[str, str] = {}
    for name, res in results.items():
        out = res.output()
        out = out[out["country"] == country]
        labels = getattr(res.world, "sector_labels", {}) or {}
        sec = pd.DataFrame({
            "scenario": name, "level": "sector", "name": out["sector"].to_numpy(),
            "label": [labels.get(s, s) for s in out["sector"]],
            "value_added_base": out["value_added_base"].to_numpy(),
            "value_added_change": (out["value_added_cf"] - out["value_added_base"]).to_numpy()})
        units["sector"] = "US$ million, base year"
        frames.append(sec)
        if country == "CAN":
            try:
                prov = res.provinces()
            except Exception:
                prov = None
            if prov is not None and {"province", "value_added_base"} <= set(prov.columns):
                col = next((c for c in ("value_added_change", "value_added_change_cad")
                            if c in prov.columns), None)
                if col is not None:
                    g = prov.groupby("province", sort=True)[["value_added_base", col]].sum()
                    frames.append(pd.DataFrame({
                        "scenario": name, "level": "province", "name": g.index.to_numpy(),
                        "label": g.index.to_numpy(), "value_added_base": g["value_added_base"].to_numpy(),
                        "value_added_change": g[col].to_numpy()}))
                    units["province"] = str(prov.attrs.get("unit", "provinces table unit"))
    if not frames:
        return pd.DataFrame(columns=["scenario", "level", "name", "label", "value_added_base",
                                     "value_added_change", "value_added_change_pct", "rank",
                                     "outcome"])
    df = pd.concat(frames, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["value_added_change_pct"] = np.where(df["value_added_base"] > 0,
                                                100 * df["value_added_change"] / df["value_added_base"],
                                                np.nan)
    df["rank"] = df.groupby(["scenario", "level"])["value_added_change_pct"].rank(
        ascending=False, method="first").astype("Int64")
    df["outcome"] = np.select([df["value_added_change_pct"] >= threshold,
                               df["value_added_change_pct"] <= -threshold],
                              ["winner", "loser"], "unchanged")
    df = df.sort_values(["scenario", "level", "rank"]).reset_index(drop=True)
    df.attrs["unit"] = units
    return df

