"""The equilibrium conditions of the Caliendo–Parro model in changes, one function each.

Plain arrays in, plain arrays out, engine order ``[importer n, exporter i, sector j]``;
numbers refer to the equations of ``docs/model.md`` (= /shared design model.md). Prices are
handled in logs; embargoed pairs enter only through a zero weight (never a large number).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

__all__ = ["input_cost", "price_index", "expenditure", "expenditure_residual", "trade_balance",
           "value_added", "flows", "tariff_revenue", "shock_weights"]


def shock_weights(pi: np.ndarray, kappa_hat: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """π_ni^j (κ̂_ni^j)^(−θ^j), with exactly zero weight where κ̂ = ∞ (embargo) or π = 0.

    These weights are all the price index and the new trade shares need from the shock.
    """
    w = np.where(pi > 0, pi, 0.0)
    flat = np.flatnonzero(kappa_hat != 1.0)      # elsewhere ω = π exactly: skip exp and log
    if flat.size:
        k, p, wf = kappa_hat.ravel()[flat], w.ravel()[flat], w.reshape(-1)
        live = np.isfinite(k) & (p > 0)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            v = p * np.exp(-theta[flat % theta.size] * np.log(np.where(live, k, 1.0)))
        wf[flat] = np.where(live, v, 0.0)
    return w


def input_cost(log_w: np.ndarray, log_P: np.ndarray, va_share: np.ndarray,
               io_share: np.ndarray) -> np.ndarray:
    """Eq. (1): ln ĉ_n^j = γ_n^j ln ŵ_n + Σ_k γ_n^{k,j} ln P̂_n^k, (N, J)."""
    return va_share * log_w[:, None] + np.matmul(log_P[:, None, :], io_share)[:, 0, :]


def price_index(log_c: np.ndarray, weights: np.ndarray,
                theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (2) and (3): ln P̂_n^j and the new trade shares π'_ni^j from input costs ĉ_i^j.

    P̂_n^j = [Σ_i π_ni^j (κ̂_ni^j ĉ_i^j)^(−θ^j)]^(−1/θ^j); the exponentials are shifted by the
    lowest cost of each sector so nothing overflows, and rows whose live suppliers would all
    underflow are recomputed with a per-row log-sum-exp (:func:`_price_index_lse`).

    Returns
    -------
    log_P : (N, J)
    pi_new : (N, N, J)

    """
    shift = log_c.min(axis=0)                                            # (J,)
    e = np.exp(-theta[None, :] * (log_c - shift[None, :]))               # (i, j) in (0, 1]
    terms = weights * e[None, :, :]                                      # (n, i, j)
    s = terms.sum(axis=1)                                                # (n, j)
    if not (np.all(s > 0) and np.all(np.isfinite(s))):
        return _price_index_lse(log_c, weights, theta)
    log_P = shift[None, :] - np.log(s) / theta[None, :]
    pi_new = terms / s[:, None, :]
    return log_P, pi_new


