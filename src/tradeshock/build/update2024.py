"""Build the ``default`` world: WIOD 2011 structure updated to 2024 totals.

Label: "2024 estimate: WIOD 2011 structure updated to 2024 totals". Steps (docs/data.md):

1. Start from the calibrated ``wiod2011`` arrays (flows, γ, γ^{k,j}, α, tradability).
2. Targets:
   - value added of every country = 2024 GDP (WDI, current US$; ROW = world − Σ WIOD countries
     incl. a flagged TWN placeholder);
   - US imports by partner × goods sector (c1–c17) from 2024 HS10 imports for consumption of
     CAN, MEX, CHN, JPN, KOR, GBR, IND and the EU, mapped with the packaged HS6 → WIOD
     concordance; HS lines without a goods sector (HS ch. 98/99, art, film) are spread pro rata
     over the partner's goods sectors so partner totals equal the HS10 totals; the EU total is
     split over the 26 WIOD EU members (EU27 of 2024 minus Croatia, which WIOD puts in ROW) in
     proportion to their 2011 sales to the US in that sector — these cells are held fixed;
   - goods totals of other known 2024 pairs (macro2024): USA→CAN, USA→MEX, USA→CHN, CHN→CAN,
     CHN→MEX, MEX→CHN (importer-reported where both sides exist);
   - total exports and imports = WDI 2024 goods-and-services values for the 11 countries that
     have them; other countries' deficits = 2011 deficit/value-added ratio × 2024 GDP, shifted
     pro rata to GDP so all deficits sum to zero.
3. Balance the full N×N×J flow array (domestic flows included) by iterative proportional fitting:
   repeated multiplicative scaling of the free cells to meet, in turn, the pair totals, each
   importer's imports (or deficit), each exporter's exports (where known) and value added, until
   every gap is below 1e-9 (relative).
   Cells and directions without 2024 information keep their 2011 proportions.
4. Tariffs: US imports from the 8 partners at 2024 calculated duty / imports by sector; other US
   imports at the US average over non-FTA, non-Section-301 partners (EU, GBR, JPN, IND); all other
   importers Caliendo–Parro 2005 rates mapped to WIOD (as wiod2011).
5. α from goods-market clearing on the updated flows (clip negatives, renormalise), so the
   2024 table is close to a model equilibrium; γ and γ^{k,j} kept from 2011.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.build.common import (
    SRC_CONCORDANCE,
    SRC_CP2015,
    SRC_MACRO2024,
    SRC_US_HS10,
    SRC_WIOD2013,
    build_date,
    clean,
    raw_file,
    read_raw,
)
from tradeshock.build.concordance import hs6_wiod, read_us_imports
from tradeshock.build.cp_map import EU27
from tradeshock.build.elasticities import (
    DEFAULT_SET,
    SRC_BOEHM,
    SRC_BRODA_WEINSTEIN,
    SRC_FONTAGNE,
    SRC_GIRI,
)
from tradeshock.build.names import country_names
from tradeshock.build.sectors import SECTOR_CODES, SECTOR_LABELS
from tradeshock.build.wiod import SRC_SIMONOVSKA_WAUGH, method_notes
from tradeshock.build.wiod import calibrate as calibrate_wiod
from tradeshock.errors import ConvergenceError, DataError
from tradeshock.world import World

NAME = "default"
TITLE = "2024 estimate: WIOD 2011 structure updated to 2024 totals"
#: Sectors whose trade customs statistics record (goods + electricity/gas/water), c1..c17.
GOODS = SECTOR_CODES[:17]
#: EU members in 2024 that WIOD lists separately (Croatia is inside WIOD's ROW).
EU2024_WIOD = tuple(sorted(EU27 - {"GBR"}))
#: US partners with 2024 HS10 data and their "non-FTA, no Section 301" status for the others' rate.
MFN_REFERENCE = ("EU", "GBR", "JPN", "IND")
TOL = 1e-9
MAX_ITER = 20000


def read_margins(raw: Path) -> pd.DataFrame:
    """``macro2024/margins.csv`` (beside the raw folder: ``<raw>/../macro2024``)."""
    path = raw_file(Path(raw).parent, "macro2024", "margins.csv")
    df = read_raw(path, pd.read_csv, "expected columns indicator, country_or_pair, year, value, unit")
    missing = {"indicator", "country_or_pair", "year", "value", "unit"} - set(df.columns)
    if missing:
        raise DataError(f"{path} lacks column(s) {', '.join(sorted(missing))}")
    df.attrs["path"] = str(path)
    return df


def _usd_million(value: float, unit: str, path: str) -> float:
    scale = {"USD": 1e-6, "USD_bn": 1e3, "USD_tn": 1e6}
    if unit not in scale:
        raise DataError(f"{path}: unit {unit!r} not convertible to US$ (expected USD, USD_bn, USD_tn)")
    return float(value) * scale[unit]


def gdp_targets(margins: pd.DataFrame, countries: tuple[str, ...]) -> tuple[np.ndarray, dict[str, Any]]:
    """2024 GDP (US$ million) per world country; ROW from the derived WLD − Σ row."""
    path = margins.attrs.get("path", "margins.csv")
    g = margins[(margins["indicator"] == "gdp_current_usd") & (margins["year"] == 2024)]
    rows = {r.country_or_pair: _usd_million(r.value, r.unit, path) for r in g.itertuples()}
    d = margins[(margins["indicator"] == "gdp_current_usd_derived") & (margins["year"] == 2024)
                & (margins["country_or_pair"] == "ROW_excl_40_WIOD_incl_TWN_est")]
    if len(d) != 1:
        raise DataError(f"{path}: no 2024 row gdp_current_usd_derived / ROW_excl_40_WIOD_incl_TWN_est")
    rows["ROW"] = _usd_million(d["value"].iloc[0], d["unit"].iloc[0], path)
    missing = [c for c in countries if c not in rows]
    if missing:
        raise DataError(f"{path}: no 2024 GDP for {', '.join(missing)}")
    flags = {"TWN": "LOW-QUALITY placeholder (790 bn) from macro2024; replace with DGBAS/IMF value",
             "ROW": "WLD - sum of 39 WDI countries - TWN placeholder (derived)"}
    return np.array([rows[c] for c in countries]), flags


def pair_targets(margins: pd.DataFrame) -> list[dict[str, Any]]:
    """Known 2024 bilateral goods totals (exporter, importer, US$ million, side, note)."""
    path = margins.attrs.get("path", "margins.csv")

    def val(indicator: str, pair: str, unit: str | None = None) -> float:
        r = margins[(margins["indicator"] == indicator) & (margins["country_or_pair"] == pair)
                    & (margins["year"] == 2024)]
        if unit is not None:
            r = r[r["unit"] == unit]
        if r.empty:
            raise DataError(f"{path}: no 2024 row {indicator} / {pair}")
        return _usd_million(r["value"].iloc[0], r["unit"].iloc[0], path)

    return [
        {"exporter": "USA", "importer": "CAN", "value": val("bilateral_goods_usd", "USA->CAN", "USD_bn"),
         "side": "exporter (US Census); Canada-reported not found"},
        {"exporter": "USA", "importer": "MEX", "value": val("bilateral_goods_usd", "USA->MEX"),
         "side": "exporter (US, Comtrade); Mexico-reported not found"},
        {"exporter": "USA", "importer": "CHN", "value": val("bilateral_goods_usd", "USA->CHN"),
         "side": "exporter (US, Comtrade); China-reported not found"},
        {"exporter": "CHN", "importer": "CAN", "value": val("bilateral_goods_usd", "CHN->CAN"),
         "side": "exporter (China, Comtrade); Canada-reported not found"},
        {"exporter": "CHN", "importer": "MEX", "value": val("bilateral_goods_usd", "CHN->MEX (MEX imports)"),
         "side": "importer (INEGI, CIF, 'surpassed 130 bn' = lower bound); China-reported 90.2 bn"},
        {"exporter": "MEX", "importer": "CHN", "value": val("bilateral_goods_usd", "MEX->CHN"),
         "side": "exporter (INEGI, 'nearly 10 bn', approximate)"},
    ]


def us_import_targets(raw: Path, countries: tuple[str, ...], flows2011: np.ndarray
                      ) -> tuple[dict[tuple[str, str], float], np.ndarray, dict[str, Any]]:
    """Fixed US import cells (partner, sector) → US$ million, US tariff rows, and a report."""
    conc, _ = hs6_wiod(raw)
    us = read_us_imports(raw)
    sector = us["hs6"].map(dict(zip(conc["hs6"], conc["sector"], strict=True)))
    us = us.assign(sector=sector)
    goods = us["sector"].isin(GOODS)
    ci = {c: k for k, c in enumerate(countries)}
    usa = ci["USA"]
    si = {s: k for k, s in enumerate(SECTOR_CODES)}
    j = len(SECTOR_CODES)
    cells: dict[tuple[str, str], float] = {}
    report: dict[str, Any] = {"partner_totals_usd_bn": {}, "value_spread_pro_rata_usd_bn": {}}
    by_ps = us[goods].groupby(["partner", "sector"])[["imports", "duty"]].sum()
    partner_total = us.groupby("partner")["imports"].sum()
    rates: dict[str, np.ndarray] = {}
    for partner in sorted(partner_total.index):
        sub = by_ps.loc[partner] if partner in by_ps.index.get_level_values(0) else None
        v = np.zeros(j)
        d = np.zeros(j)
        if sub is not None:
            for s, row in sub.iterrows():
                v[si[s]] += row["imports"]
                d[si[s]] += row["duty"]
        total = partner_total[partner]
        spread = total - v.sum()
        report["value_spread_pro_rata_usd_bn"][partner] = spread / 1e9
        report["partner_totals_usd_bn"][partner] = total / 1e9
        rates[partner] = np.divide(d, v, out=np.full(j, np.nan), where=v > 0)
        v = v * (total / v.sum()) / 1e6                               # US$ million
        members = EU2024_WIOD if partner == "EU" else (partner,)
        idx = [ci[m] for m in members]
        for s in GOODS:
            k = si[s]
            if len(idx) == 1:
                cells[(members[0], s)] = v[k]
                continue
            base = flows2011[usa, idx, k]
            share = base / base.sum() if base.sum() > 0 else (
                flows2011[usa, idx].sum(axis=1) / flows2011[usa, idx].sum())
            for m, sh in zip(members, share, strict=True):
                cells[(m, s)] = v[k] * sh
    # US tariff rows
    ref = us[goods & us["partner"].isin(MFN_REFERENCE)].groupby("sector")[["imports", "duty"]].sum()
    others = np.zeros(j)
    for s, row in ref.iterrows():
        others[si[s]] = row["duty"] / row["imports"] if row["imports"] > 0 else 0.0
    us_tariffs = np.tile(others, (len(countries), 1))
    for partner, r in rates.items():
        members = EU2024_WIOD if partner == "EU" else (partner,)
        for m in members:
            us_tariffs[ci[m]] = np.where(np.isnan(r), others, r)
    goods_mask = np.array([s in GOODS for s in SECTOR_CODES])
    us_tariffs[:, ~goods_mask] = 0.0
    us_tariffs[usa] = 0.0
    report["us_tariff_others_by_sector"] = {s: others[si[s]] for s in GOODS}
    report["us_average_tariff_by_partner"] = {
        p: float(us[goods & (us["partner"] == p)]["duty"].sum()
                 / us[goods & (us["partner"] == p)]["imports"].sum()) for p in sorted(rates)}
    return cells, us_tariffs, report


def balance(flows: np.ndarray, va: np.ndarray, gdp: np.ndarray, deficit: np.ndarray,
            fixed: np.ndarray, pairs: list[tuple[int, int, float]], goods_mask: np.ndarray,
            trade: np.ndarray | None = None) -> tuple[np.ndarray, int, float]:
    """Iterative proportional fitting of ``flows`` [n, i, j] to the targets (see module docstring).

    Each sweep scales the free cells (``fixed`` marks cells held at their value) to meet, in turn:
    the goods totals of ``pairs`` (importer, exporter, value); each importer's imports (rows of
    ``trade`` [exports, imports] that are finite) or else its deficit; each exporter's exports
    where ``trade`` gives them; and each exporter's value added Σ_j va·sales (through domestic
    sales only where exports are targeted, else through all its sales). Returns the balanced
    array, the number of sweeps and the largest relative gap reached.
    """
    f = flows.copy()
    n = f.shape[0]
    free = ~fixed
    eye = np.eye(n, dtype=bool)[:, :, None]
    offd = ~eye
    trade = np.full((n, 2), np.nan) if trade is None else trade
    has_x = np.isfinite(trade[:, 0])
    has_m = np.isfinite(trade[:, 1])
    gap = np.inf
    it = 0
    for it in range(1, MAX_ITER + 1):
        for (a, b, target) in pairs:                              # importer a, exporter b
            cell = free[a, b] & goods_mask
            fixed_part = f[a, b][~cell & goods_mask].sum()
            cur = f[a, b][cell].sum()
            if cur > 0:
                f[a, b][cell] *= (target - fixed_part) / cur
        fr = free & offd
        imports = (f * offd).sum(axis=(1, 2))
        exports = (f * offd).sum(axis=(0, 2))
        free_imp = (f * fr).sum(axis=(1, 2))
        want_m = np.where(has_m, trade[:, 1], deficit + exports)
        r = (want_m - (imports - free_imp)) / free_imp
        f = np.where(fr, f * r[:, None, None], f)
        if has_x.any():
            exports = (f * offd).sum(axis=(0, 2))
            free_exp = (f * fr).sum(axis=(0, 2))
            c = np.where(has_x, (trade[:, 0] - (exports - free_exp)) / free_exp, 1.0)
            f = np.where(fr, f * c[None, :, None], f)
        # value added: through domestic sales where exports are targeted, else all sales
        scal = np.where(has_x[None, :, None], free & eye, free)
        vfree = np.einsum("ij,nij->i", va, np.where(scal, f, 0.0))
        vfix = np.einsum("ij,nij->i", va, np.where(scal, 0.0, f))
        c = (gdp - vfix) / vfree
        f = np.where(scal, f * c[None, :, None], f)
        # gaps after a full sweep
        vadd = np.einsum("ij,nij->i", va, f)
        imports = (f * offd).sum(axis=(1, 2))
        exports = (f * offd).sum(axis=(0, 2))
        g1 = np.abs(vadd / gdp - 1).max()
        g2 = (np.abs(imports - exports - deficit) / gdp).max()
        g3 = max((abs(f[a, b][goods_mask].sum() / t - 1) for a, b, t in pairs), default=0.0)
        g4 = np.nanmax(np.abs(np.concatenate([exports[has_x] / trade[has_x, 0] - 1,
                                              imports[has_m] / trade[has_m, 1] - 1, [0.0]])))
        gap = max(g1, g2, g3, g4)
        if gap < TOL:
            return f, it, gap
        if np.any(f < 0) or not np.all(np.isfinite(f)):
            break
    raise ConvergenceError(f"update2024: IPF did not reach the targets (largest relative gap "
                           f"{gap:.2e} after {it} sweeps); the targets may be inconsistent")


def deficit_targets(margins: pd.DataFrame, countries: tuple[str, ...], fallback: np.ndarray,
                    gdp: np.ndarray) -> tuple[np.ndarray, dict[str, dict[str, float]]]:
    """2024 deficits: WDI goods-and-services imports − exports where given, else ``fallback``.

    The residual needed for deficits to sum to zero is spread over the countries without WDI
    figures, in proportion to GDP.
    """
    path = margins.attrs.get("path", "margins.csv")
    known: dict[str, dict[str, float]] = {}
    for kind in ("exports", "imports"):
        rows = margins[(margins["indicator"] == f"{kind}_goods_and_services_usd_PROXY")
                       & (margins["year"] == 2024)]
        for r in rows.itertuples():
            known.setdefault(r.country_or_pair, {})[kind] = _usd_million(r.value, r.unit, path)
    d = fallback.copy()
    has = np.zeros(len(countries), dtype=bool)
    for k, c in enumerate(countries):
        if c in known and {"exports", "imports"} <= set(known[c]):
            d[k] = known[c]["imports"] - known[c]["exports"]
            has[k] = True
    rest = ~has
    d[rest] -= gdp[rest] / gdp[rest].sum() * d.sum()
    return d, known


def clearing_alpha(flows: np.ndarray, tariffs: np.ndarray, va: np.ndarray, io: np.ndarray
                   ) -> tuple[np.ndarray, dict[str, Any]]:
    """α from goods-market clearing, negatives clipped and rows renormalised."""
    y = flows.sum(axis=0)
    x = np.einsum("nij,nij->nj", flows, 1.0 + tariffs)
    f2 = flows.sum(axis=2)
    deficit = (f2.sum(axis=1) - np.diag(f2)) - (f2.sum(axis=0) - np.diag(f2))
    income = (va * y).sum(axis=1) + np.einsum("nij,nij->n", flows, tariffs) + deficit
    raw_alpha = (x - np.einsum("njk,nk->nj", io, y)) / income[:, None]
    neg = raw_alpha < 0
    alpha = np.where(neg, 0.0, raw_alpha)
    alpha = alpha / alpha.sum(axis=1, keepdims=True)
    return alpha, {"alpha_negative_cells_clipped": int(neg.sum()),
                   "alpha_negative_mass_clipped": float(-raw_alpha[neg].sum()),
                   "alpha_row_sum_before_renormalising_min": float(raw_alpha.sum(axis=1).min()),
                   "alpha_row_sum_before_renormalising_max": float(raw_alpha.sum(axis=1).max())}


def calibrate(raw: Path) -> tuple[World, dict[str, Any]]:
    """Build the default world; returns it with the build report."""
    base, base_report = calibrate_wiod(raw)
    countries = base.countries
    ci = {c: k for k, c in enumerate(countries)}
    si = {s: k for k, s in enumerate(SECTOR_CODES)}
    n = base.n_countries
    margins = read_margins(raw)
    gdp, gdp_flags = gdp_targets(margins, countries)
    va2011 = base.value_added
    deficit, known_deficit = deficit_targets(margins, countries, base.deficit / va2011 * gdp, gdp)

    cells, us_tariffs, us_report = us_import_targets(raw, countries, base.flows)
    flows = base.flows.copy()
    fixed = np.zeros_like(flows, dtype=bool)
    usa = ci["USA"]
    for (p, s), v in cells.items():
        flows[usa, ci[p], si[s]] = v
        fixed[usa, ci[p], si[s]] = True
    goods_mask = np.array([s in GOODS for s in SECTOR_CODES])
    ptargets = pair_targets(margins)
    pairs = [(ci[t["importer"]], ci[t["exporter"]], t["value"]) for t in ptargets]
    trade = np.full((n, 2), np.nan)
    for c, known in known_deficit.items():
        if c in ci and {"exports", "imports"} <= set(known):
            trade[ci[c]] = (known["exports"], known["imports"])
    balanced, iterations, gap = balance(flows, base.va_share, gdp, deficit, fixed, pairs, goods_mask,
                                        trade)

    tariffs = base.tariffs.copy()
    tariffs[usa] = us_tariffs
    tariffs[:, :, ~base.tradable] = 0.0
    alpha, alpha_report = clearing_alpha(balanced, tariffs, base.va_share, base.io_share)

    world = World(
        name=NAME, year=2024, countries=countries, sectors=SECTOR_CODES, flows=balanced,
        tariffs=tariffs, va_share=base.va_share, io_share=base.io_share, final_share=alpha,
        theta=base.elasticities[DEFAULT_SET], tradable=base.tradable, country_names=country_names(countries),
        sector_labels=SECTOR_LABELS, provenance={}, elasticities=dict(base.elasticities),
    )
    va_reached = world.value_added
    goods_imp = {p: world.flows[usa, ci[p], goods_mask].sum() for p in countries}
    report: dict[str, Any] = {
        "headline": {
            "us_goods_imports_from_can_usd_bn": goods_imp["CAN"] / 1e3,
            "us_goods_imports_from_mex_usd_bn": goods_imp["MEX"] / 1e3,
            "us_goods_imports_from_chn_usd_bn": goods_imp["CHN"] / 1e3,
            "us_goods_exports_to_can_usd_bn": world.flows[ci["CAN"], usa, goods_mask].sum() / 1e3,
            "world_gdp_usd_bn": va_reached.sum() / 1e3,
            "ipf_sweeps": iterations, "ipf_max_relative_gap": gap,
        },
        "gdp_targets": [{"country": c, "target_usd_bn": gdp[k] / 1e3,
                         "reached_usd_bn": va_reached[k] / 1e3,
                         "gap_pct": 100 * (va_reached[k] / gdp[k] - 1),
                         "value_added_2011_usd_bn": va2011[k] / 1e3,
                         **({"flag": gdp_flags[c]} if c in gdp_flags else {})}
                        for k, c in enumerate(countries)],
        "pair_targets": [{**t, "target_usd_bn": t["value"] / 1e3,
                          "reached_usd_bn": world.flows[ci[t["importer"]], ci[t["exporter"]],
                                                        goods_mask].sum() / 1e3,
                          "value_2011_usd_bn": base.flows[ci[t["importer"]], ci[t["exporter"]],
                                                          goods_mask].sum() / 1e3}
                         for t in ptargets],
        "us_import_cells": {
            "partners": us_report["partner_totals_usd_bn"],
            "reached_goods_total_usd_bn": {p: (sum(world.flows[usa, ci[m], goods_mask].sum()
                                                   for m in EU2024_WIOD) if p == "EU"
                                               else goods_imp[p]) / 1e3
                                           for p in us_report["partner_totals_usd_bn"]},
            "value_spread_pro_rata_usd_bn": us_report["value_spread_pro_rata_usd_bn"],
            "note": "cells held fixed; partner goods totals equal the HS10 totals",
        },
        "deficit_targets_usd_bn": {c: deficit[k] / 1e3 for k, c in enumerate(countries)},
        "wdi_goods_services_proxy_vs_reached_usd_bn": {
            c: {"exports_wdi": v.get("exports", np.nan) / 1e3, "imports_wdi": v.get("imports", np.nan) / 1e3,
                "exports_reached": world.exports[ci[c]] / 1e3, "imports_reached": world.imports[ci[c]] / 1e3}
            for c, v in sorted(known_deficit.items()) if c in ci},
        "deficits_reached_usd_bn": {c: world.deficit[k] / 1e3 for k, c in enumerate(countries)},
        "us_tariffs": {"average_by_partner_2024": us_report["us_average_tariff_by_partner"],
                       "others_by_sector": us_report["us_tariff_others_by_sector"]},
        "alpha": alpha_report,
        "wiod2011_base": {k: v for k, v in base_report.items() if k != "theta_merge_weights"},
        "census_reference_usd_bn": {"CAN->USA": 413.0, "MEX->USA (derived)": 506.0,
                                    "CHN->USA (derived)": 438.9},
    }
    prov = {
        "title": TITLE,
        "label": TITLE,
        "sources": [SRC_WIOD2013, SRC_US_HS10, SRC_CONCORDANCE, SRC_MACRO2024, SRC_CP2015,
                    SRC_SIMONOVSKA_WAUGH, SRC_BRODA_WEINSTEIN, SRC_FONTAGNE, SRC_GIRI, SRC_BOEHM],
        "build_date": build_date(),
        "base_year": 2024,
        "units": "US$ million, 2024 (current), basic prices (WIOD structure)",
        "elasticity_set": DEFAULT_SET,
        "elasticity_uncertainty": base.provenance["elasticity_uncertainty"],
        "goods_sectors": list(GOODS),
        "method": method_notes() + [
            "2024 update: value added of each country set to its 2024 GDP (WDI current US$, "
            "July 2026 vintage; GDP at market prices used as the value-added target); ROW = world "
            "GDP - 40 WIOD countries with the TWN placeholder (790 bn, LOW-QUALITY, flagged).",
            "US imports by partner x goods sector (c1..c17) for CAN, MEX, CHN, JPN, KOR, GBR, IND "
            "and the EU from 2024 HS10 imports for consumption mapped with hs6_wiod; HS lines "
            "without a goods sector (ch. 98/99, art, films) spread pro rata over the partner's goods "
            "sectors; EU split over the 26 WIOD EU members (Croatia is in ROW) by their 2011 US "
            "sales in the sector. These cells are held fixed.",
            "Pair goods totals (c1..c17): USA->CAN 349, USA->MEX 334.04, USA->CHN 143.55, "
            "CHN->CAN 46.45 (exporter-reported; importer side not found), CHN->MEX 130 "
            "(Mexico-reported lower bound, importer side preferred over China's 90.2), MEX->CHN "
            "10 (approximate) US$ bn.",
            "Total exports and imports: for the 11 countries with WDI 2024 goods-and-services "
            "exports and imports (macro2024 *_PROXY rows, Dec-2025 vintage: USA, CHN, DEU, JPN, "
            "IND, GBR, FRA, ITA, CAN, KOR, MEX) both are targeted (so deficit = imports - "
            "exports); for the others the deficit is the 2011 deficit/value-added ratio x 2024 "
            "GDP, shifted pro rata to GDP so that all deficits sum to zero.",
            "Balancing: iterative proportional fitting of the full 41x41x35 flow array (domestic "
            "included), each sweep scaling the free cells to meet pair goods totals, importer "
            "imports (or deficits), exporter exports (where known) and exporter value added "
            "(through domestic sales where exports are targeted), repeated until every relative "
            "gap < 1e-9; unconstrained detail keeps 2011 proportions.",
            "va_share and io_share kept from 2011; final_share from goods-market clearing on the "
            "2024 flows (negatives clipped, rows renormalised).",
            "US tariffs 2024: calculated duty / imports by partner x sector for the 8 partners (EU "
            "rate for all 26 EU members); other exporters the US average over EU, GBR, JPN, IND "
            "(non-FTA partners without Section 301 duties); services untaxed. Other importers: CP "
            "2005 rates mapped to WIOD as in wiod2011 (2005 rates, not 2024: documented gap).",
        ],
        "build_report": report,
    }
    return world.replace(provenance=clean(prov)), report


def build(raw: Path, out: Path) -> list[Path]:
    """Build ``worlds/default`` under ``out``."""
    world, _ = calibrate(raw)
    return [world.save(out / "worlds" / NAME)]
