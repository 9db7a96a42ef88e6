"""Terminal summaries (rich): one scenario, or several side by side.

What a user sees after ``tradeshock run``: the scenario and its measures, welfare by country
(largest moves plus CAN, USA, CHN, MEX), Canada's exports to the US, China and everyone else
before and after, Canada's sectors that gain and lose most, tariff revenue, convergence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from tradeshock.report import tables
from tradeshock.report.context import FOCUS
from tradeshock.report.headline import headline

if TYPE_CHECKING:
    from tradeshock.result import Result


def _pct(v: float, digits: int = 2) -> str:
    if v != v:
        return "—"
    if round(v, digits) == 0:
        return f"{0:.{digits}f}%"
    style = "green" if v > 0 else "red" if v < 0 else ""
    txt = f"{v:+.{digits}f}%"
    return f"[{style}]{txt}[/]" if style else txt


def _money(v: float) -> str:
    return "—" if v != v else f"{v:+,.0f}" if v < 0 else f"{v:,.0f}"


def _measures(result: Result, wide: bool) -> Table | None:
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
    return str(tables.fmt_codes(v)) if isinstance(v, (list, tuple, set)) else str(v)


def _welfare(result: Result, focus: Sequence[str]) -> Table:
    w = tables.welfare_movers(result, n=8, focus=focus)
    t = Table("country", "name", "real income", "terms of trade", "volume of trade", "real wage",
              title="Welfare by country (% change from baseline; largest moves + focus countries)",
              title_justify="left")
    for r in w.itertuples(index=False):
        t.add_row(r.country, r.name, _pct(r.real_income, 3), _pct(r.terms_of_trade, 3),
                  _pct(r.volume_of_trade, 3), _pct(r.real_wage, 3))
    return t


def _exports(result: Result, home: str, reference: Result | None = None) -> Table:
    ex = tables.exports_by_partner(result, home, reference=reference)
    first = "reference" if reference is not None else "baseline"
    title = f"{tables.country_name(result, home)}'s exports ({tables.money_unit(result)})"
    if reference is not None:
        title += f" against {tables.scenario_name(reference)}"
    t = Table("to", first, "scenario", "change", "change %", title=title, title_justify="left")
    for r in ex.itertuples(index=False):
        t.add_row(r.partner, _money(r.baseline), _money(r.counterfactual), _money(r.change),
                  _pct(r.change_pct))
    return t


def _pp(v: float) -> str:
    if v != v:
        return "—"
    if round(v, 3) == 0:
        return "0.000 pp"
    style = "green" if v > 0 else "red"
    return f"[{style}]{v:+.3f} pp[/]"


def _against(result: Result, focus: Sequence[str]) -> Table | None:
    """Real income against the result's reference: scenario, reference and the difference (pp)."""
    ref = getattr(result, "reference", None)
    if ref is None:
        return None
    wf, rw = result.welfare(), ref.welfare()
    t = Table("country", "scenario vs baseline", "reference vs baseline", "difference",
              title=f"Real income against {tables.scenario_name(ref)} (difference in percentage "
                    "points)", title_justify="left")
    for c in focus:
        if c in wf.index:
            a, b = float(wf.loc[c, "real_income"]), float(rw.loc[c, "real_income"])
            t.add_row(c, _pct(a, 3), _pct(b, 3), _pp(a - b))
    return t


def fit(table: Table) -> Table:
    """Keep numbers whole in a narrow terminal: numeric columns never wrap or crop, text folds.

    A column whose cells are all numbers (with %, pp, signs, separators) gets a minimum width of
    its longest cell (the header wraps instead); other columns fold (wrap inside words) instead
    of cropping with an ellipsis.
    """
    import re

    from rich.text import Text

    num = re.compile(r"^[\s+\-−±]*[\d.,]+(e[+-]?\d+)?\s*(%|pp)?$|^—$|^$")
    for col in table.columns:
        cells = [Text.from_markup(c).plain if isinstance(c, str) else str(c) for c in col._cells]
        if cells and all(num.match(c.strip()) for c in cells):
            # as wide as the longest number (never cropped or broken); the header may wrap
            col.min_width = max([len(c) for c in cells] + [col.min_width or 0])
        else:                                   # text may wrap, but never collapses to nothing
            col.min_width = max(col.min_width or 0, min(12, max([len(c) for c in cells] + [2])))
        col.overflow = "fold"
    return table


