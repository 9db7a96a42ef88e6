"""Build the product-level trade weights and HTS product lists that the effective-rate engine uses.

Product-level measures (an HS list) reach the sector model through import weights: how much
2024 trade each HS6 product carries for an importer-exporter pair. This module turns the raw
US HS10 import files (8 partners), the Yale Budget Lab USMCA-claim shares and MFN rates, and
the tradewartracker HTS lists into compact packaged tables under ``data/trade_weights/``:

``us_imports_hs6.parquet``
    ``exporter, hs6, imports, duty, usmca_share`` — 2024 US imports for consumption (US$
    million) and calculated duty by HS6 for CAN, MEX, CHN, JPN, KOR, GBR, IND and ``EU27``;
    ``usmca_share`` (CAN, MEX only) is the import-weighted share of the HS6 entering under
    USMCA preference in 2025.
``us_mfn_hs6.parquet``
    ``hs6, mfn_rate`` — US MFN ad-valorem (equivalent) rate, 2025 schedule, import-weighted
    over HS8 lines.
``lists/<name>.csv``
    ``hs6, share`` — an HTS list as HS6 codes with the share of 2024 US imports (8 partners)
    of that HS6 that the listed HS8/HS10 lines cover (1 when the list names the HS6 or a
    shorter heading).
``countries.csv``
    ``iso3, name`` — the ISO 3166 alpha-3 codes known to the measures validator.
``provenance.json``
    Sources (title, url, licence) and method notes.

Only this module reads the raw files; it is called by ``tradeshock data build``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tradeshock.build.common import build_date, raw_file, read_raw, write_json, write_table
from tradeshock.errors import DataError

#: US Census partner codes of the 2024 HS10 import files and the codes used in the tables.
PARTNERS = {"1220": "CAN", "2010": "MEX", "5700": "CHN", "5880": "JPN", "5800": "KOR",
            "4120": "GBR", "5330": "IND", "0003": "EU27"}

#: Partners trading with the US at MFN rates in 2024 (no FTA, no Section 301): used to convert
#: specific and compound MFN duties into ad-valorem equivalents.
MFN_PARTNERS = ("EU27", "JPN", "GBR", "IND")

#: HTS lists packaged for the measures library: name -> (raw file, description).
LISTS: dict[str, tuple[str, str]] = {
    "us-s232-steel-derivatives": ("steel-tariffs.csv",
                                  "Section 232 steel derivative HTS lines (ch. 73 etc.)"),
    "us-s232-aluminum-derivatives": ("alu-tariffs.csv", "Section 232 aluminum derivative HTS lines"),
    "us-s232-autos-parts": ("auto-tariffs.csv", "Section 232 autos and key auto parts (Proclamation 10908)"),
    "us-s232-copper": ("copper-list.csv", "Section 232 copper semi-finished and derivative lines"),
    "us-s232-metals-annex-ia": ("metals-annex-IA.csv", "Section 232 metals, April 2026 Annex I-A (50%)"),
    "us-s232-metals-annex-ib": ("metals-annex-IB.csv", "Section 232 metals, April 2026 Annex I-B (25%)"),
    "us-s232-metals-annex-iii": ("metals-annex-III-temporary.csv",
                                 "Section 232 metals, April 2026 Annex III (15%, temporary)"),
    "us-ieepa-annex-ii-exemptions": ("annex-II-exemptions-nov14.csv",
                                     "IEEPA reciprocal Annex II product exemptions (as of 2025-11-14)"),
    "us-s122-exemptions": ("section122-product-exemptions.csv", "Section 122 surcharge product exemptions"),
    "us-s338-can-alcohol": ("canada-338-alcohol.csv", "Section 338 action on Canada: alcoholic beverages"),
    "us-s338-can-dairy": ("canada-338-dairy.csv", "Section 338 action on Canada: dairy"),
    "us-s338-can-autos-basket": ("canada-338-autos.csv",
                                 "Section 338 action on Canada: motor-vehicle-retaliation basket"),
    "us-s338-can-aircraft-exempt": ("canada-338-aircraft-exempt.csv",
                                    "Section 338 action on Canada: civil aircraft carve-out"),
    "ca-countermeasures-list1": ("canada-march-list.csv",
                                 "Canada's 25% counter-tariffs on US goods, list of 4 March 2025 (C$30B)"),
    "ca-countermeasures-steel": ("canada-steel-list.csv",
                                 "Canada's 25% counter-tariffs on US steel, aluminum and other goods "
                                 "(13 March 2025)"),
    "cn-countermeasures-us-farm-10": ("china-10-percent-030425.csv",
                                      "China's 10% retaliation on US farm goods (March 2025)"),
    "cn-countermeasures-us-farm-15": ("china-15-percent-030425.csv",
                                      "China's 15% retaliation on US farm goods (March 2025)"),
    "ca-countermeasures-list2": ("canada-125b-list.csv",
                                 "Canada's proposed second tranche of counter-tariffs "
                                 "(C$125B, never implemented)"),
}

SOURCES = [
    {"title": "2024 US imports for consumption by HS10 with calculated duty, 8 partners "
              "(tradewartracker/trade-war-redux-2025, data/2024-hs10-imports<code>.parquet; from US "
              "Census Bureau / USITC DataWeb)",
     "url": "https://github.com/tradewartracker/trade-war-redux-2025/tree/"
            "726c5958e1e43eb08ac076a1e602ae3149164b03/data",
     "licence": "MIT (repository); underlying US Census data public domain"},
    {"title": "tradewartracker HTS lists of US tariff actions 2025-26 and Canada's counter-tariff lists "
              "(tariff-lists/*.csv)",
     "url": "https://github.com/tradewartracker/trade-war-redux-2025/tree/"
            "726c5958e1e43eb08ac076a1e602ae3149164b03/tariff-lists",
     "licence": "MIT"},
    {"title": "Yale Budget Lab, Tariff-ETRs resources: usmca_product_shares_2025.csv, usmca_shares.csv, "
              "mfn_rates_2025.csv, hs6_gtap_crosswalk.csv",
     "url": "https://github.com/Budget-Lab-Yale/Tariff-ETRs/tree/"
            "ffc01053986e7d7c61e9922ed7deb16d5057ab0b/resources",
     "licence": "no licence file in the repository; contents derived from US public-domain sources "
                "(USITC HTS, Census trade); used with attribution as reference data"},
    {"title": "US Census Bureau country codes with ISO3 (FRB Atlanta short mapping, via tradewartracker "
              "misc/CensusCountryMapping_FRBAtl_short.csv)",
     "url": "https://github.com/tradewartracker/trade-war-redux-2025/tree/"
            "726c5958e1e43eb08ac076a1e602ae3149164b03/data",
     "licence": "MIT"},
]

METHOD = [
    "us_imports_hs6: HS10 rows of each partner file summed to HS6; imports and duty in US$ million "
    "(customs value, 2024). EU27 is the Census aggregate 0003.",
    "usmca_share: Yale usmca_product_shares_2025 (HS10 x partner, share of 2025 imports claiming USMCA) "
    "averaged to HS6 with 2024 HS10 import weights; HS10 lines without a product share use the GTAP "
    "sector share from usmca_shares.csv (via hs6_gtap_crosswalk); lines without either get the partner's "
    "import-weighted mean.",
    "us_mfn_hs6: MFN rate per HS8 from Yale mfn_rates_2025 (ad-valorem part); for specific, compound "
    "and 'other' lines the ad-valorem equivalent is calculated duty / customs value of 2024 imports from "
    "MFN partners (EU27, JPN, GBR, IND) in that HS8 when positive, else the ad-valorem part. HS6 rate = "
    "HS8 rates weighted by 2024 imports from all 8 partners (simple mean where no imports).",
    "lists: HTS codes (4, 6, 8 or 10 digits, dots stripped; 7- and 9-digit codes are left-padded with "
    "a zero) mapped to HS6. share = 2024 US imports (8 partners) in listed lines / imports in the HS6; 1 "
    "when the list names a heading of 6 digits or fewer; lines with no 2024 imports count as share 1/n "
    "of the HS8/HS10 lines seen. Canada's and China's counter-tariff lists are national tariff "
    "items: only their HS6 part is used (share 1), which overstates coverage where Canada listed "
    "part of an HS6.",
]


def _read_partner(raw: Path, code: str) -> pd.DataFrame:
    path = raw_file(raw, "us_tariffs_twt", "hs10-imports-2024", f"2024-hs10-imports{code}.parquet")
    df = read_raw(path, pd.read_parquet, "2024 US HS10 imports")
    missing = {"HS10", "imports", "duty"} - set(df.columns)
    if missing:
        raise DataError(f"raw file {path} lacks columns {sorted(missing)}")
    out = pd.DataFrame({"hs10": df["HS10"].astype(str).str.zfill(10),
                        "imports": df["imports"].astype(float) / 1e6,
                        "duty": df["duty"].astype(float) / 1e6})
    out["exporter"] = PARTNERS[code]
    return out


def read_hs10(raw: Path) -> pd.DataFrame:
    """All 8 partners' 2024 US imports as ``exporter, hs10, imports, duty`` (US$ million)."""
    return pd.concat([_read_partner(raw, c) for c in PARTNERS], ignore_index=True)


