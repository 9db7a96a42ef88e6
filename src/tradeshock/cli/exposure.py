"""CLI command: ``tradeshock exposure COUNTRY`` — dependence, concentration and cut-off costs."""

from __future__ import annotations

from pathlib import Path

import typer

from tradeshock.cli._tables import check_table_path, write_table


def exposure_cmd(
    country: str = typer.Argument(..., help="ISO3 code of the exposed country, e.g. CAN"),
    partner: str = typer.Option(None, "--partner", "-p", help="Only this partner (ISO3)"),
    sector: str = typer.Option(None, "--sector", "-s", help="Only this sector (code)"),
    cutoffs: bool = typer.Option(True, "--cutoffs/--no-cutoffs",
                                 help="Solve the GE cut-off counterfactuals (slower)"),
    out: Path = typer.Option(None, "--out", "-o", help="Write the full table (.csv/.parquet/.json/.xlsx)"),
    world: str = typer.Option("default", "--world", "-w", help="World name"),
    min_share: float = typer.Option(None, "--min-share", min=0.0,
                                    help="Solve cut-offs only for flows >= this share of total "
                                         "exports (imports); default 0.005, or every non-zero "
                                         "flow with --partner"),
    backend: str = typer.Option("processes", "--backend", help="processes | dask | serial"),
    workers: int = typer.Option(None, "--workers", min=1, help="Parallel workers (default: all cores)"),
    deficits: str = typer.Option("fixed", "--deficits", help="fixed | zero (cut-off counterfactuals)"),
    top: int = typer.Option(20, "--top", min=1, help="Rows shown in the terminal"),
    draws: int = typer.Option(None, "--draws", help="Re-run the cut-off solves for N draws of the "
                              "trade elasticities: p05/p50/p95 columns (docs/elasticities.md)"),
    seed: int = typer.Option(0, "--seed", help="Seed of the elasticity draws"),
) -> None:
    """Trade dependence of COUNTRY: concentration (HHI), asymmetry, supplier dependence, cut-off costs."""
    from rich.console import Console
    from rich.table import Table

    from tradeshock.analysis.exposure import exposure

    check_table_path(out)                   # a bad --out fails now, not after the solves

    def run(w: object) -> object:
        return exposure(country.upper(), partner=partner.upper() if partner else None, world=w,
                        sector=sector, cutoffs=cutoffs, min_share=min_share, backend=backend,
                        workers=workers, deficits=deficits)

    if draws is not None:
        from tradeshock.uncertainty import check_draws, over_draws
        from tradeshock.world import load_world

        check_draws(draws, "--draws")
        df = over_draws(run, load_world(world), draws, seed, keys=["partner", "sector"])
    else:
        df = run(world)
    con = Console()
    cols = ["partner", "sector", "exports", "export_share", "partner_import_share", "hhi_partners",
            "cutoff_real_income_pct", "cutoff_output_pct", "supplier_cutoff_real_income_pct"]
    heads = ["partner", "sector", "exp. US$m", "exp sh", "p.imp sh", "HHI", "cut inc%", "cut out%",
             "sup inc%"]
    table = Table(*heads, title=f"Exposure of {country.upper()} ({df.attrs.get('world')}; "
                                f"{df.attrs.get('solves', 0)} GE solves in {df.attrs.get('seconds')} s)")
    for rec in df.head(top)[cols].itertuples(index=False):
        cells = [rec[0], rec[1], f"{rec[2]:,.0f}"]
        cells += ["" if v != v else f"{v:.2f}" for v in rec[3:6]]
        cells += ["" if v != v else f"{v:+.2f}" for v in rec[6:]]
        table.add_row(*cells)
    con.print(table)
    if draws is not None and "cutoff_real_income_pct_p05" in df:
        from tradeshock.cli._tables import print_bands

        print_bands(con, df, ["partner", "sector"], "cutoff_real_income_pct", top,
                    "real income if the partner embargoes these exports, %")
    con.print("exp sh = partner's share of the sector's exports; p.imp sh = country's share of the "
              "partner's imports; HHI = buyers' concentration; cut inc%/cut out% = real income / "
              "sector output change if the partner embargoes these exports; sup inc% = real income "
              "change if the partner stops supplying the sector.")
    con.print(f"Shares and HHI are fractions (HHI > 0.4: concentrated, EC/CEPII; > 0.18: highly "
              f"concentrated, US DOJ/FTC 2023). Cut-offs solved for flows >= {df.attrs['min_share']:.2%} of "
              "total exports/imports; blank = below threshold. Money: "
              f"{df.attrs.get('unit', '').split(';')[0]}.")
    if out is not None:
        write_table(df, out)
        con.print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add the ``exposure`` command to the main app."""
    app.command("exposure")(exposure_cmd)
