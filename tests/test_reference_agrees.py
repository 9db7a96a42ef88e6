"""The engine agrees with an independent plain implementation of the authors' algorithm.

``benchmarks/reference.py`` is written straight from model.md (damped wage loop, price loop
restarted at one, dense expenditure solve) and shares no code with ``tradeshock.model``. Both
stop at tol = 1e-10 on the same residual definitions; the solutions then differ by the
residual times the conditioning of the wage problem, so we compare at rtol = 1e-8.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tradeshock.model import baseline_from_world, solve
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.synthetic import random_world

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import reference as ref  # noqa: E402

RTOL = 1e-8


def _engine(world, tariffs, trade_cost_hat=None, deficits="fixed"):
    """Engine hats measured from its own re-solved baseline (as simulate() does)."""
    base = baseline_from_world(world)
    d0 = base.deficit if deficits == "fixed" else np.zeros_like(base.deficit)
    base = base.rebased(solve(base, deficit_new=d0))
    return solve(base, tariffs, trade_cost_hat, d0)


@pytest.mark.parametrize("deficits", ["fixed", "zero"])
def test_synthetic_world_with_io_tariffs_and_embargo(deficits):
    w = random_world(8, 5, seed=4)
    usa, others = 0, slice(1, None)
    tau = w.tariffs.copy()
    tau[usa, others, :3] += 0.25                          # country 0 raises tariffs on everyone
    tau[others, usa, :2] += 0.10                          # partners retaliate in two sectors
    d_hat = np.ones_like(tau)
    d_hat[2, 3, 1] = np.inf                               # one embargo
    d_hat[4, 5, :] = 0.9                                  # one trade-cost cut
    r = ref.solve(w, tau, d_hat, deficits=deficits, tol=1e-10)
    e = _engine(w, tau, d_hat, deficits)
    assert r.converged and e.converged
    np.testing.assert_allclose(e.w_hat, r.w_hat, rtol=RTOL)
    np.testing.assert_allclose(e.P_hat, r.P_hat, rtol=RTOL)
    np.testing.assert_allclose(e.X_new, r.X_new, rtol=RTOL)
    assert np.all(e.pi_new[2, 3, 1] == 0) and np.all(r.pi_new[2, 3, 1] == 0)
    # the public path (simulate, labelled Shock) gives the same answer
    shock = Shock(w, trade_cost_hat=d_hat).set_tariffs(tau)
    res = simulate(w, shock, deficits=deficits)
    np.testing.assert_allclose(res.w_hat, r.w_hat, rtol=RTOL)
    np.testing.assert_allclose(res.P_hat, r.P_hat, rtol=RTOL)
    # the shock matters: these are not both trivially one
    assert np.abs(r.w_hat - 1).max() > 1e-3


def test_one_sector_gravity_world():
    w = random_world(25, 1, seed=2, io=False, theta=5.0)
    d_hat = np.ones_like(w.tariffs)
    d_hat[0, 1:, 0] = 1.3
    d_hat[1:, 0, 0] = 1.3
    r = ref.solve(w, None, d_hat, tol=1e-10)
    e = _engine(w, w.tariffs, d_hat)
    np.testing.assert_allclose(e.w_hat, r.w_hat, rtol=RTOL)
    np.testing.assert_allclose(e.P_hat, r.P_hat, rtol=RTOL)


@pytest.mark.slow
@pytest.mark.parametrize("deficits", ["zero", "fixed"])
def test_cp1993_nafta(deficits):
    """Caliendo–Parro's NAFTA counterfactual: 1993 → 2005 tariffs among CAN, MEX, USA.

    Takes 1–2 min: the reference re-solves the baseline too.
    """
    from tradeshock.cp2015 import load_tariffs2005
    from tradeshock.world import load_world

    w = load_world("cp1993")
    t05 = load_tariffs2005(w)
    nafta = [w.country_index(c) for c in ("CAN", "MEX", "USA")]
    tau = w.tariffs.copy()
    for a in nafta:
        for b in nafta:
            if a != b:
                tau[a, b, :] = t05[a, b, :]
    r = ref.solve(w, tau, deficits=deficits, tol=1e-10)
    e = _engine(w, tau, deficits=deficits)
    assert r.converged and e.converged
    np.testing.assert_allclose(e.w_hat, r.w_hat, rtol=RTOL)
    np.testing.assert_allclose(e.P_hat, r.P_hat, rtol=RTOL)