def _usmca_hs10(raw: Path, hs10: pd.DataFrame) -> pd.Series:
    """USMCA-claim share per row of ``hs10`` (CAN, MEX rows; NaN elsewhere)."""
    yale = raw / "yale_tariff_etrs"
    prod = read_raw(raw_file(yale, "usmca_product_shares_2025.csv"),
                    lambda p: pd.read_csv(p, dtype={"hts10": str, "cty_code": str}))
    prod["exporter"] = prod["cty_code"].str.zfill(4).map(PARTNERS)
    prod["hs10"] = prod["hts10"].str.zfill(10)
    sect = read_raw(raw_file(yale, "usmca_shares.csv"), pd.read_csv)
    sect["gtap_code"] = sect["gtap_code"].str.strip().str.lower()
    cross = read_raw(raw_file(yale, "hs6_gtap_crosswalk.csv"),
                     lambda p: pd.read_csv(p, dtype={"hs6_code": str}))
    cross = dict(zip(cross["hs6_code"].str.zfill(6), cross["gtap_code"].str.lower(), strict=True))
    share = pd.Series(np.nan, index=hs10.index)
    for iso, col in (("CAN", "canada"), ("MEX", "mexico")):
        rows = hs10["exporter"] == iso
        p = prod[prod["exporter"] == iso].set_index("hs10")["usmca_share"]
        s = hs10.loc[rows, "hs10"].map(p)
        by_gtap = dict(zip(sect["gtap_code"], sect[col], strict=True))
        gtap = hs10.loc[rows, "hs10"].str[:6].map(cross).map(by_gtap)
        s = s.fillna(gtap)
        w = hs10.loc[rows, "imports"]
        ok = s.notna()
        mean = float((s[ok] * w[ok]).sum() / w[ok].sum()) if w[ok].sum() > 0 else 0.0
        share.loc[rows] = s.fillna(mean).clip(0.0, 1.0)
    return share


