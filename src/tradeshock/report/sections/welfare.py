"""Welfare by country: bar chart of the largest moves, world map, and the full table."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Welfare by country"

_COLS = ["real_income", "welfare_cp", "terms_of_trade", "volume_of_trade", "real_wage", "price_index"]


def render(result: Any, ctx: Any) -> str:
    """Bar chart (largest moves plus focus countries), choropleth map, table of all countries."""
    movers = tables.welfare_movers(result, n=12, focus=ctx.focus)
    bar = go.Figure(go.Bar(
        x=movers["real_income"],
        y=[f"{n} ({c})" for n, c in zip(movers["name"], movers["country"], strict=True)],
        orientation="h", marker_color=["#2a9d8f" if v >= 0 else "#e76f51" for v in movers["real_income"]],
        hovertemplate="%{y}: %{x:+.3f}%<extra></extra>"))
    bar.update_layout(title="Real income change, largest moves and focus countries",
                      xaxis_title="Real income, % change from baseline",
                      yaxis=dict(autorange="reversed"), height=120 + 24 * len(movers))
    wf = result.welfare()
    iso = [c for c in wf.index if c != "ROW"]
    lim = float(wf.loc[iso, "real_income"].abs().max()) if iso else 1.0
    world_map = go.Figure(go.Choropleth(
        locations=iso, z=wf.loc[iso, "real_income"], locationmode="ISO-3",
        text=[tables.country_name(result, c) for c in iso], colorscale="RdBu", zmid=0,
        zmin=-lim, zmax=lim, colorbar_title="% real income",
        hovertemplate="%{text}: %{z:+.3f}%<extra></extra>"))
    world_map.update_layout(title="Real income change by country (% change; grey = rest of world)",
                            geo=dict(showframe=False, projection_type="natural earth",
                                     showcountries=True, landcolor="#dddddd"), height=460)
    full = wf.reset_index()
    full.insert(1, "name", [tables.country_name(result, c) for c in full["country"]])
    full = full.sort_values("real_income", ascending=False)
    cols = [c for c in _COLS if c in full.columns]
    tbl = ctx.table(full[["country", "name", *cols]], caption="Welfare and prices by country",
                    unit="percent change from the baseline", percent=cols, digits=3)
    notes = ctx.note("real_income is the exact change; welfare_cp is Caliendo–Parro's first-order "
                     "decomposition evaluated at baseline values (terms_of_trade + "
                     "volume_of_trade), so it differs from the exact change for large shocks. "
                     "real_wage deflates the wage by the consumer price index; price_index is the "
                     "change in that index. ROW (rest of the world) has no place on the map.")
    return ctx.figure(bar) + ctx.figure(world_map) + tbl + notes
