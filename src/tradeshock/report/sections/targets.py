"""Report section: a diversification target — the lever size that reaches it, and side effects.

Shown when the report is written with ``target=<TargetResult>`` (``tradeshock target
--report``); skipped otherwise.
"""

from __future__ import annotations

from typing import Any

TITLE = "Diversification target"


def render(result: Any, ctx: Any) -> str | None:
    """The answer in a sentence, the search path as a chart, and the side effects."""
    t = ctx.options.get("target")
    if t is None:
        return None
    import pandas as pd
    import plotly.graph_objects as go

    share = t.target.is_share
    scale = 100.0 if share else 1e-3
    unit = "percent" if share else "US$ billion, base year"
    parts = [f'<p class="headline">{ctx.esc(t.summary())}</p>']
    ev = t.evaluations
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=100 * ev["lever"], y=scale * ev["metric"], mode="markers+lines",
                             name="model solves"))
    xs = [0.0, 100 * float(ev["lever"].max())]
    for val, name, dash in ((t.goal, "goal", "dash"), (t.baseline, "baseline", "dot")):
        fig.add_trace(go.Scatter(x=xs, y=[scale * val] * 2, mode="lines", name=name,
                                 line=dict(dash=dash, color="#555")))
    fig.update_layout(title=f"{t.target.describe()} against the lever ({t.n_solves} solves)",
                      xaxis_title="lever size (%)", yaxis_title=unit,
                      yaxis_type="linear" if share else "log")
    parts.append(ctx.figure(fig, height=360))
    parts.append(ctx.table(t.to_frame().drop(columns=["seconds", "countries"]),
                           caption="Target search", unit=f"metric in {unit if share else 'US$ million'}; "
                           "lever as a fraction", money=["baseline", "start", "goal", "achieved"]
                           if not share else (), rates=["value", "share_of_goal"]))
    side = t.side_effects()
    wel = side["welfare"].reset_index()
    wel = wel[wel["country"].isin(ctx.focus)][["country", "real_income", "terms_of_trade",
                                                "real_wage"]]
    parts.append(ctx.table(wel, caption="Side effects: welfare at the lever size",
                           unit="percent change", percent=["real_income", "terms_of_trade",
                                                           "real_wage"], digits=3))
    ex = side["exports"].sort_values("change", ascending=False)
    top = pd.concat([ex[ex["partner"].isin(t.partners)].head(10),
                     ex[ex["partner"].isin(["USA", "CHN", "MEX"])]]).drop_duplicates("partner")
    parts.append(ctx.table(top, caption=f"{t.country}'s exports: the 10 lever partners gaining most, "
                           "USA, China, Mexico",
                           unit="US$ million, base year; change_pct in percent",
                           money=["baseline", "counterfactual", "change"], percent=["change_pct"]))
    sec = side["sectors"].sort_values("value_added_change_pct")
    sec = sec[["sector", "value_added_base", "value_added_cf", "value_added_change_pct"]]
    movers = pd.concat([sec.head(5), sec.tail(5)]) if len(sec) > 10 else sec
    parts.append(ctx.table(movers, caption=f"{t.country}'s sectors: biggest falls and rises",
                           unit="US$ million, base year; change in percent",
                           money=["value_added_base", "value_added_cf"],
                           percent=["value_added_change_pct"]))
    if "provinces" in side:
        from tradeshock.analysis.attribution import winners_losers

        wl = winners_losers({"target": t.result})
        wl = wl[wl["level"] == "province"][["name", "value_added_base", "value_added_change",
                                            "value_added_change_pct"]]
        if not wl.empty:
            parts.append(ctx.table(wl, caption="Provinces: value added at the lever size",
                                   unit=str(wl.attrs.get("unit", {}).get("province", "")),
                                   money=["value_added_base", "value_added_change"],
                                   percent=["value_added_change_pct"]))
    for note in t.notes:
        parts.append(ctx.note(note))
    parts.append(ctx.note("Each point is a full general-equilibrium solve; the lever is a uniform "
                          "change applied at once, not a path over time. Money is in US$ of the "
                          "world's base year (numéraire: world value added fixed)."))
    return "".join(parts)
