"""Build: choose a date or a shipped scenario, switch measures on and off, add custom moves, run."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from dash import ALL, Input, Output, State, callback_context, dcc, html, no_update

from tradeshock.app import service
from tradeshock.app.actions import submit_run
from tradeshock.app.jobs import JobPool
from tradeshock.app.pages.widgets import error_box, field, job_panel, page, register_jobs, row
from tradeshock.errors import TradeshockError

IMPOSERS = {"USA": "United States", "CAN": "Canada", "CHN": "China"}
KINDS = [
    {"label": "Tariff", "value": "tariff"},
    {"label": "Tariff-rate quota", "value": "quota"},
    {"label": "Trade-cost change", "value": "trade_cost"},
    {"label": "Embargo", "value": "embargo"},
]
HISTORY = 12


def default_date() -> str:
    """Today (UTC), the natural 'in force now' date."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def _measure_label(m: dict[str, Any]) -> html.Span:
    dates = f"{m['start']} → {m['end'] or 'open'}"
    flags = [html.Span("threat", className="tag threat")] if m["threat"] else []
    if m["uncertain"]:
        flags.append(html.Span("uncertain", className="tag"))
    src = (
        html.A(m["source"], href=m["url"], target="_blank", rel="noopener noreferrer")
        if m["url"]
        else html.Span(m["source"])
    )
    return html.Span(
        [
            html.Span(m["title"], className="m-title"),
            " ",
            *flags,
            html.Br(),
            html.Span(f"{m['id']} · on {m['targets']} · {m['rate']} · {dates}", className="m-meta"),
            html.Br(),
            html.Span(["Source: ", src], className="m-src"),
        ]
    )


def measure_groups(base: str | None, as_of: str | None, checked: list[str] | None = None) -> list[Any]:
    """The measures library grouped by imposer (ticked: applied by the base and the date)."""
    cat = service.catalog()
    on = set(checked if checked is not None else service.effective_measures(base, as_of))
    lib = {m["id"] for m in cat.measures}
    groups = []
    own = [i for i in service.effective_measures(base, None) if i not in lib] if base else []
    if own:
        groups.append(
            html.Details(
                [
                    html.Summary(f"The scenario's own measures ({len(own)})"),
                    dcc.Checklist(
                        id={"type": "b-meas", "group": "own"},
                        options=[
                            {
                                "label": html.Span(
                                    [
                                        html.Span(i, className="m-title"),
                                        html.Br(),
                                        html.Span(f"defined in {base}", className="m-meta"),
                                    ]
                                ),
                                "value": i,
                            }
                            for i in own
                        ],
                        value=[i for i in own if i in on],
                        className="measures",
                    ),
                ],
                open=True,
            )
        )
    names = dict(cat.countries)
    order = list(IMPOSERS) + sorted({m["imposer"] for m in cat.measures} - set(IMPOSERS))
    for code in order:
        name = IMPOSERS.get(code) or names.get(code, code)
        ms = sorted(
            (m for m in cat.measures if m["imposer"] == code),
            key=lambda m: (m["id"] not in on, m["threat"], m["start"]),
        )  # applied first
        if not ms:
            continue
        n_on = sum(m["id"] in on for m in ms)
        groups.append(
            html.Details(
                [
                    html.Summary(f"{name} ({n_on} of {len(ms)} applied)"),
                    dcc.Checklist(
                        id={"type": "b-meas", "group": code},
                        options=[{"label": _measure_label(m), "value": m["id"]} for m in ms],
                        value=[m["id"] for m in ms if m["id"] in on],
                        className="measures",
                    ),
                ],
                open=False,
            )
        )
    n_on = sum(m["id"] in on for m in cat.measures)
    head = html.P(
        f"{n_on} of {len(cat.measures)} library measures applied"
        + (f", plus {len(own)} of the scenario's own" if own else "")
        + ". Open a group to switch measures on or off (applied ones are listed first).",
        className="hint",
        id="b-applied",
    )
    return [head, *groups]


