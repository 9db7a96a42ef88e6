"""CLI commands: ``tradeshock rates`` (effective tariffs by date) and ``tradeshock validate``."""

from __future__ import annotations

from pathlib import Path

import typer

from tradeshock.cli._tables import check_table_path, write_table


def _print(df, title: str, pct_cols: tuple[str, ...] = ("rate", "base_rate", "add"), limit: int = 60) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in df.columns:
        table.add_column(f"{c} (%)" if c in pct_cols else str(c),
                         justify="right" if c != "sector" else "left")
    for _, row in df.head(limit).iterrows():
        cells = []
        for c in df.columns:
            v = row[c]
            if c in pct_cols:
                cells.append(f"{100 * float(v):.2f}")
            elif isinstance(v, float):
                cells.append(f"{v:,.1f}")
            else:
                cells.append(str(v))
        table.add_row(*cells)
    con = Console()
    con.print(table)
    if len(df) > limit:
        con.print(f"... {len(df) - limit} more rows (use --out FILE.csv for all)")


def rates_cmd(
    as_of: str = typer.Option(None, "--as-of",
                              help="Date YYYY-MM-DD or 'today': take every measure in force that day"),
    imposer: str = typer.Option(None, "--imposer", help="Importing country (ISO3), e.g. USA"),
    target: str = typer.Option(None, "--target", help="Exporting country (ISO3), e.g. CAN"),
    by: str = typer.Option("sector", "--by",
                           help="sector (default) or product (HS6; needs --imposer and --target)"),
    timeline: bool = typer.Option(False, "--timeline",
                                  help="Trade-weighted rate at each date a measure starts or ends"),
    world: str = typer.Option("default", "--world",
                              help="Packaged world whose baseline and weights are used"),
    out: Path = typer.Option(None, "--out",
                             help="Also write the table to this file (.csv, .parquet, .json or .xlsx)"),
) -> None:
    """Effective tariffs from the measures library: by sector or HS6 product as of a date, or a timeline."""
    from tradeshock.errors import ScenarioError
    from tradeshock.rates import effective_rates, mix_source, product_rates, rate_timeline

    check_table_path(out)
    if timeline:
        if not (imposer and target):
            raise ScenarioError("rates --timeline needs --imposer and --target "
                                "(e.g. --imposer USA --target CAN)")
        df = rate_timeline(imposer, target, world=world)
        df["date"] = df["date"].astype(str)
        title = f"{imposer} tariff on {target}, trade-weighted over goods sectors ({world} world weights)"
    else:
        if not as_of:
            raise ScenarioError("rates needs --as-of DATE (YYYY-MM-DD) or --timeline")
        if by == "product":
            if not (imposer and target):
                raise ScenarioError("rates --by product needs --imposer and --target")
            df = product_rates(as_of, imposer, target)
            df = df[df["add"] != 0].sort_values("weight", ascending=False).reset_index(drop=True)
            title = (f"{imposer} additional tariff on {target} by HS6 product, {as_of} "
                     f"(weights: {mix_source(imposer, target)[1]}, US$ million)")
        elif by == "sector":
            df = effective_rates(as_of, imposer=imposer, target=target, world=world)
            if not (imposer and target):
                df = df[df["rate"] != df["base_rate"]].reset_index(drop=True)
            title = f"Applied tariffs as of {as_of} (trade_weight: baseline flow, US$ million)"
        else:
            from tradeshock.errors import did_you_mean

            raise ScenarioError(f"--by {by!r} is not sector or product"
                                f"{did_you_mean(by, ['sector', 'product'])}")
    _print(df, title)
    from tradeshock.measures import load_library

    lib = load_library()
    imposers = [imposer] if imposer else None
    typer.echo(lib.coverage_note(None if timeline else as_of, imposers=imposers))
    if not timeline:
        idle = sorted(m.id for m in lib.in_force(as_of) if m.unquantified
                      and (imposer is None or m.imposer == imposer)
                      and (target is None or m.hits(target)))
        if idle:
            typer.echo("in force but not quantified (coverage not identifiable in trade data, not "
                       "in these rates): " + ", ".join(idle))
    if out is not None:
        write_table(df, out)
        typer.echo(f"wrote {out}")


def validate_cmd(path: Path = typer.Argument(..., help="Scenario file (.yaml or .toml) or a shipped "
                                                       "scenario name")) -> None:
    """Check a scenario file (fields, measure ids, countries, HS codes, sectors, extends) without solving."""
    from tradeshock.scenario import validate_file

    sc = validate_file(path)
    labels = sc.measure_labels()
    typer.echo(f"ok: {path} - scenario {sc.name!r} on world {sc.world!r}"
               + (f", as of {sc.as_of}" if sc.as_of else "")
               + (f", extends {sc.extends}" if sc.extends else "")
               + f"; {len(sc.tariff_measures())} tariff measures applied, {len(labels)} own measures"
               + (f" ({', '.join(labels)})" if labels else ""))


def register(app: typer.Typer) -> None:
    """Add the ``rates`` and ``validate`` commands to the main app."""
    app.command("rates")(rates_cmd)
    app.command("validate")(validate_cmd)
