"""Canada by province: a map of real income and a table of the split of national sector results."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

TITLE = "Canada by province"

_SCALE = "RdBu"


def _color(value: float, bound: float) -> str:
    """Diverging colour for ``value`` in [-bound, bound] (red = loss, blue = gain)."""
    t = 0.5 if bound <= 0 else min(1.0, max(0.0, 0.5 + 0.5 * value / bound))
    return sample_colorscale(_SCALE, [t])[0]


def province_map(summary: Any, value: str = "real_income_change_pct",
                 title: str = "Real income, % change from baseline (deflated by Canada's CPI)"
                 ) -> go.Figure:
    """Choropleth of Canada's provinces from a :func:`province_summary` table."""
    from tradeshock.analysis.provinces import load_canada_map

    geo = load_canada_map()
    vals = summary.set_index("province")
    bound = float(vals[value].abs().max() or 1.0)
    fig = go.Figure()
    for code, rings in geo["provinces"].items():
        if code not in vals.index:
            continue
        row = vals.loc[code]
        hover = (f"<b>{row['name']}</b><br>real income {row['real_income_change_pct']:+.2f}%"
                 f"<br>nominal value added {row['value_added_change']:+,.0f} C$ million "
                 f"({row['value_added_change_pct']:+.2f}%)<extra></extra>")
        for xs, ys in rings:
            fig.add_trace(go.Scatter(x=xs + [xs[0]], y=ys + [ys[0]], fill="toself", mode="lines",
                                     line=dict(color="#555", width=0.6),
                                     fillcolor=_color(float(row[value]), bound),
                                     hovertemplate=hover, hoveron="fills", showlegend=False,
                                     name=code, legendgroup=code))
    # invisible trace carrying the colour bar
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                             marker=dict(colorscale=_SCALE, cmin=-bound, cmax=bound, color=[0],
                                         colorbar=dict(title="real %", thickness=12))))
    fig.update_layout(title=title, xaxis=dict(visible=False), plot_bgcolor="white",
                      yaxis=dict(visible=False, scaleanchor="x", scaleratio=0.6), height=520)
    return fig


def render(result: Any, ctx: Any) -> str | None:
    """Map of value-added change by province, the province table and the method's limits."""
    world = result.world
    if "CAN" not in world.countries:
        return None
    from tradeshock.analysis.provinces import load_canada_map, province_shares, province_summary

    try:
        province_shares(world)
    except Exception:  # noqa: BLE001 - a world without the WIOD sectors has no provincial split
        return ctx.note("No provincial split: this world's sectors are not the 35 WIOD sectors.")
    s = province_summary(result)
    html = ctx.figure(province_map(s))
    cols = ["province", "name", "real_income_change_pct", "value_added_base", "value_added_change",
            "value_added_change_pct", "employment_change_pct"] \
        + [c for c in s.columns if c.startswith("exports_")] + ["drivers"]
    table = s[cols].rename(columns={"real_income_change_pct": "REAL income %",
                                    "value_added_base": "value added, base (nominal)",
                                    "value_added_change": "value added, change (nominal)",
                                    "value_added_change_pct": "value added % (nominal)",
                                    "exports_usa_change": "exports to US, change",
                                    "exports_chn_change": "exports to China, change",
                                    "exports_other_change": "exports to others, change"})
    money = ["value added, base (nominal)", "value added, change (nominal)", "exports to US, change",
             "exports to China, change", "exports to others, change"]
    fx = s.attrs.get("cad_per_usd")
    html += ctx.table(table, caption="Provinces and territories: value added, employment, exports",
                      unit=f"C$ million at {fx} CAD/USD (2024 average); REAL income % is deflated "
                           "by Canada's consumer price index and adds up to Canada's real income "
                           "change; value added and exports are NOMINAL (numéraire: world value "
                           "added fixed); drivers = sectors with the largest value-added moves",
                      money=[m for m in money if m in table.columns],
                      percent=("REAL income %", "value added % (nominal)", "employment_change_pct"))
    src = load_canada_map()["source"]
    html += ctx.note(
        "Method: Canada's national sector results split by province. Baseline: each province's "
        "share of the sector (Statistics Canada GDP by industry and province, table 36-10-0402, "
        "2021; canola seed by StatCan 32-10-0359 production shares, mean of 2020-2022 and 2025). "
        "Changes of sectors hit by measures land where the hit products are made (canola, pork, "
        "lobster, crab, autos, steel, aluminium, lumber, crude oil, natural gas, peas: cited "
        "provincial production or export figures); other products and sectors keep the GDP "
        "shares. Real income: provincial value added plus a value-added share of Canada's tariff "
        "revenue and deficit, deflated by Canada's consumer price index (one national price "
        "index), so provinces add up to Canada's real income change. This is not a provincial "
        "general-equilibrium model. Provincial employment weights are proxied by value added. "
        "Exchange rate: "
        f"{s.attrs.get('exchange_rate_source', '')}. {s.attrs.get('exchange_rate_note', '')}")
    html += ctx.note(f"Map: {src['title']} ({src['licence']}).")
    return html
