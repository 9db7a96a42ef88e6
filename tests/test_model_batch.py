"""Batched solves (``model/batch.py``, ``parallel.solve_draws``) equal one-by-one solves."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.errors import ShockError
from tradeshock.model import baseline_from_world, solve
from tradeshock.model.batch import Draw, solve_batch, solve_draws, stacked, theta_baseline
from tradeshock.model.welfare import real_income
from tradeshock.parallel import solve_draws as parallel_draws
from tradeshock.shock import Shock
from tradeshock.simulate import resolved_baseline, simulate
from tradeshock.synthetic import random_world


@pytest.fixture(scope="module")
def world():
    return random_world(9, 6, seed=11)


@pytest.fixture(scope="module")
def raw(world):
    return baseline_from_world(world)


def _taus(base, k=4):
    out = []
    for m in range(k):
        t = base.tariffs.copy()
        t[m, :, :] += 0.1 * (m + 1)
        t[m, m, :] = 0.0
        out.append(t)
    return out


def test_batch_equals_one_by_one(raw):
    base = raw.rebased(solve(raw))
    taus = _taus(base)
    got = solve_batch(base, np.stack(taus))
    for t, eq in zip(taus, got, strict=True):
        one = solve(base, t)
        assert eq.iterations == one.iterations                   # same problem, same steps
        np.testing.assert_allclose(eq.w_hat, one.w_hat, rtol=1e-12)
        np.testing.assert_allclose(eq.X_new, one.X_new, rtol=1e-12)
    # a warm start from a nearby solution: same equilibrium to tolerance, fewer steps
    near = solve(base, taus[0] * 1.02)
    warm = solve_batch(base, taus[:1], start=near)[0]
    np.testing.assert_allclose(warm.w_hat, got[0].w_hat, rtol=1e-10)
    np.testing.assert_allclose(warm.P_hat, got[0].P_hat, rtol=1e-10)
    assert warm.iterations < got[0].iterations


def test_batch_checks_sizes(raw):
    with pytest.raises(ValueError, match="batch sizes"):
        solve_batch(raw, _taus(raw, 3), [None] * 2)


def test_draws_equal_cold_one_by_one_solves(raw):
    rng = np.random.default_rng(0)
    thetas = raw.theta[None, :] * rng.uniform(0.7, 1.3, (3, raw.n_sectors))
    tau = _taus(raw, 1)[0]
    draws = solve_draws(raw, thetas, tau)
    assert len(draws) == 3 and all(isinstance(d, Draw) for d in draws)
    for theta, d in zip(thetas, draws, strict=True):
        raw_d = theta_baseline(raw, theta)
        eq0 = solve(raw_d)                                      # cold, as simulate() does
        base_d = raw_d.rebased(eq0)
        eq = solve(base_d, tau)
        np.testing.assert_allclose(d.w_hat, eq.w_hat, rtol=1e-9)
        np.testing.assert_allclose(d.P_hat, eq.P_hat, rtol=1e-9)
        np.testing.assert_allclose(d.real_income, real_income(base_d, eq), atol=1e-10)
        np.testing.assert_allclose(d.baseline_w_hat, eq0.w_hat, rtol=1e-9)
    assert stacked(draws, "w_hat").shape == (3, raw.n_countries)


def test_draws_reject_bad_thetas(raw):
    with pytest.raises(ValueError, match=r"\[draw, sector\]"):
        solve_draws(raw, raw.theta)
    bad = np.tile(raw.theta, (2, 1))
    bad[1, 2] = -1.0
    with pytest.raises(ValueError, match=r"thetas\[1, 2\]"):
        solve_draws(raw, bad)


def test_parallel_draws_equal_serial_and_simulate(world):
    shock = Shock(world).tariff(imposer=world.countries[0], target=None, add=0.2, label="C00 +20")
    rng = np.random.default_rng(1)
    thetas = world.theta[None, :] * rng.uniform(0.8, 1.2, (4, world.n_sectors))
    serial = parallel_draws(world, shock, thetas, backend="serial")
    pool = parallel_draws(world, shock, thetas, backend="processes", workers=2)
    for a, b in zip(serial, pool, strict=True):
        np.testing.assert_array_equal(a.w_hat, b.w_hat)
    # the central draw equals simulate() on the world itself
    central = parallel_draws(world, shock, np.asarray(world.theta)[None, :], backend="serial")[0]
    res = simulate(world, shock)
    np.testing.assert_allclose(central.w_hat, res.w_hat, rtol=1e-10)
    base, _ = resolved_baseline(world, "fixed")
    np.testing.assert_allclose(central.real_income, real_income(base, res.equilibrium), atol=1e-10)
    with pytest.raises(ShockError, match="draw, sector"):
        parallel_draws(world, shock, thetas[:, :2], backend="serial")


# ----------------------------------------------------------------------------- lockstep
def _assert_same(eq, one, rtol=1e-10):
    """A lockstep member equals the one-by-one solve to the solver tolerance."""
    assert eq.converged and max(eq.residual_price, eq.residual_expenditure,
                                eq.residual_trade_balance) <= 1e-10
    np.testing.assert_allclose(eq.w_hat, one.w_hat, rtol=rtol, atol=0)
    np.testing.assert_allclose(eq.P_hat, one.P_hat, rtol=rtol, atol=0)
    np.testing.assert_allclose(eq.X_new, one.X_new, rtol=rtol, atol=rtol * one.X_new.max())
    np.testing.assert_allclose(eq.pi_new, one.pi_new, rtol=0, atol=1e-10)


def _mixed_shocks(base, k=5):
    """Shocks of very different sizes (so members converge at different iterations)."""
    n = base.n_countries
    out = []
    for m in range(k):
        t = base.tariffs.copy()
        t[m % n, :, :] += 0.02 + 0.4 * m          # from 2 to 162 points on all imports
        t[m % n, m % n, :] = 0.0
        out.append(t)
    return out


def test_lockstep_equals_one_by_one_synthetic(raw):
    from tradeshock.model.lockstep import solve_lockstep

    base = raw.rebased(solve(raw))
    taus = _mixed_shocks(base)
    dh = [None] * 4 + [np.where(np.eye(base.n_countries, dtype=bool)[:, :, None], 1.0, 1.3)
                       * np.ones(base.pi.shape)]
    got = solve_lockstep(base, taus, dh)
    ones = [solve(base, t, d) for t, d in zip(taus, dh, strict=True)]
    for eq, one in zip(got, ones, strict=True):
        _assert_same(eq, one)
    assert len({eq.iterations for eq in got}) > 1           # frozen at different iterations
    assert [eq.iterations for eq in got] == [one.iterations for one in ones]
    # a batch of one, and chunks of one member each (a tiny memory budget)
    _assert_same(solve_lockstep(base, taus[:1])[0], ones[0])
    for eq, one in zip(solve_lockstep(base, taus, dh, budget=1), ones, strict=True):
        _assert_same(eq, one)


def test_lockstep_equals_one_by_one_default_world():
    from tradeshock.model.lockstep import solve_lockstep
    from tradeshock.world import load_world

    w = load_world("default")
    base, _ = resolved_baseline(w, "fixed")
    shocks = [Shock(w).embargo(imposer="CAN", target="USA", sectors=[w.sectors[0]]),
              Shock(w).tariff(imposer="USA", target=["CAN", "MEX"], rate=0.25),
              Shock(w).tariff(imposer="USA", target=None, add=0.5),
              Shock(w).trade_cost(importer="CAN", exporter="CHN", change=-0.3, symmetric=True)]
    taus = [np.asarray(s.tariffs) for s in shocks]
    dh = [np.asarray(s.trade_cost_hat) for s in shocks]
    got = solve_lockstep(base, taus, dh, base.deficit)
    iters = set()
    for eq, t, d in zip(got, taus, dh, strict=True):
        one = solve(base, t, d, base.deficit)
        _assert_same(eq, one)
        iters.add(eq.iterations)
    assert len(iters) > 1
    # the batch API routes through lockstep and keeps the loop as the reference
    loop = solve_batch(base, taus[:2], dh[:2], lockstep=False)
    for eq, one in zip(solve_batch(base, taus[:2], dh[:2]), loop, strict=True):
        _assert_same(eq, one)


def test_lockstep_members_with_their_own_baselines(raw):
    """Elasticity draws: members differ in θ (and so in their re-solved baselines)."""
    from tradeshock.model.lockstep import solve_lockstep

    rng = np.random.default_rng(3)
    thetas = raw.theta[None, :] * rng.uniform(0.6, 1.5, (3, raw.n_sectors))
    raws = [theta_baseline(raw, th) for th in thetas]
    eq0s = solve_lockstep(raws)
    bases = [r.rebased(e) for r, e in zip(raws, eq0s, strict=True)]
    tau = _taus(raw, 1)[0]
    eqs_ = solve_lockstep(bases, tau)
    for r, e0, b, e in zip(raws, eq0s, bases, eqs_, strict=True):
        _assert_same(e0, solve(r))
        _assert_same(e, solve(b, tau))
    other = theta_baseline(raw, raw.theta)
    from dataclasses import replace
    with pytest.raises(ValueError, match="io_share"):
        solve_lockstep([raws[0], replace(other, io_share=other.io_share * 0.9)])


def test_lockstep_failing_member_is_named(raw):
    from tradeshock.errors import ConvergenceError
    from tradeshock.model.lockstep import solve_lockstep

    base = raw.rebased(solve(raw))
    taus = _mixed_shocks(base)
    ones = [solve(base, t, raise_on_failure=False, max_iter=8) for t in taus]
    ok = [eq.converged for eq in ones]
    assert any(ok) and not all(ok), [eq.iterations for eq in ones]
    bad = ok.index(False)
    with pytest.raises(ConvergenceError, match=rf"batch member #{bad}: equilibrium solver did not "
                                               r"converge in \d+ outer iterations") as info:
        solve_lockstep(base, taus, max_iter=8)
    assert info.value.diagnostics["converged"] is False
    with pytest.raises(ConvergenceError, match=f"scenario {bad}:"):
        solve_lockstep(base, taus, max_iter=8, names=[f"scenario {k}" for k in range(len(taus))])
    # an infeasible shock is refused before solving, naming the member
    d = np.ones(base.pi.shape)
    d[2, 2, 0] = np.inf                                   # a country embargoing itself
    with pytest.raises(ShockError, match=r"batch member #1: .*\(2, 2, 0\)|batch member #1: .*#2"):
        solve_lockstep(base, None, [None, d])
    with pytest.raises(ValueError, match="batch sizes"):
        solve_lockstep(base, taus[:2], [None] * 3)


def test_lockstep_draws_equal_one_by_one_draws(raw):
    rng = np.random.default_rng(5)
    thetas = raw.theta[None, :] * rng.uniform(0.7, 1.3, (5, raw.n_sectors))
    tau = _taus(raw, 1)[0]
    fast = solve_draws(raw, thetas, tau)
    slow = solve_draws(raw, thetas, tau, lockstep=False)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a.w_hat, b.w_hat, rtol=1e-10)
        np.testing.assert_allclose(a.P_hat, b.P_hat, rtol=1e-10)
        np.testing.assert_allclose(a.baseline_w_hat, b.baseline_w_hat, rtol=1e-10)
        np.testing.assert_allclose(a.real_income, b.real_income, atol=1e-10)
        assert a.iterations == b.iterations


def test_lockstep_step_with_underflowed_rows_and_dense_fallback_equals_numpy_step():
    """A batch member whose price-index row underflows takes the full-sales route of the
    compiled batch step (and the dense fallback of eq. 4), and must give the NumPy step's
    prices, expenditure, value added and trade balance."""
    from tradeshock.model import fused
    from tradeshock.model import fused_batch as K
    from tradeshock.model.kernels import NumpyStep
    from tradeshock.model.lockstep import _dense_expenditure

    base = baseline_from_world(random_world(4, 2, seed=3))
    n, j = 4, 2
    theta = np.array([65.0, 4.0])
    w = np.array(base.pi, copy=True)
    w[0, [0, 2, 3], 0] = 0.0                   # country 0 buys sector 0 from country 1 only
    tau = np.array(base.tariffs, copy=True)
    tau.reshape(16, 2)[::5] = 0.0
    log_w = np.array([0.0, 60.0, 0.0, 0.0])    # country 1 far costlier than the cheapest
    exog = np.exp(log_w) * base.value_added + base.deficit
    gam, io, alpha = (np.ascontiguousarray(a) for a in (base.va_share, base.io_share, base.final_share))

    ns = NumpyStep(w, tau, gam, io, alpha, theta)
    lp_n, _ = ns.prices(log_w, np.zeros((n, j)), 1e-14)
    ns.shares(log_w, lp_n)
    X_n = ns.expenditure(exog, base.X.copy(), 1e-14)
    _, va_n, tb_n = ns.closing(X_n, exog, base.deficit)

    omega, omega_u = np.empty((1, j, n, n)), np.empty((1, j, n, n))
    fused.by_sector(w, tau, omega[0], omega_u[0])
    traded = fused.traded_sectors(omega[0])[None]
    B = 1
    st = {k: np.empty((B, n, j)) for k in ("log_c", "lp", "rev", "rows", "s_dom", "Y")}
    e, inv = np.empty((B, j, n)), np.empty((B, j, n))
    log_P, X = np.zeros((B, n, j)), base.X.copy().reshape(B, n * j)
    full, ok, inner = np.zeros(B, bool), np.zeros(B, bool), np.zeros(B, np.int64)
    va, tb, res_p, res_x = np.empty((B, n)), np.empty((B, n)), np.empty(B), np.empty(B)
    r = np.empty((B, n * j))
    K.outer_step(np.ones(B, bool), log_w[None], log_P, gam, io, alpha, omega, omega_u, tau[None],
                 theta[None], traded, np.array([1e-14]), 200, 5, st["log_c"], st["lp"], e, inv,
                 st["rev"], st["rows"], st["s_dom"], res_p, inner, full, exog[None],
                 np.array([1e-14]), 40, 10, st["Y"], r, X, ok, base.deficit[None], va, tb, res_x,
                 np.empty((j, n, n)), np.empty((j, n, n)))
    assert full[0] and ok[0]                   # the row underflowed: sales stored in full
    np.testing.assert_allclose(log_P[0], lp_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(X[0].reshape(n, j), X_n, rtol=1e-10)
    scale = np.abs(tb_n).max()
    np.testing.assert_allclose(va[0], va_n, rtol=1e-9)
    np.testing.assert_allclose(tb[0], tb_n, rtol=1e-9, atol=1e-9 * scale)
    # the dense LU fallback of eq. (4), on the full-sales and the factored route alike
    for is_full in (True, False):
        Xf = np.zeros((B, n * j))
        _dense_expenditure(0, is_full, log_w[None], log_P, gam, io, alpha, omega, omega_u,
                           tau[None], theta[None], traded[0], st["log_c"], st["lp"], e, inv,
                           st["rev"], st["rows"], exog[None], st["Y"], r, Xf)
        if is_full:
            np.testing.assert_allclose(Xf[0].reshape(n, j), X_n, rtol=1e-10)
        assert np.abs(r[0]).max() <= 1e-9 * np.abs(Xf[0]).max()
