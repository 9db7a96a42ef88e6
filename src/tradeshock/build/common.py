"""Shared helpers of the build pipeline: raw-file access, provenance records, build date.

Only code under :mod:`tradeshock.build` reads raw files. Every reader here turns a missing or
malformed file into a :class:`~tradeshock.errors.DataError` that names the file, so a broken raw
folder fails with one clear line instead of a pandas traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradeshock.errors import DataError

T = TypeVar("T")

#: Build date recorded in provenance when SOURCE_DATE_EPOCH is not set. A fixed value (the date
#: the pipeline and its raw snapshot were frozen) keeps rebuilt files byte-identical.
DEFAULT_BUILD_DATE = "2026-11-28"


def build_date() -> str:
    """ISO date of the build: from ``SOURCE_DATE_EPOCH`` if set, else :data:`DEFAULT_BUILD_DATE`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
        except ValueError:
            raise DataError(f"SOURCE_DATE_EPOCH={epoch!r} is not an integer number of seconds; "
                            "unset it or give a Unix timestamp") from None
    return DEFAULT_BUILD_DATE


def raw_file(raw: Path, *parts: str) -> Path:
    """Path of a raw file under ``raw``; :class:`DataError` naming it if it does not exist."""
    path = Path(raw).joinpath(*parts)
    if not path.exists():
        raise DataError(f"raw file missing: {path}; pass --raw pointing at the shared raw data "
                        "folder (the one holding SOURCES.md)")
    return path


def read_raw(path: Path, reader: Callable[[Path], T], what: str = "") -> T:
    """Run ``reader(path)``, turning any parsing failure into a :class:`DataError` naming the file."""
    try:
        return reader(path)
    except DataError:
        raise
    except Exception as exc:  # parsers raise many types
        extra = f" ({what})" if what else ""
        raise DataError(f"raw file {path} is malformed{extra}: {exc.__class__.__name__}: {exc}") from None


def read_matrix(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """Read a whitespace-separated numeric matrix and check its shape and finiteness."""
    def _load(p: Path) -> np.ndarray:
        return np.loadtxt(p, dtype=float, ndmin=2)

    arr = read_raw(path, _load, f"expected a {shape[0]}x{shape[1]} numeric table")
    if arr.shape != shape:
        raise DataError(f"raw file {path} has shape {arr.shape[0]}x{arr.shape[1]}, expected "
                        f"{shape[0]}x{shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"raw file {path} contains non-numeric or infinite values")
    return arr


def read_rdata(path: Path) -> dict[str, Any]:
    """Parse an ``.RData``/``.rda`` file with the pure-Python ``rdata`` package."""
    def _load(p: Path) -> dict[str, Any]:
        import rdata

        return rdata.conversion.convert(rdata.parser.parse_file(p))

    return read_raw(path, _load, "expected an R data file")


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write a Parquet table with stable bytes (no pandas/pyarrow version metadata)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=False)
    os.replace(tmp, path)
    return path


def write_json(obj: Any, path: Path) -> Path:
    """Write canonical JSON (sorted keys, two-space indent, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def clean(obj: Any, digits: int = 6) -> Any:
    """Round floats in a nested report structure so provenance JSON is stable and readable."""
    if isinstance(obj, dict):
        return {str(k): clean(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v, digits) for v in obj]
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return float(f"{x:.{digits}g}") if np.isfinite(x) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


# ----------------------------------------------------------------- sources (for provenance)
SRC_CP2015 = {
    "title": "Caliendo & Parro (2015), 'Estimates of the Trade and Welfare Effects of NAFTA', "
             "Review of Economic Studies 82(1): replication data (xbilat1993, tariffs1993/2005, GO, "
             "B, IO, T), re-hosted in powell001/Caliendo_Parro_2015_Python data/original_data",
    "url": "https://github.com/powell001/Caliendo_Parro_2015_Python/tree/"
           "59738390ed3a2f0b4187eaa529fccdf700255071/data/original_data",
    "licence": "no licence stated; the authors' public replication files (cite Caliendo & Parro 2015)",
}
SRC_GEGRAVITY = {
    "title": "USITC gegravity example data set (30 countries, 2006), examples/sample_data_set.dlm",
    "url": "https://github.com/peter-herman/gegravity/blob/"
           "358cba1eb086c018781c3f5fa97082143e5f7369/examples/sample_data_set.dlm",
    "licence": "MIT",
}
SRC_WIOD2013 = {
    "title": "World Input-Output Database, 2013 release, world input-output table 2011 "
             "(Timmer et al. 2015, Review of International Economics 23:575-605), as wiot_2011.RData "
             "in the R package bquast/wiod",
    "url": "https://github.com/bquast/wiod/blob/59a28ac22fbd7751ea84c0f33722b5246b0af46d/data/"
           "wiot_2011.RData",
    "licence": "WIOD data free to use with citation (Timmer et al. 2015); R package GPL-3",
}
SRC_CONCORDANCE = {
    "title": "HS 2022 (6-digit) to ISIC Rev.3 concordance, hs6_isic3.RData of the R package "
             "'concordance' (Liao, Kim, Higashijima & Yamauchi)",
    "url": "https://github.com/insongkim/concordance/blob/"
           "201c812e51f213d967d8701b6ed6398c79df4a04/data/hs6_isic3.RData",
    "licence": "MIT",
}
SRC_WIOD_INDUSTRIES = {
    "title": "WIOD industry list (35 industries, NACE Rev.1 = ISIC Rev.3 codes): Timmer et al. (2012), "
             "'The World Input-Output Database (WIOD): Contents, Sources and Methods', WIOD Working "
             "Paper 10, Table 2 / Appendix; Dietzenbacher et al. (2013) Economic Systems Research 25(1)",
    "url": "https://www.wiod.org/publications/source_docs/WIOD_sources.pdf",
    "licence": "publication (facts: the industry definitions)",
}
SRC_US_HS10 = {
    "title": "2024 US imports for consumption by HS10 with calculated duty, 8 partners "
             "(tradewartracker/trade-war-redux-2025, data/2024-hs10-imports<code>.parquet; "
             "from US Census Bureau / USITC DataWeb)",
    "url": "https://github.com/tradewartracker/trade-war-redux-2025/tree/"
           "726c5958e1e43eb08ac076a1e602ae3149164b03/data",
    "licence": "MIT (repository); underlying US Census data public domain",
}
SRC_MACRO2024 = {
    "title": "2024 macro margins: World Bank WDI GDP (NY.GDP.MKTP.CD, July 2026 vintage) and 2024 "
             "bilateral goods trade among CAN, USA, CHN, MEX (US Census via CRS; UN Comtrade) — "
             "compiled in shared/data/macro2024/margins.csv (each row carries its own source URL)",
    "url": "https://data.worldbank.org/indicator/NY.GDP.MKTP.CD",
    "licence": "WDI: CC BY 4.0; Census: public domain; Comtrade: UN terms of use",
}
