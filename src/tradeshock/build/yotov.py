"""Build the Advanced Guide panel (``gravity/agtpa``) and its one-sector 1994 world (``agtpa1994``).

Raw file: ``yotov_agtpa/Chapter2Application2.dta``, the data of Chapter 2, Application 2 ("impact
of regional trade agreements", the NAFTA application) of Yotov, Piermartini, Monteiro & Larch
(2016), *An Advanced Guide to Trade Policy Analysis: The Structural Gravity Model* (WTO/UNCTAD):
manufacturing trade among 69 countries, 1986–2006, domestic sales included, with distance,
contiguity, common language, colonial ties and an RTA dummy.

Two outputs:

* ``data/gravity/agtpa.parquet`` + ``agtpa.provenance.json``: the panel as a tidy table
  (exporter, importer, year, trade, dist, cntg, lang, clny, rta, pair_id), every row kept;
* ``data/worlds/agtpa1994``: the observed 1994 cross-section as a one-sector :class:`World`
  (θ = σ − 1 = 6, the book's σ = 7), the base year of the book's NAFTA counterfactual.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.build.common import build_date, clean, raw_file, read_raw, write_json, write_table
from tradeshock.build.names import country_names
from tradeshock.errors import DataError
from tradeshock.gravity.baseline import cross_section, world_from_table

PANEL_NAME = "agtpa"
WORLD_NAME = "agtpa1994"
BASE_YEAR = 1994
#: The book's elasticity of substitution (Chapter 2: σ = 7), so θ = σ − 1 = 6.
SIGMA = 7.0
THETA = SIGMA - 1.0

SRC_AGTPA = {
    "title": "Yotov, Piermartini, Monteiro & Larch (2016), An Advanced Guide to Trade Policy "
             "Analysis: The Structural Gravity Model (WTO/UNCTAD), replication data "
             "Chapter2Application2.dta (manufacturing trade incl. domestic sales, 69 countries, "
             "1986-2006; RTA dummy from Larch's RTA database; DIST/CNTG/LANG/CLNY from CEPII), "
             "re-hosted in paulofelipe/Structural-Gravity Data/",
    "url": "https://github.com/paulofelipe/Structural-Gravity/blob/"
           "4a565796136e17ab7c8607356434e5024919f22f/Data/Chapter2Application2.dta",
    "licence": "no licence stated; the book's public replication data (cite Yotov et al. 2016)",
}
SRC_AGTPA_BOOK = {
    "title": "Yotov et al. (2016), Chapter 2, Application 2 (RTAsEffects.do): sigma = 7, baseline "
             "year 1994, 4-year panel 1986-2006",
    "url": "https://vi.unctad.org/tpa/index.html",
    "licence": "publication",
}

_COLUMNS = {"exporter", "importer", "pair_id", "year", "trade", "DIST", "CNTG", "LANG", "CLNY", "RTA"}


def read_panel(raw: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read and check the raw panel; return the tidy table and a build report."""
    path = raw_file(raw, "yotov_agtpa", "Chapter2Application2.dta")
    df = read_raw(path, pd.read_stata, "expected the Stata file of the Advanced Guide, Chapter 2")
    missing = _COLUMNS - set(df.columns)
    if missing:
        raise DataError(f"raw file {path} lacks column(s) {', '.join(sorted(missing))}")
    if df["trade"].isna().any() or (df["trade"] < 0).any():
        raise DataError(f"raw file {path}: column trade has negative or missing values")
    out = pd.DataFrame({
        "exporter": df["exporter"].astype(str),
        "importer": df["importer"].astype(str),
        "year": df["year"].astype("int16"),
        "trade": df["trade"].astype("float64"),
        "dist": df["DIST"].astype("float64"),
        "cntg": df["CNTG"].astype("int8"),
        "lang": df["LANG"].astype("int8"),
        "clny": df["CLNY"].astype("int8"),
        "rta": df["RTA"].astype("int8"),
        "pair_id": df["pair_id"].astype("int32"),
    })
    if out.duplicated(["exporter", "importer", "year"]).any():
        raise DataError(f"raw file {path}: duplicate exporter-importer-year rows")
    countries = sorted(set(out["exporter"]) | set(out["importer"]))
    years = sorted(out["year"].unique().tolist())
    if len(out) != len(countries) ** 2 * len(years):
        raise DataError(f"raw file {path}: expected a balanced panel of {len(countries)}^2 pairs x "
                        f"{len(years)} years, found {len(out)} rows")
    out = out.sort_values(["year", "exporter", "importer"]).reset_index(drop=True)
    can_usa = out[(out.exporter == "CAN") & (out.importer == "USA") & (out.year == BASE_YEAR)]
    pairs = out[out.exporter != out.importer]
    zero_pairs = pairs.groupby(["exporter", "importer"])["trade"].sum()
    report = {
        "rows": len(out), "countries": len(countries), "years": [years[0], years[-1]],
        "can_to_usa_1994": float(can_usa["trade"].iloc[0]),
        "directed_pairs_never_trading": int((zero_pairs == 0).sum()),
        "zero_flows_share": float((pairs["trade"] == 0).mean()),
        "rta_share_1994": float(pairs.loc[pairs.year == BASE_YEAR, "rta"].mean()),
    }
    return out, report