def _price_index_lse(log_c: np.ndarray, weights: np.ndarray,
                     theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (2)–(3) by a log-sum-exp shifted per (n, j) row: slower, never under/overflows.

    A row with no live supplier at all (all weights zero) gets ln P̂ = +∞ and π' = 0.
    """
    with np.errstate(divide="ignore"):
        z = np.log(weights) - theta[None, None, :] * log_c[None, :, :]   # −∞ where ω = 0
    top = z.max(axis=1)                                                  # (n, j)
    safe = np.where(np.isfinite(top), top, 0.0)
    ez = np.exp(z - safe[:, None, :])
    s = ez.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_P = -(safe + np.log(s)) / theta[None, :]
        pi_new = np.where(s[:, None, :] > 0, ez / s[:, None, :], 0.0)
    return log_P, pi_new


def batched_weights(weights: np.ndarray) -> np.ndarray:
    """The weights ω as a contiguous (J, N, N) stack ``[j, n, i]`` for batched products."""
    return np.ascontiguousarray(weights.transpose(2, 0, 1))


def log_price_index(log_c: np.ndarray, weights_t: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Eq. (2) only (no trade shares), with ω pre-stacked by :func:`batched_weights`; (N, J).

    The inner price loop's workhorse: one batched matrix-vector product per sector.
    """
    shift = log_c.min(axis=0)
    e = np.exp(-theta[None, :] * (log_c - shift[None, :]))              # (i, j)
    s = np.matmul(weights_t, e.T[:, :, None])[:, :, 0].T                # (n, j)
    if not (np.all(s > 0) and np.all(np.isfinite(s))):
        return _price_index_lse(log_c, weights_t.transpose(1, 2, 0), theta)[0]
    return shift[None, :] - np.log(s) / theta[None, :]


def _operator_parts(pi_new: np.ndarray, tariffs_new: np.ndarray):
    """Sales per dollar of spending π'/(1+τ') and tariff revenue per dollar r_n^k."""
    sales = pi_new / (1.0 + tariffs_new)                                 # (n, i, k)
    rev = (pi_new - sales).sum(axis=1)                                   # (n, k) = Σ_i π τ/(1+τ)
    return sales, rev


def _apply(X: np.ndarray, sales: np.ndarray, rev: np.ndarray, io_share: np.ndarray,
           final_share: np.ndarray, sales_t: np.ndarray | None = None) -> np.ndarray:
    """A·X, the spending that expenditure X generates (right side of eq. 4 without w L + D).

    ``sales_t`` is ``sales`` stacked as (K, I, N) for a batched product (optional, faster).
    """
    if sales_t is None:
        Y = (sales * X[:, None, :]).sum(axis=0)                          # gross output (i, k)
    else:
        Y = np.matmul(sales_t, X.T[:, :, None])[:, :, 0].T
    return (io_share @ Y[:, :, None])[:, :, 0] + final_share * (rev * X).sum(axis=1)[:, None]


def expenditure(pi_new: np.ndarray, tariffs_new: np.ndarray, income_exog: np.ndarray,
                io_share: np.ndarray, final_share: np.ndarray, X0: np.ndarray | None = None,
                rtol: float = 1e-13) -> np.ndarray:
    """Eq. (4): solve X' = A(π', τ') X' + α (ŵ w L + D') for X' (one linear system of size N·J).

    The system is solved matrix-free by GMRES warm-started at ``X0`` (the previous step's
    solution), which costs a few O(N²J + NJ²) products instead of a dense LU. ``income_exog``
    is ŵ_n w_n L_n + D'_n, (N,). Falls back to a dense solve if GMRES stalls.
    """
    sales, rev = _operator_parts(pi_new, tariffs_new)
    return expenditure_from_parts(sales, rev, income_exog, io_share, final_share, X0, rtol)


def expenditure_from_parts(sales: np.ndarray, rev: np.ndarray, income_exog: np.ndarray,
                           io_share: np.ndarray, final_share: np.ndarray,
                           X0: np.ndarray | None = None, rtol: float = 1e-13) -> np.ndarray:
    """:func:`expenditure` given the operator parts π'/(1+τ') and r (computed once per step)."""
    n, j = final_share.shape
    sales_t = np.ascontiguousarray(sales.transpose(2, 1, 0))
    b = (final_share * income_exog[:, None]).ravel()

    def matvec(v: np.ndarray) -> np.ndarray:
        x = v.reshape(n, j)
        return (x - _apply(x, sales, rev, io_share, final_share, sales_t)).ravel()

    x0 = b if X0 is None else np.asarray(X0, dtype=float).ravel()
    x, ok = gmres(matvec, b, x0, rtol=rtol)
    if not ok:
        x = _dense_solve(sales, rev, io_share, final_share, b)
    return x.reshape(n, j)


def gmres(matvec, b: np.ndarray, x0: np.ndarray, rtol: float = 1e-13, restart: int = 40,
          max_restarts: int = 10) -> tuple[np.ndarray, bool]:
    """Restarted GMRES for a matrix-free operator (Arnoldi with CGS2, Givens rotations).

    A small, allocation-light version: scipy's is general but its per-call overhead dominates
    at our sizes. Returns the solution and whether ‖b − A x‖ ≤ rtol ‖b‖.

    References
    ----------
    Saad, Y. & Schultz, M. H. (1986). GMRES. SIAM J. Sci. Stat. Comput. 7(3), 856–869.

    """
    bnorm = float(np.linalg.norm(b))
    if bnorm == 0:
        return np.zeros_like(b), True
    x = x0.copy()
    for _ in range(max_restarts):
        r = b - matvec(x)
        beta = float(np.linalg.norm(r))
        if not np.isfinite(beta):
            return x, False
        if beta <= rtol * bnorm:
            return x, True
        V = np.empty((restart + 1, b.size))
        H = np.zeros((restart + 1, restart))
        cs, sn = np.zeros(restart), np.zeros(restart)
        g = np.zeros(restart + 1)
        g[0] = beta
        V[0] = r / beta
        k_used = restart
        for k in range(restart):
            w = matvec(V[k])
            h = V[:k + 1] @ w                              # classical Gram–Schmidt, twice
            w -= V[:k + 1].T @ h
            h2 = V[:k + 1] @ w
            w -= V[:k + 1].T @ h2
            h += h2
            hk1 = float(np.linalg.norm(w))
            for i in range(k):                             # previous rotations on the new column
                a, c = h[i], h[i + 1]
                h[i], h[i + 1] = cs[i] * a + sn[i] * c, -sn[i] * a + cs[i] * c
            denom = float(np.hypot(h[k], hk1))
            cs[k], sn[k] = (h[k] / denom, hk1 / denom) if denom > 0 else (1.0, 0.0)
            h[k] = denom
            H[:k + 1, k] = h
            g[k + 1] = -sn[k] * g[k]
            g[k] = cs[k] * g[k]
            if abs(g[k + 1]) <= rtol * bnorm or hk1 <= 1e-300:
                k_used = k + 1
                break
            V[k + 1] = w / hk1
        y = solve_triangular(H[:k_used, :k_used], g[:k_used])
        x = x + V[:k_used].T @ y
    r = b - matvec(x)
    return x, bool(np.linalg.norm(r) <= max(rtol, 1e-12) * bnorm)


def _dense_solve(sales: np.ndarray, rev: np.ndarray, io_share: np.ndarray,
                 final_share: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense LU fallback for eq. (4): builds I − A explicitly (N·J)² entries."""
    n, j = final_share.shape
    # A[(n,j),(i,k)] = γ_n^{j,k} sales[i,n,k] + δ_ni α_n^j rev_n^k
    a = np.einsum("njk,ink->njik", io_share, sales)
    idx = np.arange(n)
    a[idx, :, idx, :] += final_share[:, :, None] * rev[:, None, :]
    m = np.eye(n * j) - a.reshape(n * j, n * j)
    return np.linalg.solve(m, b)


def expenditure_residual(X_new: np.ndarray, pi_new: np.ndarray, tariffs_new: np.ndarray,
                         income_exog: np.ndarray, io_share: np.ndarray,
                         final_share: np.ndarray) -> np.ndarray:
    """Residual of eq. (4), X' − A X' − α(ŵ w L + D'), (N, J), in money units."""
    sales, rev = _operator_parts(pi_new, tariffs_new)
    return X_new - _apply(X_new, sales, rev, io_share, final_share) - final_share * income_exog[:, None]


def flows(pi_new: np.ndarray, X_new: np.ndarray, tariffs_new: np.ndarray) -> np.ndarray:
    """Bilateral flows at producer prices M'_ni^j = π' X' / (1 + τ'), (N, N, J)."""
    return pi_new * X_new[:, None, :] / (1.0 + tariffs_new)


def tariff_revenue(pi_new: np.ndarray, X_new: np.ndarray, tariffs_new: np.ndarray) -> np.ndarray:
    """R'_n = Σ_j Σ_i τ' π' X' / (1 + τ'), (N,)."""
    return np.einsum("nij,nij,nj->n", pi_new, tariffs_new / (1.0 + tariffs_new), X_new)


def value_added(M: np.ndarray, va_share: np.ndarray) -> np.ndarray:
    """Labour income implied by sales: Σ_j γ_n^j Y_n^j with Y_n^j = Σ_m M_mn^j, (N,)."""
    return (va_share * M.sum(axis=0)).sum(axis=1)


def trade_balance(M: np.ndarray, deficit_new: np.ndarray) -> np.ndarray:
    """Residual of eq. (5): imports − D' − exports for every country, (N,), money units.

    Domestic sales appear on both sides and cancel, so they are left out.
    """
    tot = M.sum(axis=2)
    dom = np.diag(tot)
    return (tot.sum(axis=1) - dom) - deficit_new - (tot.sum(axis=0) - dom)
