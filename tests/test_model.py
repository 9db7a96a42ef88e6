"""Engine invariants on synthetic worlds: null shock, homogeneity, Walras, numéraire, embargoes.

The synthetic worlds (``tradeshock.synthetic.random_world``) are exact equilibria by
construction, so the null shock must return the data and every check below has an analytic
answer (1, 0, or an accounting identity), not a number produced by the engine itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.errors import ConvergenceError, ShockError
from tradeshock.model import Baseline, baseline_from_world, equations, solve
from tradeshock.model.reference import solve_textbook
from tradeshock.synthetic import random_world

TOL = 1e-10


@pytest.fixture(scope="module")
def world():
    return random_world(7, 5, seed=3)


@pytest.fixture(scope="module")
def base(world):
    return baseline_from_world(world)


def _shock(base: Baseline) -> tuple[np.ndarray, np.ndarray]:
    tau = base.tariffs.copy()
    tau[0, 1:, :3] += 0.25
    tau[1:, 0, :2] += 0.10
    d = np.ones_like(tau)
    d[2, 3, 1] = np.inf
    d[4, 5, :] = 0.9
    return tau, d


def test_null_shock_moves_nothing(base):
    eq = solve(base, tol=TOL)
    assert eq.converged and eq.iterations == 1
    np.testing.assert_allclose(eq.w_hat, 1.0, atol=1e-10)
    np.testing.assert_allclose(eq.P_hat, 1.0, atol=1e-10)
    np.testing.assert_allclose(eq.pi_new, base.pi, atol=1e-12)
    np.testing.assert_allclose(eq.X_new, base.X, rtol=1e-10)
    np.testing.assert_allclose(eq.I_new, base.income, rtol=1e-10)


def test_homogeneity_scaling_money_changes_no_hat(base):
    tau, d = _shock(base)
    a = solve(base, tau, d, tol=TOL)
    b = solve(base.scaled(37.5), tau, d, tol=TOL)
    np.testing.assert_allclose(b.w_hat, a.w_hat, rtol=1e-9)
    np.testing.assert_allclose(b.P_hat, a.P_hat, rtol=1e-9)
    np.testing.assert_allclose(b.pi_new, a.pi_new, atol=1e-12)
    np.testing.assert_allclose(b.X_new, 37.5 * a.X_new, rtol=1e-9)


def test_walras_and_numeraire_at_solution(base):
    tau, d = _shock(base)
    eq = solve(base, tau, d, tol=TOL)
    M = equations.flows(eq.pi_new, eq.X_new, eq.tariffs_new)
    va = base.value_added
    # (5) for every n, relative to its value added
    tb = equations.trade_balance(M, eq.deficit_new)
    assert np.max(np.abs(tb) / (eq.w_hat * va)) < 1e-9
    # world trade balances: imports − exports sum to zero, as the deficits do
    tot = M.sum(axis=2)
    imports, exports = tot.sum(axis=1) - np.diag(tot), tot.sum(axis=0) - np.diag(tot)
    assert abs((imports - exports).sum()) < 1e-9 * va.sum()
    assert abs(eq.deficit_new.sum()) < 1e-9 * va.sum()
    # labour market: ŵ w L = Σ_j γ Y' (the identity the outer loop iterates on)
    np.testing.assert_allclose(equations.value_added(M, base.va_share), eq.w_hat * va, rtol=1e-9)
    # numéraire: world value added unchanged
    assert abs((eq.w_hat * va).sum() / va.sum() - 1) < 1e-12
    # (4) holds: the reported residuals are honest
    res = equations.expenditure_residual(eq.X_new, eq.pi_new, eq.tariffs_new,
                                         eq.w_hat * va + eq.deficit_new, base.io_share,
                                         base.final_share)
    assert np.max(np.abs(res) / eq.X_new.sum(axis=1, keepdims=True)) <= TOL
    assert max(eq.residual_price, eq.residual_expenditure, eq.residual_trade_balance) <= TOL
    # trade shares still sum to one
    np.testing.assert_allclose(eq.pi_new.sum(axis=1), 1.0, atol=1e-12)


def test_embargo_is_exact_zero_and_combines_with_tariffs(base):
    tau, d = _shock(base)
    eq = solve(base, tau, d, tol=TOL)
    assert np.all(eq.pi_new[2, 3, 1] == 0.0)
    assert eq.pi_new[2, 3, 0] > 0
    # a 10% cost cut on 4<-5 raises that flow's share in every tradable sector (0..3)
    assert np.all(eq.pi_new[4, 5, :4] > base.pi[4, 5, :4])
    assert np.all(eq.pi_new[4, 5, 4] == 0.0)           # non-tradable stays domestic
    assert np.isfinite(eq.P_hat).all()


def test_fast_solver_matches_textbook_algorithm(base):
    tau, d = _shock(base)
    fast = solve(base, tau, d, tol=1e-11)
    slow = solve_textbook(base, tau, d, tol=1e-11, linear="gmres")
    assert slow.converged
    np.testing.assert_allclose(fast.w_hat, slow.w_hat, rtol=1e-8)
    np.testing.assert_allclose(fast.P_hat, slow.P_hat, rtol=1e-8)
    assert fast.iterations < slow.iterations / 3


def test_outer_iterations_stay_few_on_a_mid_sized_world():
    """Anderson mixing keeps the wage loop short (the textbook scheme needs ~150 steps)."""
    base = baseline_from_world(random_world(20, 12, seed=8))
    tau = base.tariffs.copy()
    tau[0, 1:, :6] += 0.25
    eq = solve(base, tau)
    assert eq.converged and eq.iterations <= 30


def test_expenditure_gmres_matches_dense_solve(base):
    """The matrix-free solve of (4) equals a dense LU of the same system."""
    tau, d = _shock(base)
    eq = solve(base, tau, d, tol=TOL)
    exog = eq.w_hat * base.value_added + eq.deficit_new
    sales, rev = equations._operator_parts(eq.pi_new, tau)
    dense = equations._dense_solve(sales, rev, base.io_share, base.final_share,
                                   (base.final_share * exog[:, None]).ravel()).reshape(eq.X_new.shape)
    np.testing.assert_allclose(eq.X_new, dense, rtol=1e-9)


def test_nonconvergence_raises_with_diagnostics(base):
    tau, d = _shock(base)
    with pytest.raises(ConvergenceError) as info:
        solve(base, tau, d, tol=1e-14, max_iter=2)
    diag = info.value.diagnostics
    assert diag["converged"] is False and diag["iterations"] == 2
    assert diag["residual_trade_balance"] > 1e-14
    eq = solve(base, tau, d, tol=1e-14, max_iter=2, raise_on_failure=False)
    assert not eq.converged


@pytest.mark.parametrize("case", ["nan", "minus100", "domestic_embargo", "shape", "nonpositive_d"])
def test_bad_shocks_raise_shock_error(base, case):
    tau, d = base.tariffs.copy(), np.ones_like(base.tariffs)
    if case == "nan":
        tau[1, 2, 0] = np.nan
    elif case == "minus100":
        tau[1, 2, 0] = -1.0
    elif case == "domestic_embargo":
        d[3, 3, 1] = np.inf
    elif case == "shape":
        tau = tau[:, :, :2]
    else:
        d[1, 2, 0] = 0.0
    with pytest.raises(ShockError):
        solve(base, tau, d)


def test_cutting_off_every_supplier_is_refused():
    w = random_world(3, 2, seed=0, n_nontradable=0)
    base = baseline_from_world(w)
    pi = base.pi.copy()
    pi[0, :, 0] = [0.0, 0.5, 0.5]                  # country 0 buys sector 0 only abroad
    b2 = Baseline(pi=pi, X=base.X, tariffs=base.tariffs, va_share=base.va_share,
                  io_share=base.io_share, final_share=base.final_share, theta=base.theta,
                  value_added=base.value_added, deficit=base.deficit)
    d = np.ones_like(pi)
    d[0, 1:, 0] = np.inf
    with pytest.raises(ShockError, match="no supplier"):
        solve(b2, None, d)


@pytest.mark.slow
def test_large_sizes_are_fast_enough():
    """41 x 35 solves within the 0.5 s target (generous 2 s bound for busy shared machines)."""
    w = random_world(41, 35, seed=2)
    base = baseline_from_world(w)
    tau = base.tariffs.copy()
    tau[0, 1:, :20] += 0.25
    eq = solve(base, tau)
    assert eq.converged and eq.seconds < 2.0


def test_infeasible_trade_balance_is_refused_up_front():
    """No imports but exports and a non-negative deficit: no equilibrium at finite wages."""
    base = baseline_from_world(random_world(4, 3, seed=1, deficits=False))
    d = np.ones_like(base.pi)
    d[0, 1:, :] = np.inf                                 # country 0 can import nothing
    with pytest.raises(ShockError, match="stops every import"):
        solve(base, None, d)
    d = np.ones_like(base.pi)
    d[1:, 0, :] = np.inf                                 # nobody can buy from country 0
    with pytest.raises(ShockError, match="stops every export"):
        solve(base, None, d)
    d = np.ones_like(base.pi)
    d[0, 1:, :] = d[1:, 0, :] = np.inf                  # full autarky of country 0 is fine
    assert solve(base, None, d).converged
    dd = base.deficit.copy()
    dd[0], dd[1] = 1e3, -1e3                             # ... unless it must run a deficit
    with pytest.raises(ShockError, match="autarky"):
        solve(base, None, d, dd)


def test_price_index_survives_extreme_cost_gaps():
    """A row whose only live supplier is far costlier than the cheapest producer (θ = 65).

    With one live supplier i the price index is exact: ln P̂ = ln ĉ_i + ln κ̂ − ln(π_ni)/θ
    (here κ̂ = 1), which needs exp(−65·20) — underflow in the plain shifted sum.
    """
    theta = np.array([65.0])
    log_c = np.array([[20.0], [0.0], [0.0]])             # country 0 is e^20 times costlier
    pi = np.full((3, 3, 1), 1 / 3)
    w = pi.copy()
    w[0, 1:, 0] = 0.0                                    # country 0 buys only at home
    log_P, pi_new = equations.price_index(log_c, w, theta)
    assert log_P[0, 0] == pytest.approx(20.0 - np.log(1 / 3) / 65.0, rel=1e-12)
    assert pi_new[0, 0, 0] == pytest.approx(1.0) and np.all(pi_new[0, 1:, 0] == 0)
    fast = equations.log_price_index(log_c, equations.batched_weights(w), theta)
    np.testing.assert_allclose(fast, log_P, rtol=1e-12)
    assert np.all(np.isfinite(log_P))
