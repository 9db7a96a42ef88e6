"""Write a result table to the file a user named with ``--out``, by its suffix, atomically."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tradeshock.output import check_file, staged_file

if TYPE_CHECKING:
    from rich.console import Console

SUFFIXES = (".csv", ".parquet", ".json", ".xlsx")


def check_out(path: Path) -> Path:
    """Check an ``--out`` file name before any solving (see :func:`check_table_path`)."""
    return check_file(path, SUFFIXES, "--out")


def check_table_path(path: Path | None, flag: str = "--out") -> Path | None:
    """Validate a table ``--out`` path before any solving (None passes); see :func:`check_file`."""
    return None if path is None else check_file(path, SUFFIXES, flag)


def check_report_path(path: Path | None, flag: str = "--report") -> Path | None:
    """Validate an HTML ``--report`` path before any solving (None passes)."""
    return None if path is None else check_file(path, (".html",), flag)


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path`` (.csv, .parquet, .json or .xlsx) via a temporary file and rename.

    A failure leaves any earlier file at ``path`` untouched; an unknown suffix or an unwritable
    folder raises :class:`~tradeshock.output.OutputError` naming the path.
    """
    from tradeshock.runner import _uniform

    path = Path(path)
    suffix = path.suffix.lower()
    df = df.copy()
    for col in df.columns[df.dtypes.eq(object)]:
        df[col] = _uniform(df[col])
    with staged_file(path, SUFFIXES) as tmp:
        if suffix == ".csv":
            df.to_csv(tmp, index=False)
        elif suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif suffix == ".json":
            df.to_json(tmp, orient="records", indent=1)
        else:
            df.to_excel(tmp, index=False)
    return path


def print_bands(con: Console, df: pd.DataFrame, labels: list[str], col: str, top: int, what: str) -> None:
    """Print ``col`` with its p05–p95 band over elasticity draws, and any failed draws."""
    from rich.table import Table

    a = df.attrs
    t = Table(*labels, "point", "p05", "p50", "p95",
              title=f"{what}: 90% band over {a.get('solved')}/{a.get('draws')} elasticity draws "
                    f"(seed {a.get('seed')})", title_justify="left")
    for rec in df.head(top).itertuples(index=False):
        r = rec._asdict()
        if r.get(col) != r.get(col):
            continue
        t.add_row(*[str(r[k]) for k in labels],
                  *[f"{r[c]:+.3f}" for c in (col, f"{col}_p05", f"{col}_p50", f"{col}_p95")])
    con.print(t)
    for f in a.get("failed_draws", []):
        con.print(f"[red]draw {f['index']} failed[/]: {f['kind']}: {f['message']}")
