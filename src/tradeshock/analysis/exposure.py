"""Trade dependence and coercion exposure of a country: concentration, asymmetry, cut-off costs.

For one country and each partner × sector this module measures, from the baseline flows:

- export and import concentration: Herfindahl–Hirschman indices (HHI, 0–1) of the country's
  exports of a sector across buyers (``hhi_partners``), of its imports across suppliers
  (``hhi_suppliers``), of its exports to a partner across sectors (``hhi_sectors``) and of its
  imports from a partner across sectors (``hhi_import_sectors``);
- the largest buyer of each sector and its share;
- asymmetric dependence: the partner's share in the country's exports of the sector
  (``export_share``) against the country's share in the partner's imports of it
  (``partner_import_share``);
- supplier dependence: the partner's share of the country's imports (``import_share``), the
  concentration of world exports of the sector (``world_export_hhi``) and the imports/exports
  ratio, with the three bottom-up criteria used by the European Commission (2021) and CEPII's
  GeoDep (HHI > 0.4, world-export HHI > 0.4, imports/exports > 1);

and, with the general-equilibrium engine, the CUT-OFF COST: the country's real-income change
(and the sector's gross-output change) if the partner embargoes the country's exports of that
sector (``sector="all"``: of all sectors), and if the country loses that partner as a supplier.
Cut-offs are independent counterfactuals solved in parallel with
:func:`tradeshock.parallel.solve_many`; only pairs with a non-trivial flow are solved (see
``min_share``). See ``docs/exposure.md`` for definitions and sources.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from tradeshock.errors import DataError, ShockError, unknown

if TYPE_CHECKING:
    from tradeshock.parallel import Backend

#: Default threshold: solve a cut-off only if the flow is at least this share of the country's
#: total exports (or imports, for supplier cut-offs). For Canada 0.5% is about US$2.6bn and the
#: pairs above it carry about 70% of its exports (about 100 solves in all).
MIN_SHARE = 0.005

#: Concentration thresholds quoted in the docs (HHI on the 0–1 scale).
EC_HHI = 0.4            # EC (2021) / CEPII GeoDep: concentrated imports or world exports
DOJ_HIGH = 0.18         # US DOJ/FTC Merger Guidelines (2023) §2.1: > 1,800 highly concentrated
DOJ_MODERATE = 0.10     # ... 1,000–1,800 moderately concentrated


def _hhi(x: np.ndarray, axis: int) -> np.ndarray:
    """HHI (sum of squared shares, 0-1) along ``axis``; NaN where the total is zero."""
    tot = x.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = x / np.expand_dims(np.where(tot > 0, tot, 1.0), axis)
    return np.where(tot > 0, (s ** 2).sum(axis=axis), np.nan)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def _resolve_world(world: Any) -> Any:
    if isinstance(world, str):
        from tradeshock.world import load_world

        return load_world(world)
    return world


def _check(world: Any, country: str, partner: str | Sequence[str] | None,
           sector: str | Sequence[str] | None) -> tuple[int, list[int], list[int]]:
    """Validate labels; return country index, partner indices and sector indices."""
    if country not in world.countries:
        raise DataError(unknown("country", country, world.countries, f"world {world.name!r}"))
    c = world.countries.index(country)
    if partner is None or partner == "all":
        partners = [i for i in range(world.n_countries) if i != c]
    else:
        plist = [partner] if isinstance(partner, str) else list(partner)
        partners = []
        for p in plist:
            if p not in world.countries:
                raise DataError(unknown("partner", p, world.countries, f"world {world.name!r}"))
            if p == country:
                raise DataError(f"partner {p!r} is the country itself; choose another partner")
            partners.append(world.countries.index(p))
    tradable = [j for j in range(world.n_sectors) if bool(world.tradable[j])]
    if sector is None or sector == "all":
        sectors = tradable
    else:
        slist = [sector] if isinstance(sector, str) else list(sector)
        sectors = []
        for s in slist:
            if s not in world.sectors:
                raise DataError(unknown("sector", s, world.sectors, f"world {world.name!r}"))
            j = world.sectors.index(s)
            if not world.tradable[j]:
                raise DataError(f"sector {s!r} is not traded in world {world.name!r}: no exposure "
                                "to measure; choose a tradable sector")
            sectors.append(j)
    return c, partners, sectors


# ----------------------------------------------------------------------------- metrics
def exposure_metrics(world: Any, country: str, partner: str | Sequence[str] | None = None,
                     sector: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Baseline dependence metrics for ``country`` per partner × sector (no GE solve).

    Returns one row per partner × tradable sector plus one ``sector="all"`` row per partner.
    Money columns (``exports``, ``imports``) in US$ million of the world's base year.
    """
    world = _resolve_world(world)
    c, partners, sectors = _check(world, country, partner, sector)
    f = np.asarray(world.flows, dtype=float)            # [importer, exporter, sector]
    n = world.n_countries
    foreign = ~np.eye(n, dtype=bool)
    exp = f[:, c, :].copy()                            # [partner, j]: c's exports to partner
    exp[c] = 0.0
    imp = f[c, :, :].copy()                            # [partner, j]: c's imports from partner
    imp[c] = 0.0
    imports_all = (f * foreign[:, :, None]).sum(axis=1)   # [importer, j] total imports
    exports_all = (f * foreign[:, :, None]).sum(axis=0)   # [exporter, j] total exports

    # sector-level (per j) quantities
    hhi_partners = _hhi(exp, axis=0)                    # (J,)
    hhi_suppliers = _hhi(imp, axis=0)                   # (J,)
    world_export_hhi = _hhi(exports_all, axis=0)        # (J,)
    big = np.argmax(exp, axis=0)
    big_share = _div(exp.max(axis=0), exp.sum(axis=0))
    import_penetration = _div(imp.sum(axis=0), f[c].sum(axis=0))
    imp_exp_ratio = _div(imp.sum(axis=0), exp.sum(axis=0))
    # partner-level
    hhi_sectors = _hhi(exp, axis=1)                     # (N,) c's exports to p across sectors
    hhi_import_sectors = _hhi(imp, axis=1)              # (N,) c's imports from p across sectors

    rows = []
    names = world.countries
    for p in partners:
        for j in sectors:
            rows.append({
                "partner": names[p], "sector": world.sectors[j],
                "exports": exp[p, j], "imports": imp[p, j],
                "export_share": _div(exp[p, j], exp[:, j].sum()),
                "partner_import_share": _div(exp[p, j], imports_all[p, j]),
                "import_share": _div(imp[p, j], imp[:, j].sum()),
                "partner_world_export_share": _div(exports_all[p, j], exports_all[:, j].sum()),
                "hhi_partners": hhi_partners[j], "hhi_suppliers": hhi_suppliers[j],
                "hhi_sectors": hhi_sectors[p], "hhi_import_sectors": hhi_import_sectors[p],
                "largest_buyer": names[big[j]] if exp[:, j].sum() > 0 else None,
                "largest_buyer_share": big_share[j],
                "world_export_hhi": world_export_hhi[j],
                "import_penetration": import_penetration[j],
                "imports_to_exports": imp_exp_ratio[j],
            })
        # all sectors together (tradable sectors only)
        e_tot = exp[:, sectors].sum(axis=1)
        i_tot = imp[:, sectors].sum(axis=1)
        pimp = imports_all[p, sectors].sum()
        wexp = exports_all[:, sectors].sum(axis=1)
        rows.append({
            "partner": names[p], "sector": "all",
            "exports": e_tot[p], "imports": i_tot[p],
            "export_share": _div(e_tot[p], e_tot.sum()),
            "partner_import_share": _div(e_tot[p], pimp),
            "import_share": _div(i_tot[p], i_tot.sum()),
            "partner_world_export_share": _div(wexp[p], wexp.sum()),
            "hhi_partners": float(_hhi(e_tot, axis=0)), "hhi_suppliers": float(_hhi(i_tot, axis=0)),
            "hhi_sectors": hhi_sectors[p], "hhi_import_sectors": hhi_import_sectors[p],
            "largest_buyer": names[int(np.argmax(e_tot))] if e_tot.sum() > 0 else None,
            "largest_buyer_share": _div(e_tot.max(), e_tot.sum()),
            "world_export_hhi": float(_hhi(wexp, axis=0)),
            "import_penetration": _div(i_tot.sum(), f[c][:, sectors].sum()),
            "imports_to_exports": _div(i_tot.sum(), e_tot.sum()),
        })
    df = pd.DataFrame(rows)
    for col in df.columns:
        if col not in ("partner", "sector", "largest_buyer"):
            df[col] = df[col].astype(float)
    df["asymmetry"] = df["export_share"] - df["partner_import_share"]
    df["supplier_dependence"] = ((df["hhi_suppliers"] > EC_HHI) & (df["world_export_hhi"] > EC_HHI)
                                 & (df["imports_to_exports"] > 1)) & (df["import_share"] > 0)
    df.insert(0, "country", country)
    df.attrs["unit"] = f"US$ million, {world.year}, producer prices; shares and HHI as fractions"
    return df


