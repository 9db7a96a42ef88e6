"""Side-by-side comparison of several scenarios: welfare, Canada's trade, Canadian sectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from tradeshock.report import tables
from tradeshock.report.context import ReportContext
from tradeshock.report.headline import headline

#: One colour per scenario, the same in every comparison chart.
_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#e377c2",
            "#8c564b", "#bcbd22", "#7f7f7f")


def render_comparison(results: Sequence[Any], ctx: ReportContext,
                      overview: bool = True) -> list[tuple[str, str, str]]:
    """The comparison blocks of a multi-scenario report: ``[(anchor, title, html), ...]``.

    ``overview`` adds a first block listing every scenario's headline (the site's overview page
    has cards instead).
    """
    labels = tables.scenario_labels(results)
    blocks = []
    if overview:
        items = "".join(f"<li><strong>{ctx.esc(lab)}</strong>: {ctx.esc(headline(r, ctx.home))}</li>"
                        for r, lab in zip(results, labels, strict=True))
        blocks.append(("overview", "Overview", f"<ul class=\"overview\">{items}</ul>"))
    ag = tables.against_welfare(results, focus=[c for c in ctx.focus
                                                if c in results[0].world.countries])
    if not ag.empty:
        diff = [c for c in ag.columns if c not in ("scenario", "reference") and "baseline" not in c]
        blocks.append(("cmp-against", "Against each scenario's reference",
                       ctx.table(ag, caption="Real income against the reference (status quo or "
                                             "--against) and against the baseline",
                                 unit=ag.attrs["unit"], percent=[c for c in ag.columns
                                                                 if c not in ("scenario",
                                                                              "reference")],
                                 digits=3)
                       + ctx.note("Country columns: difference in percentage points ("
                                  + ", ".join(diff) + "); 'vs baseline': percent change from "
                                  "the 2024 baseline.")))

    wf = tables.compare_welfare(results, focus=ctx.focus)
    names = [f"{n} ({c})" for n, c in zip(wf["name"], wf["country"], strict=True)]
    color = {lab: _PALETTE[k % len(_PALETTE)] for k, lab in enumerate(labels)}
    color["baseline"] = "#8d99ae"
    fig = go.Figure([go.Bar(name=lab, x=names, y=wf[lab], marker_color=color[lab]) for lab in labels])
    fig.update_layout(barmode="group", title="Real income change by scenario",
                      yaxis_title="Real income, % change from baseline", height=420)
    blocks.append(("cmp-welfare", "Welfare by country, side by side",
                   ctx.figure(fig) + ctx.table(wf, caption="Real income by scenario",
                                               unit="percent change from the baseline",
                                               percent=labels, digits=3)))

    if ctx.home in results[0].world.countries:
        unit = tables.money_unit(results[0])
        ex = tables.compare_exports(results, ctx.home)
        groups = [c for c in ex.columns if c != "scenario" and not c.endswith(" %") and c != "total"]
        fig = go.Figure([go.Bar(name=row["scenario"], x=groups, y=[row[g] for g in groups],
                                marker_color=color[row["scenario"]])
                         for _, row in ex.iterrows()])
        fig.update_layout(barmode="group", yaxis_title=unit, height=400,
                          xaxis_title="export destination (others = everyone else)",
                          title=f"{tables.country_name(results[0], ctx.home)}'s exports by partner")
        pct = [c for c in ex.columns if c.endswith(" %")]
        money = [c for c in ex.columns if c != "scenario" and c not in pct]
        blocks.append(("cmp-trade", f"{tables.country_name(results[0], ctx.home)}'s exports by "
                       "partner, side by side",
                       ctx.figure(fig) + ctx.table(
                           ex, caption="Exports by destination: baseline, then each scenario",
                           unit=f"{unit}; columns ending in % are percent changes from the baseline",
                           money=money, percent=pct)))

        sec = tables.compare_sectors(results, ctx.home)
        fig = go.Figure([go.Bar(name=lab, y=sec["label"], x=sec[lab], orientation="h",
                                marker_color=color[lab])
                         for lab in labels])
        fig.update_layout(barmode="group", yaxis=dict(autorange="reversed"),
                          xaxis_title="Gross output, % change (value at producer prices, "
                          "numéraire: world value added fixed)",
                          height=160 + 14 * len(sec) * len(labels),
                          title=f"{tables.country_name(results[0], ctx.home)}: sectors that move most")
        blocks.append(("cmp-sectors", f"{tables.country_name(results[0], ctx.home)}'s sectors, "
                       "side by side",
                       ctx.figure(fig) + ctx.table(sec, caption="Gross output by sector",
                                                   unit="percent change from the baseline",
                                                   percent=labels)))

        prov = tables.compare_provinces(results, ctx.home)
        if not prov.empty:
            fig = go.Figure([go.Bar(name=lab, y=prov["province"], x=prov[lab], orientation="h",
                                    marker_color=color[lab]) for lab in labels])
            fig.update_layout(barmode="group", height=160 + 12 * len(prov) * len(labels),
                              xaxis_title="Real income, % change from the baseline (deflated "
                                          "by Canada's consumer price index)",
                              title="Winners and losers by province (real income)")
            blocks.append(("cmp-provinces", "Winners and losers by province, side by side",
                           ctx.figure(fig) + ctx.table(
                               prov, caption="Provincial real income by scenario",
                               unit=f"value_added_base: {prov.attrs.get('base_unit', '')}; scenario "
                                    "columns: REAL income, percent change (deflated by Canada's "
                                    "consumer price index; provinces add up to Canada's real "
                                    "income change)",
                               money=["value_added_base"], percent=labels)))
    return blocks
