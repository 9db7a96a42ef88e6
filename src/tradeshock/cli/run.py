"""CLI commands: ``tradeshock run``, ``compare`` and ``demo``.

All three solve scenario files, print a readable summary and write a run folder (``report.html``,
results tables, ``run.json``); see :mod:`tradeshock.runner`. Bad input (missing file, unknown
world or format, unwritable folder) is checked before any solving and reported in one line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tradeshock.errors import ScenarioError

if TYPE_CHECKING:
    from tradeshock.result import ResultSet

#: The shipped Canada scenarios ``tradeshock demo`` runs (each measured against baseline-2024,
#: the world's 2024 tariffs with no new measures).
DEMO_SCENARIOS: tuple[str, ...] = (
    "status-quo-2026-03",
    "us-universal-10",
    "china-canola-retaliation-2025",
    "canada-china-deal-2026",
    "us-punishes-canada-china-deal",
    "cusma-termination",
    "asia-energy-pivot",
)

_FORMAT_HELP = ("Comma-separated outputs: html (report), csv, parquet, xlsx (xlsx is slow for the full "
                "trade table, about 20 s per scenario; parquet is fastest), duckdb (every table in "
                "one results.duckdb file, queryable with SQL)")


def _solve(refs: list[str], world: str | None, as_of: str | None, deficits: str | None,
           out: Path, formats: str, quiet: bool, against: str | None = None,
           draws: int | None = None, seed: int | None = None, scheduler: str | None = None
           ) -> tuple[ResultSet, list[str], Path]:
    """Validate everything cheap first, then solve with progress, then return the results."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tradeshock import runner
    from tradeshock.world import load_world

    fmts = runner.check_formats(formats)
    runner.check_deficits(deficits)
    folder = runner.prepare_out(out)
    if world is not None:
        load_world(world)                      # unknown world: DataError before any solving
    scenarios = [runner.load_scenario(r) for r in refs]
    ref = runner.load_scenario(against) if against is not None else None   # bad name: error now
    if draws is not None:
        from tradeshock.uncertainty import check_draws

        check_draws(draws, "--draws")
    err = Console(stderr=True)
    if quiet or len(scenarios) == 1:
        if not quiet:
            extra = f" and {draws} elasticity draws" if draws else ""
            err.print(f"[dim]solving {getattr(scenarios[0], 'name', refs[0])}{extra} …[/]")
        results = runner.run_many(scenarios, world=world, as_of=as_of, deficits=deficits,
                                  against=ref, draws=draws, seed=seed, scheduler=scheduler)
    else:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                      "{task.total}"), TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("solving", total=len(scenarios))

            def tick(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, description=f"solving {name}" if name else "done")

            results = runner.run_many(scenarios, world=world, as_of=as_of, deficits=deficits,
                                      progress=tick, against=ref, draws=draws, seed=seed,
                                      scheduler=scheduler)
    return results, fmts, folder


def _write(results: ResultSet, folder: Path, fmts: list[str], quiet: bool) -> None:
    from rich.console import Console

    from tradeshock import runner

    runner.write_outputs(results, folder, fmts, argv=sys.argv)
    if not quiet:
        target = folder / "report.html" if "html" in fmts else folder
        Console().print(f"wrote {target} ({', '.join(fmts)}; run.json records how to reproduce it)")


# Options shared by run, compare and demo.
World = Annotated[str | None, typer.Option("--world", "-w", help="World name (default: the scenario's)")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Take the measures in force on this date "
                                                          "(YYYY-MM-DD)")]
Out = Annotated[Path, typer.Option("--out", "-o", help="Output folder")]
Formats = Annotated[str, typer.Option("--format", "-f", help=_FORMAT_HELP)]
Deficits = Annotated[str | None, typer.Option("--deficits", help="fixed | zero (default: the scenario's)")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors")]
Draws = Annotated[int | None, typer.Option(
    "--draws", help="Also solve N draws of the trade elasticities: every table gains p05/p50/p95 "
                    "columns, the summary shows ranges, the report error bars and a tornado "
                    "(default distributions: docs/elasticities.md)")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed of the elasticity draws (default 0 "
                                                         "or the scenario's settings.uncertainty.seed)")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", help="Run the draws on a Dask distributed scheduler (e.g. tcp://host:8786) "
                        "instead of the local process pool")]
Against = Annotated[str | None, typer.Option(
    "--against", help="Measure against this scenario (file or shipped name) instead of the 2024 "
                      "baseline: difference columns in pp. Packages on top of a status quo "
                      "(extends / as_of + measures) are measured against it by default")]


def run_cmd(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario files or shipped scenario names")],
    world: World = None, as_of: AsOf = None, out: Out = Path("out"), formats: Formats = "html,csv",
    deficits: Deficits = None, quiet: Quiet = False, against: Against = None,
    draws: Draws = None, seed: Seed = None, scheduler: Scheduler = None,
) -> None:
    """Solve each SCENARIO, print a summary, and write OUT/report.html, tables and run.json."""
    from tradeshock.report.terminal import print_comparison, print_summary

    results, fmts, folder = _solve(scenarios, world, as_of, deficits, out, formats, quiet, against,
                                   draws, seed, scheduler)
    if not quiet:
        for res in results:
            print_summary(res)
        if len(results) > 1:
            print_comparison(results)
    _write(results, folder, fmts, quiet)


def compare_cmd(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenario files or names")],
    world: World = None, as_of: AsOf = None, out: Out = Path("out"), formats: Formats = "html,csv",
    deficits: Deficits = None, quiet: Quiet = False, against: Against = None,
    draws: Draws = None, seed: Seed = None, scheduler: Scheduler = None,
) -> None:
    """Solve scenarios A B [C...] and show them side by side (terminal and one HTML report)."""
    from tradeshock.report.terminal import print_comparison

    if len(scenarios) < 2:
        raise ScenarioError("compare needs at least two scenarios, e.g. "
                            "'tradeshock compare us-universal-10 cusma-termination'")
    results, fmts, folder = _solve(scenarios, world, as_of, deficits, out, formats, quiet, against,
                                   draws, seed, scheduler)
    if not quiet:
        print_comparison(results)
    _write(results, folder, fmts, quiet)


def demo_cmd(out: Out = Path("out"), formats: Formats = "html,csv") -> None:
    """Run the shipped Canada scenarios against baseline-2024 and write OUT/report.html."""
    from rich.console import Console

    from tradeshock.report.headline import headline
    from tradeshock.report.tables import scenario_labels
    from tradeshock.report.terminal import print_comparison
    from tradeshock.runner import list_scenarios

    shipped = set(list_scenarios())
    names = [n for n in DEMO_SCENARIOS if n in shipped]
    if not names:
        raise ScenarioError("no shipped scenarios found (looked for "
                            f"{', '.join(DEMO_SCENARIOS)} in ./scenarios and the package); "
                            "give files to 'tradeshock run'")
    results, fmts, folder = _solve(names, None, None, None, out, formats, False)
    con = Console()
    con.rule("tradeshock demo: Canada between the US and China (changes vs baseline-2024)")
    print_comparison(results, console=con)
    for res, lab in zip(results, scenario_labels(results), strict=True):
        con.print(f"[bold]{lab}[/]: {headline(res)}\n")
    _write(results, folder, fmts, False)


def register(app: typer.Typer) -> None:
    """Add ``run``, ``compare`` and ``demo`` to the main app."""
    app.command("run")(run_cmd)
    app.command("compare")(compare_cmd)
    app.command("demo")(demo_cmd)
