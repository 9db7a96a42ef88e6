"""Who makes what crosses the border: foreign (Chinese) value added in exports to the US.

The "transshipment hub" question: how much of the origin's value added rides in the home
country's (and Mexico's) exports to the US, before and after the shock, and which third
countries show the model's signature of diversion. Numbers from
:mod:`tradeshock.analysis.value_added`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tradeshock.report import tables

TITLE = "Value added in exports to the US"

_IMPORTER, _ORIGIN, _COMPARE = "USA", "CHN", "MEX"


def render(result: Any, ctx: Any) -> str | None:
    """Origin content of the home country's and Mexico's US-bound exports; the rerouting screen."""
    from tradeshock.analysis import value_added as va

    countries = result.world.countries
    home = ctx.home
    if any(c not in countries for c in (home, _IMPORTER, _ORIGIN)) or home in (_IMPORTER, _ORIGIN):
        return None
    key = ("value_added_base", id(result.baseline))
    if key not in ctx.cache:
        ctx.cache[key] = va.decompose_exports(va.io_of(result, "baseline"))
    base = ctx.cache[key]
    cf = va.decompose_exports(va.io_of(result, "counterfactual"))
    exporters = [home] + ([_COMPARE] if _COMPARE in countries and _COMPARE != home else [])
    rows = []
    for exp in exporters:
        for label, d in (("baseline", base), ("counterfactual", cf)):
            tot = va.origin_content(d, exp, _IMPORTER, _ORIGIN).set_index("sector").loc["all"]
            g = tot["gross_exports"]
            rows.append({"exporter": exp, "state": label, "gross exports": g,
                         "domestic VA share": tot["domestic_va"] / g,
                         "foreign VA share": tot["foreign_va"] / g,
                         f"{_ORIGIN} VA": tot["origin_va"], f"{_ORIGIN} VA share": tot["origin_va_share"]})
    summary = pd.DataFrame(rows)
    unit = tables.money_unit(result)
    html = ctx.table(summary, caption=f"{_ORIGIN}'s value added in exports to the {_IMPORTER}",
                     unit=f"{unit}; shares of gross exports", money=("gross exports", f"{_ORIGIN} VA"),
                     rates=("domestic VA share", "foreign VA share", f"{_ORIGIN} VA share"))
    html += ctx.figure(_sector_figure(va, base, cf, home, unit))
    screen = va.rerouting_screen(result, _IMPORTER, _ORIGIN, base=base, cf=cf)
    hits = screen[screen["flagged"]].head(10)
    if len(hits):
        cols = ["exporter", "sector", f"exports to {_IMPORTER}, change",
                f"inputs from {_ORIGIN}, change", f"{_ORIGIN} VA in exports, change"]
        hits = hits[["exporter", "sector", "exports_change", "origin_inputs_change",
                     "origin_va_in_exports_change"]].set_axis(cols, axis=1)
        html += ctx.table(hits, caption=(
            f"Rerouting screen: third countries whose exports to the {_IMPORTER} rise while their "
            f"inputs from {_ORIGIN} rise too ({int(screen['flagged'].sum())} sector flows flagged; "
            f"largest rise in embodied {_ORIGIN} value added first)"),
            unit=unit, money=tuple(cols[2:]))
    html += ctx.note(
        "Domestic value added is counted once, where it first leaves the exporter; value added "
        "that crosses a border more than once (double counting) is in neither share "
        "(Borin–Mancini source-based decomposition of the model's global input-output table; "
        "docs/value-added.md). Value added includes the tariffs a country collects on its sectors' "
        "imported inputs. The screen is a model signature of diversion, not evidence of "
        "transshipment: it cannot see relabelled goods that never change hands.")
    return html


def _sector_figure(va: Any, base: Any, cf: Any, home: str, unit: str) -> go.Figure:
    b = va.origin_content(base, home, _IMPORTER, _ORIGIN)
    c = va.origin_content(cf, home, _IMPORTER, _ORIGIN)
    both = b.merge(c, on="sector", suffixes=("_base", "_cf"))
    both = both[both["sector"] != "all"].sort_values("origin_va_base", ascending=False).head(10)
    fig = go.Figure()
    fig.add_trace(go.Bar(name="baseline", y=both["sector"], x=both["origin_va_base"],
                         orientation="h", marker_color="#8d99ae"))
    fig.add_trace(go.Bar(name="counterfactual", y=both["sector"], x=both["origin_va_cf"],
                         orientation="h", marker_color="#d62828"))
    fig.update_layout(barmode="group", yaxis=dict(autorange="reversed"),
                      title=f"{_ORIGIN}'s value added in {home}'s exports to the {_IMPORTER}, by sector",
                      xaxis_title=unit, height=160 + 40 * len(both))
    return fig
