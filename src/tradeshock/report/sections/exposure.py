"""Canada's dependence on its main partners: concentration, asymmetry and (optionally) cut-off costs."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

TITLE = "Exposure and coercion"

_PARTNERS = ("USA", "CHN")


def render(result: Any, ctx: Any) -> str | None:
    """Baseline dependence of the home country on the US and China; GE cut-off costs on request.

    Cut-off costs need one GE solve per flow; they run only when the report is written with
    ``exposure_cutoffs=True`` (``write_report(..., exposure_cutoffs=True)``).
    """
    from tradeshock.analysis.exposure import exposure

    world = result.world
    home = ctx.home
    partners = [p for p in _PARTNERS if p in world.countries and p != home]
    if home not in world.countries or not partners:
        return None
    cut = bool(ctx.options.get("exposure_cutoffs", False))
    key = ("exposure", world.name, home, cut)
    if key not in ctx.cache:
        from tradeshock.analysis.exposure import MIN_SHARE

        ctx.cache[key] = exposure(home, partner=partners, world=world, cutoffs=cut,
                                  min_share=MIN_SHARE)
    df = ctx.cache[key]
    html = ""
    sec = df[df["sector"] != "all"]
    top = sec.sort_values("exports", ascending=False).head(12)
    fig = go.Figure()
    fig.add_trace(go.Bar(name=f"partner's share of {home}'s exports of the sector",
                         y=top["partner"] + " " + top["sector"], x=top["export_share"],
                         orientation="h", marker_color="#d62828"))
    fig.add_trace(go.Bar(name=f"{home}'s share of the partner's imports of the sector",
                         y=top["partner"] + " " + top["sector"], x=top["partner_import_share"],
                         orientation="h", marker_color="#003049"))
    fig.update_layout(barmode="group", title=f"Asymmetric dependence: {home}'s largest export flows",
                      xaxis_title="share (fraction)", yaxis=dict(autorange="reversed"),
                      height=200 + 34 * len(top))
    html += ctx.figure(fig)
    cols = ["partner", "sector", "exports", "export_share", "partner_import_share", "hhi_partners",
            "import_share", "hhi_suppliers"]
    if cut:
        cols += ["cutoff_real_income_pct", "cutoff_partner_real_income_pct", "cutoff_output_pct",
                 "supplier_cutoff_real_income_pct"]
        table = df[df["cutoff_computed"] & (df["exports"] > 0)].head(15)[cols]
        caption = f"Ranked cut-off costs for {home} (most costly first)"
    else:
        table = _largest_and_all(df, top)[cols]
        caption = f"{home}'s dependence on {', '.join(partners)} (largest flows and all sectors)"
    html += ctx.table(table, caption=caption,
                      unit=f"exports {df.attrs.get('unit', '').split(';')[0]}; shares and HHI as "
                           "fractions; cut-off columns in percent",
                      money=("exports",),
                      percent=tuple(c for c in cols if c.endswith("_pct")))
    html += ctx.note(
        "HHI above 0.4 marks concentration in the European Commission's (2021) and CEPII GeoDep "
        "criteria; the US DOJ/FTC Merger Guidelines (2023) call markets above 0.18 highly "
        "concentrated. Metrics are for the baseline world; sectors are the model's broad "
        "sectors, so product-level dependencies are diluted. "
        + ("Cut-off costs are general-equilibrium real-income changes if the partner embargoes "
           "the flow." if cut else
           f"Cut-off costs (GE real income if a partner embargoes a flow): run `tradeshock "
           f"exposure {home}` or write the report with exposure_cutoffs=True."))
    return html


def _largest_and_all(df: Any, top: Any) -> Any:
    """The largest sector flows followed by each partner's all-sector row."""
    import pandas as pd

    return pd.concat([top, df[df["sector"] == "all"]], ignore_index=True)
