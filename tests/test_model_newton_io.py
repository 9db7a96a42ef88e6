"""Newton steps on wages in worlds with IO links (``model/jacobian.py``) against the fixed point.

Both routes solve the same equations to the same certified residuals; at tol = 1e-12 their
solutions must agree to 1e-10. The Jacobian itself is checked against central differences of
the outer residual computed independently, and the Newton route must take fewer steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.model import baseline_from_world, solve
from tradeshock.model.jacobian import WageJacobian, cached_inverse, wage_jacobian_io
from tradeshock.simulate import resolved_baseline
from tradeshock.synthetic import random_world
from tradeshock.world import load_world

TIGHT = 1e-12


def _rebased(n, j, seed):
    raw = baseline_from_world(random_world(n, j, seed=seed))
    base = raw.rebased(solve(raw))
    assert base.resolved and not raw.resolved
    return base


def _tariff_war(base, rate=0.25):
    tau = base.tariffs.copy()
    tau[0, 1:, :] += rate
    tau[1:, 0, :] += rate / 2
    return tau


@pytest.mark.parametrize("n,j,seed", [(6, 4, 0), (12, 7, 1), (20, 9, 2)])
def test_newton_equals_fixed_point_on_synthetic_worlds(n, j, seed):
    base = _rebased(n, j, seed)
    tau = _tariff_war(base)
    d = np.ones_like(tau)
    d[1, 2, 0] = np.inf
    a = solve(base, tau, d, tol=TIGHT, method="auto")            # Newton (re-solved, N <= 64)
    b = solve(base, tau, d, tol=TIGHT, method="anderson")        # preconditioned fixed point
    assert a.converged and b.converged
    for f in ("w_hat", "P_hat", "X_new", "I_new"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-10, err_msg=f)
    np.testing.assert_allclose(a.pi_new, b.pi_new, atol=1e-12)
    assert a.iterations < b.iterations


def test_newton_equals_fixed_point_on_default_with_fewer_steps():
    w = load_world("default")
    base, _ = resolved_baseline(w, "fixed")
    tau = base.tariffs.copy()
    usa = w.country_index("USA")
    for c in ("CAN", "MEX"):
        tau[usa, w.country_index(c), :] += 0.25
    a = solve(base, tau, tol=TIGHT)
    b = solve(base, tau, tol=TIGHT, method="anderson")
    np.testing.assert_allclose(a.w_hat, b.w_hat, rtol=1e-10)
    np.testing.assert_allclose(a.P_hat, b.P_hat, rtol=1e-10)
    assert a.iterations <= b.iterations - 4


def test_jacobian_matches_central_differences():
    """∂f/∂ln ŵ from the solver's own forward differences vs central differences of f evaluated
    by full solves of the price loop and eq. (4) with the plain equations."""
    from tradeshock.model import equations as eqs

    base = _rebased(5, 3, 7)
    n, _, j = base.pi.shape
    wj = wage_jacobian_io(base, kernels="numpy")
    weights = np.where(base.pi > 0, base.pi, 0.0)

    def f(x):
        lp = np.zeros((n, j))
        for _ in range(2000):
            new, _ = eqs.price_index(eqs.input_cost(x, lp, base.va_share, base.io_share), weights,
                                     base.theta)
            if np.max(np.abs(new - lp)) < 1e-15:
                break
            lp = new
        _, pi = eqs.price_index(eqs.input_cost(x, lp, base.va_share, base.io_share), weights,
                                base.theta)
        exog = np.exp(x) * base.value_added + base.deficit
        sales, rev = eqs._operator_parts(pi, base.tariffs)
        X = eqs._dense_solve(sales, rev, base.io_share, base.final_share,
                             (base.final_share * exog[:, None]).ravel()).reshape(n, j)
        va = eqs.value_added(eqs.flows(pi, X, base.tariffs), base.va_share)
        return np.log(va) - x - np.log(base.value_added)

    h = 1e-5
    want = np.column_stack([(f(h * e) - f(-h * e)) / (2 * h) for e in np.eye(n)])
    np.testing.assert_allclose(wj.jac, want, rtol=1e-4, atol=1e-6)
    assert wj.dlog_P.shape == (n * j, n) and wj.dX.shape == (n * j, n)


def test_jacobian_is_cached_per_baseline_and_can_be_passed_in():
    base = _rebased(8, 5, 3)
    tau = _tariff_war(base)
    a = solve(base, tau, tol=TIGHT)
    wj, inv = cached_inverse(base, base.deficit, "numba")
    assert cached_inverse(base, base.deficit, "numba")[0] is wj
    # the same Jacobian given explicitly (as the elasticity draws do): same steps, same answer
    b = solve(base, tau, tol=TIGHT, jacobian=wj)
    np.testing.assert_array_equal(a.w_hat, b.w_hat)
    # only the matrix (no price/spending predictors): same solution to tolerance
    c = solve(base, tau, tol=TIGHT, jacobian=wj.jac)
    np.testing.assert_allclose(c.w_hat, a.w_hat, rtol=1e-10)
    assert isinstance(wj, WageJacobian)


def test_null_shock_builds_no_jacobian():
    base = _rebased(7, 4, 5)
    eq = solve(base)
    assert eq.iterations == 1
    from tradeshock.model import jacobian as jm
    assert base not in jm._CACHE