def layout() -> html.Div:
    """The Build page."""
    cat = service.catalog()
    countries = [{"label": f"{n} ({c})", "value": c} for c, n in cat.countries]
    sectors = [{"label": f"{lab} ({c})", "value": c} for c, lab, goods in cat.sectors if goods]
    shipped = [{"label": "None: start from the measures in force on the date", "value": ""}] + [
        {"label": f"{s.name}: {s.description}", "value": s.name} for s in cat.scenarios.values()
    ]
    return page(
        "build",
        "Build a scenario",
        row(
            field(
                "Start from a shipped scenario",
                dcc.Dropdown(
                    id="b-base",
                    options=shipped,
                    value="",
                    clearable=False,
                    persistence=True,
                    persistence_type="session",
                ),
                wide=True,
            ),
            field(
                "Measures in force on (as-of date)",
                dcc.Input(
                    id="b-asof",
                    type="text",
                    value=default_date(),
                    placeholder="YYYY-MM-DD",
                    maxLength=10,
                    debounce=True,
                    persistence=True,
                    persistence_type="session",
                ),
                hint="Empty: no measures by date (only the scenario's).",
            ),
        ),
        html.Div(id="b-asof-msg"),
        html.H3("Measures from the library"),
        html.Div(id="b-measures", children=measure_groups(None, default_date())),
        html.H3("Custom moves"),
        row(
            field("Kind", dcc.Dropdown(id="b-kind", options=KINDS, value="tariff", clearable=False)),
            field(
                "Imposer (importer)",
                dcc.Dropdown(id="b-imposer", options=countries, value="CAN", clearable=False),
            ),
            field(
                "On imports from (exporters; empty = all)",
                dcc.Dropdown(id="b-targets", options=countries, value=["USA"], multi=True),
                wide=True,
            ),
            field(
                "Sectors (empty = all goods)",
                dcc.Dropdown(id="b-sectors", options=sectors, value=[], multi=True),
                wide=True,
            ),
        ),
        row(
            field(
                "Rate",
                dcc.RadioItems(
                    id="b-mode",
                    options=[
                        {"label": "add points", "value": "add"},
                        {"label": "set the rate", "value": "rate"},
                    ],
                    value="add",
                    inline=True,
                ),
                box="b-mode-box",
            ),
            field(
                "Value, % (tariff, in-quota rate or trade-cost change)",
                dcc.Input(id="b-value", type="number", value=25, min=-100, max=1000, step="any"),
            ),
            field(
                "Over-quota rate, %",
                dcc.Input(id="b-over", type="number", value=100, min=-99, max=1000, step="any"),
                box="b-over-box",
            ),
            field(
                "Quota, % of baseline imports",
                dcc.Input(id="b-share", type="number", value=50, min=0, max=100, step="any"),
                box="b-share-box",
            ),
            field("Label (optional)", dcc.Input(id="b-label", type="text", value="", maxLength=40)),
            html.Button("Add move", id="b-addmove", className="secondary"),
        ),
        html.Div(id="b-move-msg"),
        dcc.Store(id="b-moves", storage_type="session", data=[]),
        html.Div(id="b-movelist"),
        html.H3("Settings and run"),
        row(
            field(
                "Name",
                dcc.Input(
                    id="b-name",
                    type="text",
                    value="",
                    maxLength=60,
                    placeholder="my-scenario",
                    persistence=True,
                    persistence_type="session",
                ),
            ),
            field(
                "Trade deficits",
                dcc.RadioItems(
                    id="b-deficits",
                    options=[
                        {"label": "fixed (as in 2024)", "value": "fixed"},
                        {"label": "zero (balanced trade)", "value": "zero"},
                    ],
                    value="fixed",
                    inline=True,
                    persistence=True,
                    persistence_type="session",
                ),
            ),
            field(
                "Elasticity draws (0: none)",
                dcc.Input(id="b-draws", type="number", value=0, min=0, max=service.MAX_DRAWS, step=1),
                hint=f"Up to {service.MAX_DRAWS}; each is a full solve. Gives 5–95% bands.",
            ),
            html.Button("Run", id="b-run", className="primary"),
        ),
        job_panel("b"),
        html.Details(
            [
                html.Summary("The scenario as a file (for tradeshock run)"),
                html.Pre(id="b-yaml", className="yaml"),
            ]
        ),
        lead="Start from the measures in force on a date, or from a shipped scenario; switch "
        "measures on or off; add your own moves; then run. Changes are measured against the "
        "2024 baseline world (41 countries, 35 sectors).",
    )


