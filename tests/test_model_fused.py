"""The compiled kernels (``model/fused.py``) against the NumPy step and the textbook algorithm.

Both kernel sets run the same algorithm, so they must give the same equilibrium up to rounding;
the textbook algorithm (``model/reference.py``: damped wages, restarted price loop, dense LU) is
an independent route to the same equilibrium. Solves run at tol = 1e-12 so that agreement to
1e-10 tests the arithmetic, not where each iteration happened to stop.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tradeshock.model import baseline_from_world, equations, fused, solve
from tradeshock.model.kernels import numba_available, resolve_kernels
from tradeshock.model.reference import solve_textbook
from tradeshock.simulate import resolved_baseline
from tradeshock.synthetic import random_world
from tradeshock.world import load_world

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed")

TIGHT = 1e-12
FIELDS = ("w_hat", "P_hat", "c_hat", "X_new", "I_new")


def _shock(base, seed=0):
    rng = np.random.default_rng(seed)
    n = base.n_countries
    tau = base.tariffs + rng.uniform(0.0, 0.3, base.tariffs.shape) * (rng.random(base.tariffs.shape) < 0.3)
    d = np.ones_like(tau)
    d[1, 0, 0] = np.inf                                  # one embargo
    d[n - 1, 2 % n, :] = 0.9
    return tau, d


def _close(a, b, rtol, pi_atol=1e-12):
    for f in FIELDS:
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=rtol, atol=0, err_msg=f)
    np.testing.assert_allclose(a.pi_new, b.pi_new, rtol=0, atol=pi_atol)


@pytest.mark.parametrize("n,j,seed,io", [(6, 4, 0, True), (9, 7, 1, True), (15, 3, 2, True),
                                         (5, 9, 3, False), (23, 11, 4, True)])
def test_fused_equals_numpy_and_textbook_on_synthetic_worlds(n, j, seed, io):
    base = baseline_from_world(random_world(n, j, seed=seed, io=io))
    tau, d = _shock(base, seed)
    a = solve(base, tau, d, tol=TIGHT, kernels="numba", method="anderson")
    b = solve(base, tau, d, tol=TIGHT, kernels="numpy", method="anderson")
    assert a.converged and b.converged
    assert a.iterations == b.iterations                  # same algorithm, same iterates
    _close(a, b, 1e-12)
    if n * j <= 100:
        t = solve_textbook(base, tau, d, tol=TIGHT)
        assert t.converged
        _close(a, t, 1e-10)


@pytest.mark.parametrize("name", ["default", "cp1993", "wiod2011"])
def test_fused_equals_numpy_on_packaged_worlds(name):
    w = load_world(name)
    base, _ = resolved_baseline(w, "fixed")
    tau = base.tariffs.copy()
    usa = w.country_index("USA")
    tau[usa, :, :] += 0.25 * (np.arange(w.n_countries) != usa)[:, None]
    a = solve(base, tau, tol=TIGHT, kernels="numba")
    b = solve(base, tau, tol=TIGHT, kernels="numpy")
    assert a.iterations == b.iterations
    _close(a, b, 1e-10)


def test_default_kernels_follow_the_environment(monkeypatch):
    monkeypatch.delenv("TRADESHOCK_KERNELS", raising=False)
    assert resolve_kernels() == "numba"
    monkeypatch.setenv("TRADESHOCK_KERNELS", "numpy")
    assert resolve_kernels() == "numpy" and resolve_kernels("numba") == "numba"
    monkeypatch.setenv("TRADESHOCK_KERNELS", "fortran")
    with pytest.raises(ValueError, match="TRADESHOCK_KERNELS"):
        resolve_kernels()


def test_fused_price_index_survives_extreme_cost_gaps():
    """The per-row log-sum-exp of the fused kernels (same case as test_model.py's NumPy one)."""
    theta = np.array([65.0])
    log_c = np.array([[20.0], [0.0], [0.0]])
    w = np.full((3, 3, 1), 1 / 3)
    w[0, 1:, 0] = 0.0
    want_lp, want_pi = equations.price_index(log_c, w, theta)
    w_j = np.ascontiguousarray(w.transpose(2, 0, 1))          # the kernels' layout, by sector
    traded = fused.traded_sectors(w_j)
    out = np.empty((3, 1))
    fused.log_price_index(log_c, w_j, theta, out, np.empty((1, 3)), np.empty(1), np.empty(3), traded)
    np.testing.assert_allclose(out, want_lp, rtol=1e-12)
    pi = np.empty_like(w)
    fused.trade_shares(log_c, w_j, theta, pi)
    np.testing.assert_allclose(pi, want_pi, atol=1e-15)
    # shares(): ln ĉ from ŵ with γ = 1, no IO: ln ĉ = ln ŵ
    lp, S, rev, rows, lc = (np.empty((3, 1)), np.empty_like(w_j), np.empty((3, 1)),
                            np.empty((3, 1)), np.empty((3, 1)))
    u = np.full_like(w_j, 1 / 1.1)
    fused.shares(log_c[:, 0].copy(), np.zeros((3, 1)), np.ones((3, 1)), np.zeros((3, 1, 1)), w_j, u,
                 theta, lc, lp, S, rev, rows)
    np.testing.assert_allclose(lp, want_lp, rtol=1e-12)
    np.testing.assert_allclose(S.transpose(1, 2, 0), want_pi / 1.1, atol=1e-15)
    np.testing.assert_allclose(rows, 1 / 1.1, rtol=1e-14)


def test_fused_gmres_matches_dense_solve():
    base = baseline_from_world(random_world(7, 5, seed=8))
    tau, d = _shock(base, 8)
    kappa = (1 + tau) / (1 + base.tariffs) * d
    wts = equations.shock_weights(base.pi, kappa, base.theta)
    _, pi = equations.price_index(np.zeros((7, 5)), wts, base.theta)
    sales, rev = equations._operator_parts(pi, tau)
    b = (base.final_share * base.value_added[:, None]).ravel()
    want = equations._dense_solve(sales, rev, base.io_share, base.final_share, b)
    io_t = np.ascontiguousarray(base.io_share.transpose(0, 2, 1))
    Y, r = np.empty((7, 5)), np.empty(35)
    x, ok = fused.gmres(np.ascontiguousarray(sales), rev, io_t, np.array(base.final_share), b,
                        b.copy(), 1e-14, 40, 10, Y, r)
    assert ok
    np.testing.assert_allclose(x, want, rtol=1e-11)
    np.testing.assert_allclose(Y, (sales * x.reshape(7, 5)[:, None, :]).sum(axis=0), rtol=1e-12)


@pytest.mark.slow
def test_compiled_kernels_work_from_a_read_only_install(tmp_path):
    """Package folder read-only: Numba caches in the user folder; with that read-only too, it
    compiles per process instead of failing (``fused._jit``). Read-only bind mounts in a private
    mount namespace (``unshare -m``) make this real even for root."""
    import shutil

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) for a read-only bind mount")
    src = Path(__file__).resolve().parents[1] / "src" / "tradeshock"
    pkg, home = tmp_path / "pkg", tmp_path / "home"
    shutil.copytree(src, pkg / "tradeshock", ignore=shutil.ignore_patterns("__pycache__", "data"))
    home.mkdir()
    code = ("import numpy as np; from tradeshock.model import fused; o = np.empty((2, 2)); "
            "fused.input_cost(np.zeros(2), np.zeros((2, 2)), np.ones((2, 2)), np.zeros((2, 2, 2)), o); "
            "print(o.sum())")
    ro = "mount --bind {0} {0} && mount -o remount,bind,ro {0}"

    def run(read_only_home: bool) -> subprocess.CompletedProcess:
        mounts = ro.format(pkg) + (" && " + ro.format(home) if read_only_home else "")
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
        env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), PYTHONPATH=str(pkg))
        cmd = ["unshare", "-rm", "sh", "-c", f'{mounts} && exec "$0" -c "$1"', sys.executable, code]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)

    got = run(False)
    if got.returncode != 0 and "mount" in got.stderr:
        pytest.skip(f"no private mount namespace here: {got.stderr.strip()[:200]}")
    assert got.returncode == 0 and got.stdout.strip() == "0.0", got.stderr
    assert not list((pkg / "tradeshock" / "model").glob("__pycache__/*.nbi"))
    assert list((home / ".cache" / "numba").rglob("fused.input_cost*.nbi"))
    shutil.rmtree(home / ".cache")
    got = run(True)
    assert got.returncode == 0 and got.stdout.strip() == "0.0", got.stderr
    assert not (home / ".cache").exists()


