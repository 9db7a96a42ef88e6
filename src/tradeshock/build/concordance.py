"""Build the HS6 → WIOD-sector concordance (``data/concordances/hs6_wiod.parquet``).

HS 2022 six-digit codes are mapped to ISIC Rev.3 by the ``concordance`` R package
(``hs6_isic3``) and ISIC Rev.3 divisions to the 35 WIOD sectors by the WIOD industry table
(:mod:`tradeshock.build.sectors`). Two documented repairs:

- HS lines the R table leaves at ISIC "9999" (residues, waste and scrap, animal by-products):
  food-industry by-products (HS chapters 05, 18, 23, 24) → ``food``; wood waste (ch. 44) →
  ``wood``; slag and ash (ch. 26) → ``metals``; lignin lyes (ch. 38) → ``chemicals``; every
  other waste/scrap line (ch. 39–41, 47, 51–55, 63, 71–80, 89) → ``manufacturing_nec``, whose
  ISIC Rev.3 division 37 is "Recycling" (processing of waste and scrap).
- HS6 codes seen in 2024 US imports but absent from the HS 2022 table (e.g. the US statistical
  code 291800) take the most common sector of their HS4 heading (``rule = "hs4_majority"``).

US chapter 98/99 codes (special classification provisions: US goods returned, low-value
estimates) have no product sector and stay unmapped; the coverage report says how much value
that is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tradeshock.build.common import (
    SRC_CONCORDANCE,
    SRC_US_HS10,
    SRC_WIOD_INDUSTRIES,
    build_date,
    clean,
    raw_file,
    read_raw,
    write_json,
    write_table,
)
from tradeshock.build.sectors import ISIC3_TO_SECTOR, SECTOR_CODES, WIOD_CODES
from tradeshock.errors import DataError

#: HS chapter → sector for lines with ISIC "9999" in the source table (see module docstring).
RESIDUE_CHAPTERS = {"05": "food", "18": "food", "23": "food", "24": "food", "44": "wood",
                    "26": "metals", "38": "chemicals"}
RESIDUE_DEFAULT = "manufacturing_nec"

US_PARTNER_FILES = {"1220": "CAN", "2010": "MEX", "5700": "CHN", "5880": "JPN", "5800": "KOR",
                    "4120": "GBR", "5330": "IND", "0003": "EU"}


def read_hs6_isic3(raw: Path) -> pd.DataFrame:
    """The R package's HS6 → ISIC Rev.3 table (columns HS6_6d, ISIC3_4d)."""
    path = raw_file(raw, "elasticities_concordances", "hs6_isic3.RData")

    def _load(p: Path) -> pd.DataFrame:
        import pyreadr

        return next(iter(pyreadr.read_r(str(p)).values()))

    df = read_raw(path, _load, "expected the R data frame hs6_isic3")
    missing = {"HS6_6d", "ISIC3_4d"} - set(df.columns)
    if missing:
        raise DataError(f"raw file {path} lacks column(s) {', '.join(sorted(missing))}")
    return df


def read_us_imports(raw: Path) -> pd.DataFrame:
    """2024 US imports for consumption by HS10 for the 8 partners: partner, hs6, imports, duty (US$)."""
    frames = []
    for code, partner in US_PARTNER_FILES.items():
        path = raw_file(raw, "us_tariffs_twt", "hs10-imports-2024", f"2024-hs10-imports{code}.parquet")
        df = read_raw(path, pd.read_parquet, "expected a Parquet table with HS6, imports, duty")
        missing = {"HS6", "imports", "duty"} - set(df.columns)
        if missing:
            raise DataError(f"raw file {path} lacks column(s) {', '.join(sorted(missing))}")
        frames.append(pd.DataFrame({"partner": partner, "hs6": df["HS6"].astype(str),
                                    "imports": df["imports"].astype(float),
                                    "duty": df["duty"].astype(float)}))
    return pd.concat(frames, ignore_index=True)


