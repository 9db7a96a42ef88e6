"""The engine against closed forms: ACR's welfare formula and the autarky gains from trade.

References
----------
Arkolakis, Costinot & Rodríguez-Clare (2012), "New Trade Models, Same Old Gains?", AER 102(1):
  one sector, no IO, balanced trade: Ŵ_n = (π̂_nn)^(−1/θ) for any change in trade costs.
Costinot & Rodríguez-Clare (2014), "Trade Theory with Numbers", Handbook of International
  Economics vol. 4, section 4 (multiple sectors with input-output links).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeshock import Shock, simulate
from tradeshock.synthetic import random_world


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), theta=st.floats(2.0, 10.0),
       n=st.integers(2, 6), scale=st.floats(-0.4, 0.6))
def test_acr_one_sector(seed, theta, n, scale):
    """Ŵ_n = π̂_nn^(−1/θ) for random trade-cost shocks (one sector, no IO, no tariffs, balanced)."""
    w = random_world(n, 1, seed=seed, io=False, tariffs=False, deficits=False, theta=theta,
                     n_nontradable=0)
    rng = np.random.default_rng(seed)
    d = np.exp(scale * rng.uniform(-1, 1, size=(n, n, 1)))   # random cost changes, some up, some down
    shock = Shock(w, trade_cost_hat=np.where(np.eye(n, dtype=bool)[:, :, None], 1.0, d))
    r = simulate(w, shock)
    pi_hat_nn = np.diagonal(r.equilibrium.pi_new[:, :, 0]) / np.diagonal(r.baseline.pi[:, :, 0])
    expected = pi_hat_nn ** (-1.0 / theta) - 1.0
    np.testing.assert_allclose(r.welfare()["real_income"].to_numpy() / 100, expected,
                               rtol=1e-7, atol=1e-10)


def _autarky(world):
    """Embargo every foreign flow in every tradable sector (autarky)."""
    return Shock(world).embargo()


@pytest.mark.parametrize("seed,theta", [(1, 4.0), (7, 8.28)])
def test_autarky_one_sector_gains_from_trade(seed, theta):
    w = random_world(5, 1, seed=seed, io=False, tariffs=False, deficits=False, theta=theta,
                     n_nontradable=0)
    r = simulate(w, _autarky(w))
    pi_nn = np.diagonal(w.trade_shares[:, :, 0])
    gains = 1.0 - pi_nn ** (1.0 / theta)          # W_autarky / W = π_nn^(1/θ)
    loss = -r.welfare()["real_income"].to_numpy() / 100
    np.testing.assert_allclose(loss, gains, rtol=1e-8)
    assert np.all(r.equilibrium.pi_new[~np.eye(5, dtype=bool)] == 0.0)


def test_autarky_multisector_io_costinot_rodriguez_clare():
    """Many sectors with input-output links (CRC 2014): derived in closed form.

    In autarky π'_nn^j = 1, so eq. (3) gives P̂_n^j = ĉ_n^j (π_nn^j)^(−1/θ^j). With
    p_j = ln(P̂_n^j / ŵ_n) and γ_n^j + Σ_k γ_n^{k,j} = 1, eq. (1) becomes
    p = Γ_nᵀ p − ln(π_nn)/θ, Γ_n[k, j] = γ_n^{k,j}, so p = −(I − Γ_nᵀ)^(−1) (ln π_nn / θ).
    Without tariffs or deficits income is w L, so
    W_autarky / W = exp(α_nᵀ (I − Γ_nᵀ)^(−1) ln(π_nn)/θ) = Π_k (π_nn^k)^(ẽ_k/θ_k) with
    ẽ = α_nᵀ (I − Γ_nᵀ)^(−1): the CRC formula, exponents weighted through the Leontief inverse.
    """
    w = random_world(6, 5, seed=11, tariffs=False, deficits=False)
    r = simulate(w, _autarky(w))
    pi = w.trade_shares
    expected = []
    for n in range(w.n_countries):
        a = np.log(pi[n, n, :]) / w.theta
        leontief = np.linalg.inv(np.eye(w.n_sectors) - w.io_share[n].T)
        expected.append(np.exp(w.final_share[n] @ leontief @ a) - 1.0)
    np.testing.assert_allclose(r.welfare()["real_income"].to_numpy() / 100, expected, rtol=1e-8)
    # IO links magnify the gains relative to the no-IO formula Π_j (π_nn^j)^(α_j/θ_j)
    no_io = np.exp((w.final_share * np.log(np.einsum("nnj->nj", pi)) / w.theta).sum(axis=1)) - 1
    assert np.all(np.asarray(expected) < no_io)
