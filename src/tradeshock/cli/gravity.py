"""CLI commands: ``tradeshock gravity estimate`` and ``tradeshock gravity remove-agreement``."""

from __future__ import annotations

from pathlib import Path

import typer

from tradeshock.cli._tables import write_table
from tradeshock.errors import DataError

gravity_app = typer.Typer(help="Structural gravity: PPML with high-dimensional fixed effects, and "
                               "agreement counterfactuals from the estimate.", no_args_is_help=True)

BOOK_YEARS = "1986,1990,1994,1998,2002,2006"


def _list(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _years(text: str | None) -> list[int] | None:
    if not text or text == "all":
        return None
    try:
        return [int(y) for y in _list(text)]
    except ValueError:
        raise DataError(f"--years {text!r}: give comma-separated years, e.g. {BOOK_YEARS}, "
                        "or 'all'") from None


def _panel(panel: str, data: Path | None):  # noqa: ANN202 - DataFrame
    import pandas as pd

    from tradeshock.gravity import load_panel

    if data is None:
        return load_panel(panel)
    if not data.exists():
        raise DataError(f"--data {data}: file not found")
    try:
        return pd.read_parquet(data) if data.suffix == ".parquet" else pd.read_csv(data)
    except Exception as exc:  # parsers raise many types
        raise DataError(f"--data {data}: unreadable ({exc.__class__.__name__}: {exc}); give a CSV or "
                        "Parquet table with exporter, importer, year, trade") from None


@gravity_app.command("estimate")
def estimate_cmd(
    covariates: str = typer.Option("rta", "--covariates", "-x", help="Comma-separated regressors"),
    fixed_effects: str = typer.Option("exporter-year,importer-year,pair", "--fe",
                                      help="Comma-separated: exporter-year, importer-year, pair, "
                                           "exporter, importer, year"),
    years: str = typer.Option(BOOK_YEARS, "--years", help="Comma-separated years, or 'all'"),
    pairs: str = typer.Option("symmetric", "--pairs", help="symmetric | directed pair effects"),
    domestic: str = typer.Option("common", "--domestic", help="common | own domestic pair effect"),
    vcov: str = typer.Option("cluster", "--vcov", help="cluster (by pair) | hetero | iid"),
    panel: str = typer.Option("agtpa", "--panel", help="Packaged panel name"),
    data: Path = typer.Option(None, "--data", help="Your own panel (.csv/.parquet) instead"),
    dropped: Path = typer.Option(None, "--dropped", help="Write the dropped observations here"),
    out: Path = typer.Option(None, "--out", "-o", help="Write the coefficient table (.csv/.json/...)"),
) -> None:
    """Estimate structural gravity by PPML (default: the Advanced Guide's RTA specification)."""
    from rich.console import Console

    from tradeshock.gravity import estimate

    df = _panel(panel, data)
    est = estimate(df, _list(covariates), fixed_effects=_list(fixed_effects), years=_years(years),
                   pairs=pairs, domestic=domestic, vcov=vcov, where=str(data or f"panel {panel}"))
    con = Console()
    con.print(est.summary())
    if out is not None:
        write_table(est.tidy().reset_index(), out)
        con.print(f"wrote {out}")
    if dropped is not None:
        write_table(est.drops.dropped, dropped)
        con.print(f"wrote {dropped}")


@gravity_app.command("remove-agreement")
def remove_cmd(
    members: str = typer.Option("CAN,MEX,USA", "--members", "-m", help="Agreement members (ISO3)"),
    year: int = typer.Option(1994, "--year", help="Base year of the counterfactual"),
    term: str = typer.Option("rta", "--term", help="The agreement's regressor"),
    theta: float = typer.Option(6.0, "--theta", help="Trade elasticity (sigma - 1; the book: 6)"),
    baseline: str = typer.Option("fitted", "--baseline", help="fitted (the book) | observed flows"),
    deficits: str = typer.Option("fixed", "--deficits", help="fixed | zero"),
    reference: str = typer.Option("DEU", "--reference", help="Price normalisation country (the book: DEU)"),
    years: str = typer.Option(BOOK_YEARS, "--years", help="Estimation years, or 'all'"),
    panel: str = typer.Option("agtpa", "--panel", help="Packaged panel name"),
    top: int = typer.Option(12, "--top", help="Rows shown (members first)"),
    out: Path = typer.Option(None, "--out", "-o", help="Write every country's row (.csv/.json/...)"),
) -> None:
    """Estimate the RTA effect, remove it for MEMBERS, solve the GE (the book's "removing NAFTA")."""
    from rich.console import Console
    from rich.table import Table

    from tradeshock.gravity import estimate, load_panel, remove_agreement

    df = load_panel(panel)
    est = estimate(df, [term], years=_years(years))
    res = remove_agreement(est, df, _list(members), year=year, term=term, theta=theta,
                           baseline=baseline, deficits=deficits, reference=reference)
    con = Console()
    m = res.meta
    con.print(f"{term} = {res.beta:.4f} (s.e. {res.std_error:.4f}, clustered by pair; "
              f"{est.drops.n_dropped} observations dropped, see 'gravity estimate'); theta = {theta:g} "
              f"-> iceberg costs x {m['iceberg_change']:.4f} on {len(res.pairs)} member pairs")
    t = res.table
    order = [c for c in _list(members) if c in t.index]
    rest = t.drop(index=order).sort_values("real_gdp", ascending=False)
    shown = t.loc[order + list(rest.index[: max(0, top - len(order))])]
    table = Table("country", "real GDP %", "factory-gate %", "exports %", "agreement effect: rGDP %",
                  "exports %", title=f"Removing the agreement among {', '.join(order)} ({baseline} "
                                     f"{year} baseline, deficits {deficits}; prices relative to "
                                     f"{reference}'s price index)")
    for c, r in shown.iterrows():
        table.add_row(c, f"{r.real_gdp:+.3f}", f"{r.factory_gate_price_ref:+.3f}",
                      f"{r.exports_ref:+.2f}", f"{r.effect_real_gdp:+.3f}", f"{r.effect_exports:+.2f}")
    con.print(table)
    d = m["diagnostics"]
    con.print(f"converged in {d['iterations']} iterations, max residual "
              f"{max(d['residual_trade_balance'], d['residual_expenditure']):.1e}. Effect columns: the "
              "agreement's effect as the Advanced Guide reports it (baseline vs no agreement).")
    if out is not None:
        write_table(t.reset_index(), out)
        con.print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add the ``gravity`` command group to the main app."""
    app.add_typer(gravity_app, name="gravity")
