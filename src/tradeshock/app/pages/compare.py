"""Compare: up to four scenarios side by side, with winners and losers by province."""

from __future__ import annotations

from typing import Any

from dash import Input, State, dcc, html

from tradeshock.app import figures as F
from tradeshock.app import service
from tradeshock.app.actions import SPECS, submit_run
from tradeshock.app.jobs import JobPool
from tradeshock.app.pages.results import downloads
from tradeshock.app.pages.widgets import field, job_panel, page, register_jobs, row
from tradeshock.report import tables
from tradeshock.report.headline import headline

MAX = 4


def options(history: list | None) -> list[dict[str, str]]:
    """Options: the session's runs, then the shipped scenarios."""
    runs = [
        {"label": f"your run: {h['name']} ({h['when']})", "value": f"run:{h['key']}"}
        for h in reversed(history or [])
    ]
    return runs + [{"label": f"shipped: {n}", "value": f"shipped:{n}"} for n in service.catalog().scenarios]


def layout(history: list | None = None) -> html.Div:
    """The Compare page."""
    return page(
        "compare",
        "Compare scenarios",
        row(
            field(
                "Scenarios",
                dcc.Dropdown(
                    id="c-pick",
                    options=options(history),
                    multi=True,
                    value=[],
                    persistence=True,
                    persistence_type="session",
                ),
                wide=True,
            ),
            html.Button("Compare", id="c-go", className="primary"),
        ),
        job_panel("c"),
        lead="Pick two to four scenarios (your runs or shipped ones).",
    )


def submit_pick(pool: JobPool, picks: list[str]) -> list:
    """One job per picked scenario (cached ones come back at once)."""
    picks = list(dict.fromkeys(picks or []))
    if len(picks) < 2 or len(picks) > MAX:
        raise service.SpecError(f"pick between 2 and {MAX} scenarios to compare (got {len(picks)})")
    jobs = []
    for p in picks:
        kind, _, ref = str(p).partition(":")
        if kind == "shipped":
            jobs.append(submit_run(pool, {"base": ref}))
        elif kind == "run":
            key = service.check_key(ref)
            if pool.cached(key) is not None:
                jobs.append(pool.submit("run", None, key, label="your run"))
            elif key in SPECS:
                jobs.append(submit_run(pool, SPECS[key]))
            else:
                raise service.SpecError("one of your runs is no longer in memory; run it again from Build")
        else:
            raise service.SpecError(f"unknown choice {p!r}")
    return jobs


def render(results: list, jobs: list) -> html.Div:
    """The comparison: headlines, welfare, exports, provinces, sectors, downloads."""
    labels = tables.scenario_labels(results)
    out: list[Any] = [
        html.Ul(
            [html.Li([html.Strong(lab), ": ", headline(r)]) for r, lab in zip(results, labels, strict=True)],
            className="overview",
        )
    ]
    fig, wf = F.compare_welfare_fig(results, labels)
    out += [
        html.H3("Welfare by country"),
        F.graph(fig, "g-cmp-welfare"),
        F.data_table(
            wf,
            [("country", "country", "text"), ("name", "name", "text")]
            + [(lab, lab, "pct3") for lab in labels],
            "Real income by scenario",
            "percent change from the baseline",
            tid="t-cmp-welfare",
        ),
    ]
    if "CAN" in results[0].world.countries:
        ex = tables.compare_exports(results)
        cols = [("scenario", "scenario", "text")] + [
            (c, c.replace("others", "everyone else"), "pct" if c.endswith(" %") else "money")
            for c in ex.columns
            if c != "scenario"
        ]
        out += [
            html.H3("Canada's exports by destination"),
            F.data_table(
                ex,
                cols,
                "Baseline, then each scenario",
                f"{tables.money_unit(results[0])}; % columns: change from the baseline",
                tid="t-cmp-exports",
            ),
        ]
        pv = F.compare_provinces_fig(results, labels)
        if pv is not None:
            fig, prov = pv
            out += [
                html.H3("Winners and losers by province"),
                F.graph(fig, "g-cmp-provinces"),
                F.data_table(
                    prov,
                    [("province", "province", "text"), ("value_added_base", "value added, base", "money")]
                    + [(lab, lab, "pct") for lab in labels],
                    "Provincial value added by scenario",
                    "base: C$ million; scenarios: % change",
                    tid="t-cmp-provinces",
                ),
            ]
        sec = tables.compare_sectors(results)
        out += [
            html.H3("Canada's sectors that move most"),
            F.data_table(
                sec,
                [("label", "sector", "text")] + [(lab, lab, "pct") for lab in labels],
                "Gross output by sector",
                "percent change from the baseline",
            ),
        ]
    out += [html.H3("Downloads"), downloads([j.key for j in jobs], with_scenario=False)]
    return html.Div(out, id="c-content")


def register(app: Any, pool: JobPool) -> None:
    """The Compare page's callbacks."""
    register_jobs(
        app,
        pool,
        "c",
        Input("c-go", "n_clicks"),
        [State("c-pick", "value")],
        lambda picks: submit_pick(pool, picks),
        render,
    )
