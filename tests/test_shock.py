"""Shock verbs: labels to arrays, rates vs points, compounding, embargo masks and errors."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock import Shock
from tradeshock.errors import ShockError
from tradeshock.synthetic import random_world


@pytest.fixture(scope="module")
def world():
    return random_world(4, 4, seed=2)        # sector s03 is non-tradable


def test_null_shock(world):
    s = Shock(world)
    assert s.is_null and np.all(s.kappa_hat() == 1.0)


def test_tariff_rate_and_add(world):
    s = Shock(world).tariff(imposer="C00", target="C01", sectors="s00", rate=0.25)
    assert s.tariffs[0, 1, 0] == 0.25
    changed = s.tariffs != world.tariffs
    assert changed.sum() == (1 if world.tariffs[0, 1, 0] != 0.25 else 0)
    t = s.tariff(imposer="C00", target="C01", sectors="s00", add=0.05)
    assert s.tariffs[0, 1, 0] == 0.25 and len(s.log) == 1        # a verb returns a new shock
    s = t
    assert s.tariffs[0, 1, 0] == pytest.approx(0.30)
    assert s.kappa_hat()[0, 1, 0] == pytest.approx(1.30 / (1 + world.tariffs[0, 1, 0]))
    assert not s.is_null and len(s.log) == 2


def test_defaults_cover_all_foreign_pairs_in_tradable_sectors_only(world):
    s = Shock(world).tariff(add=0.1)
    diff = s.tariffs - world.tariffs
    n = world.n_countries
    assert np.allclose(diff[:, :, :3][~np.eye(n, dtype=bool)], 0.1)
    assert np.all(diff[:, :, 3] == 0)                                   # non-tradable untouched
    assert np.all(diff[np.arange(n), np.arange(n), :] == 0)             # domestic never taxed


def test_trade_cost_compounds_and_symmetric(world):
    s = Shock(world).trade_cost(importer="C02", exporter="C03", change=0.1, symmetric=True)
    s = s.trade_cost(importer="C02", exporter="C03", change=0.1)
    assert s.trade_cost_hat[2, 3, 0] == pytest.approx(1.21)
    assert s.trade_cost_hat[3, 2, 0] == pytest.approx(1.1)
    assert s.trade_cost_hat[0, 1, 0] == 1.0


def test_embargo_is_infinite_and_exact(world):
    s = Shock(world).embargo(imposer="C01", target=["C00", "C02"], sectors=["s00", "s01"])
    assert s.embargoed.sum() == 4
    assert np.isinf(s.kappa_hat()[1, 0, 0]) and np.isinf(s.kappa_hat()[1, 2, 1])
    with pytest.raises(ShockError, match="own domestic"):
        Shock(world).embargo(imposer="C01", target="C01")


def test_set_tariffs_zeroes_the_diagonal(world):
    t = np.full(world.tariffs.shape, 0.07)
    s = Shock(world).set_tariffs(t)
    assert np.all(np.einsum("nnj->nj", s.tariffs) == 0) and s.tariffs[0, 1, 0] == 0.07
    with pytest.raises(ShockError, match="shape"):
        Shock(world).set_tariffs(t[:, :, :2])
    t[0, 1, 0] = np.nan
    with pytest.raises(ShockError, match="NaN"):
        Shock(world).set_tariffs(t)


@pytest.mark.parametrize("kwargs,match", [
    ({"imposer": "C0O", "rate": 0.1}, "did you mean"),
    ({"sectors": "steel", "rate": 0.1}, "unknown sector"),
    ({"rate": -1.0}, "-100%"),
    ({"rate": 0.1, "add": 0.1}, "exactly one"),
    ({"rate": float("nan")}, "finite"),
])
def test_tariff_errors(world, kwargs, match):
    with pytest.raises(ShockError, match=match):
        Shock(world).tariff(**kwargs)


def test_trade_cost_errors(world):
    with pytest.raises(ShockError, match="zero or negative"):
        Shock(world).trade_cost(change=-1.0)
    with pytest.raises(ShockError, match="number"):
        Shock(world).trade_cost(change="ten")


def test_copy_is_independent(world):
    a = Shock(world).tariff(imposer="C00", add=0.1)
    b = a.copy().tariff(imposer="C01", add=0.2)
    assert len(a.log) == 1 and len(b.log) == 2
    assert not np.array_equal(a.tariffs, b.tariffs)


def test_tariff_on_all_sectors_means_all_goods_sectors():
    # Tariffs are levied on goods; the default world lists its goods sectors (c1-c17) in provenance.
    from tradeshock import load_world

    w = load_world("default")
    s = Shock(w).tariff(imposer="USA", target="CAN", rate=0.25)
    n, i = w.countries.index("USA"), w.countries.index("CAN")
    goods = set(w.provenance["goods_sectors"])
    for k, sector in enumerate(w.sectors):
        expected = 0.25 if sector in goods else w.tariffs[n, i, k]
        assert s.tariffs[n, i, k] == expected, sector
    assert "finance" not in goods and "metals" in goods
    # embargoes and trade costs still reach every traded sector
    e = Shock(w).embargo(imposer="USA", target="CAN")
    assert np.isinf(e.trade_cost_hat[n, i, w.sectors.index("finance")])


def test_aggregated_world_keeps_goods_groups():
    from tradeshock import load_world

    w = load_world("default").aggregate(sectors={"services": ["finance", "real_estate"],
                                                 "energy": ["mining", "petroleum"]})
    assert "energy" in w.provenance["goods_sectors"]
    assert "services" not in w.provenance["goods_sectors"]
    assert w.goods[w.sectors.index("energy")] and not w.goods[w.sectors.index("services")]
