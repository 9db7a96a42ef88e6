"""A plain reference solver: the textbook Caliendo–Parro algorithm, straight from model.md.

This is deliberately the authors' algorithm (Caliendo & Parro 2015, Matlab replication code
``equilibrium_LC.m``), written independently of ``tradeshock.model`` so it can serve both as a
benchmark baseline and as a cross-check of the engine:

- outer loop on wages ŵ; every outer step restarts the inner price loop at P̂ = 1;
- inner loop: iterate eq. (1)–(2), ĉ ← ŵ^γ Π_k P̂_k^{γ^{k,j}}, P̂ ← [Σ_i π (κ̂ ĉ)^{−θ}]^{−1/θ},
  until max |Δ ln P̂| ≤ 0.1·tol;
- expenditure X' from the linear system (4), built as a dense (N·J)² matrix and solved by LU
  (as the authors do);
- damped wage update on the trade-balance excess (5): with
  ZW_n = exports'_n + D'_n − imports'_n (producer prices), ŵ_n ← ŵ_n + ν · ZW_n / (w_n L_n),
  i.e. ŵ·(1 + ν·ZW/(ŵ·VA)); then rescale so that world value added is unchanged (numéraire).

It uses only the World's stored arrays and NumPy/SciPy: no code from ``tradeshock.model``.

Stopping rule (the engine's residual definitions, ``tradeshock.model.solver``): the inner loop
stops when max |Δ ln P̂| ≤ 0.1·tol; the outer loop stops when the trade-balance residual
max_n |imports' − D' − exports'| / (ŵ_n w_n L_n) ≤ tol. The expenditure system is solved
directly, so its residual is at rounding level. At the end the three residuals of the engine
(price eq. 2 in logs, expenditure eq. 4 relative to each country's spending, trade balance eq. 5
relative to value added) are evaluated at the returned values and reported.

Deficits: "fixed" keeps D' = D; "zero" first solves the world with no shock and D' = 0 and
measures the counterfactual against that balanced equilibrium. In both cases the baseline is
first re-solved with no shock (the data need not be an exact equilibrium), and the hats
returned are relative to that re-solved baseline — as the engine reports them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg


@dataclass
class RefEconomy:
    """Baseline in levels: π, X, τ, γ, γ^{kj}, α, θ, w L, D (engine order [n, i, j])."""

    pi: np.ndarray
    X: np.ndarray
    tariffs: np.ndarray
    va_share: np.ndarray
    io_share: np.ndarray
    final_share: np.ndarray
    theta: np.ndarray
    va: np.ndarray
    deficit: np.ndarray

    @classmethod
    def from_world(cls, world) -> RefEconomy:
        """Read the economy from a :class:`tradeshock.world.World` (flows → π, X, w L, D)."""
        flows = np.asarray(world.flows, float)
        tau = np.asarray(world.tariffs, float)
        x = (flows * (1.0 + tau)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            pi = np.where(x[:, None, :] > 0, flows * (1.0 + tau) / x[:, None, :], 0.0)
        n, _, j = pi.shape
        empty = x <= 0
        nn, jj = np.nonzero(empty)
        pi[nn, nn, jj] = 1.0                       # nothing spent: keep P̂ defined, no weight
        gross = flows.sum(axis=0)
        va = (np.asarray(world.va_share) * gross).sum(axis=1)
        tot = flows.sum(axis=2)
        dom = np.diag(tot)
        deficit = (tot.sum(axis=1) - dom) - (tot.sum(axis=0) - dom)
        return cls(pi=pi, X=x, tariffs=tau, va_share=np.asarray(world.va_share, float),
                   io_share=np.asarray(world.io_share, float),
                   final_share=np.asarray(world.final_share, float),
                   theta=np.asarray(world.theta, float), va=va, deficit=deficit)


@dataclass
class RefSolution:
    """Outcome of :func:`solve`: hats relative to the (re-solved) baseline and diagnostics."""

    w_hat: np.ndarray
    P_hat: np.ndarray
    X_new: np.ndarray
    pi_new: np.ndarray
    iterations: int
    inner_iterations: int
    converged: bool
    seconds: float
    residual_price: float
    residual_expenditure: float
    residual_trade_balance: float
    baseline_iterations: int = 0
    extra: dict = field(default_factory=dict)


def price_loop(w_hat, kappa_hat, econ: RefEconomy, tol: float, max_inner: int):
    """Eq. (1)–(2) by fixed-point iteration from P̂ = 1; returns P̂, ĉ, iterations."""
    n, _, j = econ.pi.shape
    theta = econ.theta
    live = np.isfinite(kappa_hat) & (econ.pi > 0)
    k = np.where(live, kappa_hat, 1.0)
    P = np.ones((n, j))
    for it in range(1, max_inner + 1):  # noqa: B007 - `it` (iterations) is returned below
        c = w_hat[:, None] ** econ.va_share * np.exp(np.einsum("nkj,nk->nj", econ.io_share, np.log(P)))
        terms = np.where(live, econ.pi * (k * c[None, :, :]) ** (-theta), 0.0)
        P_new = terms.sum(axis=1) ** (-1.0 / theta)
        change = np.max(np.abs(np.log(P_new) - np.log(P)))
        P = P_new
        if change <= tol:
            break
    return P, c, it


def trade_shares(kappa_hat, c, P, econ: RefEconomy):
    """Eq. (3): π' = π (κ̂ ĉ / P̂)^{−θ}, exactly zero where κ̂ = ∞."""
    live = np.isfinite(kappa_hat) & (econ.pi > 0)
    k = np.where(live, kappa_hat, 1.0)
    ratio = k * c[None, :, :] / P[:, None, :]
    return np.where(live, econ.pi * ratio ** (-econ.theta), 0.0)


