"""Report section: who did what in a package of measures (Shapley attribution, waterfalls).

Shown when the report is written with ``attribution=<DataFrame from attribute()>``
(``tradeshock attribute --report``), or with ``attribution=True`` for a result that came from
a scenario with measures of its own (the section then runs :func:`attribute` itself: 2^n
solves); skipped otherwise. Optional ``attribution_variables``:
list of ``(country, variable)`` pairs to draw as waterfalls (default: the home country's real
income, and the provinces that gain and lose the most).
"""

from __future__ import annotations

from typing import Any

TITLE = "Deal attribution: each measure's contribution"


def _label(country: str, variable: str) -> str:
    """Readable name of an attributed outcome."""
    kind, _, item = variable.partition(":")
    names = {"real_income": f"{country} real income",
             "province_value_added_change": f"Value added in {item} ({country})",
             "value_added_change": f"{country} value added, {item.replace('_', ' ')}",
             "exports_change": f"{country} exports to {item}"}
    return names.get(kind, f"{country} {variable}")


def _is_base(measure: str) -> bool:
    return str(measure).startswith("(base")


def _waterfall(ctx: Any, contrib: Any, country: str, variable: str, unit: str) -> str:
    """One outcome: a bar per measure, then the package total (the base, if any, in a note)."""
    import plotly.graph_objects as go

    from tradeshock.analysis.attribution import waterfall_table

    pkg = contrib[~contrib["measure"].map(_is_base)]
    d = waterfall_table(pkg, country, variable)
    d.loc[d.index[-1], "measure"] = "package total"
    fig = go.Figure(go.Waterfall(
        x=list(d["measure"]), y=list(d["contribution"]),
        measure=["relative"] * (len(d) - 1) + ["total"],
        text=[f"{v:+.3g}" for v in d["contribution"]], textposition="outside"))
    fig.update_layout(title=f"{_label(country, variable)} ({unit})", showlegend=False)
    html = ctx.figure(fig, height=380)
    base = contrib[contrib["measure"].map(_is_base) & (contrib["country"] == country)
                   & (contrib["variable"] == variable)]
    if not base.empty:
        b = float(base["contribution"].iloc[0])
        html += ctx.note(f"On top of {base['measure'].iloc[0][1:-1]}, which alone accounts for "
                         f"{b:+.4g} ({unit}); with it the total is "
                         f"{b + float(d['contribution'].iloc[-1]):+.4g}.")
    return html


def render(result: Any, ctx: Any) -> str | None:
    """Waterfalls for the chosen outcomes and a table of real-income contributions."""
    import pandas as pd

    contrib = ctx.options.get("attribution")
    if contrib is True:  # compute it here (costly: 2^n solves), once per report
        scenario = getattr(result, "scenario", None)
        if scenario is None or not scenario.measure_labels():
            return None
        key = f"attribution:{id(scenario)}"
        if key not in ctx.cache:
            from tradeshock.analysis.attribution import attribute

            ctx.cache[key] = attribute(scenario, result.world, focus=ctx.home,
                                       deficits=result.deficits)
        contrib = ctx.cache[key]
    if contrib is None or contrib is False or len(contrib) == 0:
        return None
    home = ctx.home
    a = contrib.attrs
    how = (f'{ctx.esc(a["method"])} over {a.get("n_measures")} measures of scenario '
           f'{ctx.esc(a.get("scenario", ""))} ({a.get("n_solves")} general-equilibrium solves). '
           if "method" in a else "")
    parts = [f"<p>{how}Each measure's contribution is its marginal effect averaged over every "
             "order in which the measures could be added; the contributions add up exactly to "
             "the package's total effect.</p>"]
    pairs = ctx.options.get("attribution_variables")
    if not pairs:
        pairs = [(home, "real_income")]
        pkg = contrib[~contrib["measure"].map(_is_base) & (contrib["country"] == home)]
        prov = pkg[pkg["variable"].str.startswith("province_value_added_change:")]
        if not prov.empty:
            tot = prov.groupby("variable")["contribution"].sum().sort_values()
            # Ontario (autos) and Saskatchewan (canola) are the provinces most argued about
            argued = [f"province_value_added_change:{p}" for p in ("ON", "SK")]
            pairs += [(home, v) for v in argued if v in tot.index]
            pairs += [(home, tot.index[0]), (home, tot.index[-1])]
        else:
            sec = pkg[pkg["variable"].str.startswith("value_added_change:")
                      & (pkg["variable"] != "value_added_change:total")]
            if not sec.empty:
                tot = sec.groupby("variable")["contribution"].sum().sort_values()
                pairs += [(home, tot.index[0]), (home, tot.index[-1])]
    for country, variable in dict.fromkeys(pairs):
        sub = contrib[(contrib["country"] == country) & (contrib["variable"] == variable)]
        if sub.empty:
            continue
        unit = "percentage points" if sub["unit"].iloc[0] == "percent" else \
            str(sub["unit"].iloc[0]).split(" (")[0]
        parts.append(_waterfall(ctx, contrib, country, variable, unit))
    prov = contrib[~contrib["measure"].map(_is_base) & (contrib["country"] == home)
                   & contrib["variable"].str.startswith("province_value_added_change:")]
    if not prov.empty:
        import plotly.graph_objects as go

        p = prov.assign(province=prov["variable"].str.split(":").str[1])
        order = p.groupby("province")["contribution"].sum().sort_values().index
        fig = go.Figure([go.Bar(name=m, x=list(order),
                                y=p[p["measure"] == m].set_index("province")["contribution"]
                                .reindex(order).tolist())
                         for m in dict.fromkeys(p["measure"])])
        unit = str(p["unit"].iloc[0]).split(" (")[0]
        fig.update_layout(barmode="relative", title=f"Value added by province: each measure's "
                          f"contribution ({unit})", yaxis_title=unit)
        parts.append(ctx.figure(fig, height=420))
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
                               digits=4))
    if float(contrib["se"].max()) > 0:
        parts.append(ctx.note("Sampled Shapley values: the standard errors (column se in the "
                              "exported table) measure the sampling error of each number."))
    return "".join(parts)
