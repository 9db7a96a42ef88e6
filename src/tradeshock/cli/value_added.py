"""CLI command: ``tradeshock value-added EXPORTER --to IMPORTER --origin ORIGIN``.

Whose value added is in an exporter's sales to a partner — baseline and under scenarios — and,
with ``--reroute``, the third-country diversion screen (see :mod:`tradeshock.analysis.value_added`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tradeshock.cli._tables import write_table

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from tradeshock.analysis.value_added import GlobalIO
    from tradeshock.result import Result


def value_added_cmd(
    exporter: str = typer.Argument(..., help="ISO3 code of the exporting country, e.g. CAN"),
    to: str = typer.Option("USA", "--to", "-t", help="Importing country (ISO3)"),
    origin: str = typer.Option("CHN", "--origin", help="Country whose value added is traced (ISO3)"),
    scenario: list[str] = typer.Option([], "--scenario", "-s",
                                       help="Scenario name or file to compare with the baseline "
                                            "(repeatable)"),
    world: str = typer.Option(None, "--world", "-w", help="World name (default: the scenario's, "
                                                          "or 'default')"),
    as_of: str = typer.Option(None, "--as-of", help="Take the measures in force on this date"),
    reroute: bool = typer.Option(False, "--reroute", help="Also screen third countries for "
                                                          "diversion (needs --scenario)"),
    top: int = typer.Option(10, "--top", help="Sectors shown in the terminal"),
    out: Path = typer.Option(None, "--out", "-o", help="Write the full table (.csv/.parquet/.json/.xlsx)"),
) -> None:
    """Value added in EXPORTER's exports to --to: domestic, foreign, and --origin's, by sector."""
    from rich.console import Console

    from tradeshock import runner
    from tradeshock.analysis import value_added as va
    from tradeshock.cli._tables import check_out
    from tradeshock.world import load_world

    exporter, to, origin = exporter.upper(), to.upper(), origin.upper()
    if top < 1:
        raise typer.BadParameter(f"--top must be at least 1, got {top}")
    if reroute and not scenario:
        raise typer.BadParameter("--reroute compares a counterfactual with its baseline; give "
                                 "--scenario NAME")
    if out is not None:
        check_out(out)
    base_world = load_world(world or "default")
    for code, field in ((exporter, "exporter"), (to, "importer"), (origin, "origin")):
        base_world.country_index(code, where=field)
    results = runner.run_many(scenario, world=world, as_of=as_of) if scenario else []
    sources: dict[str, GlobalIO | Result] = {"baseline": va.io_of(results[0], "baseline") if results
                               else va.io_of(base_world)}
    for res in results:
        sources[str(res.scenario.name if res.scenario is not None else "scenario")] = res
    df = va.compare_origin_content(sources, exporter, to, origin)
    con = Console()
    _print_summary(con, df, exporter, to, origin)
    _print_sectors(con, df, origin, top)
    if reroute:
        for res in results:
            _print_reroute(con, va.rerouting_screen(res, importer=to, origin=origin), res, top)
    con.print(f"Money: {df.attrs['unit']} (scenarios in numéraire units, world value added fixed). "
              "Domestic value added is counted once, where it first leaves the exporter "
              "(Borin–Mancini); double counting is left out of both shares. See docs/value-added.md.")
    if out is not None:
        write_table(df, out)
        con.print(f"wrote {out}")


def _print_summary(con: Console, df: pd.DataFrame, exporter: str, to: str, origin: str) -> None:
    from rich.table import Table

    tot = df[df["sector"] == "all"]
    table = Table(title=f"Value added in {exporter}'s exports to {to} (US$ million)")
    table.add_column("state", no_wrap=True)
    for head in ("gross", "domestic VA", "dom %", "foreign VA", "for %", f"{origin} VA",
                 f"{origin} %"):
        table.add_column(head, justify="right", no_wrap=True)
    for rec in tot.itertuples(index=False):
        g = rec.gross_exports
        table.add_row(rec.state, f"{g:,.0f}", f"{rec.domestic_va:,.0f}", f"{rec.domestic_va / g:.1%}",
                      f"{rec.foreign_va:,.0f}", f"{rec.foreign_va / g:.1%}", f"{rec.origin_va:,.0f}",
                      f"{rec.origin_va_share:.2%}")
    con.print(table)


def _print_sectors(con: Console, df: pd.DataFrame, origin: str, top: int) -> None:
    from rich.table import Table

    sec = df[df["sector"] != "all"]
    wide = sec.pivot_table(index="sector", columns="state", values="origin_va", sort=False)
    states = list(dict.fromkeys(sec["state"]))
    wide = wide[states].sort_values("baseline", ascending=False).head(top)
    table = Table(title=f"{origin}'s value added by exporting sector (US$ million)")
    table.add_column("sector", no_wrap=True)
    for state in states:
        table.add_column(state, justify="right", no_wrap=True)
    for name, row in wide.iterrows():
        table.add_row(str(name), *[f"{row[s]:,.1f}" for s in states])
    con.print(table)


def _print_reroute(con: Console, screen: pd.DataFrame, res: Result, top: int) -> None:
    from rich.table import Table

    name = res.scenario.name if res.scenario is not None else "scenario"
    hit = screen[screen["flagged"]].head(top)
    attrs = screen.attrs
    table = Table("exporter", "sector", "exports Δ", f"{attrs['origin']} inputs Δ",
                  f"{attrs['origin']} VA in exports Δ",
                  title=f"Rerouting screen under {name}: exports to {attrs['importer']} and inputs "
                        f"from {attrs['origin']} both rise ({int(screen['flagged'].sum())} flagged)")
    for rec in hit.itertuples(index=False):
        table.add_row(rec.exporter, rec.sector, f"{rec.exports_change:+,.1f}",
                      f"{rec.origin_inputs_change:+,.1f}", f"{rec.origin_va_in_exports_change:+,.1f}")
    con.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``value-added`` command to the main app."""
    app.command("value-added")(value_added_cmd)