def _sectors(result: Result, home: str, reference: Result | None = None) -> Table:
    gains, losses = tables.sector_moves(result, home, n=5, by="value_added_change",
                                        reference=reference)
    against = f" against {tables.scenario_name(reference)}" if reference is not None else ""
    t = Table("sector", "value added change", "value added %", "gross output %", "employment %",
              title=f"{tables.country_name(result, home)}'s sectors that gain and lose most{against} "
                    f"(ranked by value added in {tables.money_unit(result)})", title_justify="left")
    for df in (gains, losses):
        for r in df.itertuples(index=False):
            t.add_row(r.sector, _money(r.value_added_change), _pct(r.value_added_change_pct),
                      _pct(r.gross_output_change_pct), _pct(r.employment_change_pct))
        if df is gains and len(gains) and len(losses):
            t.add_section()
    return t


def _revenue(result: Result, focus: Sequence[str]) -> Table:
    r = tables.revenue_table(result, focus=focus, n=4)
    t = Table("country", "baseline", "scenario", "change", "change %",
              title=f"Tariff revenue ({tables.money_unit(result)})", title_justify="left")
    for x in r.itertuples(index=False):
        t.add_row(f"{x.name} ({x.country})", _money(x.baseline), _money(x.counterfactual),
                  _money(x.change), _pct(x.change_pct))
    return t


def _band(v: float, lo: float, hi: float, digits: int = 2) -> str:
    """``−0.81% [−0.84, −0.71]``: point estimate and its 90% elasticity band."""
    if lo != lo or hi != hi:
        return _pct(v, digits) + " [—]"
    return f"{_pct(v, digits)} [dim][{lo:+.{digits}f}, {hi:+.{digits}f}][/]"


def _ranges(result: Result, home: str, focus: Sequence[str]) -> Table | None:
    """Point estimates with their p05–p95 range over the elasticity draws (None without draws)."""
    u = getattr(result, "uncertainty", None)
    if u is None:
        return None
    T = u.tables()
    t = Table("quantity", "point [p05, p95]",
              title=f"Ranges over {u.n_ok}/{u.draws} elasticity draws (seed {u.seed}; "
                    f"{len(u.failures)} failed; 90% band, % change)", title_justify="left")
    wf = T["welfare"].set_index("country")
    for c in [c for c in focus if c in wf.index]:
        r = wf.loc[c]
        t.add_row(f"real income {c}", _band(r["real_income"], r["real_income_p05"],
                                            r["real_income_p95"], 3))
    if home in result.world.countries:
        ex = T["exports"]
        for p in [c for c in ("USA", "CHN", "MEX") if c != home and c in result.world.countries]:
            r = ex[(ex["country"] == home) & (ex["partner"] == p)].iloc[0]
            t.add_row(f"{home} exports to {p}", _band(r["change_pct"], r["change_pct_p05"],
                                                       r["change_pct_p95"], 1))
        prov = u.province_totals() if home == "CAN" else None
        if prov is not None:
            for r in prov.sort_values("value_added_change_pct").head(3).itertuples(index=False):
                t.add_row(f"value added {r.province}", _band(
                    r.value_added_change_pct, r.value_added_change_pct_p05,
                    r.value_added_change_pct_p95, 2))
    if u.tornado is not None and len(u.tornado):
        t.add_section()
        for r in u.tornado.head(5).itertuples(index=False):
            t.add_row(f"θ {r.sector} {r.theta_p05:.2g}→{r.theta_p95:.2g}",
                      f"{r.value_at_p05:+.3f}% → {r.value_at_p95:+.3f}% (swing {r.swing:.3f} pp)")
    if u.failures:
        t.add_section()
        t.add_row("[red]failed draws[/]", ", ".join(str(f.index) for f in u.failures[:20])
                  + (f" … ({len(u.failures)})" if len(u.failures) > 20 else "")
                  + f": {u.failures[0].kind}")
    return t


def convergence_line(result: Result) -> str:
    """One line on the solver: converged, iterations, worst residual, seconds."""
    d = tables.diagnostics_dict(result)
    res = [v for k, v in d.items() if k.startswith("residual") and isinstance(v, (int, float))]
    worst = f", max residual {max(res):.1e}" if res else ""
    secs = f" in {d['seconds']:.2f} s" if isinstance(d.get("seconds"), (int, float)) else ""
    ok = "[green]converged[/]" if d.get("converged") else "[red]NOT converged[/]"
    return (f"Solver: {ok} after {d.get('iterations', '?')} iterations{secs}{worst}; deficits "
            f"{getattr(result, 'deficits', '?')}, numéraire world value added.")


