"""Every packaged world solves: baseline re-solve, null shock, and a combined shock, certified.

Reference values are analytic (the null shock moves nothing; residuals within tolerance; an
embargoed flow is exactly zero; the numéraire holds), so these tests guard the engine on real
data without pinning any number it produced itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock import Shock, load_world, simulate
from tradeshock.world import list_worlds

WORLDS = [w for w in ("gravity2006", "cp1993", "wiod2011", "default") if w in list_worlds()]


@pytest.fixture(scope="module", params=WORLDS)
def world(request):
    return load_world(request.param)


@pytest.mark.parametrize("deficits", ["fixed", "zero"])
def test_null_shock_is_null(world, deficits):
    r = simulate(world, deficits=deficits)
    assert r.diagnostics["converged"]
    np.testing.assert_allclose(r.w_hat, 1.0, atol=1e-9)
    np.testing.assert_allclose(r.welfare()["real_income"], 0.0, atol=1e-6)


def test_combined_shock_converges_with_certified_residuals(world):
    if not {"USA", "CAN"} <= set(world.countries):
        pytest.skip("world has no USA/CAN")
    tradable = [s for s, t in zip(world.sectors, world.tradable, strict=True) if t]
    shock = (Shock(world).tariff(imposer="USA", target="CAN", rate=0.25)
             .tariff(imposer="CAN", target="USA", add=0.25)
             .embargo(imposer="CAN", target="USA", sectors=tradable[:1])
             .trade_cost(importer="USA", exporter="CAN", sectors=tradable[-1:], change=0.1))
    r = simulate(world, shock)
    d = r.diagnostics
    assert d["converged"]
    assert max(d["residual_price"], d["residual_expenditure"], d["residual_trade_balance"]) <= 1e-10
    can, usa = world.country_index("CAN"), world.country_index("USA")
    j = world.sector_index(tradable[0])
    assert r.flows_cf[can, usa, j] == 0.0
    va = r.baseline.value_added
    assert abs((r.w_hat * va).sum() / va.sum() - 1) < 1e-12
    wel = r.welfare()
    assert wel.loc["CAN", "real_income"] < 0            # a 25% US tariff hurts Canada
    # bilateral trade falls in both directions
    assert r.flows_cf[usa, can].sum() < r.flows_base[usa, can].sum()
    assert r.flows_cf[can, usa].sum() < r.flows_base[can, usa].sum()