def hs6_wiod(raw: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The concordance table and its coverage report."""
    src = read_hs6_isic3(raw)
    src = src[src["HS6_6d"].str.fullmatch(r"\d{6}") & src["ISIC3_4d"].notna()]
    isic = src["ISIC3_4d"].astype(str)
    div = isic.str[:2]
    sector = div.map(ISIC3_TO_SECTOR)
    residue = isic == "9999"
    chapter = src["HS6_6d"].str[:2]
    sector[residue] = chapter[residue].map(RESIDUE_CHAPTERS).fillna(RESIDUE_DEFAULT)
    if sector.isna().any():
        bad = src.loc[sector.isna(), ["HS6_6d", "ISIC3_4d"]].iloc[0]
        raise DataError(f"hs6_isic3.RData: ISIC Rev.3 code {bad['ISIC3_4d']!r} (HS {bad['HS6_6d']}) "
                        "has no WIOD sector; extend tradeshock.build.sectors")
    table = pd.DataFrame({"hs6": src["HS6_6d"].to_numpy(), "sector": sector.to_numpy(),
                          "isic3": isic.to_numpy(),
                          "rule": ["hs_residue_by_chapter" if r else "isic3" for r in residue]})

    us = read_us_imports(raw)
    known = set(table["hs6"])
    extra_codes = sorted({h for h in us["hs6"].unique() if h not in known and h[:2] not in ("98", "99")})
    extra = []
    for h in extra_codes:
        same4 = table[table["hs6"].str[:4] == h[:4]]["sector"]
        if len(same4):
            extra.append({"hs6": h, "sector": same4.value_counts().sort_index().idxmax(),
                          "isic3": "", "rule": "hs4_majority"})
    if extra:
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    code = dict(zip(SECTOR_CODES, WIOD_CODES, strict=True))
    table["wiod"] = table["sector"].map(code)
    table = table[["hs6", "sector", "wiod", "isic3", "rule"]].sort_values("hs6").reset_index(drop=True)

    mapped = us["hs6"].isin(set(table["hs6"]))
    total = us["imports"].sum()
    by_partner = us.assign(mapped=mapped).groupby("partner").apply(
        lambda d: d.loc[d["mapped"], "imports"].sum() / d["imports"].sum(), include_groups=False)
    unmapped = us[~mapped].groupby(us["hs6"].str[:4])["imports"].sum().sort_values(ascending=False)
    report = {
        "hs6_codes": len(table),
        "rules": table["rule"].value_counts().sort_index().to_dict(),
        "us_2024_imports_8_partners_usd_bn": total / 1e9,
        "us_2024_share_of_value_mapped": us.loc[mapped, "imports"].sum() / total,
        "us_2024_share_mapped_by_partner": by_partner.sort_index().to_dict(),
        "us_2024_unmapped_value_usd_bn_by_hs4": (unmapped.head(10) / 1e9).to_dict(),
        "us_2024_unmapped_note": "HS chapters 98/99 are US special classification provisions "
                                 "(9801 US goods returned, 9802 goods assembled abroad, 9999 "
                                 "low-value estimates): no product sector.",
    }
    return table, report


def build(raw: Path, out: Path) -> list[Path]:
    """Write ``concordances/hs6_wiod.parquet`` and ``hs6_wiod.provenance.json`` under ``out``."""
    table, report = hs6_wiod(raw)
    folder = out / "concordances"
    pq_path = write_table(table, folder / "hs6_wiod.parquet")
    prov = {
        "title": "HS 2022 six-digit codes to the 35 WIOD (2013 release) sectors",
        "columns": {"hs6": "HS six-digit code (string)", "sector": "tradeshock WIOD sector code",
                    "wiod": "WIOD industry code c1..c35", "isic3": "ISIC Rev.3 class (4-digit) of "
                    "the source table ('' for hs4_majority rows)",
                    "rule": "isic3 | hs_residue_by_chapter | hs4_majority"},
        "sources": [SRC_CONCORDANCE, SRC_WIOD_INDUSTRIES, SRC_US_HS10],
        "build_date": build_date(),
        "method": [
            "HS6 -> ISIC Rev.3 from hs6_isic3 (R package concordance); ISIC Rev.3 division -> WIOD "
            "sector by the WIOD industry definitions (tradeshock.build.sectors.WIOD_SECTORS).",
            "Lines with ISIC 9999 (residues, waste, scrap, animal by-products): HS chapters 05, 18, "
            "23, 24 -> food; 44 -> wood; 26 -> metals; 38 -> chemicals; all others -> "
            "manufacturing_nec (ISIC Rev.3 division 37 = recycling of waste and scrap).",
            "HS6 codes in 2024 US imports missing from the HS 2022 table take the most common "
            "sector of their HS4 heading (rule hs4_majority).",
            "HS chapters 98/99 (US special provisions) are not mapped; see coverage.",
        ],
        "coverage": report,
    }
    js = write_json(clean(prov), folder / "hs6_wiod.provenance.json")
    return [pq_path, js]
