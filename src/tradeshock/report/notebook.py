"""Compact HTML for notebooks (``Result._repr_html_``): headline and key tables, no plotly."""

from __future__ import annotations

from typing import Any

from tradeshock.report import tables
from tradeshock.report.context import ReportContext
from tradeshock.report.headline import headline


def result_html(result: Any, home: str = "CAN") -> str:
    """A small self-contained HTML summary of a result for Jupyter display."""
    ctx = ReportContext(home=home)
    unit = tables.money_unit(result)
    wf = tables.welfare_movers(result, n=6, focus=ctx.focus)
    html = [f"<div class=\"tradeshock-result\"><h4>tradeshock result: "
            f"{ctx.esc(tables.scenario_name(result))}</h4>",
            f"<p>{ctx.esc(headline(result, home))}</p>",
            ctx.table(wf[["country", "name", "real_income", "terms_of_trade", "volume_of_trade"]],
                      caption="Welfare, largest moves and focus countries",
                      unit="percent change from the baseline", percent=("real_income",
                      "terms_of_trade", "volume_of_trade"), digits=3)]
    if home in result.world.countries:
        html.append(ctx.table(tables.exports_by_partner(result, home),
                              caption=f"{tables.country_name(result, home)}'s exports",
                              unit=f"{unit}; change in % of the baseline",
                              money=("baseline", "counterfactual", "change"),
                              percent=("change_pct",)))
    diag = tables.diagnostics_dict(result)
    if diag:
        html.append(ctx.note(f"converged={diag.get('converged')}, "
                             f"iterations={diag.get('iterations')}; full report: "
                             "result.report('report.html')"))
    html.append("</div>")
    return "".join(html)
