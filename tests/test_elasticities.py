"""The packaged trade-elasticity sets: the 2024 default rule, CP kept as a named set."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.world import load_world

CP_T = {"agriculture": 9.11, "mining": 13.53, "food": 2.62, "textiles": 8.10, "wood": 11.50,
        "paper": 16.52, "petroleum": 64.85, "chemicals": 3.13, "rubber_plastics": 1.67,
        "minerals": 2.41, "machinery": 1.45, "manufacturing_nec": 3.98}


@pytest.fixture(scope="module")
def world():
    return load_world("default")


def test_default_world_uses_tradeshock2024(world):
    assert world.provenance["elasticity_set"] == "tradeshock2024"
    np.testing.assert_array_equal(world.theta, world.elasticities["tradeshock2024"])
    assert {"cp2015", "uniform5", "simonovska_waugh", "broda_weinstein"} <= set(world.elasticities)


def test_cp2015_set_is_caliendo_parro_table(world):
    cp = dict(zip(world.sectors, world.elasticities["cp2015"], strict=True))
    for s, v in CP_T.items():          # T.txt values, typed from SOURCES.md
        assert cp[s] == pytest.approx(v)
    assert cp["finance"] == pytest.approx(8.22)


def test_default_rule(world):
    cp = dict(zip(world.sectors, world.elasticities["cp2015"], strict=True))
    ts = dict(zip(world.sectors, world.elasticities["tradeshock2024"], strict=True))
    goods = world.sectors[:16]
    for s in world.sectors:
        if s in goods and cp[s] <= 10:
            assert ts[s] == cp[s], s
        else:
            assert ts[s] == 5.0, s
    assert [s for s in goods if ts[s] != cp[s]] == ["mining", "wood", "paper", "petroleum"]


def test_validation_worlds_keep_cp(world):
    assert load_world("cp1993").provenance.get("elasticity_set", "cp2015") == "cp2015"
    w11 = load_world("wiod2011")
    np.testing.assert_array_equal(w11.theta, w11.elasticities["cp2015"])


def test_broda_weinstein_is_sigma_minus_one(world):
    bw = world.elasticities["broda_weinstein"]
    assert np.all(bw > 0.5) and np.all(bw < 10)
    # Broda-Weinstein sigmas centre around 3-4 (sigma - 1 around 2-3) for most goods
    assert 1.5 < np.median(bw[:16]) < 3.5


def test_uncertainty_record(world):
    u = world.provenance["elasticity_uncertainty"]
    assert u["shape"] == "lognormal" and u["p95_factor"] == 2.0 and u["p05_factor"] == 0.5


def _cp_scenario():
    from tradeshock.scenario import Scenario

    return Scenario.from_dict({"name": "us25-cp", "settings": {"elasticities": "cp2015"},
                               "measures": [{"tariff": {"imposer": "USA", "targets": ["CAN"],
                                                        "add": 0.25, "source": "a test"}}]})


def test_simulate_on_a_world_applies_the_scenarios_elasticity_set(world):
    """``simulate(World, scenario)`` solves with ``settings.elasticities``, as the runner does."""
    import tradeshock as ts
    from tradeshock.resolve import world_for

    sc = _cp_scenario()
    got = ts.simulate(world, sc)
    np.testing.assert_array_equal(got.world.theta, world.elasticities["cp2015"])
    want = ts.simulate(world.with_elasticities("cp2015"), sc)
    assert world_for(sc, world) is got.world                  # one variant, one cached baseline
    np.testing.assert_allclose(got.equilibrium.w_hat, want.equilibrium.w_hat, rtol=1e-12)
    plain = ts.simulate(world, sc.to_shock(world))              # the same measures, default θ
    assert np.abs(plain.equilibrium.w_hat / got.equilibrium.w_hat - 1).max() > 1e-4


def test_a_world_with_other_elasticities_is_refused_not_solved(world):
    """Entry points that take a World as given name the mismatch instead of ignoring it."""
    from tradeshock.errors import DataError, ScenarioError
    from tradeshock.parallel import solve_many
    from tradeshock.scenario import Scenario

    with pytest.raises(ScenarioError, match=r"settings\.elasticities is 'cp2015'.*with_elasticities"):
        solve_many(world, [_cp_scenario()])
    bad = Scenario.from_dict({"name": "x", "settings": {"elasticities": "cp2051"}})
    with pytest.raises((DataError, ScenarioError), match="cp2051"):
        __import__("tradeshock").simulate(world, bad)
