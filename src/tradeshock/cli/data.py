"""CLI commands: ``tradeshock data list|info|build``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

data_app = typer.Typer(help="Packaged baseline worlds: list, inspect, rebuild from raw data.",
                       no_args_is_help=True)


@data_app.command("list")
def list_cmd() -> None:
    """List the packaged worlds with their size and base year."""
    from tradeshock.world import list_worlds, load_world

    table = Table("world", "year", "countries", "sectors", "description")
    for name in list_worlds():
        w = load_world(name)
        table.add_row(name, str(w.year), str(w.n_countries), str(w.n_sectors),
                      str(w.provenance.get("title", "")))
    Console().print(table)


@data_app.command("info")
def info_cmd(name: str = typer.Argument(..., help="World name, e.g. default")) -> None:
    """Countries, sectors, year, totals and sources of a world."""
    from tradeshock.world import load_world

    w = load_world(name)
    con = Console()
    con.print(f"[bold]{name}[/bold]: {w.provenance.get('title', '')} ({w.year})")
    con.print(f"{w.n_countries} countries: {', '.join(w.countries)}")
    con.print(f"{w.n_sectors} sectors: {', '.join(w.sectors)}")
    s = w.summary()
    con.print(f"World value added: {s['value_added'].sum():,.0f} US$ million; "
              f"world exports: {s['exports'].sum():,.0f} US$ million")
    for src in w.sources:
        con.print(f"- {src.get('title', '')} {src.get('url', '')} [{src.get('licence', '')}]")


@data_app.command("build")
def build_cmd(
    raw: str = typer.Option(..., "--raw", help="Raw data folder (shared/data/raw, holding SOURCES.md)"),
    only: list[str] = typer.Option(None, "--only", help="Build only this step (repeatable): cp1993, "
                                   "gravity2006, agtpa, hs6_wiod, wiod2011, default, trade_weights, provinces"),
    out: str = typer.Option(None, "--out", help="Output data folder (default: the package's data/)"),
) -> None:
    """Rebuild the packaged data from the raw public files (deterministic, byte-identical)."""
    from tradeshock.build import build

    done = build(raw, out=out, only=only or None)
    con = Console()
    for name, paths in done.items():
        con.print(f"[green]built[/green] {name}: " + ", ".join(str(p) for p in paths))


def register(app: typer.Typer) -> None:
    """Add the ``data`` group to the main app."""
    app.add_typer(data_app, name="data")
