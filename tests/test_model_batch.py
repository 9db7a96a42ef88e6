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
        np.testing.assert_array_equal(eq.w_hat, one.w_hat)       # same problem, same iterates
        np.testing.assert_array_equal(eq.X_new, one.X_new)
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
