"""Strategy: attribution of a package to its measures, the game and its equilibria, the target."""

from __future__ import annotations

from typing import Any

from dash import Input, State, dcc, html

from tradeshock.app import figures as F
from tradeshock.app import service
from tradeshock.app.jobs import JobPool
from tradeshock.app.pages.widgets import field, job_panel, page, register_jobs, row, tab

#: Attribution is exact up to this many measures (2^n solves); more are refused in the page.
MAX_MEASURES = 6
TARGETS = [
    "non_us_exports x2",
    "non_us_exports x1.5",
    "non_us_exports +C$100bn",
    "us_share 60%",
    "exports_to[CHN,JPN,KOR,IND] x1.5",
]
GROUPS = ("EU", "GBR", "JPN", "KOR", "IND", "ASEAN", "CPTPP", "INDO_PACIFIC", "CHN", "MEX", "AUS", "BRA")


def layout() -> html.Div:
    """The Strategy page: three tabs."""
    cat = service.catalog()
    att = [
        {"label": f"{s.name} ({len(s.own)} measures)", "value": s.name}
        for s in cat.scenarios.values()
        if 1 <= len(s.own) <= MAX_MEASURES
    ]
    codes = list(GROUPS) + [c for c, _ in cat.countries if c not in GROUPS and c != "CAN"]
    default = "canada-china-deal-2026"
    return page(
        "strategy",
        "Strategy",
        dcc.Tabs(
            id="s-tabs",
            value="attribution",
            children=[
                tab(
                    "Attribution: who did what",
                    "attribution",
                    "Split a package's effect into each of its measures (Shapley values: every order "
                    "of adding the measures, averaged; the parts add up to the total).",
                    row(
                        field(
                            "Scenario",
                            dcc.Dropdown(
                                id="s-att-scn",
                                options=att,
                                value=default
                                if any(o["value"] == default for o in att)
                                else (att[0]["value"] if att else None),
                                clearable=False,
                            ),
                            wide=True,
                        ),
                        html.Button("Attribute", id="s-att-go", className="primary"),
                    ),
                    job_panel("s-att"),
                ),
                tab(
                    "The game",
                    "game",
                    "Canada, the United States and China each choose a move; every combination is "
                    "solved and the payoffs analysed (best responses, Nash equilibria, "
                    "dominated moves).",
                    row(
                        field(
                            "Game",
                            dcc.Dropdown(
                                id="s-game",
                                options=list(cat.games),
                                value=cat.games[0] if cat.games else None,
                                clearable=False,
                            ),
                            wide=True,
                        ),
                        html.Button("Play", id="s-game-go", className="primary"),
                    ),
                    job_panel("s-game"),
                ),
                tab(
                    "Diversification target",
                    "target",
                    "How far must trade costs (or tariffs) with chosen partners fall for Canada to "
                    "reach an export goal?",
                    row(
                        field(
                            "Target",
                            dcc.Dropdown(id="s-tgt", options=TARGETS, value=TARGETS[0], clearable=False),
                            wide=True,
                        ),
                        field(
                            "Lever",
                            dcc.RadioItems(
                                id="s-lever",
                                options=[
                                    {"label": "trade costs", "value": "trade_cost"},
                                    {"label": "partners' tariffs", "value": "tariff_cut"},
                                    {"label": "free-trade agreement", "value": "fta"},
                                ],
                                value="trade_cost",
                                inline=True,
                            ),
                        ),
                    ),
                    row(
                        field(
                            "Partners",
                            dcc.Dropdown(
                                id="s-partners",
                                options=codes,
                                value=["EU", "GBR", "JPN", "KOR", "IND", "ASEAN"],
                                multi=True,
                            ),
                            wide=True,
                        ),
                        field(
                            "On top of",
                            dcc.Dropdown(
                                id="s-base",
                                options=[{"label": "the 2024 baseline", "value": ""}]
                                + [{"label": n, "value": n} for n in cat.scenarios],
                                value="",
                                clearable=False,
                            ),
                        ),
                        html.Button("Solve", id="s-tgt-go", className="primary"),
                    ),
                    job_panel("s-tgt"),
                ),
            ],
        ),
    )


def _att_submit(pool: JobPool, name: str) -> list:
    cat = service.catalog()
    if name not in cat.scenarios:
        raise service.SpecError(service.unknown("shipped scenario", name, sorted(cat.scenarios)))
    payload = {"scenario": name}
    return [
        pool.submit(
            "attribute", payload, service.job_key("attribute", payload), label=f"attribution of {name}"
        )
    ]


