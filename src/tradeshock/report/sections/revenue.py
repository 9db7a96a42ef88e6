"""Tariff revenue by country, before and after."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Tariff revenue"


def render(result: Any, ctx: Any) -> str:
    """Change in tariff revenue (focus countries and largest changes), chart and table."""
    unit = tables.money_unit(result)
    r = tables.revenue_table(result, focus=ctx.focus)
    fig = go.Figure(go.Bar(x=r["name"], y=r["change"],
                           marker_color=["#2a9d8f" if v >= 0 else "#e76f51" for v in r["change"]],
                           hovertemplate="%{x}: %{y:,.1f}<extra></extra>"))
    fig.update_layout(title="Change in tariff revenue", yaxis_title=f"Change, {unit}", height=360)
    tbl = ctx.table(r, caption="Tariff revenue by country", unit=f"{unit}; change in % of the baseline",
                    money=("baseline", "counterfactual", "change"), percent=("change_pct",))
    return ctx.figure(fig) + tbl + ctx.note(
        "Revenue is collected by the importing country on the value of its imports at producer "
        "prices; in the model it is handed back to households as income.")
