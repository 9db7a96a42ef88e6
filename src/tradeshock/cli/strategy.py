"""CLI commands for strategy questions: ``target``, ``attribute`` and ``game``.

- ``tradeshock target``: how far must trade costs (or tariffs) with chosen partners fall for
  Canada to reach an export goal, e.g. doubling non-US exports? Or, with ``--scenario``, how
  much of the goal given scenarios deliver.
- ``tradeshock attribute SCENARIO``: each measure's share of a package's effects (Shapley).
- ``tradeshock game [GAME]``: payoffs, best responses and equilibria of the three powers' moves.
"""

from __future__ import annotations

from pathlib import Path

import typer

from tradeshock.cli._tables import check_report_path, check_table_path, write_table

_BACKEND_HELP = "How to run the many solves: processes (all cores), dask, or serial"


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in v.replace(";", ",").split(",") if x.strip()]
    return out


# ------------------------------------------------------------------------------ target
def target_cmd(
    target: str = typer.Option(
        "non_us_exports x2", "--target", "-t",
        help='The goal, e.g. "non_us_exports x2" (double non-US exports), "non_us_exports '
             '+C$300bn", "us_share 60%" (US share of exports down to 60%), '
             '"exports_to[CHN,JPN] x1.5".'),
    lever: str = typer.Option(
        "trade_cost", "--lever", "-l",
        help="What is moved: trade_cost (uniform cut in trade costs with the partners), "
             "tariff_cut (the partners cut their tariffs on the country), fta (both sides' "
             "tariffs go to zero; 100% = a full free-trade agreement)."),
    partners: list[str] = typer.Option(
        ["EU,GBR,JPN,KOR,IND,ASEAN"], "--partners", "-p",
        help="Partners the lever applies to: ISO3 codes or groups EU, ASEAN, CPTPP, "
             "INDO_PACIFIC (comma-separated)."),
    sectors: list[str] = typer.Option(None, "--sectors", "-s",
                                      help="Only these sectors (codes; default all tradable)."),
    except_sectors: list[str] = typer.Option(
        None, "--except-sectors", "-x",
        help="All tradable sectors but these (e.g. petroleum,mining)."),
    target_sectors: list[str] = typer.Option(
        None, "--target-sectors",
        help="Count only these sectors' exports in the target (e.g. mining, to calibrate to "
             "observed crude-oil exports; default all sectors)."),
    elasticities: str = typer.Option(
        None, "--elasticities", "-e",
        help="Alternative trade-elasticity set of the world (e.g. uniform5, simonovska_waugh) "
             "for a sensitivity check."),
    country: str = typer.Option("CAN", "--country", "-c", help="Whose exports (ISO3)."),
    draws: int = typer.Option(None, "--draws", help="Re-solve the target for N draws of the trade "
                              "elasticities: the lever size needed with its p05-p95 band"),
    draw_seed: int = typer.Option(0, "--seed", help="Seed of the elasticity draws"),
    base: str = typer.Option(None, "--base", "-b",
                             help="Scenario the lever is added to (e.g. status-quo-2026-03); "
                                  "default: the 2024 baseline."),
    scenario: list[str] = typer.Option(
        None, "--scenario",
        help="Forward question instead: how much of the target each of these scenarios "
             "delivers (repeat the option)."),
    relative_to: str = typer.Option(
        None, "--relative-to",
        help="With --scenario: also show what each scenario adds on top of this one (e.g. "
             "status-quo-2026-03)."),
    one_way: bool = typer.Option(False, "--one-way",
                                 help="trade_cost lever: cut only the costs of exporting."),
    max_value: float = typer.Option(None, "--max", min=0.0,
                                    help="Largest lever size searched (default 0.9 for trade "
                                         "costs, 1 for tariffs)."),
    world: str = typer.Option("default", "--world", "-w", help="World name."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the answer table (.csv/.parquet/.json/.xlsx)."),
    report: Path = typer.Option(None, "--report", help="Write an HTML report here."),
    backend: str = typer.Option("processes", "--backend", help=_BACKEND_HELP),
) -> None:
    """Find how big a policy lever must be to reach an export target, e.g. doubling Canada's non-US exports.

    Each try is a full general-equilibrium solve; the answer is found by root-finding (a few
    solves). If the lever cannot reach the target, the command says so and shows the best
    attainable value.

    Examples: tradeshock target (trade costs with EU, UK, Japan, Korea, India, ASEAN to double
    non-US exports)

    tradeshock target -t "us_share 60%" -l fta -p EU,JPN,CHN

    tradeshock target -x petroleum,mining -e uniform5 (without energy; elasticity 5)

    tradeshock target --scenario asia-energy-pivot --relative-to status-quo-2026-03
    """
    import dataclasses

    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from tradeshock.analysis.targets import parse_lever, parse_target, solve_target, target_progress
    from tradeshock.world import load_world

    check_table_path(out)                   # bad output paths fail before any solving
    check_report_path(report)
    con = Console()
    w = load_world(world)
    if elasticities:
        w = w.with_elasticities(elasticities)
    if target_sectors:
        target = dataclasses.replace(parse_target(target, where="--target"),  # type: ignore[assignment]
                                     sectors=tuple(_split(target_sectors)))
    if scenario:
        df = target_progress(w, country.upper(), target, scenario, reference=relative_to,
                             backend=backend)
        heads = ["scenario", "baseline", "goal", "achieved", "share of goal"]
        if relative_to:
            heads += [f"added vs {relative_to}"]
        table = Table(*heads, title=f"{country.upper()}: {df['target'].iloc[0]} "
                                    f"({df.attrs.get('unit', '')})")

        def num(v: float) -> str:
            return f"{v:,.3f}" if abs(v) < 2 else f"{v:,.0f}"

        for r in df.itertuples():
            cells = [r.scenario, num(r.baseline), num(r.goal), num(r.achieved),
                     f"{100 * r.share_of_goal:.1f}%"]
            if relative_to:
                cells.append(f"{100 * r.share_vs_reference:+.1f}%")
            table.add_row(*cells)
        con.print(table)
        if out is not None:
            write_table(df, out)
            con.print(f"wrote {out}")
        return
    secs = _split(sectors) or None
    if except_sectors:
        drop = set(_split(except_sectors))
        for s in drop:
            w.sector_index(s, where="--except-sectors")
        secs = [s for s, t in zip(w.sectors, w.tradable, strict=True)
                if t and s not in drop and (secs is None or s in secs)]
    lev = parse_lever(lever, _split(partners), secs, one_way, max_value)
    res = solve_target(w, country.upper(), target, lev, base=base)
    con.print(res.summary())
    banded = None
    if draws is not None:
        from tradeshock.uncertainty import check_draws, over_draws

        check_draws(draws, "--draws")
        banded = over_draws(lambda wd: solve_target(wd, country.upper(), target, lev,
                                                    base=base).to_frame(), w, draws, draw_seed)
        r0 = banded.iloc[0]
        con.print(f"Lever size over {banded.attrs['solved']}/{draws} elasticity draws (seed "
                  f"{draw_seed}): {r0['value']:.4g} [p05 {r0['value_p05']:.4g}, p50 "
                  f"{r0['value_p50']:.4g}, p95 {r0['value_p95']:.4g}]")
        for f in banded.attrs["failed_draws"]:
            con.print(f"[red]draw {f['index']} failed[/]: {f['kind']}: {f['message']}")
    side = res.side_effects()
    wel = side["welfare"]
    focus = [c for c in ("CAN", "USA", "CHN", "MEX", country.upper()) if c in wel.index]
    t = Table("country", "real income %", "terms of trade %",
              title=f"Welfare at the lever size ({res.n_solves} solves, {res.seconds:.1f} s)")
    for c in dict.fromkeys(focus):
        t.add_row(c, f"{wel.loc[c, 'real_income']:+.3f}", f"{wel.loc[c, 'terms_of_trade']:+.3f}")
    con.print(t)
    ex = side["exports"].set_index("partner")
    if "USA" in ex.index:
        con.print(f"Exports to the USA: {ex.loc['USA', 'change_pct']:+.2f}% "
                  f"({ex.loc['USA', 'change']:+,.0f} US$ million)")
    sec = side["sectors"].sort_values("value_added_change_pct")
    ts = Table("sector", "value added %", title=f"{country.upper()}: sectors that lose and gain most")
    for r in pd.concat([sec.head(4), sec.tail(4)]).itertuples():
        ts.add_row(r.sector, f"{r.value_added_change_pct:+.2f}")
    con.print(ts)
    if "provinces" in side:
        from tradeshock.analysis.attribution import winners_losers

        wl = winners_losers({"t": res.result})
        wl = wl[wl["level"] == "province"]
        tp = Table("province", "value added %", "change (C$ million)", title="Provinces")
        for r in wl.itertuples():
            tp.add_row(r.name, f"{r.value_added_change_pct:+.2f}", f"{r.value_added_change:+,.0f}")
        con.print(tp)
    for note in res.notes:
        con.print(f"note: {note}")
    if out is not None:
        write_table(res.to_frame() if banded is None else banded, out)
        con.print(f"wrote {out}")
    if report is not None:
        from tradeshock.report.html import write_report

        write_report(res.result, report, target=res,
                     title=f"Target: {res.target.describe()} ({country.upper()})")
        con.print(f"wrote {report}")


# --------------------------------------------------------------------------- attribute
def attribute_cmd(
    scenario: str = typer.Argument(..., help="Scenario file or name (e.g. canada-china-deal-2026)."),
    focus: str = typer.Option("CAN", "--focus", "-f",
                              help="Country whose exports, sectors (and provinces) are split."),
    measures: list[str] = typer.Option(None, "--measures", "-m",
                                       help="Only attribute these measure labels (others stay on)."),
    pairs: int = typer.Option(32, "--pairs", min=1,
                              help="Above 10 measures: pairs of random orders sampled."),
    seed: int = typer.Option(0, "--seed", help="Random seed for sampled orders."),
    world: str = typer.Option(None, "--world", "-w", help="World name (default: the scenario's)."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the full contributions table (.csv/.parquet/.json/.xlsx)."),
    report: Path = typer.Option(None, "--report", help="Write an HTML report with waterfalls here."),
    backend: str = typer.Option("processes", "--backend", help=_BACKEND_HELP),
    draws: int = typer.Option(None, "--draws", help="Re-run the attribution for N draws of the trade "
                              "elasticities (seeded by --seed): contributions with p05-p95 bands"),
) -> None:
    """Split a package of measures into each measure's contribution (what did each side give up?).

    Uses Shapley values: each measure's effect averaged over every order in which the measures
    could have been added, so the split does not depend on an arbitrary order and the parts
    add up exactly to the total. Exact up to 10 measures (2^n solves, in parallel); sampled,
    with standard errors, above.

    Example: tradeshock attribute canada-china-deal-2026 --out deal.csv --report deal.html
    """
    from rich.console import Console
    from rich.table import Table

    from tradeshock.analysis.attribution import attribute

    check_table_path(out)                   # bad output paths fail before any solving
    check_report_path(report)
    con = Console()
    def run(w: object) -> object:
        return attribute(scenario, w, focus=focus.upper(), measures=_split(measures) or None,
                         pairs=pairs, seed=seed, backend=backend)

    if draws is not None:
        from tradeshock.analysis.attribution import load_scenario as _load, scenario_world
        from tradeshock.uncertainty import check_draws, over_draws

        check_draws(draws, "--draws")
        df = over_draws(run, scenario_world(_load(scenario), world), draws, seed)
    else:
        df = run(world)
    a = df.attrs
    wel = df[(df["variable"] == "real_income") & df["country"].isin(["CAN", "USA", "CHN", "MEX",
                                                                     focus.upper()])]
    wide = wel.pivot_table(index="measure", columns="country", values="contribution", sort=False)
    cols = [c for c in dict.fromkeys(["CAN", "USA", "CHN", "MEX", focus.upper()]) if c in wide]
    t = Table("measure", *cols,
              title=f"Real income: contribution of each measure, percentage points "
                    f"({a['method']}, {a['n_solves']} solves, {a['seconds']:.1f} s)")
    for m, r in wide.iterrows():
        t.add_row(str(m), *[f"{r[c]:+.4f}" for c in cols])
    t.add_row("total", *[f"{wide[c].sum():+.4f}" for c in cols])
    con.print(t)
    if draws is not None:
        from tradeshock.cli._tables import print_bands

        sel = df[(df["variable"] == "real_income") & (df["country"] == focus.upper())]
        sel.attrs.update(df.attrs)
        print_bands(con, sel, ["measure"], "contribution", 40,
                    f"{focus.upper()} real income: contribution of each measure, pp")
    prov = df[df["variable"].str.startswith("province_value_added_change:")]
    if not prov.empty:
        pw = prov.assign(province=prov["variable"].str.split(":").str[1]).pivot_table(
            index="province", columns="measure", values="contribution", sort=False)
        tp = Table("province", *[str(c) for c in pw.columns],
                   title=f"{focus.upper()} value added by province: contributions "
                         f"({prov['unit'].iloc[0]})")
        for p, r in pw.iterrows():
            tp.add_row(str(p), *[f"{v:+,.1f}" for v in r])
        con.print(tp)
    if out is not None:
        write_table(df, out)
        con.print(f"wrote {out}")
    if report is not None:
        from tradeshock.analysis.attribution import load_scenario, scenario_world
        from tradeshock.simulate import simulate

        sc = load_scenario(scenario)
        res = simulate(scenario_world(sc, world), sc)
        from tradeshock.report.html import write_report

        write_report(res, report, attribution=df, home=focus.upper())
        con.print(f"wrote {report}")


# -------------------------------------------------------------------------------- game
def _payoff_item(text: str) -> tuple[str, str]:
    """``PLAYER=OUTCOME`` as ``(player, outcome)``; a bare ``OUTCOME`` is for every player (``*``)."""
    player, sep, outcome = text.partition("=")
    return (player, outcome) if sep else ("*", text)


def game_cmd(
    game: str = typer.Argument("canada-between-giants",
                               help="Game file, or the name of a shipped game (or of one in "
                                    "./scenarios/games/)."),
    world: str = typer.Option(None, "--world", "-w", help="World name (default: the game's)."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the tidy payoff table (.csv/.parquet/.json/.xlsx)."),
    report: Path = typer.Option(None, "--report",
                                help="Write an HTML report (for the first equilibrium) here."),
    payoff: list[str] = typer.Option(
        None, "--payoff",
        help="Change a player's payoff, e.g. CAN=province:ON (Ontario's value added, %), "
             "USA=real_wage; outcomes: real_income, welfare_cp, terms_of_trade, real_wage, "
             "exports, value_added, province:XX. Repeat for several players."),
    backend: str = typer.Option("processes", "--backend", help=_BACKEND_HELP),
) -> None:
    """Play the strategic game among Canada, the US and China (or the players in GAME).

    Every combination of moves is one general-equilibrium solve; each player's payoff is its
    welfare change (or the outcome the game file names). Prints the payoff matrix, each
    player's best responses, the pure-strategy Nash equilibria and dominated moves.

    Example: tradeshock game canada-between-giants --payoff CAN=province:ON --report game.html
    """
    from rich.console import Console
    from rich.table import Table

    from tradeshock.analysis.game import Game, play, with_payoffs

    check_table_path(out)                   # bad output paths fail before any solving
    check_report_path(report)
    con = Console()
    spec = Game.load(game)
    if payoff:
        spec = with_payoffs(spec, dict(_payoff_item(p) for p in payoff))
    g = play(spec, world, backend=backend)
    m = g.matrix()
    eqs = {tuple(e[p] for p in g.players) for e in g.equilibria}
    t = Table(*g.players, *[f"{p} payoff %" for p in g.players], "Nash",
              title=f"{g.game.name}: payoffs ({g.n_solves} solves, {g.seconds:.1f} s)")
    for _, r in m.iterrows():
        prof = tuple(r[p] for p in g.players)
        t.add_row(*prof, *[f"{r[f'payoff_{p}']:+.4f}" for p in g.players],
                  "yes" if prof in eqs else "")
    con.print(t)
    tb = Table("player", "if the others play", "best response", title="Best responses")
    for r in g.best_responses.itertuples():
        tb.add_row(r.player, r.others, r.best)
    con.print(tb)
    con.print(g.summary())
    if out is not None:
        write_table(g.payoffs, out)
        con.print(f"wrote {out}")
    if report is not None:
        from tradeshock.report.html import write_report

        prof = tuple(g.equilibria[0][p] for p in g.players) if g.equilibria else \
            tuple(g.game.profiles[0])
        write_report(g.results[prof], report, game=g,
                     title=f"Game {g.game.name}: profile {' / '.join(prof)}")
        con.print(f"wrote {report}")


def _help(doc: str | None) -> str:
    """A docstring as help text: paragraphs kept, lines within a paragraph joined."""
    import inspect

    paras = inspect.cleandoc(doc or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paras)


def register(app: typer.Typer) -> None:
    """Add the ``target``, ``attribute`` and ``game`` commands to the main app."""
    app.command("target", help=_help(target_cmd.__doc__))(target_cmd)
    app.command("attribute", help=_help(attribute_cmd.__doc__))(attribute_cmd)
    app.command("game", help=_help(game_cmd.__doc__))(game_cmd)
