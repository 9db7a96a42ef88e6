"""Trade-elasticity sets for the WIOD worlds: CP 2015, Broda–Weinstein, and the 2024 default.

Three sector sets are built here from raw data (docs/elasticities.md has the table and the
reasoning):

- ``cp2015``: Caliendo & Parro's θ (``T.txt``) mapped to WIOD sectors
  (:func:`tradeshock.build.cp_map.theta_wiod`); services 8.22, CP's non-tradable value.
- ``broda_weinstein``: θ = σ − 1 from the Broda–Greenfield–Weinstein import-demand elasticities
  σ by HS 3-digit good for 73 countries (1994–2003). In an Armington or Krugman gravity model
  the trade elasticity is σ − 1 (in Eaton–Kortum it is θ itself), so σ − 1 is the quantity
  comparable with CP's θ. For each HS3 good the median σ over the 73 countries is taken (the
  country estimates are noisy and top-coded near 25); sectors are the geometric mean over
  their HS3 goods of (σ − 1), weighted by 2024 US imports from the eight partners
  (``us_tariffs_twt``) mapped with the HS6 → WIOD concordance. Services and sectors without
  HS lines get the geometric mean of the goods sectors.
- ``tradeshock2024`` (the ``default`` world's set): CP's estimate where it is plausible, the
  literature's central value elsewhere. The rule, in one line: a goods sector keeps CP's θ if
  it is at most :data:`PLAUSIBLE_MAX` (= 10, twice the central value); sectors above it
  (wood 11.5, paper 16.52, mining 13.53, refined petroleum 64.85) and sectors CP did not
  estimate (services, utilities) get :data:`CENTRAL` (= 5: tariff-based product-level
  elasticities "centered around −5", Fontagné, Guimbard & Orefice 2022; Simonovska & Waugh
  2014 "roughly four"; sectoral SMM estimates for CP's 20 sectors span 2.97–8.94, Giri, Yi &
  Yilmazkuday 2021).

Uncertainty (``provenance["elasticity_uncertainty"]``): each sector's θ is lognormal with its
set value as median and a 90% interval from θ/:data:`SPREAD` to θ·:data:`SPREAD` (×/÷ 2). CP's
replication files ship no standard errors, so the spread is a cited-range assumption: for the
central value 5 it gives 2.5–10, which covers the long-run tariff elasticities of Boehm,
Levchenko & Pandalai-Nayar (2023, about 1.5–2 at the low end) through the top of the sectoral
estimates (8.94).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.build.common import raw_file, read_raw
from tradeshock.build.concordance import hs6_wiod, read_us_imports
from tradeshock.build.cp_map import theta_wiod
from tradeshock.build.sectors import SECTOR_CODES
from tradeshock.errors import DataError

#: Name of the 2024 default set.
DEFAULT_SET = "tradeshock2024"
#: Central value of the tariff-based literature (Fontagné, Guimbard & Orefice 2022: "centered
#: around -5"; Simonovska & Waugh 2014: "roughly four").
CENTRAL = 5.0
#: A CP estimate above this (twice the central value) is treated as implausible for 2024.
PLAUSIBLE_MAX = 10.0
#: 90% interval of each sector's lognormal distribution: [θ / SPREAD, θ · SPREAD].
SPREAD = 2.0

#: WIOD goods sectors CP estimated (c1–c16); utilities and services have no CP estimate.
CP_ESTIMATED = SECTOR_CODES[:16]

SRC_BRODA_WEINSTEIN = {
    "title": "Broda, Greenfield & Weinstein import-demand elasticities sigma by HS 3-digit good, "
             "73 countries, 1994-2003 (Sigmas73countries_9403_HS3digit.dta, data-raw of the R "
             "package insongkim/concordance)",
    "url": "https://github.com/insongkim/concordance/tree/"
           "201c812e51f213d967d8701b6ed6398c79df4a04/data-raw",
    "licence": "MIT (package); cite Broda, Greenfield & Weinstein (2006), NBER WP 12512",
}
SRC_FONTAGNE = {
    "title": "Fontagne, Guimbard & Orefice (2022), 'Tariff-based product-level trade elasticities', "
             "Journal of International Economics 137 (HS6 elasticities 'centered around -5')",
    "url": "https://sites.google.com/view/product-level-trade-elasticity",
    "licence": "publication (cited value)",
}
SRC_GIRI = {
    "title": "Giri, Yi & Yilmazkuday (2021), 'Gains from trade: Does sectoral heterogeneity matter?', "
             "Journal of International Economics 129 (sectoral SMM estimates 2.97 to 8.94 for the "
             "20 Caliendo-Parro sectors; Dallas Fed GMPI WP 341)",
    "url": "https://doi.org/10.24149/gwp341",
    "licence": "publication (cited range)",
}
SRC_BOEHM = {
    "title": "Boehm, Levchenko & Pandalai-Nayar (2023), 'The long and short (run) of trade "
             "elasticities', American Economic Review 113(4) (long-run tariff elasticity about "
             "1.5-2)",
    "url": "https://tradedynamics.org/virtual-itm/2020/4/2/title-ezgyn-32bj9-e4hsy",
    "licence": "publication (cited range)",
}


def read_sigmas(raw: Path) -> pd.DataFrame:
    """Broda–Weinstein σ: columns ``country, hs3`` (3-digit string), ``sigma``."""
    path = raw_file(raw, "elasticities_concordances", "Sigmas73countries_9403_HS3digit.dta")
    df = read_raw(path, pd.read_stata, "expected a Stata table with cname, hs_3digit, sigma")
    missing = {"cname", "hs_3digit", "sigma"} - set(df.columns)
    if missing:
        raise DataError(f"raw file {path} lacks column(s) {', '.join(sorted(missing))}")
    out = pd.DataFrame({"country": df["cname"].astype(str),
                        "hs3": df["hs_3digit"].astype(int).map(lambda v: f"{v:03d}"),
                        "sigma": df["sigma"].astype(float)})
    out = out[np.isfinite(out["sigma"])]
    if (out["sigma"] <= 1).any():
        bad = out[out["sigma"] <= 1].iloc[0]
        raise DataError(f"raw file {path}: sigma {bad['sigma']} <= 1 for {bad['country']} HS "
                        f"{bad['hs3']}; a CES elasticity of substitution must exceed 1")
    return out


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / w.sum()
    k = min(int(np.searchsorted(cw, q)), len(x) - 1)
    return float(x[order][k])


def broda_weinstein(raw: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """θ = σ − 1 by WIOD sector (module docstring) and a per-sector report."""
    sig = read_sigmas(raw)
    med = sig.groupby("hs3")["sigma"].median()
    conc, _ = hs6_wiod(raw)
    imp = read_us_imports(raw)
    m = imp.merge(conc[["hs6", "sector"]], on="hs6")
    m["hs3"] = m["hs6"].str[:3]
    w = m.groupby(["sector", "hs3"])["imports"].sum().reset_index()
    w = w[w["imports"] > 0]
    w["theta"] = w["hs3"].map(med) - 1.0
    report: dict[str, Any] = {}
    theta = np.full(len(SECTOR_CODES), np.nan)
    for k, s in enumerate(SECTOR_CODES):
        g = w[(w["sector"] == s) & w["theta"].notna()]
        if s not in CP_ESTIMATED or g.empty:
            continue
        wt, x = g["imports"].to_numpy(), g["theta"].to_numpy()
        theta[k] = float(np.exp(np.average(np.log(x), weights=wt)))
        tot = w.loc[w["sector"] == s, "imports"].sum()
        report[s] = {"theta": theta[k], "hs3_goods": len(g),
                     "us_2024_import_share_with_sigma": float(wt.sum() / tot),
                     "p05_hs3": _weighted_quantile(x, wt, 0.05),
                     "p95_hs3": _weighted_quantile(x, wt, 0.95)}
    goods = np.isfinite(theta)
    fill = float(np.exp(np.log(theta[goods]).mean()))
    theta[~goods] = fill
    report["_fill_for_services_and_utilities"] = fill
    return theta, report


def tradeshock2024(cp: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """The default rule applied to CP's θ on WIOD sectors; returns θ and the rule per sector."""
    theta = np.array(cp, dtype=float, copy=True)
    rule: dict[str, str] = {}
    for k, s in enumerate(SECTOR_CODES):
        if s not in CP_ESTIMATED:
            theta[k], rule[s] = CENTRAL, "no CP estimate: central value"
        elif cp[k] > PLAUSIBLE_MAX:
            theta[k], rule[s] = CENTRAL, f"CP {cp[k]:.2f} > {PLAUSIBLE_MAX:g}: central value"
        else:
            rule[s] = "CP 2015"
    return theta, rule


