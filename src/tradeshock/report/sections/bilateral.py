"""The largest changes in bilateral trade flows (summed over sectors)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Largest bilateral flow changes"


def render(result: Any, ctx: Any) -> str:
    """Bar chart and table of the 15 largest cross-border flow changes."""
    unit = tables.money_unit(result)
    b = tables.bilateral_moves(result, n=15)
    pair = [f"{e} → {i}" for e, i in zip(b["exporter"], b["importer"], strict=True)]
    fig = go.Figure(go.Bar(x=b["change"], y=pair, orientation="h",
                           marker_color=["#2a9d8f" if v >= 0 else "#e76f51" for v in b["change"]],
                           hovertemplate="%{y}: %{x:,.0f}<extra></extra>"))
    fig.update_layout(title="Largest changes in bilateral flows (exporter → importer)",
                      xaxis_title=f"Change, {unit}", yaxis=dict(autorange="reversed"),
                      height=140 + 24 * len(b))
    tbl = ctx.table(b, caption="Largest bilateral flow changes, all sectors",
                    unit=f"{unit}; change in % of the baseline",
                    money=("baseline", "counterfactual", "change"), percent=("change_pct",))
    return ctx.figure(fig) + tbl