def test_fused_step_with_underflowed_rows_equals_numpy_step():
    """A step whose price-index row underflows stores the sales in full (log-sum-exp row) and
    must give the NumPy step's shares, expenditure, value added and trade balance."""
    from tradeshock.model.kernels import FusedStep, NumpyStep

    base = baseline_from_world(random_world(4, 2, seed=3))
    theta = np.array([65.0, 4.0])
    w = np.array(base.pi, copy=True)
    w[0, [0, 2, 3], 0] = 0.0                   # country 0 buys sector 0 from country 1 only
    tau = np.array(base.tariffs, copy=True)
    tau.reshape(16, 2)[::5] = 0.0
    args = (w, tau, base.va_share, base.io_share, base.final_share, theta)
    fs, ns = FusedStep(*args), NumpyStep(*args)
    log_w = np.array([0.0, 60.0, 0.0, 0.0])    # country 1 far costlier than the cheapest
    log_P = np.zeros((4, 2))
    lc_f, res_f = fs.shares(log_w, log_P)
    lc_n, res_n = ns.shares(log_w, log_P)
    assert fs.full                             # the row underflowed: sales stored in full
    np.testing.assert_allclose(lc_f, lc_n, rtol=1e-14)
    np.testing.assert_allclose(res_f, res_n, rtol=1e-12)
    exog = np.exp(log_w) * base.value_added + base.deficit
    X_f = fs.expenditure(exog, base.X.copy(), 1e-14)
    X_n = ns.expenditure(exog, base.X.copy(), 1e-14)
    np.testing.assert_allclose(X_f, X_n, rtol=1e-10)
    for a, b in zip(fs.closing(X_f, exog, base.deficit)[1:], ns.closing(X_n, exog, base.deficit)[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * np.abs(b).max())


def _home_share_zero(pi, a, q):
    """π with country a buying all of sector q abroad (its home share moved to its imports)."""
    pi = np.array(pi, copy=True)
    foreign = np.arange(pi.shape[0]) != a
    pi[a, foreign, q] += pi[a, a, q] * pi[a, foreign, q] / pi[a, foreign, q].sum()
    pi[a, a, q] = 0.0
    return pi


def test_fused_shock_weights_equal_numpy_and_raise_the_same_errors():
    from tradeshock.errors import ShockError
    from tradeshock.model.solver import _fused_weights, shock_inputs, shock_weights_checked

    base = baseline_from_world(random_world(6, 4, seed=5))
    tau, d = _shock(base, 5)
    tau1, dhat, d1 = shock_inputs(base, tau, d, None)
    omega, omega_u = (a.transpose(1, 2, 0) for a in _fused_weights(base, tau1, dhat, d1, None))
    want = shock_weights_checked(base, tau1, dhat, d1)
    np.testing.assert_allclose(omega, want, rtol=1e-14, atol=0)
    np.testing.assert_allclose(omega_u, want / (1 + tau1), rtol=1e-14, atol=0)
    assert omega[1, 0, 0] == 0.0                                  # the embargo
    same = (tau1 == base.tariffs) & (dhat == 1) & (base.pi > 0)
    assert np.array_equal(omega[same], base.pi[same])             # κ̂ = 1: ω = π exactly
    d[2, :, 1] = np.inf                                           # 2 loses every foreign
    d[2, 2, 1] = 1.0                                              # supplier of 1 ...
    base = dataclasses.replace(base, pi=_home_share_zero(base.pi, 2, 1))   # ... none at home
    tau1, dhat, d1 = shock_inputs(base, tau, d, None)
    with pytest.raises(ShockError) as numpy_err:
        shock_weights_checked(base, tau1, dhat, d1)
    with pytest.raises(ShockError) as fused_err:
        _fused_weights(base, tau1, dhat, d1, None)
    assert str(fused_err.value) == str(numpy_err.value)


def test_kernels_skip_non_traded_sectors_without_changing_sums():
    """Sectors with no foreign weight (non-tradables) are left out of the foreign loops."""
    rng = np.random.default_rng(4)
    n, j = 5, 6
    w = rng.uniform(0.1, 1.0, (n, n, j))
    foreign = ~np.eye(n, dtype=bool)
    for q in (1, 4, 5):                                  # non-traded: home weight only
        w[:, :, q][foreign] = 0.0
    w_j = np.ascontiguousarray(w.transpose(2, 0, 1))            # the kernels' layout, by sector
    traded = fused.traded_sectors(w_j)
    assert traded.tolist() == [True, False, True, True, False, False]
    assert fused.traded_sectors(np.ones((2, 3, 3))).tolist() == [True, True]
    assert fused.traded_sectors(np.ones((2, 1, 1))).tolist() == [False, False]
    log_c = rng.normal(0.0, 0.1, (n, j))
    theta = rng.uniform(2.0, 8.0, j)
    scratch = (np.empty((j, n)), np.empty(j), np.empty(n))
    got, want = np.empty((n, j)), np.empty((n, j))
    fused.log_price_index(log_c, w_j, theta, got, *scratch, traded)
    fused.log_price_index(log_c, w_j, theta, want, *scratch, fused.all_sectors(j))
    np.testing.assert_allclose(got, want, rtol=1e-15)
    np.testing.assert_allclose(got, equations.price_index(log_c, w, theta)[0], rtol=1e-13)
