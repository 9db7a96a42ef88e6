"""The measures applied: dates, rates and sources."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tradeshock.report import tables

TITLE = "Measures applied"


def render(result: Any, ctx: Any) -> str:
    """The scenario's measures table (or the shock's log when there is no scenario)."""
    sc = getattr(result, "scenario", None)
    head = ""
    if sc is not None:
        desc = getattr(sc, "description", "") or ""
        as_of = getattr(sc, "as_of", None)
        head = (f"<p><strong>{ctx.esc(tables.scenario_name(result))}</strong>"
                + (f" — {ctx.esc(desc)}" if desc else "")
                + (f" <em>(measures in force on {ctx.esc(as_of)})</em>" if as_of else "") + "</p>")
    df = tables.measures_table(result)
    if df is None:
        return head + "<p>No measures: this run is the baseline.</p>"
    df = df.copy()
    rate_cols = [c for c in df.columns if c in ("rate", "add") and pd.api.types.is_numeric_dtype(df[c])]
    if "source" in df.columns:
        df["source"] = [_source_text(s) for s in df["source"]]
    return head + ctx.table(df, caption="Measures applied", unit="rates as percent ad valorem",
                            rates=rate_cols)


def _source_text(src: object) -> str:
    if isinstance(src, dict):
        return " — ".join(str(src[k]) for k in ("title", "url") if src.get(k))
    if isinstance(src, (list, tuple)):
        return "; ".join(_source_text(s) for s in src)
    return "" if src is None else str(src)
