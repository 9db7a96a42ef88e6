"""CLI command: ``tradeshock timeline`` — the tariff war month by month, real income per date."""

from __future__ import annotations

from pathlib import Path

import typer

from tradeshock.cli._tables import write_table


def timeline_cmd(
    start: str = typer.Option("2025-01-01", "--start", help="First date (YYYY-MM-DD)"),
    end: str = typer.Option("today", "--end", help="Last date (YYYY-MM-DD or 'today')"),
    monthly: bool = typer.Option(False, "--monthly",
                                 help="Solve on the first of each month instead of at each policy date"),
    world: str = typer.Option("default", "--world", "-w", help="World name"),
    provinces: bool = typer.Option(True, "--provinces/--no-provinces",
                                   help="Also report Canada's provinces"),
    deficits: str = typer.Option("fixed", "--deficits", help="fixed | zero"),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Write the tidy table (date, region, kind, name, real_income_pct; "
                                  ".csv/.parquet/.json/.xlsx)"),
    report: Path = typer.Option(None, "--report", help="Write an HTML report with the charts"),
    draws: int = typer.Option(None, "--draws", help="Re-solve the timeline for N draws of the trade "
                              "elasticities: real income with p05/p50/p95 (docs/elasticities.md)"),
    seed: int = typer.Option(0, "--seed", help="Seed of the elasticity draws"),
) -> None:
    """Solve the measures in force at every policy date and show real income over time."""
    from rich.console import Console
    from rich.table import Table

    from tradeshock.analysis.timeline import timeline

    con = Console()
    if draws is not None:
        from tradeshock.uncertainty import check_draws

        check_draws(draws, "--draws")
    with con.status("solving the measures in force at each date …"):
        tl = timeline(world, start, end, monthly=monthly, provinces=provinces, deficits=deficits)
    banded = None
    if draws is not None:
        from tradeshock.cli._tables import print_bands
        from tradeshock.uncertainty import over_draws
        from tradeshock.world import load_world

        with con.status(f"solving the timeline for {draws} elasticity draws …"):
            banded = over_draws(lambda w: timeline(w, start, end, monthly=monthly,
                                                   provinces=provinces, deficits=deficits).data,
                                load_world(world), draws, seed, keys=["date", "region"])
    ev = tl.events.set_index("date")
    wide = tl.wide("country")
    table = Table("date", *wide.columns, "measures that start (and end) that day",
                  title=f"Real income, % vs 2024 baseline, measures in force on each date "
                        f"(world {tl.world})")
    for d, row in wide.iterrows():
        starts, ends = ev.loc[d, "starts"], ev.loc[d, "ends"]
        what = starts + (f"; ends: {ends}" if ends else "")
        table.add_row(str(d), *[f"{v:+.3f}" for v in row], what if len(what) < 70 else what[:67] + "...")
    con.print(table)
    if (tl.data["kind"] == "province").any():
        pw = tl.wide("province")
        pw = pw[[c for c in ("ON", "QC", "BC", "AB", "SK", "MB") if c in pw.columns]]
        pt = Table("date", *pw.columns, title="Largest provinces: real income, % (all provinces in "
                                                "--out; they add up to Canada)")
        for d, row in pw.iterrows():
            pt.add_row(str(d), *[f"{v:+.2f}" for v in row])
        con.print(pt)
    warm = tl.solves[tl.solves["warm"]]
    con.print(f"{len(tl.solves)} solves in {tl.seconds:.1f} s ({len(warm)} warm-started from the "
              f"previous date; {int(tl.solves['quotas'].gt(0).sum())} with the EV quota solved on "
              "counterfactual volumes).")
    if tl.coverage_note:
        con.print(f"[dim]{tl.coverage_note}[/]")
    if banded is not None:
        can = banded[banded["region"] == "CAN"]
        can.attrs.update(banded.attrs)
        print_bands(con, can, ["date"], "real_income_pct", 60, "Canada's real income by date, %")
    if out is not None:
        write_table(tl.data if banded is None else banded, out)
        con.print(f"table: {out}")
    if report is not None:
        from tradeshock.report.html import write_report

        path = write_report(tl.last_result, report, timeline=tl, sections=["timeline"],
                            title="The tariff war month by month")
        con.print(f"report: {path}")


def register(app: typer.Typer) -> None:
    """Add the ``timeline`` command to the main app."""
    app.command("timeline")(timeline_cmd)
