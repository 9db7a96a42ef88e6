"""The dashboard's pages (Build, Results, Compare, Strategy) and the shell around them.

Each page module has ``layout(...)`` and ``register(app, pool)``; callbacks read only the
catalogue (loaded at start-up), the job pool and its results cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from tradeshock import __version__
from tradeshock.app.jobs import JobPool
from tradeshock.app.pages import build, compare, results, strategy
from tradeshock.app.pages.widgets import page

ASSETS = Path(__file__).resolve().parents[1] / "assets"
NAV = (("/build", "Build"), ("/results", "Results"), ("/compare", "Compare"), ("/strategy", "Strategy"))

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def shell() -> html.Div:
    """Header with the navigation, the session stores and the page area."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Store(id="history", storage_type="session", data=[]),
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("tradeshock", className="brand"),
                            html.Span("trade policy in general equilibrium", className="tagline"),
                        ]
                    ),
                    html.Nav(
                        [
                            dcc.Link(label, href=href, id=f"nav-{label.lower()}", className="nav-link")
                            for href, label in NAV
                        ]
                    ),
                ]
            ),
            html.Main(id="page"),
            html.Footer(
                html.P(
                    [
                        f"tradeshock {__version__}: Caliendo–Parro general equilibrium on the "
                        "packaged 2024 world (public data, cited). Results are long-run changes "
                        "from the 2024 baseline, not forecasts."
                    ]
                )
            ),
        ]
    )


def warm() -> None:
    """Read the data the pages show (provinces, map outlines) once, at start-up."""
    from tradeshock.analysis.provinces import load_canada_map, load_province_data

    load_province_data()
    load_canada_map()


def build_dash(server: Any, pool: JobPool) -> Dash:
    """The Dash app on ``server`` with every page and callback registered."""
    app = Dash(
        "tradeshock.app",
        server=server,
        assets_folder=str(ASSETS),
        title="tradeshock",
        update_title="",  # no "Updating..." title while callbacks run
        suppress_callback_exceptions=True,
        serve_locally=True,
        index_string=INDEX,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {"name": "description", "content": "tradeshock dashboard"},
        ],
    )
    app.layout = shell

    @app.callback(
        Output("page", "children"), Input("url", "pathname"), Input("url", "search"), State("history", "data")
    )
    def _route(path: str | None, search: str | None, history: list | None) -> Any:
        path = (path or "/").rstrip("/") or "/"
        if path in ("/", "/build"):
            return build.layout()
        if path == "/results":
            return results.layout(search, history)
        if path == "/compare":
            return compare.layout(history)
        if path == "/strategy":
            return strategy.layout()
        return page(
            None,
            "Page not found",
            html.P(["No page at ", html.Code(path[:80]), ". ", dcc.Link("Go to Build", href="/build")]),
        )

    @app.callback(
        *[Output(f"nav-{label.lower()}", "className") for _, label in NAV], Input("url", "pathname")
    )
    def _nav(path: str | None) -> tuple:
        path = (path or "/").rstrip("/") or "/build"
        path = "/build" if path == "/" else path
        return tuple("nav-link active" if href == path else "nav-link" for href, _ in NAV)

    for module in (build, results, compare, strategy):
        module.register(app, pool)
    return app
