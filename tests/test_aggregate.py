"""World.aggregate: analytic small cases, preserved totals, and error messages."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.errors import DataError
from tradeshock.world import World, load_world


def tiny_world(seed: int = 0, n: int = 4, j: int = 3) -> World:
    rng = np.random.default_rng(seed)
    flows = rng.uniform(1, 10, (n, n, j))
    tariffs = rng.uniform(0, 0.3, (n, n, j))
    tariffs[np.arange(n), np.arange(n), :] = 0
    va = rng.uniform(0.3, 0.6, (n, j))
    io = rng.uniform(0, 1, (n, j, j))
    io = io / io.sum(axis=1, keepdims=True) * (1 - va)[:, None, :]
    alpha = rng.uniform(0, 1, (n, j))
    alpha /= alpha.sum(axis=1, keepdims=True)
    return World(name="tiny", year=2020, countries=("AAA", "BBB", "CCC", "DDD")[:n],
                 sectors=("s1", "s2", "s3")[:j], flows=flows, tariffs=tariffs, va_share=va,
                 io_share=io, final_share=alpha, theta=np.array([2.0, 4.0, 8.0])[:j],
                 tradable=np.ones(j, bool), elasticities={"alt": np.array([1.0, 2.0, 3.0])[:j]})


def test_tariff_and_theta_weights_analytic():
    w = tiny_world()
    f = np.ones_like(w.flows)
    t = np.zeros_like(w.tariffs)
    f[0, 1, 0], f[0, 2, 0] = 1.0, 3.0          # importer AAA buys 1 from BBB, 3 from CCC
    t[0, 1, 0], t[0, 2, 0] = 0.1, 0.3
    w = w.replace(flows=f, tariffs=t)
    a = w.aggregate(regions={"BC": ["BBB", "CCC"]})
    assert a.countries == ("AAA", "BC", "DDD")
    assert a.tariffs[0, 1, 0] == pytest.approx((1 * 0.1 + 3 * 0.3) / 4)   # flow-weighted: 0.25
    assert a.tariffs[1, 1].sum() == 0                                       # inside the region
    # theta import-weighted: world imports (off-diagonal) per sector
    f2 = np.ones_like(w.flows)
    f2[:, :, 1] *= 3.0                       # sector s2 has three times s1's imports
    s = w.replace(flows=f2).aggregate(sectors={"s12": ["s1", "s2"]})
    assert s.theta[0] == pytest.approx((1 * 2.0 + 3 * 4.0) / 4)
    assert s.elasticities["alt"][0] == pytest.approx((1 * 1.0 + 3 * 2.0) / 4)
    assert s.sectors == ("s12", "s3")


def test_totals_and_identities_preserved():
    w = tiny_world(1)
    a = w.aggregate(regions={"AB": ["AAA", "BBB"]}, sectors={"x": ["s1", "s3"]})
    assert a.flows.sum() == pytest.approx(w.flows.sum())
    assert a.value_added.sum() == pytest.approx(w.value_added.sum())
    np.testing.assert_allclose(a.va_share + a.io_share.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(a.final_share.sum(axis=1), 1.0, atol=1e-12)
    assert abs(a.deficit.sum()) < 1e-9
    # final spending by group preserved: sum over members of alpha * I
    inc = w.value_added + w.tariff_revenue + w.deficit
    spend = w.final_share * inc[:, None]
    inc_a = a.value_added + a.tariff_revenue + a.deficit
    # region AB, sector group x: spending of AAA and BBB on s1 and s3 (income changes only by
    # the dropped intra-region tariff revenue, so compare shares, not levels)
    share = spend[:2][:, [0, 2]].sum() / inc[:2].sum()
    assert a.final_share[0, 0] == pytest.approx(share)
    assert inc_a.shape == (3,)
    # gross output of the merged country-sector equals the members' total
    assert a.gross_output[0, 0] == pytest.approx(w.gross_output[:2][:, [0, 2]].sum())


def test_identity_mapping_is_noop():
    w = tiny_world(2)
    a = w.aggregate(regions={"A1": ["AAA"]}, sectors={"t1": ["s1"]})
    np.testing.assert_allclose(a.flows, w.flows)
    np.testing.assert_allclose(a.tariffs, w.tariffs)
    np.testing.assert_allclose(a.io_share, w.io_share)
    np.testing.assert_allclose(a.final_share, w.final_share)
    assert a.countries[0] == "A1" and a.sectors[0] == "t1"


def test_errors():
    w = tiny_world()
    with pytest.raises(DataError, match="ZZZ.*AAA"):
        w.aggregate(regions={"X": ["ZZZ"]})
    with pytest.raises(DataError, match="did you mean s1"):
        w.aggregate(sectors={"g": ["s1x"]})
    with pytest.raises(DataError, match="two groups"):
        w.aggregate(regions={"X": ["AAA"], "Y": ["AAA", "BBB"]})
    with pytest.raises(DataError, match="no members"):
        w.aggregate(regions={"X": []})
    with pytest.raises(DataError, match="BBB"):
        w.aggregate(regions={"BBB": ["AAA"]})


def test_packaged_world_eu_aggregate():
    w = load_world("wiod2011")
    eu = ["AUT", "BEL", "DEU", "FRA", "ITA", "NLD", "ESP"]
    a = w.aggregate(regions={"EU7": eu})
    assert a.n_countries == w.n_countries - len(eu) + 1
    assert a.value_added.sum() == pytest.approx(w.value_added.sum(), rel=1e-12)
    usa = a.country_index("USA")
    assert a.flows[usa, a.country_index("EU7")].sum() == pytest.approx(
        sum(w.flows[w.country_index("USA"), w.country_index(c)].sum() for c in eu))
