"""The tariff war month by month: the measures in force at each policy date, solved in turn.

:func:`timeline` takes every date between ``start`` and ``end`` on which a library measure
(quantified, not a threat) enters or leaves force (or the first of each month, ``monthly=True``),
compiles the measures in force that day exactly as a scenario with ``as_of`` would, and solves the
equilibrium against the 2024 baseline. Each solve starts from the previous date's solution
(consecutive dates differ by a measure or two, so the wage and price vectors barely move); the
solution is certified against the same tolerance either way, so a warm start changes only the
number of iterations. Shocks with tariff-rate quotas decided on counterfactual volumes (the EV
quota from 2026-03-01) go through :func:`~tradeshock.simulate.simulate`'s quota fixed point.

The result holds real income by country (``welfare()["real_income"]``, percent against the
re-solved 2024 baseline) and, when the world has Canada, real income by province
(:func:`~tradeshock.analysis.provinces.province_summary`, adding up to Canada's).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tradeshock.errors import ScenarioError
from tradeshock.measures.library import Library, as_date, load_library
from tradeshock.rates import reusing_pairs

#: Countries always reported.
FOCUS = ("CAN", "USA", "CHN", "MEX")
#: First day of the timeline by default (the eve of the first 2025 US measure).
START = dt.date(2025, 1, 1)

#: Short labels for the dates that shaped the war (each names library records starting or
#: ending that day); charts annotate these and mark the other policy dates without text.
KEY_EVENTS: dict[dt.date, str] = {
    dt.date(2025, 3, 4): "IEEPA: CAN/MEX 25%, CHN 20%; Canada list 1",
    dt.date(2025, 4, 3): "s232 autos",
    dt.date(2025, 4, 10): "US-China 125%",
    dt.date(2025, 5, 14): "Geneva truce",
    dt.date(2025, 6, 4): "s232 metals 50%",
    dt.date(2025, 8, 1): "CAN 35%; copper",
    dt.date(2025, 9, 1): "Canada drops most counter-tariffs",
    dt.date(2025, 11, 10): "Busan truce",
    dt.date(2025, 12, 26): "Canada steel package",
    dt.date(2026, 2, 24): "IEEPA ends; s122 10%",
    dt.date(2026, 3, 1): "Canada-China deal",
    dt.date(2026, 4, 6): "s232 metals tiers",
    dt.date(2026, 7, 24): "s122 expires",
    dt.date(2026, 8, 19): "s338 on Canada",
    dt.date(2026, 11, 10): "China's 24% returns",
}


@dataclass
class Timeline:
    """Real income at each policy date: tidy rows plus the events and solver record.

    ``data``: ``date, region, kind ("country"/"province"), name, real_income_pct``.
    ``events``: ``date, starts, ends`` (measure ids, comma-separated).
    ``solves``: ``date, seconds, iterations, warm, quotas`` per date.
    """

    data: pd.DataFrame
    events: pd.DataFrame
    solves: pd.DataFrame
    world: str
    start: dt.date
    end: dt.date
    coverage_note: str = ""
    last_result: Any = field(default=None, repr=False)

    def wide(self, kind: str = "country") -> pd.DataFrame:
        """Real income (percent) with one row per date and one column per region of ``kind``."""
        d = self.data[self.data["kind"] == kind]
        order = list(dict.fromkeys(d["region"]))
        return d.pivot(index="date", columns="region", values="real_income_pct")[order]

    def at(self, day: dt.date | str, region: str) -> float:
        """Real income change (percent) of ``region`` with the measures in force on ``day``."""
        day = as_date(day)
        d = self.data[(self.data["region"] == region) & (self.data["date"] <= day)]
        if d.empty:
            raise ScenarioError(f"no timeline date on or before {day} (it starts {self.start})")
        return float(d.sort_values("date")["real_income_pct"].iloc[-1])

    @property
    def seconds(self) -> float:
        """Total solve time (compilation excluded)."""
        return float(self.solves["seconds"].sum())


def policy_dates(start: dt.date | str = START, end: dt.date | str = "today", *, monthly: bool = False,
                 library: Library | None = None) -> list[dt.date]:
    """``start`` plus every day in (start, end] on which a quantified non-threat measure starts or ends.

    With ``monthly=True``: ``start`` and the first day of each following month up to ``end``.
    """
    lib = library or load_library()
    a, b = as_date(start), as_date(end)
    if b < a:
        raise ScenarioError(f"timeline end {b} is before its start {a}")
    if monthly:
        days, d = [a], dt.date(a.year + (a.month == 12), a.month % 12 + 1, 1)
        while d <= b:
            days.append(d)
            d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return days
    found: set[dt.date] = {a}
    for m in lib:
        if m.threat or m.unquantified:
            continue
        for day in (m.start, m.end):
            if day is not None and a < day <= b:
                found.add(day)
    return sorted(found)


def events(days: Sequence[dt.date], library: Library | None = None) -> pd.DataFrame:
    """The measures (quantified, not threats) that start or end since the previous date.

    For ``days[k]`` that is the interval (days[k-1], days[k]]; for the first date, that day.
    With policy dates this is the measures changing on the day; with ``monthly`` dates, those
    changing during the month before.
    """
    lib = library or load_library()
    ms = [m for m in lib if not m.threat and not m.unquantified]
    rows = []
    for k, d in enumerate(days):
        lo = days[k - 1] if k else d - dt.timedelta(days=1)

        def within(x: dt.date | None, lo: dt.date = lo, d: dt.date = d) -> bool:
            return x is not None and lo < x <= d

        rows.append({"date": d, "starts": ", ".join(m.id for m in ms if within(m.start)),
                     "ends": ", ".join(m.id for m in ms if within(m.end))})
    return pd.DataFrame(rows, columns=["date", "starts", "ends"])


def _shock_on(world: Any, day: dt.date):
    from tradeshock.scenario import Scenario

    sc = Scenario.from_dict({"name": f"in-force-{day}", "world": world.name, "as_of": str(day)},
                            source=f"<measures in force on {day}>")
    return sc.to_shock(world)


def timeline(world: Any = "default", start: dt.date | str = START, end: dt.date | str = "today", *,
             monthly: bool = False, focus: Sequence[str] = FOCUS, provinces: bool = True,
             deficits: str = "fixed", warm: bool = True, tol: float = 1e-10) -> Timeline:
    """Solve the measures in force at every policy date (or month) from ``start`` to ``end``.

    Returns a :class:`Timeline`: real income of ``focus`` countries and (if the world has Canada
    and ``provinces``) of Canada's provinces, percent against the re-solved 2024 baseline.
    ``warm=False`` starts every solve from the baseline instead (for timing comparisons).
    """
    from tradeshock.model import solve
    from tradeshock.resolve import check_deficits
    from tradeshock.result import Result
    from tradeshock.simulate import resolved_baseline, simulate
    from tradeshock.world import World, load_world

    w = world if isinstance(world, World) else load_world(world)
    bad = [c for c in focus if c not in w.countries]
    if bad:
        raise ScenarioError(f"timeline: country {bad[0]!r} is not in world {w.name!r}")
    lib = load_library()
    days = policy_dates(start, end, monthly=monthly, library=lib)
    dfc = check_deficits(deficits)
    base, eq0 = resolved_baseline(w, dfc, tol=tol)
    with_prov = provinces and "CAN" in w.countries
    rows: list[tuple] = []
    solves: list[dict[str, Any]] = []
    prev = None
    res = None
    with reusing_pairs():          # dates share most pairs' measures: each pair compiled once
        shocks = [_shock_on(w, d) for d in days]
    for d, shock in zip(days, shocks, strict=True):
        t0 = time.perf_counter()
        if shock.quotas:
            res = simulate(w, shock, dfc, tol=tol)
            eq = res.equilibrium
        else:
            eq = solve(base, shock.tariffs, shock.trade_cost_hat, base.deficit, tol=tol,
                       labels=(w.countries, w.sectors), start=prev if warm else None)
            res = Result(world=w, shock=shock, scenario=None, deficits=dfc, baseline=base,
                         equilibrium=eq, baseline_solve=eq0, tol=tol)
        secs = time.perf_counter() - t0
        prev = eq
        solves.append({"date": d, "seconds": secs, "iterations": int(eq.iterations),
                       "warm": bool(warm and not shock.quotas and len(solves) > 0),
                       "quotas": len(shock.quotas)})
        wf = res.welfare()
        for c in focus:
            rows.append((d, c, "country", c, float(wf.loc[c, "real_income"])))
        if with_prov:
            from tradeshock.analysis.provinces import province_real_income

            ps = province_real_income(res)
            rows += [(d, code, "province", name, float(v))
                     for code, name, v in zip(ps.index, ps["name"], ps["real_income_change_pct"],
                                              strict=True)]
    data = pd.DataFrame(rows, columns=["date", "region", "kind", "name", "real_income_pct"])
    return Timeline(data=data, events=events(days, lib), solves=pd.DataFrame(solves), world=w.name,
                    start=days[0], end=as_date(end), coverage_note=lib.coverage_note(as_date(end)),
                    last_result=res)
