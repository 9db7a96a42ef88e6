"""Terminal summaries (rich): one scenario, or several side by side.

What a user sees after ``tradeshock run``: the scenario and its measures, welfare by country
(largest moves plus CAN, USA, CHN, MEX), Canada's exports to the US, China and everyone else
before and after, Canada's sectors that gain and lose most, tariff revenue, convergence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from tradeshock.report import tables
from tradeshock.report.context import FOCUS
from tradeshock.report.headline import headline


def _pct(v: float, digits: int = 2) -> str:
    if v != v:
        return "—"
    style = "green" if v > 0 else "red" if v < 0 else ""
    txt = f"{v:+.{digits}f}%"
    return f"[{style}]{txt}[/]" if style else txt


def _money(v: float) -> str:
    return "—" if v != v else f"{v:,.0f}"


def _measures(result: Any) -> Table | None:
    df = tables.measures_table(result)
    if df is None:
        return None
    cols = [c for c in ("id", "title", "verb", "imposer", "targets", "target", "sectors", "rate", "add",
                        "change", "start", "end") if c in df.columns]
    if not cols:
        cols = list(df.columns)[:7]
    t = Table(*cols, title="Measures applied (rate: % ad valorem)", title_justify="left")
    for rec in df[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            if c in ("rate", "add") and isinstance(v, (int, float)) and v == v:
                cells.append(f"{100 * v:.1f}%")
            else:
                cells.append("" if v is None or (isinstance(v, float) and v != v)
                             else tables.fmt_codes(v) if isinstance(v, (list, tuple)) else str(v))
        t.add_row(*cells)
    return t


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
    con.print(Panel(f"{desc}\n[dim]{sub}[/]" if desc else f"[dim]{sub}[/]",
                    title=f"[bold]{tables.scenario_name(result)}[/]", title_align="left"))
    m = _measures(result)
    if m is not None:
        con.print(m)
    con.print(_welfare(result, focus))
    if home in result.world.countries:
        con.print(_exports(result, home))
        con.print(_sectors(result, home))
    con.print(_revenue(result, focus))
    con.print(convergence_line(result))
    con.print(Panel(headline(result, home), title="In a sentence", title_align="left"))


def _wide(df: pd.DataFrame, key: Sequence[str], pct: Sequence[str], money: Sequence[str],
          title: str) -> Table:
    t = Table(*key, *money, *pct, title=title, title_justify="left")
    for _, r in df.iterrows():
        t.add_row(*[str(r[k]) for k in key], *[_money(r[c]) for c in money],
                  *[_pct(r[c], 3) for c in pct])
    return t


def print_comparison(results: Sequence[Any], console: Console | None = None, home: str = "CAN",
                     focus: Sequence[str] = FOCUS) -> None:
    """Print several results side by side: welfare, home exports by partner, home sectors."""
    con = console or Console()
    labels = tables.scenario_labels(results)
    wf = tables.compare_welfare(results, focus=focus)
    con.print(_wide(wf, ["country"], labels, [],
                    "Real income by scenario (% change from baseline)"))
    if home in results[0].world.countries:
        ex = tables.compare_exports(results, home)
        t = Table("to", "baseline", *[f"{lab}" for lab in labels],
                  title=f"{tables.country_name(results[0], home)}'s exports by scenario "
                        f"({tables.money_unit(results[0])}; % change below)", title_justify="left")
        for _, r in ex.iterrows():
            t.add_row(r["partner"], _money(r["baseline"]),
                      *[f"{_money(r[lab])}\n{_pct(r[f'{lab} %'])}" for lab in labels])
        con.print(t)
        sec = tables.compare_sectors(results, home)
        con.print(_wide(sec, ["sector"], labels, [],
                        f"{tables.country_name(results[0], home)}'s sectors that move most "
                        "(gross output, % change)"))
    for res, lab in zip(results, labels, strict=True):
        con.print(f"[bold]{lab}[/]: {convergence_line(res)}")
