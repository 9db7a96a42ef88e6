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
    """Provincial shares of canola production, pooled over all years in the StatCan extract.

    Pooling 2020, 2021 (drought), 2022 and 2025 smooths the 2021 Prairie drought. Suppressed
    cells (flag F, a few hundred tonnes in the Maritimes) count as zero.
    """
    path = Path(raw_provinces_dir) / "canola_area_production_by_province_32100359.csv"
    df = _read_csv(path)
    prod = df[df["disposition"] == "Production"].copy()
    code = {v: k for k, v in PROVINCE_NAMES.items()}
    prod["province"] = prod["geo"].map(code)
    prov = prod.dropna(subset=["province"]).groupby("province")["value"].sum()
    prov = prov.reindex(list(PROVINCES)).fillna(0.0)
    if prov.sum() <= 0:
        raise DataError(f"{path}: no canola production rows found")
    return prov / prov.sum()


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
    products = pd.DataFrame({
        "product": "canola_seed", "sector": "agriculture", "province": list(PROVINCES),
        "share": [float(canola[p]) for p in PROVINCES],
    })

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
            "agriculture: the canola-seed part is split by pooled 2020-2022+2025 canola production "
            "shares (StatCan 32-10-0359), the rest by NAICS 11 GDP shares; the canola weight is "
            "computed at run time against the world's Canadian agriculture figures",
            "2021 is a drought year for Prairie crops and a chip-shortage year for autos",
        ],
        "files": ["provinces.parquet", "concordance.parquet", "sector_shares.parquet",
                  "products.parquet"],
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
