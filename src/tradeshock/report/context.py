"""The context handed to every report section: shared settings and presentation helpers.

Keeping the helpers here (figure embedding, tables with units, escaping) makes every section
look the same and keeps plotly.js out of the fragments (the page embeds it once).
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Countries always shown in summaries, whatever the size of their moves.
FOCUS: tuple[str, ...] = ("CAN", "USA", "CHN", "MEX")

_FIG_IDS = itertools.count()

#: Display names of common column codes (the code stays in the cell's tooltip and the exports).
HEADERS: dict[str, str] = {
    "counterfactual": "scenario", "change_pct": "change %", "real_income": "real income %",
    "welfare_cp": "welfare (CP) %", "terms_of_trade": "terms of trade %",
    "volume_of_trade": "volume of trade %", "real_wage": "real wage %", "price_index": "price index %",
    "gross_output_base": "base output", "gross_output_change_pct": "gross output %",
    "value_added_change_pct": "value added %", "employment_change_pct": "employment %",
}


@dataclass
class ReportContext:
    """Settings and helpers shared by the sections of one report (see ``report.sections``)."""

    home: str = "CAN"
    focus: tuple[str, ...] = FOCUS
    unit: str = "US$ million"
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    strict: bool = False
    #: Sections that raised: ``{"section", "title", "scenario", "error"}`` each (see html.py).
    failures: list[dict[str, str]] = field(default_factory=list)

    # ------------------------------------------------------------ helpers
    @staticmethod
    def esc(text: object) -> str:
        """HTML-escape any value's text."""
        return html.escape(str(text), quote=True)

    def note(self, text: str) -> str:
        """A caveat paragraph (escaped)."""
        return f'<p class="note">{self.esc(text)}</p>'

    def figure(self, fig: Any, height: int | None = None) -> str:
        """HTML ``<div>`` for a plotly figure, without plotly.js (the page embeds it once)."""
        if height is not None:
            fig.update_layout(height=height)
        fig.update_layout(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
                          font=dict(family="system-ui, sans-serif", size=12))
        div_id = f"fig-{next(_FIG_IDS)}"
        return ('<div class="figure">'
                + fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                              config={"displaylogo": False, "responsive": True})
                + "</div>")

    def table(self, df: pd.DataFrame, caption: str, unit: str, *, index: bool = False,
              percent: Sequence[str] = (), money: Sequence[str] = (), rates: Sequence[str] = (),
              html: Sequence[str] = (), digits: int = 2, max_rows: int | None = None) -> str:
        """An HTML table whose caption states the unit (and price basis) of its numbers.

        ``percent`` columns are already in percent and shown with ``digits`` decimals and a
        sign; ``money`` columns are shown with thousands separators and no decimals (one
        decimal when below 100 in magnitude); ``rates`` are fractions shown as percent;
        ``html`` columns hold HTML the caller has already escaped (e.g. links) and are not
        escaped again.
        """
        d = df.reset_index() if index else df.copy()
        if max_rows is not None and len(d) > max_rows:
            d = d.head(max_rows)
        fmt: dict[str, Any] = {}
        for c in percent:
            fmt[c] = lambda x, k=digits: "" if pd.isna(x) else f"{x:+.{k}f}"
        for c in money:
            fmt[c] = _money
        for c in rates:
            fmt[c] = lambda x: "" if pd.isna(x) else f"{100 * x:.1f}%"
        head = "".join(f'<th title="{self.esc(c)}">{self.esc(HEADERS.get(c, c))}</th>'
                       for c in d.columns)
        rows = []
        for rec in d.itertuples(index=False):
            cells = []
            for c, v in zip(d.columns, rec, strict=True):
                num = c in fmt or isinstance(v, (int, float)) and not isinstance(v, bool)
                if c not in fmt and (v is None or v is pd.NaT or isinstance(v, float) and v != v):
                    txt = ""
                else:
                    txt = fmt[c](v) if c in fmt else (_plain(v) if num else str(v))
                cls = ' class="num"' if num else ""
                cells.append(f"<td{cls}>{txt if c in html else self.esc(txt)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"{self.esc(caption)} <span class=\"unit\">({self.esc(unit)})</span>"
        return (f'<div class="tablewrap"><table class="data"><caption>{cap}</caption><thead><tr>'
                f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _money(x: object) -> str:
    if x is None or pd.isna(x):
        return ""
    v = float(x)  # type: ignore[arg-type]
    return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"


def _plain(x: object) -> str:
    if isinstance(x, float):
        return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)