def print_summary(result: Result, console: Console | None = None, home: str = "CAN",
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
        con.print(fit(m))
    con.print(fit(_welfare(result, focus)))
    ag = _against(result, focus)
    if ag is not None:
        con.print(fit(ag))
    if home in result.world.countries:
        ref = getattr(result, "reference", None)
        con.print(fit(_exports(result, home, ref)))
        con.print(fit(_sectors(result, home, ref)))
    con.print(fit(_revenue(result, focus)))
    rng = _ranges(result, home, focus)
    if rng is not None:
        con.print(fit(rng))
    con.print(convergence_line(result))
    for line in tables.quota_lines(result):
        con.print(line)
    con.print(Panel(headline(result, home), title="In a sentence", title_align="left"))


def print_comparison(results: Sequence[Result], console: Console | None = None, home: str = "CAN",
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
        u = getattr(res, "uncertainty", None)
        if u is None:
            wf = res.welfare()
            t.add_row(lab, *[_pct(float(wf.loc[c, "real_income"])) for c in shown])
        else:
            wf = u.welfare()
            t.add_row(lab, *[_band(wf.loc[c, "real_income"], wf.loc[c, "real_income_p05"],
                                   wf.loc[c, "real_income_p95"]) for c in shown])
    if any(getattr(r, "uncertainty", None) is not None for r in results):
        t.caption = "[dim]brackets: 90% band over the trade-elasticity draws[/]"
    con.print(fit(t))
    ag = tables.against_welfare(results, focus=shown)
    if not ag.empty:
        t = Table("scenario", "against", *shown, title="Against each scenario's reference "
                  "(difference in real income, percentage points)", title_justify="left")
        for _, row in ag.iterrows():
            t.add_row(row["scenario"], row["reference"], *[_pp(row[c]) for c in shown])
        con.print(fit(t))
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
        con.print(fit(t))
        prov = tables.compare_provinces(results, home)
        if not prov.empty:
            # wide comparisons get numbered columns and a legend, so every number stays whole
            numbered = 9 + sum(max(len(lab), 7) + 3 for lab in labels) > con.width
            heads = [f"[{k + 1}]" for k in range(len(labels))] if numbered else labels
            per = max(1, (con.width - 9) // 10)
            for k in range(0, len(labels), per):
                part = list(range(k, min(len(labels), k + per)))
                t = Table("prov.", *[heads[i] for i in part],
                          title="Winners and losers by province (REAL income, % change; deflated "
                                "by Canada's CPI, adds up to Canada's real income)",
                          title_justify="left")
                for _, row in prov.iterrows():
                    t.add_row(row["province"], *[_pct(row[labels[i]], 2) for i in part])
                con.print(fit(t))
            if numbered:
                con.print("  ".join(f"[{k + 1}] {lab}" for k, lab in enumerate(labels)))
        t = Table("scenario", "hardest-hit sector", "best-off sector",
                  title=f"{name}'s sectors (ranked by value added in money, US$ million; % change "
                        "shown; against the reference where there is one)", title_justify="left")
        for res, lab in zip(results, labels, strict=True):
            gains, losses = tables.sector_moves(res, home, n=1, by="value_added_change",
                                                reference=getattr(res, "reference", None))
            lo = (f"{losses.iloc[0]['sector']} {losses.iloc[0]['value_added_change']:+,.0f} "
                  f"({_pct(losses.iloc[0]['value_added_change_pct'], 1)})") if len(losses) else "—"
            hi = (f"{gains.iloc[0]['sector']} {gains.iloc[0]['value_added_change']:+,.0f} "
                  f"({_pct(gains.iloc[0]['value_added_change_pct'], 1)})") if len(gains) else "—"
            t.add_row(lab, lo, hi)
        con.print(fit(t))
    t = Table("scenario", "converged", "iterations", "max residual", "seconds",
              title="Solver (deficits as set per scenario; numéraire: world value added)",
              title_justify="left")
    for res, lab in zip(results, labels, strict=True):
        d = tables.diagnostics_dict(res)
        r = [v for k, v in d.items() if k.startswith("residual") and isinstance(v, (int, float))]
        t.add_row(lab, "yes" if d.get("converged") else "[red]NO[/]", str(d.get("iterations", "?")),
                  f"{max(r):.1e}" if r else "?", f"{d.get('seconds', float('nan')):.2f}")
    con.print(fit(t))