# ----------------------------------------------------------------------------- cut-offs
def _cutoff_shocks(world: Any, country: str, pairs: list[tuple[str, str]], direction: str) -> list:
    """Embargo shocks: ``direction="exports"`` partner stops buying; ``"imports"`` country stops."""
    from tradeshock.shock import Shock

    shocks = []
    for p, s in pairs:
        sectors = None if s == "all" else [s]
        if direction == "exports":
            shocks.append(Shock(world).embargo(imposer=p, target=country, sectors=sectors,
                                               label=f"{p} embargoes {country} {s}"))
        else:
            shocks.append(Shock(world).embargo(imposer=country, target=p, sectors=sectors,
                                               label=f"{country} loses supplier {p} {s}"))
    return shocks


def _solve(world: Any, shocks: list, backend: str, workers: int | None,
           deficits: str = "fixed") -> list:
    """The cut-off counterfactuals (``backend="serial"``: in this process, in lockstep)."""
    from tradeshock.parallel import solve_many
    from tradeshock.resolve import check_deficits

    if not shocks:
        return []
    return list(solve_many(world, shocks, deficits=check_deficits(deficits),
                           backend=cast("Backend", backend), workers=workers))


def _outcomes(results: list, country: str, partner: list[str], sectors: list[str]) -> pd.DataFrame:
    """Real income of country and partner, and the sector's gross-output change, per result.

    Read off the arrays (as ``Result.welfare`` and ``Result.output`` compute them) rather than
    those tables: building two DataFrames per cut-off cost more than solving it.
    """
    from tradeshock.model.welfare import real_income

    rows = []
    for res, p, s in zip(results, partner, sectors, strict=True):
        cs = list(res.countries)
        i = cs.index(country)
        ri = real_income(res.baseline, res.equilibrium) * 100
        y0 = res.flows_base[:, i, :].sum(axis=0)              # the country's gross output by sector
        y1 = res.flows_cf[:, i, :].sum(axis=0)
        if s == "all":
            go = 100 * (y1.sum() / y0.sum() - 1)
        else:
            k = list(res.sectors).index(s)
            go = 100 * (y1[k] / y0[k] - 1) if y0[k] != 0 else np.nan
        rows.append({"real_income": float(ri[i]), "partner_real_income": float(ri[cs.index(p)]),
                     "output": float(go)})
    return pd.DataFrame(rows)