def build_us_imports(raw: Path) -> pd.DataFrame:
    """HS6 x partner US imports with duty and USMCA-claim share (see module docstring)."""
    hs10 = read_hs10(raw)
    hs10["usmca_share"] = _usmca_hs10(raw, hs10)
    hs10["hs6"] = hs10["hs10"].str[:6]
    hs10["usmca_value"] = hs10["usmca_share"] * hs10["imports"]
    g = hs10.groupby(["exporter", "hs6"], sort=True).agg(
        imports=("imports", "sum"), duty=("duty", "sum"), usmca_value=("usmca_value", "sum"),
        usmca_any=("usmca_share", "count")).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        g["usmca_share"] = np.where((g["usmca_any"] > 0) & (g["imports"] > 0),
                                    g["usmca_value"] / g["imports"], np.nan)
    g = g[g["imports"] > 0]
    return g[["exporter", "hs6", "imports", "duty", "usmca_share"]].reset_index(drop=True)


def build_mfn(raw: Path, hs10: pd.DataFrame | None = None) -> pd.DataFrame:
    """US MFN ad-valorem (equivalent) rate by HS6 (see :data:`METHOD`)."""
    hs10 = read_hs10(raw) if hs10 is None else hs10
    mfn = read_raw(raw_file(raw, "yale_tariff_etrs", "mfn_rates_2025.csv"),
                   lambda p: pd.read_csv(p, dtype={"hs8": str}))
    mfn["hs8"] = mfn["hs8"].str.zfill(8)
    hs10 = hs10.assign(hs8=hs10["hs10"].str[:8])
    m = hs10[hs10["exporter"].isin(MFN_PARTNERS)].groupby("hs8")[["imports", "duty"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        ave = (m["duty"] / m["imports"]).where(m["imports"] > 0)
    mfn["ave"] = mfn["hs8"].map(ave)
    nonadv = mfn["rate_type"].isin(["specific", "compound", "other"])
    mfn["rate"] = np.where(nonadv & (mfn["ave"] > 0), mfn["ave"], mfn["mfn_rate"].astype(float))
    w = hs10.groupby("hs8")["imports"].sum()
    mfn["w"] = mfn["hs8"].map(w).fillna(0.0)
    mfn["hs6"] = mfn["hs8"].str[:6]

    def _avg(df: pd.DataFrame) -> float:
        if df["w"].sum() > 0:
            return float((df["rate"] * df["w"]).sum() / df["w"].sum())
        return float(df["rate"].mean())

    out = mfn.groupby("hs6", sort=True)[["rate", "w"]].apply(_avg).rename("mfn_rate").reset_index()
    return out


def _norm_code(code: str) -> str:
    c = "".join(ch for ch in str(code) if ch.isdigit())
    if len(c) in (7, 9, 5, 3):
        c = "0" + c
    return c


def _list_codes(path: Path) -> list[str]:
    df = read_raw(path, lambda p: pd.read_csv(p, dtype=str, header=None))
    # the HTS code is the first all-digit column (some lists start with a row number)
    for col in df.columns:
        vals = df[col].dropna().astype(str)
        vals = vals[vals.str.replace(".", "", regex=False).str.isdigit()]
        if len(vals) and vals.str.replace(".", "", regex=False).str.len().median() >= 4:
            return sorted({_norm_code(v) for v in vals})
    raise DataError(f"raw file {path}: no column of HTS codes found")


def build_list(codes: list[str], hs10: pd.DataFrame) -> pd.DataFrame:
    """Turn HTS codes (any length) into ``hs6, share`` with 2024 US import shares."""
    tot10 = hs10.groupby("hs10")["imports"].sum()
    tot6 = tot10.groupby(tot10.index.str[:6]).sum()
    full: set[str] = set()
    partial: dict[str, float] = {}
    for c in codes:
        if len(c) <= 6:
            full.update(h for h in tot6.index if h.startswith(c))
            if len(c) == 6:
                full.add(c)
            continue
        h6 = c[:6]
        sel = tot10[tot10.index.str.startswith(c)].sum()
        partial[h6] = partial.get(h6, 0.0) + float(sel)
    rows = []
    for h6 in sorted(set(partial) | full):
        if h6 in full:
            rows.append((h6, 1.0))
            continue
        denom = float(tot6.get(h6, 0.0))
        share = partial[h6] / denom if denom > 0 else 1.0
        rows.append((h6, min(1.0, share)))
    return pd.DataFrame(rows, columns=["hs6", "share"])


def build_countries(raw: Path) -> pd.DataFrame:
    """ISO3 codes and names from the Census country mapping (for validating measures)."""
    df = read_raw(raw_file(raw, "us_tariffs_twt", "misc", "CensusCountryMapping_FRBAtl_short.csv"),
                  lambda p: pd.read_csv(p, dtype=str, keep_default_na=False))
    df = df[df["ISO3"].str.fullmatch(r"[A-Z]{3}")]
    return (pd.DataFrame({"iso3": df["ISO3"], "name": df["country"]})
            .drop_duplicates("iso3").sort_values("iso3").reset_index(drop=True))


def build_trade_weights(raw: Path, out: Path) -> Path:
    """Build every table of ``data/trade_weights/`` from the raw folder into ``out``.

    Parameters
    ----------
    raw
        The shared raw data folder (holding ``us_tariffs_twt/`` and ``yale_tariff_etrs/``).
    out
        Target folder, normally ``src/tradeshock/data/trade_weights``.
    """
    raw, out = Path(raw), Path(out)
    hs10 = read_hs10(raw)
    imports = build_us_imports(raw)
    write_table(imports, out / "us_imports_hs6.parquet")
    write_table(build_mfn(raw, hs10), out / "us_mfn_hs6.parquet")
    lists_meta = {}
    for name, (fname, desc) in LISTS.items():
        codes = _list_codes(raw_file(raw, "us_tariffs_twt", "tariff-lists", fname))
        if name.startswith(("ca-", "cn-")):
            # Canadian / Chinese tariff items: only their first 6 digits are harmonized with the US HTS
            codes = sorted({c[:6] for c in codes})
        table = build_list(codes, hs10)
        path = out / "lists" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
        lists_meta[name] = {"file": f"tariff-lists/{fname}", "description": desc,
                            "codes": len(codes), "hs6": int(len(table))}
    countries = build_countries(raw)
    countries.to_csv(out / "countries.csv", index=False, lineterminator="\n")
    totals = imports.groupby("exporter")["imports"].sum().round(1).to_dict()
    write_json({
        "title": "Product-level trade weights for effective tariff rates (US imports 2024 by HS6)",
        "build_date": build_date(),
        "sources": SOURCES,
        "method": METHOD,
        "units": {"imports": "US$ million, 2024, customs value", "duty": "US$ million, 2024",
                  "usmca_share": "fraction of 2025 imports claiming USMCA preference",
                  "mfn_rate": "fraction (ad valorem or AVE)"},
        "check_totals_us_imports_musd": totals,
        "lists": lists_meta,
    }, out / "provenance.json")
    return out


if __name__ == "__main__":  # pragma: no cover - manual rebuild
    import sys

    build_trade_weights(Path(sys.argv[1]), Path(sys.argv[2]))