def _spec(
    base: str,
    as_of: str,
    checked: list[list[str]],
    moves: list[dict],
    name: str,
    deficits: str,
    draws: Any = None,
) -> dict[str, Any]:
    """The request for the current form (library ids to add and remove, moves)."""
    on = [i for group in (checked or []) for i in (group or [])]
    eff = service.effective_measures(base or None, _date(as_of))
    return {
        "name": name or None,
        "base": base or None,
        "as_of": as_of or None,
        "add": [i for i in on if i not in eff],
        "remove": [i for i in eff if i not in on],
        "moves": moves or [],
        "deficits": deficits,
        "draws": int(draws) if isinstance(draws, (int, float)) and draws else None,
    }


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def form_move(
    kind: str,
    imposer: str,
    targets: list[str],
    sectors: list[str],
    mode: str,
    value: float | None,
    over: float | None,
    share: float | None,
    label: str,
) -> dict[str, Any]:
    """A custom move from the form (percent inputs become fractions, as in scenario files)."""

    def frac(x: float | None, what: str) -> float:
        if x is None:
            raise service.SpecError(f"custom move: give the {what} (a number, in percent)")
        return round(float(x) / 100.0, 10)

    mv: dict[str, Any] = {"kind": kind}
    if kind == "trade_cost":
        mv.update({"importer": imposer, "exporter": targets or None, "change": frac(value, "change")})
    else:
        mv["imposer"] = imposer
        mv["targets" if kind != "embargo" else "target"] = targets or ("all" if kind != "embargo" else None)
    if sectors:
        mv["sectors"] = sectors
    if kind == "tariff":
        mv[mode or "add"] = frac(value, "rate")
    elif kind == "quota":
        mv.update(
            {
                "in_rate": frac(value, "in-quota rate"),
                "over_rate": frac(over, "over-quota rate"),
                "volume_share": frac(share, "quota share"),
            }
        )
    if label:
        mv["label"] = label
    return {k: v for k, v in mv.items() if v is not None}


def _move_text(mv: dict[str, Any]) -> str:
    kind, body = next(iter(mv.items()))

    def codes(v: Any) -> str:
        return "all" if v in (None, "all") else ", ".join(v) if isinstance(v, list) else str(v)

    sec = f" on {codes(body.get('sectors'))}" if body.get("sectors") else " on all goods"
    if kind == "tariff":
        rate = f"+{100 * body['add']:g} points" if "add" in body else f"{100 * body['rate']:g}%"
        return f"{body['imposer']} tariff {rate} on {codes(body.get('targets'))}{sec}"
    if kind == "quota":
        return (
            f"{body['imposer']} quota on {codes(body.get('targets'))}{sec}: {100 * body['in_rate']:g}% "
            f"in, {100 * body['over_rate']:g}% over, quota {100 * body['volume_share']:g}% of imports"
        )
    if kind == "trade_cost":
        return (
            f"trade costs {100 * body['change']:+g}% on {codes(body.get('exporter'))} → "
            f"{body['importer']}{sec}"
        )
    return f"{body['imposer']} embargo on {codes(body.get('target'))}{sec}"