def cutoff_costs(world: Any, country: str, pairs: Sequence[tuple[str, str]],
                 direction: str = "exports", backend: str = "processes",
                 workers: int | None = None, deficits: str = "fixed") -> pd.DataFrame:
    """GE cost to ``country`` of losing each (partner, sector) flow (``sector="all"``: all).

    Parameters
    ----------
    world
        World name or :class:`~tradeshock.world.World`.
    country
        ISO3 code of the country whose flows are cut (e.g. ``"CAN"``).
    pairs
        ``(partner, sector)`` flows to cut, one counterfactual each; ``sector="all"`` cuts
        every sector with that partner.
    direction
        ``"exports"``: the partner embargoes the country's exports of the sector;
        ``"imports"``: the country loses the partner as a supplier of the sector.
    backend, workers
        Passed to :func:`tradeshock.parallel.solve_many` (``"serial"`` solves in this process).
    deficits
        Deficit treatment of the counterfactuals (``"fixed"`` or ``"zero"``).

    Returns
    -------
    pandas.DataFrame
        ``partner, sector, real_income_pct`` (country), ``partner_real_income_pct``,
        ``output_pct`` (country's gross output of the sector, or total for ``"all"``).
    """
    if direction not in ("exports", "imports"):
        raise DataError(f"direction must be 'exports' or 'imports', got {direction!r}")
    world = _resolve_world(world)
    pairs = list(pairs)
    for p, s in pairs:
        _check(world, country, p, None if s == "all" else s)
    try:
        shocks = _cutoff_shocks(world, country, pairs, direction)
    except ShockError as exc:
        raise DataError(str(exc)) from None
    results = _solve(world, shocks, backend, workers, deficits)
    out = _outcomes(results, country, [p for p, _ in pairs], [s for _, s in pairs])
    out.insert(0, "sector", [s for _, s in pairs])
    out.insert(0, "partner", [p for p, _ in pairs])
    return out.rename(columns={"real_income": "real_income_pct",
                               "partner_real_income": "partner_real_income_pct",
                               "output": "output_pct"})


