"""Diversification targets: parsing, and root-finding on controlled worlds.

References are independent of the search: a direct re-solve at the answer, a grid of solves
(monotonicity, bracketing), and a hand-written two-country one-sector gravity equilibrium
(a 1-D trade-balance equation solved with scipy) for the lever that doubles exports.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from tradeshock.analysis.targets import (
    CAD_PER_USD_2024,
    Lever,
    Target,
    expand_partners,
    metric_value,
    parse_target,
    solve_target,
)
from tradeshock.errors import DataError, ScenarioError, ShockError
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.synthetic import random_world


@pytest.fixture(scope="module")
def world():
    return random_world(5, 4, seed=3)


# ---------------------------------------------------------------------------- parsing
def test_parse_target_forms():
    t = parse_target("non_us_exports x2")
    assert (t.metric, t.kind, t.value) == ("non_us_exports", "times", 2.0)
    assert t.goal(100.0) == 200.0
    d = parse_target("double")
    assert (d.metric, d.kind, d.value) == ("non_us_exports", "times", 2.0)
    t = parse_target("non_us_exports +C$300bn")
    assert t.kind == "increase"
    assert t.value == pytest.approx(300_000 / 1.369)          # US$ million at 1.369 CAD/USD
    assert CAD_PER_USD_2024 == 1.369
    assert parse_target("exports +US$20bn").value == pytest.approx(20_000)
    t = parse_target("us_share 60%")
    assert (t.metric, t.kind, t.value) == ("us_share", "level", pytest.approx(0.6))
    assert parse_target("us_share=0.6").value == pytest.approx(0.6)
    t = parse_target("exports_to[CHN,JPN] x1.5")
    assert t.partners == ("CHN", "JPN") and t.value == 1.5
    t = parse_target({"metric": "non_us_exports", "increase": 300_000, "currency": "CAD"})
    assert t.value == pytest.approx(300_000 / 1.369)


@pytest.mark.parametrize("bad, hint", [
    ("non_us_export x2", "non_us_exports"),      # typo gets a suggestion
    ("us_share x2", "level"),                    # share targets are levels
    ("exports_to x2", "partners"),
    ("double it", "write it like"),
    ("us_share 150%", "between 0 and 100%"),
])
def test_parse_target_errors(bad, hint):
    with pytest.raises(ScenarioError, match=hint):
        parse_target(bad)


def test_lever_validation_and_groups(world):
    with pytest.raises(ScenarioError, match="trade_cost"):
        Lever("trade_costs", ("C01",))
    with pytest.raises(ScenarioError, match="max_value"):
        Lever("trade_cost", ("C01",), max_value=1.0)
    with pytest.raises(ShockError, match="C01"):
        expand_partners(world, ["C1"])
    w = random_world(3, 1, seed=0)
    eu = w.replace(countries=("DEU", "FRA", "CAN"))
    codes, notes = expand_partners(eu, ["EU", "CAN"], exclude=("CAN",))
    assert set(codes) == {"DEU", "FRA"} and "ITA" in notes[0]


# ----------------------------------------------------------------------------- solving
def test_solver_hits_target_and_direct_resolve_agrees(world):
    c, p = world.countries[0], world.countries[2]
    tgt = Target("exports_to", "times", 1.5, (p,))
    lev = Lever("trade_cost", (p, world.countries[3]))
    res = solve_target(world, c, tgt, lev, tol=1e-6)
    assert res.reached and 0 < res.value < 0.9
    assert res.n_solves <= 12
    # independent check: one fresh solve at the answer gives the goal
    s = Shock(world).trade_cost(importer=[p, world.countries[3]], exporter=c, change=-res.value,
                                symmetric=True)
    r = simulate(world, s)
    base = metric_value(r, c, tgt, (p,), column="baseline")
    assert metric_value(r, c, tgt, (p,)) == pytest.approx(1.5 * base, rel=2e-6)
    assert res.result.welfare().loc[c, "real_income"] == pytest.approx(
        r.welfare().loc[c, "real_income"], abs=1e-6)


def test_monotone_lever_gives_unique_bracketed_answer(world):
    c, p = world.countries[1], world.countries[4]
    tgt = Target("exports_to", "times", 1.3, (p,))
    grid = np.linspace(0.0, 0.3, 7)
    vals = []
    for g in grid:
        r = simulate(world, Shock(world).trade_cost(importer=p, exporter=c, change=-g, symmetric=True))
        vals.append(metric_value(r, c, tgt, (p,)))
    vals = np.array(vals)
    assert np.all(np.diff(vals) > 0)                     # monotone: at most one root
    goal = 1.3 * vals[0]
    k = int(np.searchsorted(vals, goal))
    assert 0 < k < len(grid)
    res = solve_target(world, c, tgt, Lever("trade_cost", (p,)))
    assert grid[k - 1] < res.value < grid[k]
    assert res.monotone


def test_unreachable_target_is_reported_with_best_attainable(world):
    c, p = world.countries[0], world.countries[1]
    tgt = Target("exports_to", "times", 1e4, (p,))
    res = solve_target(world, c, tgt, Lever("trade_cost", (p,), max_value=0.5))
    assert not res.reached
    assert res.value == 0.5
    r = simulate(world, Shock(world).trade_cost(importer=p, exporter=c, change=-0.5, symmetric=True))
    assert res.achieved == pytest.approx(metric_value(r, c, tgt, (p,)), rel=1e-8)
    assert res.achieved < res.goal and 0 < res.share_of_goal < 1
    assert "Not reachable" in res.summary()


def test_target_already_met_needs_no_lever(world):
    c, p = world.countries[0], world.countries[1]
    base = Shock(world).trade_cost(importer=p, exporter=c, change=-0.2, symmetric=True)
    res = solve_target(world, c, "exports x1.01", Lever("trade_cost", (world.countries[2],)), base=base)
    assert res.reached and res.value == 0.0 and res.n_solves == 1
    assert res.start > res.goal and "already met" in res.summary()


def test_lever_moving_away_from_the_goal(world):
    c, p = world.countries[0], world.countries[1]
    # a cheaper route to one partner cannot raise the share of exports going to another one
    res = solve_target(world, c, Target("share_to", "level", 0.9, (world.countries[3],)),
                       Lever("trade_cost", (p,)))
    assert not res.reached and res.value == 0.0 and res.n_solves <= 6
    assert "away from the goal" in res.summary()


def test_fta_lever_on_tariff_world():
    world = random_world(4, 3, seed=11)
    pos = np.argwhere((world.tariffs.sum(axis=2) > 0.01) & (world.tariffs.sum(axis=2).T > 0.01))
    n, i = pos[0]
    c, p = world.countries[i], world.countries[n]
    full = simulate(world, Shock(world).tariff(imposer=p, target=c, rate=0.0)
                    .tariff(imposer=c, target=p, rate=0.0))
    tgt = Target("exports_to", "times", 1.0, (p,))
    top = metric_value(full, c, tgt, (p,)) / metric_value(full, c, tgt, (p,), "baseline")
    assert top > 1.0
    half = Target("exports_to", "times", 1 + (top - 1) / 2, (p,))
    res = solve_target(world, c, half, Lever("fta", (p,)))
    assert res.reached and 0.2 < res.value < 0.8
    beyond = solve_target(world, c, Target("exports_to", "times", top * 1.01, (p,)), Lever("fta", (p,)))
    assert not beyond.reached and beyond.value == 1.0
    assert beyond.achieved == pytest.approx(metric_value(full, c, tgt, (p,)), rel=1e-8)


def test_share_target_moves_down(world):
    c, us = world.countries[0], world.countries[1]
    w = world.replace(countries=(c, "USA", *world.countries[2:]))
    r0 = simulate(w)
    share0 = metric_value(r0, c, Target("us_share", "level", 0.5), (), "baseline")
    goal = share0 - 0.02
    res = solve_target(w, c, Target("us_share", "level", goal),
                       Lever("trade_cost", tuple(w.countries[2:])), tol=1e-5)
    assert res.reached and res.achieved == pytest.approx(goal, abs=1e-5)
    assert us not in res.partners


# ------------------------------------------------------------ independent reference
def _two_country_exports(world, s):
    """A->B exports after cutting A<->B trade costs by s: 1-sector, no IO, no tariffs, balanced."""
    f = world.flows[:, :, 0]                      # [importer, exporter]
    theta = float(world.theta[0])
    y = f.sum(axis=0)                             # output = value added
    x = f.sum(axis=1)                             # spending
    pi = f / x[:, None]
    dhat = np.array([[1.0, 1 - s], [1 - s, 1.0]])

    def shares(wa):
        what = np.array([wa, 1.0])
        num = pi * (what[None, :] * dhat) ** (-theta)
        return num / num.sum(axis=1, keepdims=True), what

    def excess(log_wa):
        p, what = shares(np.exp(log_wa))
        xn = what * y
        return p[1, 0] * xn[1] - p[0, 1] * xn[0]   # A's exports minus imports

    wa = np.exp(brentq(excess, -5, 5, xtol=1e-14))
    p, what = shares(wa)
    scale = y.sum() / (what * y).sum()            # numeraire: world value added fixed
    return p[1, 0] * what[1] * y[1] * scale, f[1, 0]


def test_two_country_reference_lever():
    w = random_world(2, 1, seed=5, io=False, tariffs=False, deficits=False, theta=4.0)
    a, b = w.countries
    base = _two_country_exports(w, 0.0)
    assert base[0] == pytest.approx(base[1], rel=1e-8)
    s_ref = brentq(lambda s: _two_country_exports(w, s)[0] - 2 * base[1], 0.0, 0.9, xtol=1e-12)
    res = solve_target(w, a, Target("exports_to", "times", 2.0, (b,)), Lever("trade_cost", (b,)),
                       tol=1e-8)
    assert res.reached
    assert res.value == pytest.approx(s_ref, abs=1e-6)


def test_report_section_renders(world):
    from tradeshock.report.html import render_report

    c, p = world.countries[0], world.countries[2]
    res = solve_target(world, c, Target("exports_to", "times", 1.2, (p,)), Lever("trade_cost", (p,)))
    page = render_report(res.result, target=res, home=c, strict=True, sections=["targets"])
    assert "Diversification target" in page and "Target search" in page
    assert res.to_frame()["reached"].item()


def test_cli_target_reports_unreachable_tariff_lever(tmp_path):
    from typer.testing import CliRunner

    from tradeshock.cli import app

    out = tmp_path / "t.csv"
    res = CliRunner().invoke(app, ["target", "--lever", "tariff_cut", "--partners", "EU,JPN",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Not reachable" in res.output
    import pandas as pd

    row = pd.read_csv(out).iloc[0]
    assert not row["reached"] and row["value"] == 1.0 and row["achieved"] < row["goal"]
    bad = CliRunner().invoke(app, ["target", "--target", "non_us_export x2"])
    assert bad.exit_code != 0 and "non_us_exports" in str(bad.exception)


def test_forward_question_share_of_goal(world):
    from tradeshock.analysis.targets import target_progress

    c, p = world.countries[0], world.countries[2]
    tgt = Target("exports_to", "times", 1.4, (p,))
    res = solve_target(world, c, tgt, Lever("trade_cost", (p,)), tol=1e-7)
    half = Shock(world).trade_cost(importer=p, exporter=c, change=-res.value / 2, symmetric=True)
    full = Shock(world).trade_cost(importer=p, exporter=c, change=-res.value, symmetric=True)
    df = target_progress(world, c, tgt, {"half": half, "full": full, "none": Shock(world)})
    share = df.set_index("scenario")["share_of_goal"]
    assert share["full"] == pytest.approx(1.0, abs=1e-6)
    assert share["none"] == pytest.approx(0.0, abs=1e-9)
    assert 0.3 < share["half"] < 0.7
    rel = target_progress(world, c, tgt, {"full": full}, reference=half).iloc[0]
    assert rel["share_vs_reference"] == pytest.approx(1.0 - share["half"], abs=1e-6)


def test_base_scenario_keeps_its_quotas_regression():
    # The search used to start from a fresh Shock carrying only the base scenario's tau' and
    # d-hat, so the deal's EV quota was dropped and the base point was a different equilibrium
    # from simulating the scenario itself (the quota solved at the static compiled rate).
    from tradeshock.scenario import load_scenario
    from tradeshock.world import load_world

    w = load_world("default")
    deal = load_scenario("canada-china-deal-2026")
    ref = simulate(w, deal)
    assert ref.meta["quotas"], "the deal has a quota decided on volumes"
    seen = []

    def recording(world, shock, **kw):
        seen.append((shock, simulate(world, shock, **kw)))
        return seen[-1][1]

    res = solve_target(w, "CAN", "exports x1.0", Lever("trade_cost", ("CHN",)),
                       base="canada-china-deal-2026", simulate_fn=recording)
    shock0, first = seen[0]                      # the base point: lever size 0
    assert first.welfare().loc["CAN", "real_income"] == pytest.approx(
        ref.welfare().loc["CAN", "real_income"], abs=1e-10)
    assert res.start == pytest.approx(metric_value(ref, "CAN", res.target, ()), rel=1e-10)
    compiled = deal.to_shock(w)
    assert shock0.quotas == compiled.quotas and shock0.quota_rents == compiled.quota_rents
    assert shock0.notes == compiled.notes


def test_forward_question_keeps_each_scenarios_deficits():
    # target_progress used to solve every scenario with deficits="fixed", whatever the
    # scenario's settings said; simulate(scenario) is the reference.
    from tradeshock.analysis.targets import target_progress
    from tradeshock.scenario import load_scenario
    from tradeshock.world import load_world

    w = load_world("default")
    spec = {"name": "balanced-cut", "world": "default", "settings": {"deficits": "zero"},
            "measures": [{"label": "cut", "trade_cost": {"importer": "CHN", "exporter": "CAN",
                                                         "change": -0.1}}]}
    tgt = parse_target("exports x1.2")
    sc = load_scenario(spec)
    balanced = metric_value(simulate(w, sc), "CAN", tgt, ())
    fixed = metric_value(simulate(w, sc, deficits="fixed"), "CAN", tgt, ())
    assert abs(balanced - fixed) > 1.0                      # the treatment matters here
    row = target_progress(w, "CAN", tgt, {"balanced": spec}).iloc[0]
    assert row["achieved"] == pytest.approx(balanced, rel=1e-10)
    forced = target_progress(w, "CAN", tgt, {"balanced": spec}, deficits="fixed").iloc[0]
    assert forced["achieved"] == pytest.approx(fixed, rel=1e-10)

def test_sector_target_counts_only_that_sector(world):
    """A target on one sector's exports is met in that sector's flows, checked by a fresh solve."""
    c, p = world.countries[0], world.countries[2]
    sec = world.sectors[1]
    tgt = Target("exports_to", "times", 1.2, (p,), sectors=(sec,))
    assert sec in tgt.describe()
    lev = Lever("trade_cost", (p,), sectors=(sec,), one_way=True)
    res = solve_target(world, c, tgt, lev, tol=1e-6)
    assert res.reached
    s = Shock(world).trade_cost(importer=p, exporter=c, sectors=[sec], change=-res.value)
    r = simulate(world, s)
    n, i, j = world.countries.index(p), world.countries.index(c), world.sectors.index(sec)
    assert r.flows_cf[n, i, j] == pytest.approx(1.2 * r.flows_base[n, i, j], rel=2e-6)
    # the all-sector metric differs: other sectors' exports to p move too
    assert metric_value(r, c, Target("exports_to", "times", 1.2, (p,)), (p,)) != pytest.approx(
        1.2 * metric_value(r, c, Target("exports_to", "times", 1.2, (p,)), (p,), column="baseline"),
        rel=1e-3)
    m = parse_target({"metric": "exports_to", "partners": [p], "times": 1.2, "sectors": sec})
    assert m.sectors == (sec,)
    with pytest.raises(DataError, match="target.sectors"):
        solve_target(world, c, Target("exports_to", "times", 1.2, (p,), sectors=("nope",)), lev)


def test_cli_sector_target_reproduces_the_asia_pivot_calibration(tmp_path):
    # The command quoted in asia-energy-pivot.yaml: CAN mining exports to the five buyers up by
    # the observed 68,625 bpd x 365 x US$60.99 (FACTS.md 5.5; AER ST98). Its answer, rounded to
    # four decimals, is the cut the file holds.
    import pandas as pd
    from typer.testing import CliRunner

    from tradeshock.cli import app
    from tradeshock.scenario import load_scenario

    rise = 68_625 * 365 * 60.99 / 1e6
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(app, ["target", "--target", f"exports_to[CHN,JPN,KOR,IND,TWN] +{rise:.1f}",
                                   "--target-sectors", "mining", "--partners", "CHN,JPN,KOR,IND,TWN",
                                   "--sectors", "mining", "--one-way", "--out", str(out)])
    assert res.exit_code == 0, res.output
    row = pd.read_csv(out).iloc[0]
    assert row["reached"] and "in mining" in row["target"]
    assert row["achieved"] - row["baseline"] == pytest.approx(rise, rel=1e-4)
    (m,) = load_scenario("asia-energy-pivot").measures
    assert round(row["value"], 4) == pytest.approx(-m.change)
