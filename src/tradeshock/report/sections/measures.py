"""The measures applied: dates, rates and sources."""

from __future__ import annotations

import re
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
        cov = tables.coverage_line(result)
        if cov:
            head += ctx.note(cov[0].upper() + cov[1:] + ".")
    df = tables.measures_table(result)
    if df is None:
        return head + "<p>No measures: this run is the baseline.</p>"
    df = df.drop(columns=[c for c in ("family",) if c in df.columns])
    for col in ("targets", "target", "sectors"):
        if col in df.columns:
            df[col] = [tables.short_codes(v) for v in df[col]]
    for col in ("uncertain", "threat", "unquantified"):
        if col in df.columns:
            df[col] = ["yes" if bool(v) else "" for v in df[col]]
    rate_cols = [c for c in df.columns if c in ("rate", "add") and pd.api.types.is_numeric_dtype(df[c])]
    html_cols = []
    if "source" in df.columns:
        df["source"] = [_source_html(s, ctx) for s in df["source"]]
        html_cols.append("source")
    note = ""
    if "uncertain" in df.columns and (df["uncertain"] == "yes").any():
        note = ctx.note(f"{int((df['uncertain'] == 'yes').sum())} measure(s) are flagged uncertain: a "
                        "date, rate or scope the sources do not settle (see the measures library).")
    return head + ctx.table(df, caption="Measures applied",
                            unit="rates as percent ad valorem; mode: additional = on top of the "
                                 "2024 applied rate", rates=rate_cols, html=html_cols) + note


_URL = re.compile(r"<?(https?://[^\s>]+)>?")


def _source_html(src: object, ctx: Any) -> str:
    """A source as a link: its title linked to its URL (``"Title <url>"`` strings or dicts)."""
    if isinstance(src, (list, tuple)):
        return "; ".join(_source_html(s, ctx) for s in src)
    if isinstance(src, dict):
        title, url = str(src.get("title", "") or ""), src.get("url")
    else:
        text = "" if src is None else str(src)
        m = _URL.search(text)
        url = m.group(1) if m else None
        title = _URL.sub("", text).strip(" ,;") if m else text
    if not url:
        return ctx.esc(title)
    return f'<a href="{ctx.esc(url)}">{ctx.esc(title or url)}</a>'
