"""Results: headline, welfare (map and bars), provinces, sectors, exports, bilateral, downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from dash import Input, Output, dcc, html

from tradeshock.app import figures as F
from tradeshock.app import service
from tradeshock.app.jobs import JobPool
from tradeshock.app.pages.widgets import error_box, field, page
from tradeshock.report import tables
from tradeshock.report.headline import headline

RESIDUALS = ("residual_price", "residual_expenditure", "residual_trade_balance")


def run_from_search(search: str | None) -> str | None:
    """The ``run`` key of a ``?run=...`` query (None if absent or malformed)."""
    vals = parse_qs((search or "").lstrip("?")).get("run", [])
    return vals[0] if vals and service.KEY_RE.match(vals[0]) else None


def layout(search: str | None = None, history: list | None = None) -> html.Div:
    """The Results page: pick one of this session's runs."""
    hist = list(reversed(history or []))
    key = run_from_search(search) or (hist[0]["key"] if hist else None)
    opts = [{"label": f"{h['name']} ({h['when']})", "value": h["key"]} for h in hist]
    if key and key not in {o["value"] for o in opts}:
        opts.insert(0, {"label": "run from the link", "value": key})
    return page(
        "results",
        "Results",
        field(
            "Run",
            dcc.Dropdown(
                id="r-run",
                options=opts,
                value=key,
                clearable=False,
                placeholder="No runs yet: build one first",
            ),
            wide=True,
        ),
        dcc.Loading(html.Div(id="r-out"), type="dot"),
    )


def downloads(keys: list[str], with_scenario: bool = True) -> html.Div:
    """Links to the tables (CSV, Parquet), the HTML report and the scenario file."""
    base = f"/api/runs/{','.join(keys)}"
    links: list[Any] = [
        html.A("HTML report", href=f"{base}/report.html", download="", className="button", id="dl-report")
    ]
    if with_scenario:
        links.append(html.A("scenario.yaml", href=f"{base}/scenario.yaml", download="", className="button"))
    rows = []
    for t in (
        "welfare",
        "exports",
        "output",
        "province_summary",
        "provinces",
        "trade",
        "imports",
        "revenue",
        "measures",
    ):
        rows.append(
            html.Li(
                [
                    f"{t}: ",
                    html.A("CSV", href=f"{base}/{t}.csv", download="", id=f"dl-{t}-csv"),
                    " · ",
                    html.A("Parquet", href=f"{base}/{t}.parquet", download=""),
                ]
            )
        )
    return html.Div([html.Div(links, className="row"), html.Ul(rows, className="downloads")])


