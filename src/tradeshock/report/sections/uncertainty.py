"""Uncertainty from the trade elasticities: error bars on welfare, exports, sectors, provinces; tornado.

Shown only when the result carries elasticity draws (``tradeshock run --draws N``). Bars are
the point estimates (the world's θ); whiskers span the 5th–95th percentiles over the draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Uncertainty: trade elasticities"


def _bars(labels: list[str], point: np.ndarray, lo: np.ndarray, hi: np.ndarray, title: str,
          axis: str) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=point, y=labels, orientation="h",
        marker_color=["#2a9d8f" if v >= 0 else "#e76f51" for v in point],
        error_x=dict(type="data", symmetric=False, array=np.maximum(hi - point, 0),
                     arrayminus=np.maximum(point - lo, 0), color="#1d2433", thickness=1.5),
        customdata=np.column_stack([lo, hi]),
        hovertemplate="%{y}: %{x:+.3f}% (90% band %{customdata[0]:+.3f} to "
                      "%{customdata[1]:+.3f})<extra></extra>"))
    fig.update_layout(title=title, xaxis_title=axis, yaxis=dict(autorange="reversed"),
                      height=140 + 26 * len(labels))
    return fig


def render(result: Any, ctx: Any) -> str | None:
    """Error-bar charts and tables of the p05–p95 bands, the θ distributions and the tornado."""
    u = getattr(result, "uncertainty", None)
    if u is None:
        return None
    home = ctx.home
    parts = [f"<p>{u.n_ok} of {u.draws} elasticity draws solved (seed {u.seed}; "
             f"{ctx.esc(u.distributions.source)}). Bars are the point estimates; whiskers span "
             "the 5th to 95th percentile over the draws. Each draw re-solves the baseline with "
             "its own θ.</p>"]
    if u.failures:
        parts.append(f'<p class="warn">{len(u.failures)} draws failed and are excluded from the '
                     "bands: " + ctx.esc("; ".join(str(f) for f in u.failures[:10]))
                     + (" …" if len(u.failures) > 10 else "") + "</p>")
    T = u.tables()
    wf = T["welfare"].set_index("country")
    movers = tables.welfare_movers(result, n=10, focus=ctx.focus)["country"].tolist()
    w = wf.loc[movers]
    parts.append(ctx.figure(_bars(
        [f"{tables.country_name(result, c)} ({c})" for c in movers], w["real_income"].to_numpy(),
        w["real_income_p05"].to_numpy(), w["real_income_p95"].to_numpy(),
        "Real income change with 90% elasticity band", "Real income, % change from baseline")))
    if home in result.world.countries:
        ex = T["exports"]
        ex = ex[ex["country"] == home].sort_values("baseline", ascending=False).head(10)
        parts.append(ctx.figure(_bars(
            [tables.country_name(result, c) for c in ex["partner"]], ex["change_pct"].to_numpy(),
            ex["change_pct_p05"].to_numpy(), ex["change_pct_p95"].to_numpy(),
            f"{tables.country_name(result, home)}'s exports to its 10 largest markets",
            "Exports, % change")))
        out = T["output"]
        out = out[out["country"] == home]
        out = out.reindex(out["gross_output_change_pct"].abs().sort_values(ascending=False).index)
        out = out.head(12)
        parts.append(ctx.figure(_bars(
            [tables.sector_label(result, s) for s in out["sector"]],
            out["gross_output_change_pct"].to_numpy(), out["gross_output_change_pct_p05"].to_numpy(),
            out["gross_output_change_pct_p95"].to_numpy(),
            f"{tables.country_name(result, home)}'s sector output (largest moves)",
            "Gross output, % change")))
        prov = u.province_totals() if home == "CAN" else None
        if prov is not None:
            prov = prov.sort_values("value_added_change_pct")
            parts.append(ctx.figure(_bars(
                list(prov["province"]), prov["value_added_change_pct"].to_numpy(),
                prov["value_added_change_pct_p05"].to_numpy(),
                prov["value_added_change_pct_p95"].to_numpy(),
                "Value added by province", "Value added, % change")))
            parts.append(ctx.table(prov, caption="Value added by province with 90% band",
                                   unit="percent change; base in C$ million",
                                   percent=[c for c in prov.columns if c.startswith("value_added_change")],
                                   digits=3))
    focus = [c for c in ctx.focus if c in wf.index]
    ft = wf.loc[focus, ["real_income", "real_income_p05", "real_income_p50", "real_income_p95",
                        "terms_of_trade", "terms_of_trade_p05", "terms_of_trade_p95"]].reset_index()
    parts.append(ctx.table(ft, caption="Welfare of the focus countries with 90% band",
                           unit="percent change from baseline",
                           percent=[c for c in ft.columns if c != "country"], digits=3))
    tor = u.tornado
    if tor is not None and len(tor):
        top = tor.head(12)
        c = tor.attrs.get("country", home)
        fig = go.Figure()
        fig.add_bar(y=top["sector"], x=top["value_at_p05"] - top["point"], base=top["point"],
                    orientation="h", name="θ at its p05", marker_color="#457b9d")
        fig.add_bar(y=top["sector"], x=top["value_at_p95"] - top["point"], base=top["point"],
                    orientation="h", name="θ at its p95", marker_color="#e9c46a")
        fig.update_layout(barmode="overlay", yaxis=dict(autorange="reversed"),
                          title=f"Tornado: {tables.country_name(result, c)}'s real income when one "
                                "sector's θ moves to its p05 or p95",
                          xaxis_title="Real income, % change", height=160 + 26 * len(top))
        parts.append(ctx.figure(fig))
        parts.append(ctx.table(top[["sector", "theta", "theta_p05", "theta_p95", "value_at_p05",
                                    "value_at_p95", "swing"]],
                               caption=f"One-at-a-time sensitivity of {c}'s real income",
                               unit="θ; real income in percent, swing in percentage points",
                               percent=["value_at_p05", "value_at_p95"], digits=3))
    dt = u.distributions.table()
    parts.append(ctx.table(dt, caption="Trade-elasticity distributions used",
                           unit="θ (dimensionless)", digits=3))
    parts.append(ctx.note("Only the trade elasticities vary; the data, the measures and the model "
                          "are held fixed, so the bands understate total uncertainty. Draws are "
                          "independent across sectors. See docs/elasticities.md."))
    return "".join(parts)
