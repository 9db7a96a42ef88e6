"""Report section: who did what in a package of measures (Shapley attribution, waterfalls).

Shown when the report is written with ``attribution=<DataFrame from attribute()>``
(``tradeshock attribute --report``); skipped otherwise. Optional ``attribution_variables``:
list of ``(country, variable)`` pairs to draw as waterfalls (default: the home country's real
income, and the provinces that gain and lose the most).
"""

from __future__ import annotations

from typing import Any

TITLE = "Deal attribution: each measure's contribution"
ENABLED_BY = "attribution"


def _waterfall(ctx: Any, contrib: Any, country: str, variable: str, unit: str) -> str:
    import plotly.graph_objects as go

    from tradeshock.analysis.attribution import waterfall_table

    d = waterfall_table(contrib, country, variable)
    fig = go.Figure(go.Waterfall(
        x=list(d["measure"]), y=list(d["contribution"]),
        measure=["relative"] * (len(d) - 1) + ["total"],
        text=[f"{v:+.3g}" for v in d["contribution"]], textposition="outside"))
    fig.update_layout(title=f"{country} {variable}: contributions ({unit})", showlegend=False)
    return ctx.figure(fig, height=360)


def render(result: Any, ctx: Any) -> str | None:
    """Waterfalls for the chosen outcomes and a table of real-income contributions."""
    import pandas as pd

    contrib = ctx.options.get("attribution")
    if contrib is None or len(contrib) == 0:
        return None
    home = ctx.home
    a = contrib.attrs
    parts = [f'<p>{ctx.esc(a.get("method", "Shapley"))} over {a.get("n_measures", "?")} measures '
             f'of scenario {ctx.esc(a.get("scenario", ""))}: {a.get("n_solves", "?")} '
             "general-equilibrium solves. Each measure's contribution is its marginal effect "
             "averaged over every order in which the measures could be added; the "
             "contributions add up exactly to the package's total effect.</p>"]
    pairs = ctx.options.get("attribution_variables")
    if not pairs:
        pairs = [(home, "real_income")]
        prov = contrib[(contrib["country"] == home) &
                       contrib["variable"].str.startswith("province_value_added_change:")]
        if not prov.empty:
            tot = prov.groupby("variable")["contribution"].sum().sort_values()
            pairs += [(home, tot.index[0]), (home, tot.index[-1])]
        else:
            sec = contrib[(contrib["country"] == home) &
                          contrib["variable"].str.startswith("value_added_change:")
                          & (contrib["variable"] != "value_added_change:total")]
            if not sec.empty:
                tot = sec.groupby("variable")["contribution"].sum().sort_values()
                pairs += [(home, tot.index[0]), (home, tot.index[-1])]
    for country, variable in dict.fromkeys(pairs):
        sub = contrib[(contrib["country"] == country) & (contrib["variable"] == variable)]
        if sub.empty:
            continue
        unit = "percentage points" if sub["unit"].iloc[0] == "percent" else sub["unit"].iloc[0]
        parts.append(_waterfall(ctx, contrib, country, variable, unit))
    wel = contrib[(contrib["variable"] == "real_income") & contrib["country"].isin(ctx.focus)]
    if not wel.empty:
        wide = wel.pivot_table(index="measure", columns="country", values="contribution",
                               sort=False).reset_index()
        cols = [c for c in ctx.focus if c in wide.columns]
        wide = wide[["measure", *cols]]
        total = wide[cols].sum().to_frame().T.assign(measure="total")
        wide = pd.concat([wide, total[["measure", *cols]]], ignore_index=True)
        parts.append(ctx.table(wide, caption="Real income: contribution of each measure",
                               unit="percentage points of real income change", percent=cols,
                               digits=3))
    if float(contrib["se"].max()) > 0:
        parts.append(ctx.note("Sampled Shapley values: the standard errors (column se in the "
                              "exported table) measure the sampling error of each number."))
    return "".join(parts)