def expenditure(pi_new, tau_new, w_hat, deficit_new, econ: RefEconomy):
    """Eq. (4) as one dense linear system (I − A) X' = α (ŵ w L + D'), size N·J."""
    n, _, j = pi_new.shape
    sales = pi_new / (1.0 + tau_new)                              # [n, i, k]
    rev = (pi_new * tau_new / (1.0 + tau_new)).sum(axis=1)        # [n, k]
    # A[(n,j),(i,k)] = γ_n^{j,k} π'_in^k/(1+τ'_in^k) + [n = i] α_n^j r_n^k
    a = np.einsum("njk,ink->njik", econ.io_share, sales)
    idx = np.arange(n)
    a[idx, :, idx, :] += econ.final_share[:, :, None] * rev[:, None, :]
    lhs = np.eye(n * j) - a.reshape(n * j, n * j)
    rhs = (econ.final_share * (w_hat * econ.va + deficit_new)[:, None]).ravel()
    return scipy.linalg.solve(lhs, rhs, check_finite=False).reshape(n, j)


def trade_balance_excess(pi_new, X_new, tau_new, deficit_new):
    """ZW_n = exports'_n + D'_n − imports'_n at producer prices (zero in equilibrium), (N,)."""
    m = (pi_new * X_new[:, None, :] / (1.0 + tau_new)).sum(axis=2)
    dom = np.diag(m)
    return (m.sum(axis=0) - dom) + deficit_new - (m.sum(axis=1) - dom)


def residuals(w_hat, P, X_new, pi_new, tau_new, kappa_hat, deficit_new, econ: RefEconomy):
    """The engine's three certified residuals at (ŵ, P̂, X'): price, expenditure, trade balance."""
    c = w_hat[:, None] ** econ.va_share * np.exp(np.einsum("nkj,nk->nj", econ.io_share, np.log(P)))
    live = np.isfinite(kappa_hat) & (econ.pi > 0)
    k = np.where(live, kappa_hat, 1.0)
    terms = np.where(live, econ.pi * (k * c[None, :, :]) ** (-econ.theta), 0.0)
    res_p = np.max(np.abs(np.log(P) + np.log(terms.sum(axis=1)) / econ.theta))
    sales = pi_new / (1.0 + tau_new)
    y = np.einsum("nik,nk->ik", sales, X_new)
    rev = (pi_new * tau_new / (1.0 + tau_new) * X_new[:, None, :]).sum(axis=(1, 2))
    income = w_hat * econ.va + rev + deficit_new
    gap = X_new - np.einsum("njk,nk->nj", econ.io_share, y) - econ.final_share * income[:, None]
    res_x = np.max(np.abs(gap) / X_new.sum(axis=1, keepdims=True))
    zw = trade_balance_excess(pi_new, X_new, tau_new, deficit_new)
    res_tb = np.max(np.abs(zw) / (w_hat * econ.va))
    return float(res_p), float(res_x), float(res_tb)


