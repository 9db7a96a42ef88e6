"""Write a result table to the file a user named with ``--out``, by its suffix, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from tradeshock.errors import DataError

SUFFIXES = (".csv", ".parquet", ".json", ".xlsx")


def check_out(path: Path) -> Path:
    """Check an ``--out`` file name before any solving: a known suffix, or a clear error."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise DataError(f"--out {path}: unknown file type {path.suffix.lower()!r}; use "
                        f"{', '.join(SUFFIXES)}")
    return path


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path`` (.csv, .parquet, .json or .xlsx) via a temporary file and rename.

    A failure leaves any earlier file at ``path`` untouched; an unknown suffix or an unwritable
    folder raises :class:`~tradeshock.errors.DataError` naming the path.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"--out {path}: unknown file type {suffix!r}; use {', '.join(SUFFIXES)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise DataError(f"--out {path}: cannot write there ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if suffix == ".csv":
            df.to_csv(tmp, index=False)
        elif suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif suffix == ".json":
            df.to_json(tmp, orient="records", indent=1)
        else:
            df.to_excel(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