def register(app: Any, pool: JobPool) -> None:
    """The Build page's callbacks."""

    @app.callback(Output("b-asof", "value"), Input("b-base", "value"), prevent_initial_call=True)
    def _base_date(base: str) -> Any:
        if not base:
            return default_date()
        return service.catalog().scenarios[base].as_of or ""

    @app.callback(
        Output("b-measures", "children"),
        Output("b-asof-msg", "children"),
        Input("b-base", "value"),
        Input("b-asof", "value"),
    )
    def _measures(base: str, as_of: str) -> tuple:
        msg = None
        day = _date(as_of)
        if as_of and day is None:
            msg = error_box(f"as-of date {as_of!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01")
        return measure_groups(base or None, day), msg

    @app.callback(
        Output("b-over-box", "style"),
        Output("b-share-box", "style"),
        Output("b-mode-box", "style"),
        Input("b-kind", "value"),
    )
    def _fields(kind: str) -> tuple:
        show: dict[str, str] = {}
        hide = {"display": "none"}
        return (
            show if kind == "quota" else hide,
            show if kind == "quota" else hide,
            show if kind == "tariff" else hide,
        )

    @app.callback(
        Output("b-moves", "data"),
        Output("b-move-msg", "children"),
        Input("b-addmove", "n_clicks"),
        Input({"type": "b-move-del", "index": ALL}, "n_clicks"),
        State("b-moves", "data"),
        State("b-kind", "value"),
        State("b-imposer", "value"),
        State("b-targets", "value"),
        State("b-sectors", "value"),
        State("b-mode", "value"),
        State("b-value", "value"),
        State("b-over", "value"),
        State("b-share", "value"),
        State("b-label", "value"),
        prevent_initial_call=True,
    )
    def _moves(
        _add: Any,
        _dels: Any,
        moves: list,
        kind: str,
        imposer: str,
        targets: list,
        sectors: list,
        mode: str,
        value: Any,
        over: Any,
        share: Any,
        label: str,
    ) -> tuple:
        moves = list(moves or [])
        trig = callback_context.triggered_id
        if isinstance(trig, dict):
            if not any(callback_context.triggered[0].get("value") or [0]):
                return no_update, no_update
            k = int(trig["index"])
            return [m for i, m in enumerate(moves) if i != k], None
        try:
            mv = form_move(kind, imposer, targets, sectors, mode, value, over, share, label)
            entries = [service.check_move(m, k) for k, m in enumerate(moves + [mv])]
            service.validate_moves({"name": "dashboard", "moves": entries, "add": []})
        except TradeshockError as exc:
            return no_update, error_box(str(exc))
        return moves + [mv], html.Div("Move added.", className="ok")

    @app.callback(Output("b-movelist", "children"), Input("b-moves", "data"))
    def _movelist(moves: list) -> Any:
        if not moves:
            return html.P("No custom moves.", className="hint")
        items = []
        for k, mv in enumerate(moves):
            entry = service.check_move(mv, k)
            items.append(
                html.Li(
                    [
                        _move_text(entry),
                        " ",
                        html.Button("remove", id={"type": "b-move-del", "index": k}, className="link"),
                    ]
                )
            )
        return html.Ul(items, className="moves")

    @app.callback(
        Output("b-yaml", "children"),
        Input({"type": "b-meas", "group": ALL}, "value"),
        Input("b-moves", "data"),
        Input("b-name", "value"),
        Input("b-deficits", "value"),
        State("b-base", "value"),
        State("b-asof", "value"),
    )
    def _yaml(checked: list, moves: list, name: str, deficits: str, base: str, as_of: str) -> str:
        try:
            spec = service.check_spec(_spec(base, _date(as_of) or "", checked, moves, name, deficits))
            return service.scenario_yaml(spec)
        except TradeshockError as exc:
            return f"# {exc}"

    def submit(
        checked: list, moves: list, name: str, deficits: str, base: str, as_of: str, draws: Any
    ) -> list:
        if as_of and _date(as_of) is None:
            raise service.SpecError(f"as-of date {as_of!r} is not a date; use YYYY-MM-DD")
        return [submit_run(pool, _spec(base, as_of, checked, moves, name, deficits, draws))]

    def render(results: list, jobs: list) -> Any:
        key = jobs[0].key
        return html.P(
            [f"“{jobs[0].label}” is solved. ", dcc.Link("See the results →", href=f"/results?run={key}")]
        )

    def on_done(results: list, jobs: list, history: list | None) -> tuple:
        key, label = jobs[0].key, jobs[0].label
        hist = [h for h in (history or []) if h.get("key") != key]
        hist.append({"key": key, "name": label, "when": time.strftime("%H:%M:%S")})
        return hist[-HISTORY:], "/results", f"?run={key}"

    register_jobs(
        app,
        pool,
        "b",
        Input("b-run", "n_clicks"),
        [
            State({"type": "b-meas", "group": ALL}, "value"),
            State("b-moves", "data"),
            State("b-name", "value"),
            State("b-deficits", "value"),
            State("b-base", "value"),
            State("b-asof", "value"),
            State("b-draws", "value"),
        ],
        submit,
        render,
        extra=[
            Output("history", "data", allow_duplicate=True),
            Output("url", "pathname", allow_duplicate=True),
            Output("url", "search", allow_duplicate=True),
        ],
        on_done=on_done,
        extra_states=[State("history", "data")],
    )