def _solve_once(econ: RefEconomy, tau_new, kappa_hat, deficit_new, tol, max_iter, max_inner, nu):
    n = econ.pi.shape[0]
    w = np.ones(n)
    world_va = econ.va.sum()
    inner_total = 0
    converged = False
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` (iterations) is returned below
        P, c, k = price_loop(w, kappa_hat, econ, 0.1 * tol, max_inner)
        inner_total += k
        pi_new = trade_shares(kappa_hat, c, P, econ)
        X_new = expenditure(pi_new, tau_new, w, deficit_new, econ)
        zw = trade_balance_excess(pi_new, X_new, tau_new, deficit_new)
        if np.max(np.abs(zw) / (w * econ.va)) <= tol:
            converged = True
            break
        w = w + nu * zw / econ.va
        w = w * world_va / (w * econ.va).sum()
    res = residuals(w, P, X_new, pi_new, tau_new, kappa_hat, deficit_new, econ)
    return w, P, X_new, pi_new, it, inner_total, converged, res


def rebase(econ: RefEconomy, deficits: str = "fixed", tol: float = 1e-10, max_iter: int = 5000,
           max_inner: int = 10000, nu: float = 0.2) -> tuple[RefEconomy, int, np.ndarray]:
    """The economy re-solved with no shock (D' = D or 0): the baseline counterfactuals use."""
    if deficits not in ("fixed", "zero"):
        raise ValueError(f"deficits must be 'fixed' or 'zero', got {deficits!r}")
    d_base = econ.deficit if deficits == "fixed" else np.zeros_like(econ.deficit)
    ones = np.ones_like(econ.tariffs)
    w0, _, X0, pi0, it0, _, ok0, _ = _solve_once(econ, econ.tariffs, ones, d_base, tol, max_iter,
                                                 max_inner, nu)
    if not ok0:
        raise RuntimeError("reference: baseline re-solve did not converge")
    base = RefEconomy(pi=pi0, X=X0, tariffs=econ.tariffs, va_share=econ.va_share,
                      io_share=econ.io_share, final_share=econ.final_share, theta=econ.theta,
                      va=econ.va * w0, deficit=d_base)
    return base, it0, w0


def solve(world, tariffs_new=None, trade_cost_hat=None, deficits: str = "fixed", tol: float = 1e-10,
          max_iter: int = 5000, max_inner: int = 10000, nu: float = 0.2,
          resolve_baseline: bool = True) -> RefSolution:
    """Counterfactual of ``world`` under new tariffs τ' and iceberg changes d̂ (model.md).

    Parameters
    ----------
    world
        A :class:`tradeshock.world.World` (or a prepared :class:`RefEconomy`).
    tariffs_new, trade_cost_hat
        τ' and d̂, (N, N, J); default: the baseline's tariffs and no iceberg change.
    deficits
        ``"fixed"`` (D' = D) or ``"zero"`` (balance trade first, measure from there).
    tol, max_iter, max_inner, nu
        Tolerance (see module docstring), iteration caps and wage damping ν.
    resolve_baseline
        Re-solve the baseline with no shock first (default). Pass ``False`` with an economy that
        already is the re-solved baseline (see :func:`rebase`) to time the counterfactual alone.
    """
    t0 = time.perf_counter()
    econ = world if isinstance(world, RefEconomy) else RefEconomy.from_world(world)
    tau0 = econ.tariffs
    tau_new = tau0 if tariffs_new is None else np.asarray(tariffs_new, float)
    d_hat = np.ones_like(tau0) if trade_cost_hat is None else np.asarray(trade_cost_hat, float)
    # 1. re-solve the baseline with no shock under the chosen deficit treatment
    d_base = econ.deficit if deficits == "fixed" else np.zeros_like(econ.deficit)
    if resolve_baseline:
        base, it0, w0 = rebase(econ, deficits, tol, max_iter, max_inner, nu)
    else:
        base, it0, w0 = econ, 0, np.ones(econ.va.shape)
    # 2. the counterfactual, measured from the re-solved baseline
    kappa = (1.0 + tau_new) / (1.0 + tau0) * d_hat
    t1 = time.perf_counter()
    w, P, X, pi, it, inner, ok, resid = _solve_once(base, tau_new, kappa, d_base, tol, max_iter,
                                                    max_inner, nu)
    t2 = time.perf_counter()
    return RefSolution(w_hat=w, P_hat=P, X_new=X, pi_new=pi, iterations=it, inner_iterations=inner,
                       converged=ok, seconds=t2 - t1, residual_price=resid[0],
                       residual_expenditure=resid[1], residual_trade_balance=resid[2],
                       baseline_iterations=it0,
                       extra={"baseline_seconds": t1 - t0, "w_hat_baseline": w0})