def elasticity_sets(raw: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Every named set for the WIOD worlds and the provenance records that go with them."""
    cp, merge_weights = theta_wiod(raw)
    bw, bw_report = broda_weinstein(raw)
    ts, rule = tradeshock2024(cp)
    j = len(SECTOR_CODES)
    sets = {"cp2015": cp, "broda_weinstein": bw, DEFAULT_SET: ts,
            "uniform5": np.full(j, 5.0), "simonovska_waugh": np.full(j, 4.0)}
    uncertainty = {
        "shape": "lognormal",
        "median": "the set's value",
        "p05_factor": 1.0 / SPREAD, "p95_factor": SPREAD,
        "note": "each sector's theta is lognormal with the set value as median and a 90% interval "
                f"[theta/{SPREAD:g}, theta*{SPREAD:g}]; CP's replication files ship no standard "
                "errors, so the spread is an assumption from cited ranges (Boehm, Levchenko & "
                "Pandalai-Nayar 2023 long run ~1.5-2; Simonovska & Waugh 2014 ~4; Fontagne et al. "
                "2022 ~5; Giri, Yi & Yilmazkuday 2021 sectoral 2.97-8.94). Draws are independent "
                "across sectors.",
    }
    record = {"theta_merge_weights": merge_weights, "broda_weinstein": bw_report,
              "tradeshock2024_rule": rule, "uncertainty": uncertainty}
    return sets, record


#: Method note shared by the WIOD worlds' provenance.
METHOD_NOTE = (
    f"theta sets: 'cp2015' = CP T.txt mapped to WIOD goods sectors (merged sectors weighted by CP "
    "1993 world trade), services 8.22 (CP's non-tradable value); 'broda_weinstein' = sigma - 1 "
    "(the Armington/Krugman trade elasticity) from Broda-Greenfield-Weinstein HS3 sigmas, median "
    "over 73 countries per HS3, geometric mean over a sector's HS3 goods weighted by 2024 US "
    "imports from 8 partners (hs6_wiod), services the goods mean; "
    f"'{DEFAULT_SET}' = CP where CP <= {PLAUSIBLE_MAX:g}, else and for sectors CP did not estimate "
    f"(utilities, services) the central value {CENTRAL:g} (Fontagne, Guimbard & Orefice 2022 "
    "'centered around -5'); 'uniform5' = 5 everywhere; 'simonovska_waugh' = 4 ('roughly four'). "
    f"Uncertainty: lognormal per sector, median = set value, 90% interval x/÷ {SPREAD:g}.")