def _att_render(results: list, jobs: list) -> html.Div:
    df = results[0]
    fig, wide = F.attribution_fig(df)
    cols = [("measure", "measure", "text")] + [(c, c, "pp") for c in wide.columns if c != "measure"]
    out = [
        html.P(
            f"{df.attrs.get('method')}: {df.attrs.get('n_solves')} solves, "
            f"{df.attrs.get('seconds', 0):.1f} s.",
            className="hint",
        ),
        F.graph(fig, "g-attribution"),
        F.data_table(
            wide, cols, "Real income: contribution of each measure", "percentage points", tid="t-attribution"
        ),
    ]
    prov = df[(df["country"] == "CAN") & df["variable"].str.startswith("province_value_added_change:")]
    if not prov.empty:
        p = (
            prov.assign(province=prov["variable"].str.split(":").str[1])
            .pivot_table(index="province", columns="measure", values="contribution", sort=False)
            .reset_index()
        )
        out.append(
            F.data_table(
                p,
                [("province", "province", "text")] + [(c, c, "money") for c in p.columns if c != "province"],
                "Value added by province: contribution of each measure",
                str(prov["unit"].iloc[0]),
            )
        )
    return html.Div(out)


def _game_submit(pool: JobPool, name: str) -> list:
    if name not in service.catalog().games:
        raise service.SpecError(service.unknown("game", name, service.catalog().games))
    payload = {"game": name}
    return [pool.submit("game", payload, service.job_key("game", payload), label=f"game {name}")]


def _game_render(results: list, jobs: list) -> html.Div:
    g = results[0]
    m = g.matrix()
    cols = [(c, c, "text") for c in g.players] + [(f"payoff_{c}", f"{c} payoff %", "num") for c in g.players]
    moves = [
        html.Li([html.Strong(f"{p.country} {mv.id}"), f": {mv.description}"])
        for p in g.game.players
        for mv in p.moves
    ]
    out = [
        html.P(g.summary(), className="headline", id="s-game-summary"),
        F.data_table(m, cols, "Payoffs of every move profile", "real-income change, percent", tid="t-game"),
        F.data_table(
            g.best_responses,
            [
                ("player", "player", "text"),
                ("others", "when the others play", "text"),
                ("best", "best response", "text"),
            ],
            "Best responses",
            "moves",
        ),
        html.Details([html.Summary("The moves"), html.Ul(moves)]),
        html.P(f"{g.n_solves} solves, {g.seconds:.1f} s.", className="hint"),
    ]
    return html.Div(out)


def _tgt_submit(pool: JobPool, target: str, lever: str, partners: list, base: str) -> list:
    from tradeshock.analysis.targets import GROUPS as TG
    from tradeshock.analysis.targets import parse_target

    if target not in TARGETS:
        raise service.SpecError(service.unknown("target", target, TARGETS))
    parse_target(target)
    if lever not in ("trade_cost", "tariff_cut", "fta"):
        raise service.SpecError(service.unknown("lever", lever, ("trade_cost", "tariff_cut", "fta")))
    known = {c for c, _ in service.catalog().countries} | set(TG)
    partners = [p for p in (partners or []) if isinstance(p, str)][:60]
    bad = [p for p in partners if p not in known]
    if bad or not partners:
        raise service.SpecError(f"partners: give one or more country codes or groups; unknown: {bad[:3]}")
    if base and base not in service.catalog().scenarios:
        raise service.SpecError(
            service.unknown("shipped scenario", base, sorted(service.catalog().scenarios))
        )
    payload = {"country": "CAN", "target": target, "lever": lever, "partners": partners, "base": base or None}
    return [pool.submit("target", payload, service.job_key("target", payload), label=f"target {target}")]


def _tgt_render(results: list, jobs: list) -> html.Div:
    t = results[0]
    ev = t.evaluations
    side = t.side_effects()
    wf = side["welfare"].reset_index()
    wf = wf[wf["country"].isin(["CAN", "USA", "CHN", "MEX"])]
    return html.Div(
        [
            html.P(t.summary(), className="headline", id="s-tgt-summary"),
            F.data_table(
                ev,
                [(c, c, "money" if c == "metric" and not t.target.is_share else "num") for c in ev.columns],
                "Every solve of the search",
                "lever as a fraction; metric in US$ million (or a share)",
            ),
            F.data_table(
                wf,
                [
                    ("country", "country", "text"),
                    ("real_income", "real income %", "pct3"),
                    ("terms_of_trade", "terms of trade %", "pct3"),
                ],
                "Side effects at the answer: welfare",
                "percent change from the baseline",
            ),
        ]
    )


def register(app: Any, pool: JobPool) -> None:
    """The Strategy page's callbacks."""
    register_jobs(
        app,
        pool,
        "s-att",
        Input("s-att-go", "n_clicks"),
        [State("s-att-scn", "value")],
        lambda n: _att_submit(pool, n),
        _att_render,
    )
    register_jobs(
        app,
        pool,
        "s-game",
        Input("s-game-go", "n_clicks"),
        [State("s-game", "value")],
        lambda n: _game_submit(pool, n),
        _game_render,
    )
    register_jobs(
        app,
        pool,
        "s-tgt",
        Input("s-tgt-go", "n_clicks"),
        [
            State("s-tgt", "value"),
            State("s-lever", "value"),
            State("s-partners", "value"),
            State("s-base", "value"),
        ],
        lambda *v: _tgt_submit(pool, *v),
        _tgt_render,
    )
