"""The textbook algorithm (Caliendo & Parro's own scheme), kept as a benchmark and cross-check.

Outer loop: damped wage update ŵ ← ŵ (1 + ψ (VA' − ŵ w L) / (ŵ w L)), the trade-balance
(labour-market) excess scaled by value added; inner loop: the price fixed point (1)–(2)
restarted at P̂ = 1 on every outer step with plain iteration; expenditure (4) by a dense linear
solve. Same equations and the same certified residuals as :func:`tradeshock.model.solve`, so
the two can be compared at equal tolerance. Slow by design; do not use it for real work.
"""

from __future__ import annotations

import time

import numpy as np

from tradeshock.model import equations as eqs
from tradeshock.model.baseline import Baseline
from tradeshock.model.solver import Equilibrium, shock_inputs

__all__ = ["solve_textbook"]


def solve_textbook(base: Baseline, tariffs_new: np.ndarray | None = None,
                   trade_cost_hat: np.ndarray | None = None, deficit_new: np.ndarray | None = None,
                   *, tol: float = 1e-10, max_iter: int = 20_000, psi: float = 0.1,
                   linear: str = "dense") -> Equilibrium:
    """Solve with the textbook algorithm; returns an :class:`Equilibrium` (never raises on failure).

    ``linear="dense"`` solves (4) by dense LU as the textbook does; ``"gmres"`` uses the same
    warm-started GMRES as the fast solver, isolating the gain of the outer/inner algorithm.
    """
    t0 = time.perf_counter()
    n, _, j = base.pi.shape
    tau1, dhat, d1 = shock_inputs(base, tariffs_new, trade_cost_hat, deficit_new)
    kappa = (1.0 + tau1) / (1.0 + base.tariffs) * dhat
    weights = eqs.shock_weights(base.pi, kappa, base.theta)
    weights_t = eqs.batched_weights(weights)
    gam, io, alpha, wl, theta = base.va_share, base.io_share, base.final_share, base.value_added, base.theta
    w_hat = np.ones(n)
    X = base.X.copy()
    inner_total = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        log_w = np.log(w_hat)
        log_P = np.zeros((n, j))                      # restarted at one each outer step
        for _ in range(100_000):
            lp_new = eqs.log_price_index(eqs.input_cost(log_w, log_P, gam, io), weights_t, theta)
            inner_total += 1
            done = np.max(np.abs(lp_new - log_P)) <= 0.1 * tol
            log_P = lp_new
            if done:
                break
        log_c = eqs.input_cost(log_w, log_P, gam, io)
        lp_check, pi_new = eqs.price_index(log_c, weights, theta)
        exog = w_hat * wl + d1
        if linear == "gmres":
            X = eqs.expenditure(pi_new, tau1, exog, io, alpha, X0=X, rtol=min(1e-13, 1e-3 * tol))
        else:
            sales, rev = eqs._operator_parts(pi_new, tau1)
            X = eqs._dense_solve(sales, rev, io, alpha, (alpha * exog[:, None]).ravel()).reshape(n, j)
        M = eqs.flows(pi_new, X, tau1)
        res_p = float(np.max(np.abs(lp_check - log_P)))
        res_x = float(np.max(np.abs(eqs.expenditure_residual(X, pi_new, tau1, exog, io, alpha))
                             / X.sum(axis=1, keepdims=True)))
        res_tb = float(np.max(np.abs(eqs.trade_balance(M, d1)) / (w_hat * wl)))
        if max(res_p, res_x, res_tb) <= tol:
            break
        excess = eqs.value_added(M, gam) - w_hat * wl
        w_hat = w_hat * (1.0 + psi * excess / (w_hat * wl))
        w_hat *= wl.sum() / (w_hat * wl).sum()
    converged = max(res_p, res_x, res_tb) <= tol
    rev_new = eqs.tariff_revenue(pi_new, X, tau1)
    return Equilibrium(w_hat=w_hat, P_hat=np.exp(log_P), c_hat=np.exp(log_c), pi_new=pi_new, X_new=X,
                       I_new=w_hat * wl + rev_new + d1, tariffs_new=tau1, deficit_new=d1,
                       converged=bool(converged), iterations=it, inner_iterations=inner_total,
                       residual_price=res_p, residual_expenditure=res_x, residual_trade_balance=res_tb,
                       seconds=time.perf_counter() - t0)
