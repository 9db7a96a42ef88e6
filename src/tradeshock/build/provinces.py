"""Build the provincial split data: shares of each WIOD sector by Canadian province/territory.

Reads the Statistics Canada extracts in ``shared/data/provinces`` (GDP by industry and province
2021, canola production by province) and the 2024 CAD/USD rate in ``shared/data/macro2024``,
and writes compact derived tables to ``tradeshock/data/provinces/``:

``provinces.parquet``      the 13 provinces/territories (code, name, 2021 GDP, tile position)
``concordance.parquet``    WIOD sector → StatCan industry groups, with the rule used
``sector_shares.parquet``  sector × province share of the national sector (rows sum to 1)
``products.parquet``       product-level evidence (canola) used to refine agriculture
``provenance.json``        sources, licences, method notes, exchange rate

Deterministic: same raw files, same bytes. The Canada map outline (``canada_map.json``) is
converted separately by :func:`convert_svg_map` from the CC BY 4.0 ``@svg-maps/canada`` paths.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradeshock.errors import DataError

#: Province codes in the order used everywhere (west to east, then the territories).
PROVINCES: tuple[str, ...] = ("BC", "AB", "SK", "MB", "ON", "QC", "NB", "NS", "PE", "NL",
                              "YT", "NT", "NU")
PROVINCE_NAMES: dict[str, str] = {
    "BC": "British Columbia", "AB": "Alberta", "SK": "Saskatchewan", "MB": "Manitoba",
    "ON": "Ontario", "QC": "Quebec", "NB": "New Brunswick", "NS": "Nova Scotia",
    "PE": "Prince Edward Island", "NL": "Newfoundland and Labrador", "YT": "Yukon",
    "NT": "Northwest Territories", "NU": "Nunavut",
}
#: Tile-grid position (column, row; row 0 at the top) in a rough geographic layout.
TILE_POSITION: dict[str, tuple[int, int]] = {
    "YT": (0, 0), "NT": (1, 0), "NU": (2, 0), "NL": (5, 0),
    "BC": (0, 1), "AB": (1, 1), "SK": (2, 1), "MB": (3, 1), "ON": (4, 1), "QC": (5, 1),
    "PE": (6, 1), "NB": (5, 2), "NS": (6, 2),
}

#: Manufacturing groups that are published separately; the rest of NAICS 31-33 is the residual.
_MFG_SPECIFIC = ("food", "wood_paper", "petroleum_coal", "chemicals", "metals", "machinery",
                 "electronics", "auto", "aerospace", "railway", "shipbuilding")

#: WIOD sector → (StatCan groups summed, rule). Group names are the ``metric_id`` of the GDP file,
#: plus the derived ``mfg_residual`` (31-33 less the groups above) and ``trade`` (41+44-45).
CONCORDANCE: dict[str, tuple[tuple[str, ...], str]] = {
    "agriculture": (("agriculture_forestry_fishing_DERIVED",),
                    "NAICS 11 (derived residual of the source); canola part refined with canola "
                    "production shares (see products)"),
    "mining": (("oil_gas", "mining"), "NAICS 211 + 212 summed (crude oil & gas + mining incl. potash)"),
    "food": (("food",), "NAICS 311+312 (incl. canola crushing, pork processing)"),
    "textiles": (("mfg_residual",), "coarser data: manufacturing not published separately (31-33 less "
                 "the published groups)"),
    "leather": (("mfg_residual",), "coarser data: manufacturing residual"),
    "wood": (("wood_paper",), "NAICS 321+322 combined in the source (wood and paper share one split)"),
    "paper": (("wood_paper",), "NAICS 321+322 combined in the source; printing (323) is not separable"),
    "petroleum": (("petroleum_coal",), "NAICS 324"),
    "chemicals": (("chemicals",), "NAICS 325 (potash is mined: see mining)"),
    "rubber_plastics": (("mfg_residual",), "coarser data: manufacturing residual (326 not published)"),
    "minerals": (("mfg_residual",), "coarser data: manufacturing residual (327 not published)"),
    "metals": (("metals",), "NAICS 331+332 (steel and aluminium combined in the source)"),
    "machinery": (("machinery",), "NAICS 333"),
    "electrical": (("electronics",), "NAICS 334 only; 335 (electrical equipment) is not published "
                   "separately"),
    "transport_equipment": (("auto", "aerospace", "railway", "shipbuilding"),
                            "NAICS 336Y + 3364 + 3365 + 3366 summed (autos ~83% Ontario)"),
    "manufacturing_nec": (("mfg_residual",), "coarser data: manufacturing residual"),
    "utilities": (("utilities",), "NAICS 22"),
    "construction": (("construction",), "NAICS 23"),
    "motor_trade": (("trade",), "NAICS 41+44-45 (trade_logistics less 48-49); WIOD splits trade "
                    "three ways, the data do not"),
    "wholesale": (("trade",), "NAICS 41+44-45"),
    "retail": (("trade",), "NAICS 41+44-45"),
    "hotels": (("tourism",), "NAICS 71+72 (incl. arts & recreation)"),
    "inland_transport": (("transport_warehousing",), "NAICS 48-49 (one split for all transport)"),
    "water_transport": (("transport_warehousing",), "NAICS 48-49"),
    "air_transport": (("transport_warehousing",), "NAICS 48-49"),
    "transport_services": (("transport_warehousing",), "NAICS 48-49"),
    "telecom": (("information",), "NAICS 51"),
    "finance": (("finance",), "NAICS 52"),
    "real_estate": (("real_estate",), "NAICS 53"),
    "business_services": (("professional",), "NAICS 54 (55+56 sit in the 'other services' group)"),
    "public_admin": (("other_services",), "NAICS 55+56+81+91 combined in the source"),
    "education": (("health_education",), "NAICS 61+62 combined in the source"),
    "health": (("health_education",), "NAICS 61+62 combined in the source"),
    "other_services": (("other_services",), "NAICS 55+56+81+91 combined in the source"),
    "households": (("other_services",), "no provincial data for household employers; uses 55+56+81+91"),
}

#: Canola evidence from the Canola Council of Canada, 'Canola industry: at a glance' (calendar
#: 2024, updated 2025-02-13), as transcribed in shared/data/measures/FACTS.md §5.2. C$ million.
CANOLA_2024 = {
    "seed_exports_cad_mn": 5900.0,          # 8.6 Mt
    "seed_exports_to_china_cad_mn": 3990.0,  # China Institute figure quoted there
    "seed_exports_mt": 8.6,
    "production_mt": 17.8,
}

SOURCES = [
    {"title": "Statistics Canada, Table 36-10-0402-01 Gross domestic product (GDP) at basic prices, "
              "by industry, provinces and territories (x 1,000,000), 2021, current dollars; retyped in "
              "provinces/gdp_by_industry_province_2021.csv of the raw data "
              "(via guchio2366-dev/insight-journal)",
     "url": "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=3610040201",
     "licence": "Statistics Canada Open Licence"},
    {"title": "Statistics Canada, Table 32-10-0359-01 Estimated areas, yield, production, average farm "
              "price and total farm value of principal field crops: canola, 2020-2022 and 2025",
     "url": "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=3210035901",
     "licence": "Statistics Canada Open Licence"},
    {"title": "Canola Council of Canada, 'Canola industry: at a glance' (calendar 2024, updated "
              "2025-02-13): seed exports C$5.9B (8.6 Mt), of which China about C$3.99B; production "
              "17.8 Mt",
     "url": "https://canolacouncil.org/market-stats",
     "licence": "facts quoted from a public page"},
]


# ------------------------------------------------------------------------------- helpers
def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"raw file missing: {path}; pass the folder holding the StatCan provinces "
                        "extracts (shared/data/provinces)")
    try:
        return pd.read_csv(path)
    except Exception as exc:  # parsers raise many types
        raise DataError(f"raw file {path} is malformed: {exc}") from None


def _write_table(df: pd.DataFrame, path: Path) -> Path:
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd", write_statistics=False)
    os.replace(tmp, path)
    return path


def _write_json(obj: Any, path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


def read_gdp_levels(raw_provinces_dir: Path) -> pd.DataFrame:
    """2021 GDP (C$ million) as a group × province table, with the derived residual groups."""
    path = Path(raw_provinces_dir) / "gdp_by_industry_province_2021.csv"
    df = _read_csv(path)
    need = {"metric_id", "province_code", "value"}
    if not need <= set(df.columns):
        raise DataError(f"{path}: columns {sorted(need - set(df.columns))} missing")
    df = df[df["province_code"].isin(PROVINCES)]
    # the derived agriculture residual appears under two labels with the same values: keep one
    levels = df.pivot_table(index="metric_id", columns="province_code", values="value",
                            aggfunc="first").reindex(columns=list(PROVINCES))
    missing = [g for grp, _ in CONCORDANCE.values() for g in grp
               if g not in levels.index and g not in ("mfg_residual", "trade")]
    if missing:
        raise DataError(f"{path}: industry groups {sorted(set(missing))} not found (metric_id)")
    levels = levels.fillna(0.0)
    levels.loc["mfg_residual"] = levels.loc["manufacturing"] - levels.loc[list(_MFG_SPECIFIC)].sum()
    levels.loc["trade"] = levels.loc["trade_logistics"] - levels.loc["transport_warehousing"]
    # rounding of the retyped values can leave tiny negatives in a residual: clip at zero
    levels = levels.clip(lower=0.0)
    return levels


def canola_shares(raw_provinces_dir: Path) -> pd.Series:
    """Provincial shares of canola production: the mean of the annual shares in the extract.

    The StatCan extract has 2020, 2021 (a Prairie drought year), 2022 and 2025; each year's shares
    are computed and averaged, so no single year (and no drought) sets the split. Suppressed
    cells (flag F, a few hundred tonnes in the Maritimes) count as zero.
    """
    path = Path(raw_provinces_dir) / "canola_area_production_by_province_32100359.csv"
    df = _read_csv(path)
    prod = df[df["disposition"] == "Production"].copy()
    code = {v: k for k, v in PROVINCE_NAMES.items()}
    prod["province"] = prod["geo"].map(code)
    prod = prod.dropna(subset=["province"])
    by_year = prod.pivot_table(index="year", columns="province", values="value", aggfunc="sum")
    by_year = by_year.reindex(columns=list(PROVINCES)).fillna(0.0)
    by_year = by_year[by_year.sum(axis=1) > 0]
    if by_year.empty:
        raise DataError(f"{path}: no canola production rows found")
    annual = by_year.div(by_year.sum(axis=1), axis=0)
    return annual.mean(axis=0)


def canola_years(raw_provinces_dir: Path) -> list[int]:
    """The years averaged by :func:`canola_shares`."""
    df = _read_csv(Path(raw_provinces_dir) / "canola_area_production_by_province_32100359.csv")
    return sorted(int(y) for y in df[df["disposition"] == "Production"]["year"].unique())


def cad_per_usd_2024(macro_dir: Path) -> dict[str, Any]:
    """The 2024 CAD per USD annual average from ``macro2024/margins.csv`` with its source."""
    path = Path(macro_dir) / "margins.csv"
    df = _read_csv(path)
    row = df[(df["indicator"] == "exchange_rate") & (df["country_or_pair"] == "CAD_per_USD")
             & (df["year"] == 2024)]
    if row.empty:
        raise DataError(f"{path}: no exchange_rate CAD_per_USD 2024 row")
    r = row.iloc[0]
    return {"value": float(r["value"]), "unit": "CAD per USD", "year": 2024,
            "source_title": str(r["source_title"]), "source_url": str(r["source_url"]),
            "note": str(r["note"])}


# ------------------------------------------------------------------------------- products
#: Where the products the 2024-26 measures hit are made: cited provincial figures, retyped from the
#: pages named in each ``source`` (Statistics Canada, DFO, CER and the other publishers listed).
#: ``figures`` are levels (or percent shares) by province as published; ``rule`` says how
#: provinces the source does not name are filled:
#:   complete  the source names every producing province (the rest produce none)
#:   residual  the named provinces get their published share; the unallocated rest is spread over
#:             the other provinces by the 2021 GDP shares of ``residual_group``
#:   proxy     the product has no provincial figure; the figures of a related product stand in
#:             (said in ``note``)
#: Products the measures hit that are not listed (other seafood, potash, refined petroleum, ...)
#: keep the sector's GDP share: no sourced provincial split was found for them.
PRODUCT_ORIGINS: tuple[dict[str, Any], ...] = (
    {"product": "canola_seed", "label": "canola seed", "hs": ("1205",), "rule": "complete",
     "figures": "canola_file", "unit": "mean of annual production shares 2020, 2021, 2022, 2025",
     "year": "2020-2025",
     "source": "Statistics Canada, Table 32-10-0359-01 (canola production by province), "
               "retyped in provinces/canola_area_production_by_province_32100359.csv",
     "url": "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=3210035901",
     "note": "mean of the four annual shares in the extract (2021 was a drought year; the extract "
             "has no 2023-24 rows; Saskatchewan's own 2023 figure is 53%)"},
    {"product": "canola_oil_meal", "label": "canola oil and meal", "hs": ("1514", "230641", "230649"),
     "rule": "proxy", "figures": "canola_file", "unit": "canola seed production shares (proxy)",
     "year": "2020-2025",
     "source": "proxy: canola seed production shares (Statistics Canada 32-10-0359-01); crush plants "
               "named by SaskCanola, 'Canola processing capacity increasing' (Yorkton, Clavet SK; "
               "Harrowby MB; Lethbridge AB) and Cargill Camrose AB",
     "url": "https://www.saskcanola.com/news/canola-processing-capacity-increasing",
     "note": "crushing capacity by province was not found; the plants are on the Prairies beside the "
             "seed (Saskatchewan alone about 4.3 Mt capacity in 2022, SaskCanola via farmnewsNOW), "
             "so seed production shares stand in"},
    {"product": "peas", "label": "dry peas", "hs": ("071310",), "rule": "residual",
     "residual_group": "agriculture_forestry_fishing_DERIVED", "figures": {"SK": 49.0},
     "unit": "percent of Canada's production", "year": "2023",
     "source": "Farms.com, 'Saskatchewan's agri-food exports increased by 18.4 per cent in 2023' "
               "(Saskatchewan Agriculture): Saskatchewan 49% of Canada's dry peas",
     "url": "https://farms.com/news/saskatchewan-s-agri-food-exports-increased-by-18-4-per-ce"
            "nt-in-2023-206177.aspx",
     "note": "only Saskatchewan's share is published there; the other 51% is spread by NAICS 11 GDP"},
    {"product": "pork", "label": "pork", "hs": ("0203", "020630", "020641", "020649", "021011",
                                                "021012", "021019"),
     "rule": "residual", "residual_group": "agriculture_forestry_fishing_DERIVED",
     "figures": {"QC": 4160.0, "ON": 3600.0, "MB": 3350.0, "AB": 1530.0, "SK": 945.0},
     "total": 13760.0, "unit": "thousand hogs on farms, 1 January 2024", "year": "2024",
     "source": "Statistics Canada livestock estimates, 1 January 2024, as reported by Syngenta "
               "Canada market news 'Canadian hog numbers decline for second straight year' "
               "(Canada 13.76 million) and Farms.com (same release)",
     "url": "http://syngenta.ca/fr/market-news/canadian-hog-numbers-decline-for-second-straight-year",
     "note": "hog inventories stand for where pork is produced; BC and the Atlantic provinces (the "
             "remaining 175 thousand head) are spread by NAICS 11 GDP"},
    {"product": "lobster", "label": "lobster", "hs": ("030611", "030612", "030631", "030632",
                                                      "160530"),
     "rule": "complete",
     "figures": {"NS": 48113.0, "NB": 22567.0, "PE": 18598.0, "QC": 11375.0, "NL": 4984.0},
     "unit": "tonnes landed (live weight), 2021", "year": "2021",
     "source": "Fisheries and Oceans Canada, 'Seafisheries landed quantity by province, 2021'",
     "url": "https://www.dfo-mpo.gc.ca/stats/commercial/land-debarq/sea-maritimes/s2021pq-eng.htm",
     "note": "landed quantity, not value (the value table was not readable); no lobster in BC"},
    {"product": "crab", "label": "crab", "hs": ("030614", "030633", "160510"), "rule": "complete",
     "figures": {"NS": 14395.0 + 964.0, "NB": 10072.0 + 763.0, "PE": 2560.0 + 909.0,
                 "QC": 11416.0, "NL": 38385.0, "BC": 9712.0},
     "unit": "tonnes landed (live weight), queen crab + other crab, 2021", "year": "2021",
     "source": "Fisheries and Oceans Canada, 'Seafisheries landed quantity by province, 2021'",
     "url": "https://www.dfo-mpo.gc.ca/stats/commercial/land-debarq/sea-maritimes/s2021pq-eng.htm",
     "note": "queen crab plus other crab; suppressed cells (x: other crab in QC and NL) count as zero"},
    {"product": "autos", "label": "motor vehicles and parts", "hs": ("8703", "8704", "8706", "8707",
                                                                    "8708"),
     "rule": "complete", "figures": "gdp:auto", "unit": "GDP of NAICS 336Y, 2021, C$ million",
     "year": "2021",
     "source": "Statistics Canada, Table 36-10-0402-01, NAICS 336Y motor vehicles and parts (2021)",
     "url": "https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid=3610040201",
     "note": "Ontario 82.7%, Quebec 11.1%"},
    {"product": "steel", "label": "steel", "hs": ("72", "73"), "rule": "residual",
     "residual_group": "metals", "figures": {"ON": 5.8, "QC": 1.0, "BC": 0.3},
     "total": 7.4, "unit": "C$ billion of steel exports to the US, 12 months to May 2018",
     "year": "2018",
     "source": "National Post/CP, 'How impact of U.S. tariffs is likely to vary from one province "
               "to the next' (National Bank of Canada figures, 1 June 2018)",
     "url": "http://nationalpost.com/pmn/news-pmn/canada-news-pmn/how-impact-of-u-s-tariffs-i"
            "s-likely-to-vary-from-one-province-to-the-next",
     "note": "'other provinces' (C$0.3B) spread by NAICS 331+332 GDP of the provinces not named"},
    {"product": "aluminium", "label": "aluminium", "hs": ("76",), "rule": "residual",
     "residual_group": "metals", "figures": {"QC": 7.2, "ON": 2.9, "BC": 0.7},
     "total": 11.0, "unit": "C$ billion of aluminium exports to the US, 12 months to May 2018",
     "year": "2018",
     "source": "National Post/CP, 'How impact of U.S. tariffs is likely to vary from one province "
               "to the next' (National Bank of Canada figures, 1 June 2018)",
     "url": "http://nationalpost.com/pmn/news-pmn/canada-news-pmn/how-impact-of-u-s-tariffs-i"
            "s-likely-to-vary-from-one-province-to-the-next",
     "note": "'other provinces' (C$0.2B) spread by NAICS 331+332 GDP; Quebec has 8 of Canada's 9 "
             "smelters (Northern Miner)"},
    {"product": "lumber", "label": "softwood lumber", "hs": ("4407", "4409"), "rule": "residual",
     "residual_group": "wood_paper", "figures": {"BC": 53.5, "QC": 20.1, "AB": 15.0},
     "unit": "percent of Canada's softwood lumber production, 2012", "year": "2012",
     "source": "Statistics Canada sawmills survey, 2012, as reported by Business in Vancouver, "
               "'B.C. produced more than half of Canada's softwood in 2012'",
     "url": "https://www.biv.com/news/resources-agriculture/bc-produced-more-than-half-of-can"
            "adas-softwood-in-8238092",
     "note": "the survey counts the territories with BC; the other 11.4% is spread by NAICS 321+322 "
             "GDP of the provinces not named"},
    {"product": "crude_oil", "label": "crude oil (incl. oil sands)", "hs": ("2709",),
     "rule": "residual", "residual_group": "oil_gas", "figures": {"AB": 80.7, "SK": 10.9, "NL": 5.7},
     "unit": "percent of Canada's crude oil and equivalent production, March 2019", "year": "2019",
     "source": "Statistics Canada, energy statistics release for March 2019, as reported by "
               "Petrolia Voice, 'Production in all primary energy sectors rises'",
     "url": "https://petroliavoice.ca/business/production-in-all-primary-energy-sector-rises/",
     "note": "the other 2.7% (BC, MB, NS, ON, NT) is spread by NAICS 211 GDP; the CER gives 91% of "
             "2024 crude export volume from Alberta"},
    {"product": "natural_gas", "label": "natural gas", "hs": ("271111", "271121"),
     "rule": "complete", "figures": {"AB": 9.7, "BC": 6.4, "SK": 0.3},
     "unit": "Bcf/d marketable production, May 2023", "year": "2023",
     "source": "Canada Energy Regulator, Market Snapshot 'Canadian natural gas production hits a "
               "record high in 2023' (figure 1 description: May 2023 AB 9.7, BC 6.4 Bcf/d; SK about "
               "0.3 Bcf/d)",
     "url": "https://www.cer-rec.gc.ca/en/data-analysis/energy-markets/market-snapshots/2024/"
            "market-snapshot-canadian-natural-gas-production-hits-a-record-high-in-2023-and-i"
            "ndustrial-gas-use-continues-to-increase.html",
     "note": "the three provinces named; production elsewhere (about 0.1 Bcf/d) is left out"},
)


def product_shares(levels: pd.DataFrame, canola: pd.Series) -> pd.DataFrame:
    """Provincial shares of each product in :data:`PRODUCT_ORIGINS` (one row per product × province).

    Columns ``product, label, hs, province, share, rule, basis, year, source, url, note``; shares of a
    product sum to one. ``levels`` is :func:`read_gdp_levels`; ``canola`` :func:`canola_shares`.
    """
    rows = []
    for spec in PRODUCT_ORIGINS:
        fig = spec["figures"]
        if fig == "canola_file":
            share = canola.reindex(list(PROVINCES)).fillna(0.0)
        elif isinstance(fig, str) and fig.startswith("gdp:"):
            lv = levels.loc[fig[4:]].reindex(list(PROVINCES)).fillna(0.0)
            share = lv / lv.sum()
        else:
            vals = pd.Series(fig, dtype=float).reindex(list(PROVINCES)).fillna(0.0)
            if spec["rule"] == "complete":
                share = vals / vals.sum()
            else:
                total = float(spec.get("total", 100.0))
                named = vals / total
                rest = 1.0 - float(named.sum())
                if rest < -1e-9:
                    raise DataError(f"product {spec['product']}: named shares exceed the total")
                others = levels.loc[spec["residual_group"]].reindex(list(PROVINCES)).fillna(0.0)
                others = others.where(vals == 0, 0.0)
                share = named + max(rest, 0.0) * others / others.sum()
        share = share / share.sum()
        for p in PROVINCES:
            rows.append({"product": spec["product"], "label": spec["label"],
                         "hs": " ".join(spec["hs"]), "province": p, "share": float(share[p]),
                         "rule": spec["rule"], "basis": spec["unit"], "year": spec["year"],
                         "source": spec["source"], "url": spec["url"], "note": spec["note"]})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- the build
def build_provinces(raw_provinces_dir: str | Path, out_dir: str | Path,
                    macro_dir: str | Path | None = None) -> list[Path]:
    """Build the provincial split tables from the StatCan extracts (deterministic).

    Parameters
    ----------
    raw_provinces_dir
        Folder with the StatCan extracts (``shared/data/provinces``).
    out_dir
        Output folder (``tradeshock/data/provinces``).
    macro_dir
        Folder holding ``margins.csv`` with the exchange rate (default: ``../macro2024`` beside
        ``raw_provinces_dir``).

    Returns
    -------
    list of Path
        The files written.
    """
    raw = Path(raw_provinces_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    macro = Path(macro_dir) if macro_dir is not None else raw.parent / "macro2024"
    levels = read_gdp_levels(raw)
    fx = cad_per_usd_2024(macro)

    rows, conc = [], []
    for sector, (groups, rule) in CONCORDANCE.items():
        lv = levels.loc[list(groups)].sum()
        total = float(lv.sum())
        if total <= 0:
            raise DataError(f"no 2021 GDP for groups {groups} of sector {sector!r}")
        share = lv / total
        for p in PROVINCES:
            rows.append({"sector": sector, "province": p, "share": float(share[p]),
                         "gdp_2021_cad_mn": float(lv[p])})
        conc.append({"sector": sector, "statcan_groups": "+".join(groups), "rule": rule})
    shares = pd.DataFrame(rows)

    canola = canola_shares(raw)
    products = product_shares(levels, canola)
    years = canola_years(raw)

    total = levels.loc["all"]
    provinces = pd.DataFrame({
        "province": list(PROVINCES), "name": [PROVINCE_NAMES[p] for p in PROVINCES],
        "gdp_2021_cad_mn": [float(total[p]) for p in PROVINCES],
        "tile_col": [TILE_POSITION[p][0] for p in PROVINCES],
        "tile_row": [TILE_POSITION[p][1] for p in PROVINCES],
    })
    seed_value_cad = (CANOLA_2024["seed_exports_cad_mn"] * CANOLA_2024["production_mt"]
                      / CANOLA_2024["seed_exports_mt"])
    prov = {
        "title": "Provincial shares of Canada's WIOD sectors (StatCan GDP by industry 2021) and "
                 "canola evidence",
        "built_by": "tradeshock.build.provinces.build_provinces",
        "sources": SOURCES,
        "exchange_rate": fx,
        "canola_2024": dict(CANOLA_2024, production_value_cad_mn=round(seed_value_cad, 1),
                            production_value_note="seed export unit value (C$5.9B / 8.6 Mt) times "
                                                  "production (17.8 Mt)"),
        "method": [
            "share of a province in a WIOD sector = its 2021 GDP (basic prices) in the StatCan "
            "group(s) mapped to that sector / the 13-jurisdiction sum (concordance.parquet)",
            "mfg_residual = NAICS 31-33 less the published manufacturing groups; trade = "
            "(41+44-45+48-49) less 48-49; negative residuals from rounding are clipped to zero",
            "agriculture baseline: the canola-seed part is split by canola production shares (the "
            f"mean of the annual shares of {', '.join(map(str, years))}, StatCan 32-10-0359), the "
            "rest by NAICS 11 GDP shares; the canola weight is computed at run time against the "
            "world's Canadian agriculture figures",
            "changes: a sector's export change to a partner whose measures hit Canada is located "
            "by the products those measures hit (HS lines weighted by trade x additional rate), "
            "each product by where it is made (products.parquet); the rest of the sector's change "
            "by the sector shares",
            "2021 is a drought year for Prairie crops and a chip-shortage year for autos",
        ],
        "files": ["provinces.parquet", "concordance.parquet", "sector_shares.parquet",
                  "products.parquet"],
        "canola_years": years,
        "products": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in spec.items()}
                     for spec in PRODUCT_ORIGINS],
        "map": {
            "file": "canada_map.json",
            "built_by": "tradeshock.build.provinces.convert_svg_map (from the npm package "
                        "@svg-maps/canada 2.0.0; not part of this build, its source is not in "
                        "the raw data)",
            "licence": "CC BY 4.0 (Victor Cazanave, based on MapSVG); source recorded in the file",
        },
    }
    written = [
        _write_table(provinces, out / "provinces.parquet"),
        _write_table(pd.DataFrame(conc), out / "concordance.parquet"),
        _write_table(shares, out / "sector_shares.parquet"),
        _write_table(products, out / "products.parquet"),
        _write_json(prov, out / "provenance.json"),
    ]
    return written


def build(raw: str | Path, out: str | Path) -> list[Path]:
    """Pipeline step (``tradeshock data build``): ``raw`` is ``shared/data/raw``.

    The provinces extracts sit beside it in ``shared/data/provinces``.
    """
    raw = Path(raw)
    return build_provinces(raw.parent / "provinces", Path(out) / "provinces", raw.parent / "macro2024")


# ------------------------------------------------------------------------------- the map
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _svg_rings(path: str) -> list[np.ndarray]:
    """Rings of absolute points from an SVG path using only m/M, l/L and z/Z commands."""
    rings: list[np.ndarray] = []
    tokens = re.findall(r"[MmLlZz]|" + _NUM.pattern, path)
    cur = np.zeros(2)
    start = np.zeros(2)
    ring: list[np.ndarray] = []
    cmd, i, first = "m", 0, True
    while i < len(tokens):
        t = tokens[i]
        if t in "MmLlZz":
            cmd = t
            i += 1
            if t in "Zz":
                if ring:
                    rings.append(np.array(ring))
                ring, cur = [], start.copy()
            first = t in "Mm"
            continue
        xy = np.array([float(tokens[i]), float(tokens[i + 1])])
        i += 2
        rel = cmd.islower()
        cur = cur + xy if rel else xy
        if first and cmd in "Mm":
            if ring:
                rings.append(np.array(ring))
            ring, start, first = [cur.copy()], cur.copy(), False
        else:
            ring.append(cur.copy())
    if ring:
        rings.append(np.array(ring))
    return rings


def _simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Ramer–Douglas–Peucker simplification of a polyline (iterative)."""
    keep = np.zeros(len(points), bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = points[b] - points[a]
        norm = np.hypot(*seg)
        rel = points[a + 1:b] - points[a]
        d = (np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm if norm > 0
             else np.hypot(rel[:, 0], rel[:, 1]))
        k = int(np.argmax(d))
        if d[k] > tol:
            keep[a + 1 + k] = True
            stack += [(a, a + 1 + k), (a + 1 + k, b)]
    return points[keep]


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def convert_svg_map(source: str | Path, out_path: str | Path, tol: float = 1.2,
                    min_area: float = 8.0) -> Path:
    """Convert the ``@svg-maps/canada`` paths (``index.js`` or ``canada.svg``) to compact JSON.

    Keeps rings of at least ``min_area`` square units (tiny islands are dropped), simplifies
    each with tolerance ``tol`` (units of the 793 × 1032 view box) and flips y so north is up.
    Output: ``{"viewBox": [...], "provinces": {"ON": [[x..], [y..]], ...}, "source": ...}``
    where each province holds a list of rings as ``[xs, ys]``.
    """
    text = Path(source).read_text(encoding="utf-8")
    found = re.findall(r'"id":"([a-z]{2})","path":"([^"]+)"', text)
    if not found:
        found = [(i, p) for p, i in re.findall(r'd="([^"]+)"[^>]*id="([a-z]{2})"', text)]
        found += re.findall(r'id="([a-z]{2})"[^>]*d="([^"]+)"', text)
    if not found:
        raise DataError(f"{source}: no province paths found (expected @svg-maps/canada)")
    height = 1032.0
    provinces: dict[str, list[list[list[float]]]] = {}
    for pid, path in sorted(found):
        code = pid.upper()
        rings = []
        for ring in _svg_rings(path):
            if len(ring) < 3 or _area(ring) < min_area:
                continue
            r = _simplify(ring, tol)
            if len(r) < 3:
                continue
            rings.append([[round(float(x), 1) for x in r[:, 0]],
                          [round(height - float(y), 1) for y in r[:, 1]]])
        provinces[code] = rings
    obj = {
        "viewBox": [0, 0, 793, 1032],
        "provinces": provinces,
        "source": {
            "title": "@svg-maps/canada 2.0.0 (Victor Cazanave), based on the MapSVG Canada map; "
                     "paths converted to rings, simplified (Douglas-Peucker, tol "
                     f"{tol}) and islands under {min_area} sq. units dropped",
            "url": "https://www.npmjs.com/package/@svg-maps/canada",
            "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); original map "
                       "https://mapsvg.com/maps/canada",
        },
    }
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n", "utf-8")
    os.replace(tmp, out)
    return out
