"""Charts and tables for the dashboard, built from a Result's views and the report's tables.

Nothing here computes economics: the numbers come from :class:`~tradeshock.result.Result`
views, :mod:`tradeshock.report.tables` and the analyses; this module only arranges them as
plotly figures and HTML tables with their units stated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from tradeshock.report import tables

#: Served by the app itself (no CDN): plotly.js fetches ``<topojsonURL>world_110m.json``.
TOPOJSON_URL = "/_tradeshock/topojson/"
GRAPH_CONFIG: dcc.Graph.Config = {
    "displaylogo": False,
    "topojsonURL": TOPOJSON_URL,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
GAIN, LOSS = "#2a9d8f", "#e76f51"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def graph(fig: go.Figure, gid: str) -> dcc.Graph:
    """A dcc.Graph with the app's look and an id (for tests and screenshots)."""
    fig.update_layout(
        template="plotly_white",
        margin=dict(l=10, r=10, t=40, b=10),
        font=dict(family="system-ui, sans-serif", size=12),
    )
    return dcc.Graph(id=gid, figure=fig, config=GRAPH_CONFIG, className="figure")


def fmt_pct(x: Any, digits: int = 2) -> str:
    """``+1.23`` for a percent value (empty for NaN)."""
    return "" if x is None or pd.isna(x) else f"{x:+.{digits}f}"


def fmt_money(x: Any) -> str:
    """Thousands separators, one decimal below 100 in magnitude."""
    if x is None or pd.isna(x):
        return ""
    v = float(x)
    return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"


def data_table(
    df: pd.DataFrame,
    columns: Sequence[tuple[str, str, str]],
    caption: str,
    unit: str,
    tid: str | None = None,
    max_rows: int | None = None,
) -> html.Div:
    """An HTML table; ``columns`` are ``(column, header, kind)`` with kind text|pct|money|num."""
    fm = {
        "pct": fmt_pct,
        "money": fmt_money,
        "pct3": lambda v: fmt_pct(v, 3),
        "num": lambda v: "" if pd.isna(v) else f"{v:,.4g}",
        "pp": lambda v: "" if pd.isna(v) else f"{v:+.4f}",
        "text": lambda v: "" if v is None else str(v),
    }
    d = df if max_rows is None else df.head(max_rows)
    head = html.Tr([html.Th(h, title=c) for c, h, _ in columns])
    rows = [
        html.Tr([html.Td(fm[k](r[c]), className="num" if k != "text" else None) for c, _, k in columns])
        for _, r in d.iterrows()
    ]
    kw: dict[str, Any] = {"id": tid} if tid else {}
    return html.Div(
        html.Table(
            [
                html.Caption([caption, html.Span(f" ({unit})", className="unit")]),
                html.Thead(head),
                html.Tbody(rows),
            ],
            className="data",
            **kw,
        ),
        className="tablewrap",
    )


