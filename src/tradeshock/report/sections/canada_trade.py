"""Canada's exports by partner, before and after (US, China, everyone else)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Canada's exports by partner"


def render(result: Any, ctx: Any) -> str | None:
    """Before/after bars and table of the home country's exports to the US, China and the rest."""
    if ctx.home not in result.world.countries:
        return None
    unit = tables.money_unit(result)
    ex = tables.exports_by_partner(result, ctx.home)
    parts = ex[ex["partner"] != "Total"]
    fig = go.Figure([
        go.Bar(name="Baseline", x=parts["partner"], y=parts["baseline"], marker_color="#8d99ae"),
        go.Bar(name="Scenario", x=parts["partner"], y=parts["counterfactual"], marker_color="#264653"),
    ])
    fig.update_layout(barmode="group", title=f"{tables.country_name(result, ctx.home)}'s exports, "
                      "before and after", yaxis_title=unit, height=380)
    tbl = ctx.table(ex, caption=f"{tables.country_name(result, ctx.home)}'s exports by partner",
                    unit=f"{unit}; change in % of the baseline",
                    money=("baseline", "counterfactual", "change"), percent=("change_pct",))
    by_partner = result.exports(ctx.home)
    by_partner = by_partner[by_partner["partner"] != ctx.home].copy()
    by_partner = by_partner.reindex(by_partner["change"].abs().sort_values(ascending=False).index)
    by_partner.insert(1, "name", [tables.country_name(result, c) for c in by_partner["partner"]])
    cols = ["partner", "name", "baseline", "counterfactual", "change", "change_pct"]
    detail = ctx.table(by_partner[cols].head(12), caption="Largest changes by partner",
                       unit=f"{unit}; change in % of the baseline",
                       money=("baseline", "counterfactual", "change"), percent=("change_pct",))
    return ctx.figure(fig) + tbl + detail