def exposure(country: str, partner: str | Sequence[str] | None = None, world: Any = "default",
             sector: str | Sequence[str] | None = None, cutoffs: bool = True,
             min_share: float | None = None, backend: str = "processes",
             workers: int | None = None, deficits: str = "fixed") -> pd.DataFrame:
    """Dependence and coercion exposure of ``country``: a ranked tidy table.

    Parameters
    ----------
    country
        ISO3 code of the country exposed (e.g. ``"CAN"``).
    partner
        One partner code, a list, or ``None`` for all partners.
    world
        World name or :class:`~tradeshock.world.World` (default ``"default"``).
    sector
        One tradable sector code, a list, or ``None`` for all tradable sectors; ``sector="all"``
        rows (all sectors together) are always included.
    cutoffs
        Solve the GE cut-off counterfactuals (``False``: baseline metrics only, instant).
    min_share
        Solve a cut-off only where the flow is at least this share of the country's total
        exports (imports for supplier cut-offs); other rows get NaN and
        ``cutoff_computed=False``. A zero flow has a cut-off cost of exactly zero. Default:
        :data:`MIN_SHARE` over all partners, every non-zero flow when ``partner`` is given.
    backend, workers
        Parallel backend of :func:`tradeshock.parallel.solve_many`.
    deficits
        Deficit treatment of the cut-off counterfactuals (``"fixed"`` or ``"zero"``).

    Returns
    -------
    pandas.DataFrame
        The :func:`exposure_metrics` columns plus ``cutoff_real_income_pct`` (GE real-income
        change of ``country``, percent, if ``partner`` embargoes its exports of ``sector``),
        ``cutoff_partner_real_income_pct`` (what the embargo costs the partner),
        ``cutoff_output_pct`` (the sector's gross output change in ``country``),
        ``supplier_cutoff_real_income_pct`` and ``supplier_cutoff_output_pct`` (``country``
        stops importing ``sector`` from ``partner``), ``cutoff_computed``. Sorted by the export
        cut-off cost (most costly first), then by exports. ``df.attrs`` holds the unit, the
        threshold, the number of solves and the seconds taken.

    Examples
    --------
    >>> tradeshock.exposure("CAN", partner="CHN")                          # doctest: +SKIP
    """
    t0 = time.perf_counter()
    w = _resolve_world(world)
    if min_share is None:
        min_share = MIN_SHARE if partner is None or partner == "all" else 0.0
    if isinstance(min_share, bool) or not isinstance(min_share, (int, float)) \
            or not 0.0 <= float(min_share) < float("inf"):
        raise DataError(f"min_share {min_share!r} must be a share of at least 0 (0.005 = 0.5% of "
                        "total exports; above 1 solves none); each flow above it costs one "
                        "general-equilibrium solve")
    df = exposure_metrics(w, country, partner, sector)
    for col in ("cutoff_real_income_pct", "cutoff_partner_real_income_pct", "cutoff_output_pct",
                "supplier_cutoff_real_income_pct", "supplier_cutoff_output_pct"):
        df[col] = np.nan
    df["cutoff_computed"] = False
    n_solves = 0
    if cutoffs:
        c = w.countries.index(country)
        f = np.asarray(w.flows, dtype=float)
        trad = np.asarray(w.tradable, bool)
        total_exports = float(f[:, c, trad].sum() - f[c, c, trad].sum())
        total_imports = float(f[c, :, trad].sum() - f[c, c, trad].sum())
        zero_x = df["exports"] <= 0
        zero_m = df["imports"] <= 0
        df.loc[zero_x, ["cutoff_real_income_pct", "cutoff_partner_real_income_pct",
                        "cutoff_output_pct"]] = 0.0
        df.loc[zero_m, ["supplier_cutoff_real_income_pct", "supplier_cutoff_output_pct"]] = 0.0
        want_x = (~zero_x) & (df["exports"] >= min_share * total_exports)
        want_m = (~zero_m) & (df["imports"] >= min_share * total_imports)
        px = list(zip(df.loc[want_x, "partner"], df.loc[want_x, "sector"], strict=True))
        pm = list(zip(df.loc[want_m, "partner"], df.loc[want_m, "sector"], strict=True))
        shocks = (_cutoff_shocks(w, country, px, "exports")
                  + _cutoff_shocks(w, country, pm, "imports"))
        results = _solve(w, shocks, backend, workers, deficits)
        n_solves = len(results)
        rx = _outcomes(results[:len(px)], country, [p for p, _ in px], [s for _, s in px])
        rm = _outcomes(results[len(px):], country, [p for p, _ in pm], [s for _, s in pm])
        if len(px):
            df.loc[want_x, "cutoff_real_income_pct"] = rx["real_income"].to_numpy()
            df.loc[want_x, "cutoff_partner_real_income_pct"] = rx["partner_real_income"].to_numpy()
            df.loc[want_x, "cutoff_output_pct"] = rx["output"].to_numpy()
        if len(pm):
            df.loc[want_m, "supplier_cutoff_real_income_pct"] = rm["real_income"].to_numpy()
            df.loc[want_m, "supplier_cutoff_output_pct"] = rm["output"].to_numpy()
        df["cutoff_computed"] = want_x | zero_x
    # rank: most costly cut-off first; flows below the threshold (NaN) rank as costless
    order = np.lexsort((-df["exports"].to_numpy(), df["cutoff_real_income_pct"].fillna(0.0).to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    df.attrs.update({
        "unit": f"US$ million, {w.year}, producer prices; shares/HHI as fractions; *_pct in percent",
        "world": w.name, "country": country, "min_share": min_share, "solves": n_solves,
        "seconds": round(time.perf_counter() - t0, 3),
        "cutoff": f"embargo (d-hat = infinity) in the Caliendo-Parro engine, deficits {deficits}",
    })
    return df
