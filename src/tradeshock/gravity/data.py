"""Packaged gravity data: the Advanced Guide panel and the stored estimates (I/O only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.errors import DataError, unknown

#: Folder of the packaged gravity data (Parquet + provenance JSON).
GRAVITY_DIR = Path(__file__).resolve().parent.parent / "data" / "gravity"


def load_panel(name: str = "agtpa") -> pd.DataFrame:
    """The packaged panel ``name`` with derived ``ln_dist`` and ``intl`` (1 for international flows).

    ``df.attrs["provenance"]`` holds the dataset's provenance record.
    """
    path = GRAVITY_DIR / f"{name}.parquet"
    if not path.exists():
        names = sorted(p.stem for p in GRAVITY_DIR.glob("*.parquet")) if GRAVITY_DIR.exists() else []
        raise DataError(unknown("gravity panel", name, names))
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types
        raise DataError(f"{path} is unreadable ({exc.__class__.__name__}: {exc}); rebuild with "
                        "'tradeshock data build --only agtpa'") from None
    df["year"] = df["year"].astype(int)
    if "dist" in df:
        df["ln_dist"] = np.log(df["dist"].astype(float))
    df["intl"] = (df["exporter"] != df["importer"]).astype("int8")
    prov = GRAVITY_DIR / f"{name}.provenance.json"
    if prov.exists():
        df.attrs["provenance"] = json.loads(prov.read_text(encoding="utf-8"))
    return df


def load_estimates(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Stored gravity estimates by name (``rta`` → ``{estimate, std_error, ...}``).

    ``path`` defaults to the packaged ``data/gravity/estimates.json`` (written by the build
    step ``agtpa`` from the Advanced Guide panel).
    """
    p = Path(path) if path is not None else GRAVITY_DIR / "estimates.json"
    if not p.exists():
        raise DataError(f"gravity estimates file {p} not found; rebuild with "
                        "'tradeshock data build --only agtpa' or give estimate_file")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}: not valid JSON ({exc})") from None
    est = data.get("estimates", data)
    if not isinstance(est, dict):
        raise DataError(f"{p}: expected a mapping of named estimates")
    return est