# ------------------------------------------------------------------ one result
def welfare_bar(res: Any) -> go.Figure:
    """Real income change: the largest moves plus the focus countries."""
    m = tables.welfare_movers(res, n=12)
    fig = go.Figure(
        go.Bar(
            x=m["real_income"],
            y=[f"{n} ({c})" for n, c in zip(m["name"], m["country"], strict=True)],
            orientation="h",
            marker_color=[GAIN if v >= 0 else LOSS for v in m["real_income"]],
            hovertemplate="%{y}: %{x:+.3f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title="Real income, % change from the baseline",
        yaxis=dict(autorange="reversed"),
        height=140 + 22 * len(m),
    )
    return fig


def welfare_map(res: Any) -> go.Figure:
    """World map of the real-income change (ROW has no place on the map)."""
    wf = res.welfare()
    iso = [c for c in wf.index if c != "ROW"]
    lim = float(wf.loc[iso, "real_income"].abs().max() or 1.0)
    fig = go.Figure(
        go.Choropleth(
            locations=iso,
            z=wf.loc[iso, "real_income"],
            locationmode="ISO-3",
            text=[tables.country_name(res, c) for c in iso],
            colorscale="RdBu",
            zmid=0,
            zmin=-lim,
            zmax=lim,
            colorbar_title="%",
            hovertemplate="%{text}: %{z:+.3f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title="Real income by country (% change; grey: rest of the world)",
        height=420,
        geo=dict(showframe=False, projection_type="natural earth", showcountries=True, landcolor="#dddddd"),
    )
    return fig


def province_figure(res: Any) -> tuple[go.Figure, pd.DataFrame] | None:
    """Canada's provinces on a map, and the province table (None without a provincial split)."""
    if "CAN" not in res.world.countries:
        return None
    from tradeshock.analysis.provinces import province_summary
    from tradeshock.report.sections.provinces import province_map

    try:
        s = province_summary(res)
    except Exception:  # noqa: BLE001 - a world without the WIOD sectors has no provincial split
        return None
    return province_map(s, title="Canada by province: REAL income, % change (deflated by Canada's CPI)"), s


def sectors_bar(res: Any, country: str = "CAN", n: int = 14) -> go.Figure:
    """A country's sectors with the largest gross-output moves (percent)."""
    o = res.output()
    o = o[(o["country"] == country) & (o["gross_output_base"] > 0)].copy()
    o["label"] = [tables.sector_label(res, s) for s in o["sector"]]
    o = o.reindex(o["gross_output_change_pct"].abs().sort_values(ascending=False).index).head(n)
    fig = go.Figure(
        go.Bar(
            x=o["gross_output_change_pct"],
            y=o["label"],
            orientation="h",
            marker_color=[GAIN if v >= 0 else LOSS for v in o["gross_output_change_pct"]],
            hovertemplate="%{y}: %{x:+.2f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"{tables.country_name(res, country)}: gross output by sector, % change (largest moves)",
        yaxis=dict(autorange="reversed"),
        height=140 + 24 * len(o),
    )
    return fig


def exports_figure(res: Any, home: str = "CAN") -> tuple[go.Figure, pd.DataFrame]:
    """Exports to the US, China and everyone else, before and after."""
    ex = tables.exports_by_partner(res, home)
    part = ex[ex["code"] != "total"]
    fig = go.Figure(
        [
            go.Bar(name="baseline", x=part["partner"], y=part["baseline"], marker_color="#8d99ae"),
            go.Bar(
                name="scenario",
                x=part["partner"],
                y=part["counterfactual"],
                marker_color="#1d3557",
                text=[fmt_pct(v, 1) + "%" for v in part["change_pct"]],
                textposition="outside",
            ),
        ]
    )
    fig.update_layout(
        barmode="group",
        title=f"{tables.country_name(res, home)}'s exports by destination",
        yaxis_title=tables.money_unit(res),
        height=380,
    )
    return fig, ex


def uncertainty_bands(res: Any) -> tuple[go.Figure, go.Figure | None, str] | None:
    """Bands over elasticity draws (``res.uncertainty``), or None for a run without draws.

    Returns the real-income figure (point, and the 5-95% band of the draws, for the largest
    movers and the focus countries), the province figure (value added, same bands) when there is
    a provincial split, and a one-line note (draws solved, failed, seed).
    """
    u = getattr(res, "uncertainty", None)
    if u is None:
        return None
    wf = u.welfare()
    order = list(tables.welfare_movers(res, n=12)["country"])
    b = wf.loc[[c for c in order if c in wf.index]]
    names = [f"{tables.country_name(res, c)} ({c})" for c in b.index]
    fig = go.Figure(
        go.Scatter(
            x=b["real_income"],
            y=names,
            mode="markers",
            name="point estimate",
            marker_color="#1d3557",
            error_x=dict(
                type="data",
                symmetric=False,
                array=b["real_income_p95"] - b["real_income"],
                arrayminus=b["real_income"] - b["real_income_p05"],
                color="#8d99ae",
            ),
            hovertemplate="%{y}: %{x:+.3f}%<extra></extra>",
        )
    )
    fig.update_layout(
        title="Real income, % change: point estimate and 5–95% band over the draws",
        height=140 + 24 * len(b),
        yaxis=dict(autorange="reversed"),
    )
    prov = None
    pt = u.province_totals()
    if pt is not None and len(pt):
        pt = pt.sort_values("value_added_change_pct")
        prov = go.Figure(
            go.Scatter(
                x=pt["value_added_change_pct"],
                y=pt["province"],
                mode="markers",
                marker_color="#1d3557",
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=pt["value_added_change_pct_p95"] - pt["value_added_change_pct"],
                    arrayminus=pt["value_added_change_pct"] - pt["value_added_change_pct_p05"],
                    color="#8d99ae",
                ),
            )
        )
        prov.update_layout(
            title="Value added by province, % change: point and 5–95% band", height=140 + 22 * len(pt)
        )
    note = (
        f"{u.n_ok} of {u.draws} draws of the trade elasticities solved (seed {u.seed}"
        + (f"; {u.draws - u.n_ok} failed and are listed in the downloads" if u.n_ok < u.draws else "")
        + "). Bands are the 5th and 95th percentiles over the draws; the dot is the result at the "
        "point estimates."
    )
    return fig, prov, note


# ------------------------------------------------------------------ several results
def compare_welfare_fig(results: Sequence[Any], labels: Sequence[str]) -> tuple[go.Figure, pd.DataFrame]:
    """Real income by country, one bar per scenario."""
    wf = tables.compare_welfare(results)
    names = [f"{n} ({c})" for n, c in zip(wf["name"], wf["country"], strict=True)]
    fig = go.Figure(
        [go.Bar(name=lab, x=names, y=wf[lab], marker_color=PALETTE[k % 4]) for k, lab in enumerate(labels)]
    )
    fig.update_layout(barmode="group", title="Real income, % change from the baseline", height=420)
    return fig, wf


def compare_provinces_fig(
    results: Sequence[Any], labels: Sequence[str]
) -> tuple[go.Figure, pd.DataFrame] | None:
    """Winners and losers by province: real income change per scenario (deflated by Canada's CPI)."""
    prov = tables.compare_provinces(results)
    if prov.empty:
        return None
    fig = go.Figure(
        [
            go.Bar(name=lab, y=prov["province"], x=prov[lab], orientation="h", marker_color=PALETTE[k % 4])
            for k, lab in enumerate(labels)
        ]
    )
    fig.update_layout(
        barmode="group",
        title="Winners and losers by province: REAL income, % change (deflated by Canada's CPI)",
        height=160 + 12 * len(prov) * len(labels),
    )
    return fig, prov


def attribution_fig(
    contrib: pd.DataFrame, countries: Sequence[str] = ("CAN", "USA", "CHN", "MEX")
) -> tuple[go.Figure, pd.DataFrame]:
    """Each measure's contribution to real income (percentage points), by country."""
    d = contrib[(contrib["variable"] == "real_income") & contrib["country"].isin(countries)]
    wide = d.pivot_table(index="measure", columns="country", values="contribution", sort=False)
    wide = wide[[c for c in countries if c in wide.columns]]
    fig = go.Figure([go.Bar(name=m, x=list(wide.columns), y=wide.loc[m]) for m in wide.index])
    fig.update_layout(
        barmode="relative", title="Real income: contribution of each measure (percentage points)", height=420
    )
    return fig, wide.reset_index()