#: The Advanced Guide's estimation years (Chapter 2, Application 2: a 4-year panel).
BOOK_YEARS = (1986, 1990, 1994, 1998, 2002, 2006)


def estimates(panel: pd.DataFrame) -> dict[str, Any]:
    """The book's RTA estimate on the panel, stored for scenario files (``from_estimate: rta``).

    PPML of trade on RTA with exporter-year, importer-year and symmetric pair effects (domestic
    flows in one pair effect), 1986-2006 every 4 years; standard errors clustered by pair.
    """
    from tradeshock.gravity.ppml import estimate

    est = estimate(panel, ["rta"], years=BOOK_YEARS)
    robust = estimate(panel, ["rta"], years=BOOK_YEARS, vcov="hetero", small_sample=False)
    rta = est.effect("rta")
    rta.update({
        "std_error_robust_stata": robust.se("rta"),
        "panel": PANEL_NAME, "dropped": est.drops.n_dropped,
        "formula": est.spec["formula"], "clusters": est.spec["n_clusters"],
        "published": {"estimate": 0.5571853, "std_error_semirobust": 0.055771, "n_obs": 28482,
                      "source": "Yotov et al. (2016) ch. 2 application 2, RTAsEffects.log (Stata ppml)"},
        "note": "Average effect of an RTA on members' manufacturing trade (tariff and non-tariff "
                "parts together): trade x exp(beta). In iceberg terms d-hat = exp(beta/theta).",
    })
    return clean({"title": "Gravity estimates on the Advanced Guide panel (PPML, pyfixest fepois)",
                  "sources": [SRC_AGTPA], "build_date": build_date(), "estimates": {"rta": rta}},
                 digits=8)


def build(raw: Path, out: Path) -> list[Path]:
    """Write ``gravity/agtpa.parquet`` (+ provenance) and ``worlds/agtpa1994`` under ``out``."""
    panel, report = read_panel(raw)
    folder = Path(out) / "gravity"
    prov_panel = clean({
        "title": "Structural-gravity panel: manufacturing trade, 69 countries, 1986-2006, domestic "
                 "sales included (Yotov et al. 2016, Chapter 2, Application 2)",
        "sources": [SRC_AGTPA],
        "build_date": build_date(),
        "units": "trade: US$ million, current (the file labels it 'current US dollars'; values are "
                 "millions: CAN->USA 1994 = 109,933); dist: km (CEPII population-weighted)",
        "columns": {
            "exporter, importer": "ISO3 codes (ROM = Romania, as in the file)",
            "year": "1986-2006, every year",
            "trade": "manufacturing shipments exporter -> importer; exporter == importer is "
                     "domestic sales (gross production minus exports)",
            "dist, cntg, lang, clny": "CEPII GeoDist: distance, contiguity, common official "
                                      "language, colonial tie",
            "rta": "1 if a regional trade agreement is in force between the pair in that year",
            "pair_id": "the file's pair identifier; symmetric (the same for i->j and j->i)",
        },
        "method": ["Every row of the raw file kept, nothing imputed; a balanced panel of 69^2 pairs "
                   "x 21 years.", "Types narrowed (year int16, dummies int8); trade kept as float64."],
        "build_report": report,
    })
    written = [write_table(panel, folder / f"{PANEL_NAME}.parquet"),
               write_json(prov_panel, folder / f"{PANEL_NAME}.provenance.json")]
    prov_world = clean({
        "title": "Structural-gravity world: 69 countries, 1 sector (manufacturing), 1994 observed "
                 "flows (Yotov et al. 2016, Chapter 2)",
        "sources": [SRC_AGTPA, SRC_AGTPA_BOOK],
        "build_date": build_date(),
        "base_year": BASE_YEAR,
        "units": "US$ million, 1994",
        "elasticity_set": "agtpa_sigma7",
        "method": [
            "flows[importer, exporter] = the panel's 1994 trade, domestic sales included.",
            "Closed 69-country world: output = sum of sales, expenditure = sum of purchases; "
            "deficits as in the data.",
            "One tradable sector, va_share = 1, no input-output links, zero tariffs.",
            "theta = sigma - 1 = 6 with the book's sigma = 7.",
            "These are OBSERVED flows. The book's NAFTA counterfactual starts from FITTED flows "
            "(PPML with pair fixed effects); tradeshock.gravity.fitted_world builds that baseline "
            "from an estimate (docs/gravity.md).",
        ],
    })
    written.append(write_json(estimates(panel), folder / "estimates.json"))
    world = world_from_table(cross_section(panel, BASE_YEAR, str(raw)), "trade", name=WORLD_NAME,
                             year=BASE_YEAR, theta=THETA, provenance=prov_world,
                             country_names=country_names(sorted(set(panel["exporter"]))))
    world = world.replace(elasticities={"agtpa_sigma7": np.array([THETA])})
    written.append(world.save(Path(out) / "worlds" / WORLD_NAME))
    return written
