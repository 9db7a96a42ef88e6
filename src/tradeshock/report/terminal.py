"""Terminal summaries (rich): one scenario, or several side by side.

What a user sees after ``tradeshock run``: the scenario and its measures, welfare by country
(largest moves plus CAN, USA, CHN, MEX), Canada's exports to the US, China and everyone else
before and after, Canada's sectors that gain and lose most, tariff revenue, convergence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from tradeshock.report import tables
from tradeshock.report.context import FOCUS
from tradeshock.report.headline import headline


def _pct(v: float, digits: int = 2) -> str:
    if v != v:
        return "—"
    if round(v, digits) == 0:
        return f"{0:.{digits}f}%"
    style = "green" if v > 0 else "red" if v < 0 else ""
    txt = f"{v:+.{digits}f}%"
    return f"[{style}]{txt}[/]" if style else txt


def _money(v: float) -> str:
    return "—" if v != v else f"{v:,.0f}"


def _measures(result: Any, wide: bool) -> Table | None:
    df = tables.measures_table(result)
    if df is None:
        return None
    keep = ("id", "title" if wide else "", "verb", "imposer", "targets", "target", "sectors", "rate",
            "add", "change", "start", "end")
    cols = [c for c in keep if c in df.columns] or list(df.columns)[:7]
    shown = [c for c in cols if c != "end"]
    t = Table(title="Measures applied (rate: % ad valorem; in force from → to)", title_justify="left")
    for c in shown:
        t.add_column("in force" if c == "start" else c, overflow="fold",
                     no_wrap=c in ("rate", "start"), min_width=22 if c == "id" else None,
                     max_width=14 if c in ("targets", "target", "sectors") else None)
    for _, rec in df.iterrows():
        cells = [_measure_cell(c, rec[c]) for c in shown]
        if "start" in shown:
            end_txt = _measure_cell("end", rec.get("end"))
            cells[shown.index("start")] += f"\n→ {end_txt}" if end_txt else " →"
        t.add_row(*cells)
    return t


def _measure_cell(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if col in ("rate", "add") and isinstance(v, (int, float)):
        return f"{100 * v:.1f}%"
    if col in ("targets", "target", "sectors"):
        return str(tables.short_codes(v))
    return tables.fmt_codes(v) if isinstance(v, (list, tuple, set)) else str(v)


def _welfare(result: Any, focus: Sequence[str]) -> Table:
    w = tables.welfare_movers(result, n=8, focus=focus)
    t = Table("country", "name", "real income", "terms of trade", "volume of trade", "real wage",
              title="Welfare by country (% change from baseline; largest moves + focus countries)",
              title_justify="left")
    for r in w.itertuples(index=False):
        t.add_row(r.country, r.name, _pct(r.real_income, 3), _pct(r.terms_of_trade, 3),
                  _pct(r.volume_of_trade, 3), _pct(r.real_wage, 3))
    return t


def _exports(result: Any, home: str) -> Table:
    ex = tables.exports_by_partner(result, home)
    t = Table("to", "baseline", "scenario", "change", "change %",
              title=f"{tables.country_name(result, home)}'s exports ({tables.money_unit(result)})",
              title_justify="left")
    for r in ex.itertuples(index=False):
        t.add_row(r.partner, _money(r.baseline), _money(r.counterfactual), _money(r.change),
                  _pct(r.change_pct))
    return t


def _sectors(result: Any, home: str) -> Table:
    gains, losses = tables.sector_moves(result, home, n=5)
    t = Table("sector", "gross output %", "value added %", "employment %", "base output",
              title=f"{tables.country_name(result, home)}'s sectors that gain and lose most "
                    f"(% change; base output {tables.money_unit(result)})", title_justify="left")
    for df in (gains, losses):
        for r in df.itertuples(index=False):
            t.add_row(r.sector, _pct(r.gross_output_change_pct), _pct(r.value_added_change_pct),
                      _pct(r.employment_change_pct), _money(r.gross_output_base))
        if df is gains and len(gains) and len(losses):
            t.add_section()
    return t


def _revenue(result: Any, focus: Sequence[str]) -> Table:
    r = tables.revenue_table(result, focus=focus, n=4)
    t = Table("country", "baseline", "scenario", "change", "change %",
              title=f"Tariff revenue ({tables.money_unit(result)})", title_justify="left")
    for x in r.itertuples(index=False):
        t.add_row(f"{x.name} ({x.country})", _money(x.baseline), _money(x.counterfactual),
                  _money(x.change), _pct(x.change_pct))
    return t


def convergence_line(result: Any) -> str:
    """One line on the solver: converged, iterations, worst residual, seconds."""
    d = tables.diagnostics_dict(result)
    res = [v for k, v in d.items() if k.startswith("residual") and isinstance(v, (int, float))]
    worst = f", max residual {max(res):.1e}" if res else ""
    secs = f" in {d['seconds']:.2f} s" if isinstance(d.get("seconds"), (int, float)) else ""
    ok = "[green]converged[/]" if d.get("converged") else "[red]NOT converged[/]"
    return (f"Solver: {ok} after {d.get('iterations', '?')} iterations{secs}{worst}; deficits "
            f"{getattr(result, 'deficits', '?')}, numéraire world value added.")


def print_summary(result: Any, console: Console | None = None, home: str = "CAN",
                  focus: Sequence[str] = FOCUS) -> None:
    """Print the readable summary of one result."""
    con = console or Console()
    sc = getattr(result, "scenario", None)
    desc = (getattr(sc, "description", "") or "").strip()
    as_of = getattr(sc, "as_of", None)
    sub = f"world {result.world.name} (base year {result.world.year})"
    if as_of:
        sub += f" · measures in force on {as_of}"
    cov = tables.coverage_line(result)
    if cov:
        sub += f"\n{cov}"
    con.print(Panel(f"{desc}\n[dim]{sub}[/]" if desc else f"[dim]{sub}[/]",
                    title=f"[bold]{tables.scenario_name(result)}[/]", title_align="left"))
    m = _measures(result, wide=con.width >= 120)
    if m is not None:
        con.print(m)
    con.print(_welfare(result, focus))
    if home in result.world.countries:
        con.print(_exports(result, home))
        con.print(_sectors(result, home))
    con.print(_revenue(result, focus))
    con.print(convergence_line(result))
    for line in tables.quota_lines(result):
        con.print(line)
    con.print(Panel(headline(result, home), title="In a sentence", title_align="left"))


def print_comparison(results: Sequence[Any], console: Console | None = None, home: str = "CAN",
                     focus: Sequence[str] = FOCUS) -> None:
    """Print several results side by side, one row per scenario (fits a narrow terminal).

    Real income of the focus countries; the home country's exports to the US, China and everyone
    else; its hardest-hit and best-off sectors; the solver's convergence.
    """
    con = console or Console()
    labels = tables.scenario_labels(results)
    shown = [c for c in focus if c in results[0].world.countries]
    t = Table("scenario", *shown, title="Real income by scenario (% change from baseline)",
              title_justify="left")
    for res, lab in zip(results, labels, strict=True):
        wf = res.welfare()
        t.add_row(lab, *[_pct(float(wf.loc[c, "real_income"])) for c in shown])
    con.print(t)
    if home in results[0].world.countries:
        name = tables.country_name(results[0], home)
        ex = tables.compare_exports(results, home)
        groups = [c for c in ex.columns if c != "scenario" and not c.endswith(" %")]
        t = Table("scenario", *groups, title=f"{name}'s exports by scenario (% change; baseline in "
                  f"{tables.money_unit(results[0])})", title_justify="left")
        for _, row in ex.iterrows():
            if row["scenario"] == "baseline":
                t.add_row("[dim]baseline[/]", *[f"[dim]{_money(row[g])}[/]" for g in groups])
            else:
                t.add_row(row["scenario"], *[_pct(row[f"{g} %"], 1) for g in groups])
        con.print(t)
        prov = tables.compare_provinces(results, home)
        if not prov.empty:
            t = Table("province", *labels, title="Winners and losers by province (REAL income, % "
                      "change; deflated by Canada's CPI, adds up to Canada's real income)",
                      title_justify="left")
            for _, row in prov.iterrows():
                t.add_row(row["province"], *[_pct(row[lab], 2) for lab in labels])
            con.print(t)
        t = Table("scenario", "hardest-hit sector", "best-off sector",
                  title=f"{name}'s sectors (largest gross-output change in money; % change shown)",
                  title_justify="left")
        for res, lab in zip(results, labels, strict=True):
            gains, losses = tables.sector_moves(res, home, n=1, by="gross_output_change")
            lo = f"{losses.iloc[0]['sector']} {_pct(losses.iloc[0]['gross_output_change_pct'], 1)}" \
                if len(losses) else "—"
            hi = f"{gains.iloc[0]['sector']} {_pct(gains.iloc[0]['gross_output_change_pct'], 1)}" \
                if len(gains) else "—"
            t.add_row(lab, lo, hi)
        con.print(t)
    t = Table("scenario", "converged", "iterations", "max residual", "seconds",
              title="Solver (deficits as set per scenario; numéraire: world value added)",
              title_justify="left")
    for res, lab in zip(results, labels, strict=True):
        d = tables.diagnostics_dict(res)
        r = [v for k, v in d.items() if k.startswith("residual") and isinstance(v, (int, float))]
        t.add_row(lab, "yes" if d.get("converged") else "[red]NO[/]", str(d.get("iterations", "?")),
                  f"{max(r):.1e}" if r else "?", f"{d.get('seconds', float('nan')):.2f}")
    con.print(t)
