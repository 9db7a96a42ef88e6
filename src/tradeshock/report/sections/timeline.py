"""Report section: the tariff war month by month — real income at each policy date, events marked.

Shown when the report is written with ``timeline=<Timeline>`` (``tradeshock timeline --report``);
skipped otherwise.
"""

from __future__ import annotations

from typing import Any

TITLE = "The tariff war month by month"

#: Provinces drawn in the provinces chart (the four largest economies; all are in the table).
_PROVINCES = ("ON", "QC", "BC", "AB")


def _event_label(row: Any) -> str:
    ids = [x for x in (row.starts or "").split(", ") if x]
    ends = [x for x in (row.ends or "").split(", ") if x]
    parts = ids[:2] + [f"end {x}" for x in ends[:1]]
    more = len(ids) + len(ends) - len(parts)
    return ", ".join(parts) + (f" +{more}" if more > 0 else "")


def _chart(tl: Any, kind: str, regions: tuple[str, ...] | None, title: str, ctx: Any) -> str:
    import plotly.graph_objects as go

    wide = tl.wide(kind)
    if regions:
        wide = wide[[r for r in regions if r in wide.columns]]
    fig = go.Figure()
    for col in wide.columns:
        fig.add_trace(go.Scatter(x=[str(d) for d in wide.index], y=wide[col], name=col,
                                 mode="lines+markers", line_shape="hv"))
    from tradeshock.analysis.timeline import KEY_EVENTS

    for k, row in enumerate(tl.events.itertuples()):
        if k == 0 or not (row.starts or row.ends):
            continue
        key = KEY_EVENTS.get(row.date)
        fig.add_vline(x=str(row.date), line_width=1, line_dash="dot",
                      line_color="#999" if key else "#e3e3e3")
        if key:
            fig.add_annotation(x=str(row.date), y=1.0, yref="paper", text=ctx.esc(key),
                               showarrow=False, textangle=-90, xanchor="left", yanchor="top",
                               font=dict(size=9, color="#555"))
    fig.update_layout(title=title, yaxis_title="real income, % vs 2024 baseline",
                      xaxis_title="measures in force on", hovermode="x unified")
    return ctx.figure(fig, height=480)


def render(result: Any, ctx: Any) -> str | None:
    """Charts of real income by country and by province over the policy dates, and the table."""
    tl = ctx.options.get("timeline")
    if tl is None:
        return None
    parts = [f"<p>Each point solves the measures in force that day (library measures, threats "
             f"excluded) against the 2024 baseline on world {ctx.esc(tl.world)}: "
             f"{len(tl.events)} dates from {tl.start} to {tl.end}, solved in "
             f"{tl.seconds:.1f} s (each from the previous date's solution).</p>"]
    parts.append(_chart(tl, "country", None, "Real income by country", ctx))
    if (tl.data["kind"] == "province").any():
        parts.append(_chart(tl, "province", _PROVINCES, "Real income, largest provinces", ctx))
    wide = tl.wide("country")
    if (tl.data["kind"] == "province").any():
        wide = wide.join(tl.wide("province"))
    table = wide.round(3).reset_index()
    table.insert(1, "events", [_event_label(r) for r in tl.events.itertuples()])
    parts.append(ctx.note("Dotted lines: every policy date; labelled: the dates that shaped the war. "
                          "The table lists the measures starting (and ending) on each date."))
    parts.append(ctx.table(table, caption="Real income at each policy date",
                           unit="percent change against the re-solved 2024 baseline; provinces "
                                "deflated by Canada's consumer price index, adding up to Canada"))
    if tl.coverage_note:
        parts.append(ctx.note(tl.coverage_note[0].upper() + tl.coverage_note[1:] + "."))
    parts.append(ctx.note("A date's point is the long-run equilibrium of the measures then in "
                          "force, not the economy on that day: the model has no adjustment path, "
                          "so the line is a sequence of comparative statics."))
    return "".join(parts)