def render(res: Any, key: str) -> html.Div:
    """Every section of one result."""
    wf = res.welfare()
    out: list[Any] = [html.P(headline(res), className="headline", id="r-headline")]
    tiles = []
    for c in ("CAN", "USA", "CHN", "MEX"):
        if c in wf.index:
            v = float(wf.loc[c, "real_income"])
            tiles.append(
                html.Div(
                    [
                        html.Div(f"{v:+.2f}%", className="tile-value"),
                        html.Div(f"real income, {tables.country_name(res, c)}", className="tile-label"),
                    ],
                    className="tile " + ("up" if v >= 0 else "down"),
                )
            )
    out.append(html.Div(tiles, className="tiles"))
    out += [
        html.H3("Welfare by country"),
        F.graph(F.welfare_map(res), "g-welfare-map"),
        F.graph(F.welfare_bar(res), "g-welfare-bar"),
    ]
    bands = F.uncertainty_bands(res)
    out.append(html.H3("Uncertainty"))
    if bands is None:
        out.append(
            html.P(
                "No elasticity draws were asked for, so there are no uncertainty bands: the "
                "numbers are at the point estimates of the trade elasticities (ask for draws "
                "on the Build page).",
                className="hint",
            )
        )
    else:
        fig, pfig, note = bands
        out += [html.P(note, className="hint", id="r-bands-note"), F.graph(fig, "g-bands")]
        if pfig is not None:
            out.append(F.graph(pfig, "g-bands-provinces"))
    prov = F.province_figure(res)
    if prov is not None:
        fig, s = prov
        out += [
            html.H3("Canada by province"),
            F.graph(fig, "g-provinces"),
            F.data_table(
                s.sort_values("value_added_change_pct"),
                [
                    ("name", "province", "text"),
                    ("value_added_base", "value added, base", "money"),
                    ("value_added_change", "change", "money"),
                    ("value_added_change_pct", "change %", "pct"),
                    ("employment_change_pct", "employment %", "pct"),
                    ("drivers", "drivers", "text"),
                ],
                "Provinces and territories",
                f"C$ million at {s.attrs.get('cad_per_usd')} "
                "CAD/USD; shift-share split of national sector results",
                tid="t-provinces",
            ),
        ]
    out += [html.H3("Sectors"), F.graph(F.sectors_bar(res), "g-sectors")]
    if "CAN" in res.world.countries:
        fig, ex = F.exports_figure(res)
        out += [
            html.H3("Canada's exports: the US, China and everyone else"),
            F.graph(fig, "g-exports"),
            F.data_table(
                ex,
                [
                    ("partner", "destination", "text"),
                    ("baseline", "baseline", "money"),
                    ("counterfactual", "scenario", "money"),
                    ("change", "change", "money"),
                    ("change_pct", "change %", "pct"),
                ],
                "Exports by destination",
                tables.money_unit(res),
                tid="t-exports",
            ),
        ]
    bil = tables.bilateral_moves(res, n=15)
    out += [
        html.H3("Largest bilateral changes"),
        F.data_table(
            bil,
            [
                ("exporter", "exporter", "text"),
                ("importer", "importer", "text"),
                ("baseline", "baseline", "money"),
                ("counterfactual", "scenario", "money"),
                ("change", "change", "money"),
                ("change_pct", "change %", "pct"),
            ],
            "Cross-border flows, summed over sectors",
            tables.money_unit(res),
            tid="t-bilateral",
        ),
    ]
    meas = tables.measures_table(res)
    if meas is not None:
        show = meas.assign(
            rate=[f"{100 * r:g}%" if isinstance(r, (int, float)) else str(r) for r in meas["rate"]]
        )
        out += [
            html.H3("Measures applied"),
            html.Details(
                [
                    html.Summary(f"{len(show)} measures"),
                    F.data_table(
                        show,
                        [
                            ("id", "id", "text"),
                            ("title", "title", "text"),
                            ("imposer", "imposer", "text"),
                            ("targets", "on", "text"),
                            ("rate", "rate", "text"),
                            ("start", "from", "text"),
                            ("end", "to", "text"),
                            ("source", "source", "text"),
                        ],
                        "Measures in this scenario",
                        "rates as percent; dates as in the library",
                        tid="t-measures",
                    ),
                ]
            ),
        ]
    d = res.diagnostics
    out += [
        html.H3("Downloads"),
        downloads([key]),
        html.P(
            f"Solver: converged {d.get('converged')} in {d.get('iterations')} iterations, "
            f"{d.get('seconds', 0):.2f} s; max residual "
            f"{max(float(d.get(k) or 0) for k in RESIDUALS):.1e}. "
            f"Money: {tables.money_unit(res)}; numéraire: world value added fixed.",
            className="hint",
        ),
    ]
    return html.Div(out, id="r-content")


def register(app: Any, pool: JobPool) -> None:
    """The Results page's callback."""

    @app.callback(Output("r-out", "children"), Input("r-run", "value"))
    def _show(key: str | None) -> Any:
        if not key:
            return html.P(["No run selected. ", dcc.Link("Build a scenario", href="/build"), " and run it."])
        res = pool.cached(key)
        if res is None:
            return error_box(
                "this run is no longer in the server's memory (it keeps the most recent "
                "runs); run it again from the Build page"
            )
        return rendered(key, res)


_RENDERED: dict[str, Any] = {}


def rendered(key: str, res: Any) -> Any:
    """:func:`render`, remembered for the last few runs (a page view is then instant)."""
    if key not in _RENDERED:
        _RENDERED[key] = render(res, key)
        while len(_RENDERED) > 8:
            _RENDERED.pop(next(iter(_RENDERED)))
    return _RENDERED[key]
