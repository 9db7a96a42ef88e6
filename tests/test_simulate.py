"""simulate(): shock/scenario handling, deficit treatments, baseline cache, labelled errors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tradeshock import Shock, simulate
from tradeshock.errors import ShockError, TradeshockError
from tradeshock.model import equations
from tradeshock.simulate import clear_cache, resolved_baseline
from tradeshock.synthetic import random_world
from tradeshock.world import World


@pytest.fixture(scope="module")
def world():
    return random_world(6, 4, seed=5)


@pytest.fixture(scope="module")
def raw_world():
    """A world that is NOT an exact equilibrium: final shares perturbed after calibration."""
    w = random_world(5, 3, seed=9)
    a = w.final_share * np.array([1.3, 0.8, 1.0])
    return w.replace(final_share=a / a.sum(axis=1, keepdims=True), name="perturbed")


def test_null_shock_gives_zero_changes(world):
    r = simulate(world)
    assert r.diagnostics["converged"]
    np.testing.assert_allclose(r.welfare().to_numpy(), 0.0, atol=1e-7)
    np.testing.assert_allclose(r.flows_cf, r.flows_base, rtol=1e-9, atol=1e-9)
    assert "world value added fixed" in r.meta["numeraire"]


def test_changes_are_measured_from_the_resolved_baseline(raw_world):
    """Data off equilibrium: the null shock still moves nothing relative to the re-solved baseline."""
    base, eq0 = resolved_baseline(raw_world, "fixed")
    assert np.max(np.abs(eq0.w_hat - 1)) > 1e-4          # the data really were off equilibrium
    r = simulate(raw_world)
    np.testing.assert_allclose(r.w_hat, 1.0, atol=1e-9)
    np.testing.assert_allclose(r.welfare()["real_income"], 0.0, atol=1e-7)
    assert r.meta["baseline_resolve"]["w_hat_max"] > 1.0


def test_zero_deficits_balance_trade_in_the_baseline(raw_world):
    assert np.abs(raw_world.deficit).max() > 0
    base, _ = resolved_baseline(raw_world, "zero")
    assert np.all(base.deficit == 0)
    tb = equations.trade_balance(base.flows, base.deficit)
    assert np.max(np.abs(tb)) < 1e-8 * base.value_added.sum()
    r = simulate(raw_world, Shock(raw_world).tariff(imposer="C00", add=0.1), deficits="zero")
    assert r.deficits == "zero" and np.all(r.equilibrium.deficit_new == 0)


def test_baseline_resolve_is_cached_per_world_and_treatment(world):
    clear_cache()
    a = resolved_baseline(world, "fixed")
    b = resolved_baseline(world, "fixed")
    c = resolved_baseline(world, "zero")
    assert a[0] is b[0] and a[0] is not c[0]
    other = world.with_elasticities("x") if world.elasticities else world.replace(theta=world.theta * 2)
    assert resolved_baseline(other, "fixed")[0] is not a[0]


def test_scenario_is_duck_typed_and_its_deficit_setting_applies(world):
    shock = Shock(world).tariff(imposer="C01", target="C02", rate=0.3)
    scen = SimpleNamespace(name="demo", to_shock=lambda w: shock,
                           settings=SimpleNamespace(deficits="zero"))
    r = simulate(world, scen)
    assert r.scenario is scen and r.shock is shock and r.deficits == "zero"
    assert simulate(world, scen, deficits="fixed").deficits == "fixed"


def test_bad_deficits_value(world):
    with pytest.raises(ShockError, match="did you mean zero"):
        simulate(world, deficits="zeros")


def test_shock_for_another_world_is_refused(world):
    other = random_world(3, 2, seed=1)
    with pytest.raises(ShockError, match="built for world"):
        simulate(world, Shock(other))


def test_nan_and_domestic_embargo_are_named_by_label(world):
    def edited(name, where, value):
        arr = np.array(getattr(Shock(world), name))
        arr[where] = value
        return Shock(world, **{name: arr})

    with pytest.raises(ShockError, match="importer C01, exporter C02, sector s00"):
        simulate(world, edited("tariffs", (1, 2, 0), np.nan))
    with pytest.raises(ShockError, match="C03's domestic sales of s01"):
        simulate(world, edited("trade_cost_hat", (3, 3, 1), np.inf))
    with pytest.raises(TradeshockError, match="-100%"):
        simulate(world, edited("tariffs", (2, 1, 0), -1.5))


def test_wrong_argument_type(world):
    with pytest.raises(ShockError, match="must be a Shock"):
        simulate(world, "tariffs.yaml")


def test_world_is_a_weakref_cache_key(world):
    """World objects are usable as cache keys (hash by identity, frozen)."""
    assert isinstance(world, World)
    hash(world)


def test_homogeneity_of_a_whole_world(world):
    """Scaling every money value of the World (flows) leaves welfare and hats unchanged."""
    shock = lambda w: Shock(w).tariff(imposer="C00", add=0.15).embargo(imposer="C01", target="C02")  # noqa: E731
    a = simulate(world, shock(world))
    big = world.replace(flows=world.flows * 1e3, name="scaled")
    b = simulate(big, shock(big))
    np.testing.assert_allclose(b.w_hat, a.w_hat, rtol=1e-9)
    np.testing.assert_allclose(b.welfare().to_numpy(), a.welfare().to_numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(b.flows_cf, 1e3 * a.flows_cf, rtol=1e-9, atol=1e-6)
