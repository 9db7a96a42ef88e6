"""Shapley attribution: textbook games with known values, and exact adding-up on real solves.

References: the glove game (Shapley values 2/3, 1/6, 1/6), unanimity games (1/|T| to each
member), additive games (each player's own worth), and for the model the combined scenario
solved directly with :func:`simulate`, plus the two-measure Shapley formula written out by
hand from four direct solves.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from tradeshock.analysis.attribution import (
    attribute,
    outcome_vector,
    shapley_exact,
    shapley_sampled,
    waterfall_table,
    winners_losers,
)
from tradeshock.errors import ScenarioError
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.synthetic import random_world


def _table(n, v):
    return np.array([[v({i for i in range(n) if m >> i & 1})] for m in range(2 ** n)])


# ------------------------------------------------------------------ pure Shapley maths
def test_glove_game():
    # player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1
    phi = shapley_exact(_table(3, lambda s: float(0 in s and bool(s & {1, 2}))))[:, 0]
    assert phi == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_unanimity_and_additive_games():
    t = {0, 2, 3}
    phi = shapley_exact(_table(5, lambda s: float(t <= s)))[:, 0]
    assert phi == pytest.approx([1 / 3, 0, 1 / 3, 1 / 3, 0])
    a = [1.5, -2.0, 0.25, 4.0]
    phi = shapley_exact(_table(4, lambda s: sum(a[i] for i in s)))[:, 0]
    assert phi == pytest.approx(a)


def test_efficiency_on_random_value_table():
    rng = np.random.default_rng(0)
    vals = rng.normal(size=(2 ** 6, 3))
    phi = shapley_exact(vals)
    assert phi.sum(axis=0) == pytest.approx(vals[-1] - vals[0], abs=1e-12)


def test_sampling_all_orders_equals_exact():
    rng = np.random.default_rng(1)
    vals = rng.normal(size=(2 ** 4, 2))
    orders = list(itertools.permutations(range(4)))
    mean, se = shapley_sampled(lambda m: vals[m], 4, orders)
    assert mean == pytest.approx(shapley_exact(vals), abs=1e-12)
    assert len(orders) == math.factorial(4) and se.shape == mean.shape


# ------------------------------------------------------------------- on model solves
class Package:
    """A minimal scenario: named measures applied as Shock verbs (same protocol as Scenario)."""

    def __init__(self, measures, name="pkg"):
        self.measures = dict(measures)
        self.name = name
        self.world = None
        self.settings = None

    def measure_labels(self):
        return list(self.measures)

    def to_shock(self, world, only=None):
        s = Shock(world)
        for label, verb in self.measures.items():
            if only is None or label in only:
                s = verb(s)
        return s


@pytest.fixture(scope="module")
def world():
    return random_world(4, 3, seed=2)


@pytest.fixture(scope="module")
def package(world):
    a, b, c, d = world.countries
    return Package({
        "tariff_b_on_a": lambda s: s.tariff(imposer=b, target=a, rate=0.25),
        "tariff_a_on_b": lambda s: s.tariff(imposer=a, target=b, rate=0.15),
        "cheaper_a_c": lambda s: s.trade_cost(importer=c, exporter=a, change=-0.1, symmetric=True),
    })


@pytest.fixture(scope="module")
def contrib(world, package):
    return attribute(package, world, focus=world.countries[0], backend="serial")


def test_contributions_add_up_to_direct_solve(world, package, contrib):
    full = simulate(world, package.to_shock(world))
    direct = outcome_vector(full, world.countries[0]).set_index(["country", "variable"])["value"]
    sums = contrib.groupby(["country", "variable"])["contribution"].sum()
    assert sums.reindex(direct.index).to_numpy() == pytest.approx(direct.to_numpy(), abs=1e-7)
    assert set(contrib.columns) >= {"measure", "country", "variable", "contribution"}
    assert contrib.attrs["n_solves"] == 8 and contrib.attrs["method"] == "exact Shapley"
    assert (contrib["se"] == 0).all()
    tot = {(r["country"], r["variable"]): r["total"] for r in contrib.attrs["total"]}
    assert [tot[k] for k in direct.index] == pytest.approx(direct.to_numpy(), abs=1e-7)
    assert len(pd.concat([contrib, contrib])) == 2 * len(contrib)   # attrs stay comparable


def test_two_measure_formula_by_hand(world, package):
    a = world.countries[0]
    sub = Package({k: package.measures[k] for k in ("tariff_b_on_a", "tariff_a_on_b")})
    df = attribute(sub, world, focus=a, backend="serial")

    def w(only):
        return simulate(world, sub.to_shock(world, only=only)).welfare().loc[a, "real_income"]

    v0, v1, v2, v12 = w(set()), w({"tariff_b_on_a"}), w({"tariff_a_on_b"}), w(None)
    phi1 = 0.5 * (v1 - v0) + 0.5 * (v12 - v2)
    got = df[(df["measure"] == "tariff_b_on_a") & (df["country"] == a)
             & (df["variable"] == "real_income")]["contribution"].item()
    assert got == pytest.approx(phi1, abs=1e-8)
    assert v0 == pytest.approx(0.0, abs=1e-8)


def test_null_measure_gets_zero(world, package):
    p = Package({**package.measures, "nothing": lambda s: s.trade_cost(change=0.0)})
    df = attribute(p, world, focus=world.countries[0], backend="serial")
    assert df[df["measure"] == "nothing"]["contribution"].abs().max() < 1e-8


def test_sampled_attribution_adds_up_and_is_close(world, package, contrib):
    df = attribute(package, world, focus=world.countries[0], exact_max=1, pairs=10,
                   backend="serial")
    assert df.attrs["method"].startswith("sampled")
    key = ["measure", "country", "variable"]
    m = df.merge(contrib, on=key, suffixes=("_s", "_e"))
    tot_s = df.groupby(["country", "variable"])["contribution"].sum()
    tot_e = contrib.groupby(["country", "variable"])["contribution"].sum()
    assert tot_s.to_numpy() == pytest.approx(tot_e.reindex(tot_s.index).to_numpy(), abs=1e-7)
    wel = m[m["variable"] == "real_income"]
    err = (wel["contribution_s"] - wel["contribution_e"]).abs()
    assert (err <= 4 * wel["se_s"] + 1e-6).all()


def test_waterfall_and_errors(world, package, contrib):
    wt = waterfall_table(contrib, world.countries[0], "real_income")
    assert list(wt["measure"])[-1] == "total"
    assert wt["cumulative"].iloc[-2] == pytest.approx(wt["contribution"].iloc[-1])
    with pytest.raises(ScenarioError, match="measure label"):
        attribute(package, world, measures=["tarif_b_on_a"], backend="serial")
    with pytest.raises(ScenarioError, match="no measures"):
        attribute(Package({}), world, backend="serial")


def test_winners_losers_ranks_sectors(world, package):
    a = world.countries[0]
    r = simulate(world, package.to_shock(world))
    wl = winners_losers({"pkg": r}, country=a)
    sec = wl[wl["level"] == "sector"]
    out = r.output()
    out = out[out["country"] == a].set_index("sector")
    assert sec.set_index("name")["value_added_change"].to_dict() == pytest.approx(
        (out["value_added_cf"] - out["value_added_base"]).to_dict())
    assert list(sec["rank"]) == list(range(1, len(sec) + 1))
    assert sec["value_added_change_pct"].is_monotonic_decreasing
    assert set(sec["outcome"]) <= {"winner", "loser", "unchanged"}


def test_report_section_renders_waterfall(world, contrib):
    from tradeshock.report.html import render_report

    r = simulate(world)
    page = render_report(r, attribution=contrib, home=world.countries[0], strict=True,
                         sections=["attribution"])
    assert "Deal attribution" in page and "waterfall" in page
    assert "Deal attribution" not in render_report(r, strict=True, sections=["attribution"])


@pytest.mark.slow
def test_canada_china_deal_on_default_world():
    """The January 2026 deal: parts add up to the scenario solved directly; signs as expected."""
    from tradeshock.analysis.attribution import load_scenario, scenario_world

    sc = load_scenario("canada-china-deal-2026")
    df = attribute(sc, backend="processes")
    assert df.attrs["n_solves"] == 2 ** len(sc.measure_labels())
    direct = outcome_vector(simulate(scenario_world(sc), sc)).set_index(["country", "variable"])["value"]
    sums = df.groupby(["country", "variable"])["contribution"].sum().reindex(direct.index)
    assert sums.to_numpy() == pytest.approx(direct.to_numpy(), abs=1e-6)
    c = df.set_index(["measure", "country", "variable"])["contribution"]
    # Chinese EVs at MFN compete with Canadian vehicles; China's canola relief helps farming
    assert c[("ev-quota", "CAN", "value_added_change:transport_equipment")] < 0
    assert c[("canola-seed-final-ad", "CAN", "value_added_change:agriculture")] > 0
    assert c[("canola-seed-final-ad", "CAN", "exports_change:CHN")] > 0


def test_cli_attribute_writes_table_and_report(tmp_path):
    from typer.testing import CliRunner

    from tradeshock.cli import app

    out, rep = tmp_path / "deal.csv", tmp_path / "deal.html"
    res = CliRunner().invoke(app, ["attribute", "canada-china-deal-2026", "--backend", "serial",
                                   "--out", str(out), "--report", str(rep)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert {"ev-quota", "canola-seed-final-ad"} <= set(df["measure"])
    assert "package total" in rep.read_text()
    bad = CliRunner().invoke(app, ["attribute", "canada-china-deal-2026", "-m", "ev-quot"])
    assert bad.exit_code != 0 and "ev-quota" in str(bad.exception)
