"""One-sector case vs an independent structural-gravity GE fixed point on ``gravity2006``.

The reference below is written in the multilateral-resistance form of Anderson & van Wincoop
(2003) as solved in Yotov, Piermartini, Monteiro & Larch (2016, "An Advanced Guide to Trade
Policy Analysis", WTO/UNCTAD, ch. 2, "full endowment general equilibrium"), sharing no code
with the engine:

  X_ni = Y_i E_n / Y_w · (t_ni / (Π_i P_n))^(−θ),
  Π_i^(−θ) = Σ_n (t_ni / P_n)^(−θ) E_n / Y_w,     P_n^(−θ) = Σ_i (t_ni / Π_i)^(−θ) Y_i / Y_w,
  factory-gate prices: Y_i / Y_w = (p_i Π_i)^(−θ) · const_i  ⇒  p̂_i = Π̂_i^(−θ/(1+θ)) (Y_w fixed),
  Y_i' = p̂_i Y_i, E_n' = Y_n' + D_n (deficits fixed in numéraire units, as simulate's "fixed").

Trade costs t^(−θ) are calibrated so the baseline MRs are one (t_ni^(−θ) = X_ni Y_w / (Y_i E_n)).
"""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock import Shock, load_world, simulate
from tradeshock.world import list_worlds

pytestmark = pytest.mark.skipif("gravity2006" not in list_worlds(), reason="gravity2006 not packaged")


def gravity_ge(X: np.ndarray, theta: float, d_hat: np.ndarray, tol: float = 1e-13):
    """Counterfactual flows and factory-gate price changes of a one-sector structural gravity model.

    ``X[n, i]`` baseline flows (importer n, exporter i); ``d_hat`` trade-cost changes.
    """
    Y = X.sum(axis=0)                 # output of exporter i
    E = X.sum(axis=1)                 # expenditure of importer n
    D = E - Y
    Yw = Y.sum()
    phi = X * Yw / np.outer(E, Y) * d_hat ** (-theta)     # (t'_ni)^(−θ), baseline MRs = 1
    p = np.ones_like(Y)
    Pi = np.ones_like(Y)
    P = np.ones_like(Y)
    for _ in range(20_000):
        Y1 = p * Y
        E1 = Y1 + D
        for _ in range(10_000):       # multilateral resistances (RAS-like fixed point)
            P_new = ((phi / Pi[None, :] ** (-theta)) @ (Y1 / Yw)) ** (-1 / theta)
            Pi_new = ((phi / P_new[:, None] ** (-theta)).T @ (E1 / Yw)) ** (-1 / theta)
            done = max(np.max(np.abs(P_new / P - 1)), np.max(np.abs(Pi_new / Pi - 1))) < tol
            P, Pi = P_new, Pi_new
            if done:
                break
        p_new = Pi ** (-theta / (1 + theta))
        p_new *= Yw / (p_new * Y).sum()                     # numéraire: world output fixed
        step = np.max(np.abs(p_new / p - 1))
        p = 0.5 * p + 0.5 * p_new
        if step < tol:
            break
    Y1, E1 = p * Y, p * Y + D
    X1 = np.outer(E1, Y1) / Yw * phi / np.outer(P ** (-theta), Pi ** (-theta))
    return X1, p


def test_us_canada_trade_cost_rise_matches_structural_gravity():
    w = load_world("gravity2006")
    theta = float(w.theta[0])
    shock = Shock(w).trade_cost(importer="USA", exporter="CAN", change=0.10, symmetric=True)
    r = simulate(w, shock, deficits="fixed")
    X1, p = gravity_ge(r.flows_base[:, :, 0], theta, shock.trade_cost_hat[:, :, 0])
    np.testing.assert_allclose(r.w_hat, p, rtol=1e-8)
    np.testing.assert_allclose(r.flows_cf[:, :, 0], X1, rtol=1e-7, atol=1e-9 * X1.max())
    can, usa = w.country_index("CAN"), w.country_index("USA")
    assert r.flows_cf[usa, can, 0] < r.flows_base[usa, can, 0]
    # partial equilibrium would be 1.1^(−θ) − 1 = −31.7%; GE (Canada's factory-gate price
    # falls, its resistance rises) dampens the fall, but not below half of it
    change = r.flows_cf[usa, can, 0] / r.flows_base[usa, can, 0] - 1
    pe = 1.1 ** (-theta) - 1
    assert pe < change < pe / 2
    assert r.w_hat[can] < 1
