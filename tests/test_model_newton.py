"""The Newton path for worlds without input-output links (``tradeshock.model.newton``).

References are independent of the code under test: the analytic wage Jacobian is checked
against central finite differences of the excess function, and the Newton solution against
the general (Anderson-mixed fixed-point) algorithm and the textbook algorithm, which share
none of its closed forms.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.model import baseline_from_world, equations, solve
from tradeshock.model import newton as nw
from tradeshock.model.reference import solve_textbook
from tradeshock.synthetic import random_world


def _no_io_shock(base, seed):
    rng = np.random.default_rng(seed)
    n = base.n_countries
    tau = base.tariffs + rng.uniform(0.0, 0.3, base.pi.shape) * (rng.random(base.pi.shape) < 0.5)
    tau[np.arange(n), np.arange(n), :] = 0.0
    d = np.where(rng.random(base.pi.shape) < 0.3, rng.uniform(0.8, 1.3, base.pi.shape), 1.0)
    d[np.arange(n), np.arange(n), :] = 1.0
    d[0, 1, 0] = np.inf                                   # one embargoed flow
    return tau, d


@pytest.mark.parametrize("n,j", [(12, 1), (9, 4)])
def test_wage_jacobian_matches_finite_differences(n, j):
    base = baseline_from_world(random_world(n, j, seed=3, io=False))
    tau, d = _no_io_shock(base, 1)
    kappa = (1 + tau) / (1 + base.tariffs) * d
    w = equations.shock_weights(base.pi, kappa, base.theta)
    su = 1 / (1 + tau)
    args = (w, base.theta, base.va_share, base.final_share, 1 - su, su, base.value_added,
            base.deficit)
    x = np.random.default_rng(2).normal(0.0, 0.05, n)
    jac = nw.wage_jacobian(nw.NoIOState(x, *args), base.theta, base.va_share, base.final_share,
                           1 - su, base.value_added)
    h, fd = 1e-6, np.empty((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        fd[:, k] = (nw.NoIOState(x + e, *args).g - nw.NoIOState(x - e, *args).g) / (2 * h)
    np.testing.assert_allclose(jac, fd, atol=1e-7 * np.abs(fd).max())
    # Walras' law: Σ_n g_n ≡ 0, so every column of the Jacobian sums to zero
    assert np.abs(jac.sum(axis=0)).max() <= 1e-12 * np.abs(jac).max()
    # the O(N²J) excess equals the full state's
    np.testing.assert_allclose(nw._Excess(*args)(x)[0], nw.NoIOState(x, *args).g,
                               atol=1e-12 * base.value_added.max())


@pytest.mark.parametrize("n,j,seed", [(30, 1, 0), (15, 5, 1), (40, 1, 2)])
def test_newton_path_agrees_with_general_algorithm(n, j, seed):
    base = baseline_from_world(random_world(n, j, seed=seed, io=False))
    tau, d = _no_io_shock(base, seed)
    newton = solve(base, tau, d, tol=1e-11)
    general = solve(base, tau, d, tol=1e-11, method="anderson")
    assert newton.converged and general.converged
    assert newton.inner_iterations == 0 < general.inner_iterations     # the path taken
    assert newton.iterations <= 25
    for name in ("w_hat", "P_hat", "X_new", "pi_new", "I_new"):
        np.testing.assert_allclose(getattr(newton, name), getattr(general, name), rtol=1e-8,
                                   atol=1e-14, err_msg=name)
    assert newton.pi_new[0, 1, 0] == 0.0                              # embargo: exactly zero


def test_newton_path_agrees_with_textbook_on_one_sector_gravity():
    base = baseline_from_world(random_world(25, 1, seed=5, io=False))
    tau = base.tariffs.copy()
    tau[0, 1:, :] += 0.25
    eq = solve(base, tau, tol=1e-11)
    ref = solve_textbook(base, tau, tol=1e-11)
    assert eq.converged and ref.converged and eq.inner_iterations == 0
    np.testing.assert_allclose(eq.w_hat, ref.w_hat, rtol=1e-8)
    np.testing.assert_allclose(eq.P_hat, ref.P_hat, rtol=1e-8)


def test_newton_does_not_apply_with_io_links():
    base = baseline_from_world(random_world(6, 3, seed=2))
    tau = base.tariffs.copy()
    tau[0, 1:, :] += 0.2
    eq = solve(base, tau, method="newton")
    assert eq.converged and eq.inner_iterations > 0                   # general algorithm ran
    with pytest.raises(ValueError, match="method"):
        solve(base, tau, method="broyden")


def test_newton_path_survives_a_very_large_shock():
    """Country 0's export costs fall 80%: the first quasi-Newton step would overflow wages;
    the step limit and restarts must still land on the general algorithm's equilibrium."""
    base = baseline_from_world(random_world(30, 3, seed=5, io=False))
    d = np.ones_like(base.pi)
    d[1:, 0, :] = 0.2
    eq = solve(base, None, d)
    ref = solve(base, None, d, method="anderson")
    assert eq.converged and eq.inner_iterations == 0
    np.testing.assert_allclose(eq.w_hat, ref.w_hat, rtol=1e-8)
    assert eq.w_hat[0] > 3.0                              # a big move, not a trivial one


@pytest.mark.parametrize("n", [1, 7, 9, 40, 203])
def test_blocked_lu_and_matmul_match_lapack(n):
    """The thread-free blocked LU equals LAPACK's getrf (same pivots) and solves A x = b."""
    from scipy.linalg import lu_factor
    from scipy.linalg.lapack import dgetrs

    rng = np.random.default_rng(n)
    a, b = rng.normal(size=(n, n)), rng.normal(size=n)
    lu, piv = nw._lu_factor(a)
    ref_lu, ref_piv = lu_factor(a)
    np.testing.assert_array_equal(piv, ref_piv)
    np.testing.assert_allclose(lu, ref_lu, atol=1e-12 * n)
    x, info = dgetrs(lu, piv, b)
    assert info == 0 and np.abs(a @ x - b).max() <= 1e-11 * n
    c = rng.normal(size=(n, 3 * n + 1))
    np.testing.assert_allclose(nw._matmul(a, c), a @ c, atol=1e-12 * n)
