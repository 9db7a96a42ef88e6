"""Sector output changes for Canada, the US and China; Canada's biggest gains and losses."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Sectors"

_COUNTRIES = ("CAN", "USA", "CHN")
_COLORS = {"CAN": "#d62828", "USA": "#003049", "CHN": "#f77f00"}


def render(result: Any, ctx: Any) -> str:
    """Grouped bar chart of gross-output change by sector, and Canada's top movers."""
    out = result.output()
    countries = [c for c in _COUNTRIES if c in set(out["country"])]
    sectors = list(result.world.sectors)
    labels = [tables.sector_label(result, s) for s in sectors]
    fig = go.Figure()
    for c in countries:
        o = out[out["country"] == c].set_index("sector").reindex(sectors)
        fig.add_trace(go.Bar(name=tables.country_name(result, c), y=labels,
                             x=o["gross_output_change_pct"], orientation="h",
                             marker_color=_COLORS.get(c),
                             hovertemplate="%{y}: %{x:+.2f}%<extra>" + c + "</extra>"))
    fig.update_layout(barmode="group", title="Gross output by sector, % change from baseline",
                      xaxis_title="Gross output, % change (value at producer prices, "
                      "numéraire: world value added fixed)", yaxis=dict(autorange="reversed"),
                      height=200 + 16 * len(sectors) * max(1, len(countries)))
    html = ctx.figure(fig)
    home = ctx.home if ctx.home in result.world.countries else None
    if home:
        gains, losses = tables.sector_moves(result, home, n=6)
        unit = f"percent change; base output in {tables.money_unit(result)}"
        pct = ("gross_output_change_pct", "value_added_change_pct", "employment_change_pct")
        name = tables.country_name(result, home)
        html += ctx.table(losses, caption=f"{name}: sectors that lose most", unit=unit,
                          money=("gross_output_base",), percent=pct)
        html += ctx.table(gains, caption=f"{name}: sectors that gain most", unit=unit,
                          money=("gross_output_base",), percent=pct)
    html += ctx.note("Gross output and value added are values at producer prices (not volumes) "
                     "in the model's numéraire (world value added fixed). Employment % is the "
                     "change in the sector's share of the country's workforce: labour moves "
                     "across sectors, total employment is fixed.")
    return html
