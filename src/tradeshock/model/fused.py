"""Compiled (Numba) kernels for the general algorithm: each equilibrium step in one pass.

The same arithmetic as :mod:`tradeshock.model.equations` and the NumPy step of
:mod:`tradeshock.model.kernels`, fused so that the solver touches each N × N × J array once
per step instead of once per NumPy call:

* :func:`price_loop` — the whole inner price loop (1)–(2) with its Anderson mixing;
* :func:`shares_factored` — input costs (1), the price check (2), trade shares (3), sales per
  dollar π'/(1+τ') and tariff revenue per dollar, in one pass over the weights;
* :func:`gmres_factored` — the restarted GMRES for (4), each product X ↦ X − A X in one pass
  over the sales, returning the residual and gross output of the solution it returns (so the
  closing residuals cost no extra product);
* :func:`closing_factored` — value added, trade balance (5) and the expenditure residual from those.

**Layout by sector.** The N × N × J weights these kernels read are stored sector by sector,
``omega[j, n, i]`` = ω_ni^j (buyer n, supplier i), as are the shifted exponentials
``e[j, i]`` and the buyers' factors ``inv[j, n]``: the price index of (n, j) is then one
contiguous dot product over suppliers, and gross output one contiguous sweep per sector, which
vectorise fully (about twice the speed of the (n, i, j) order of the rest of the package,
whose J-long inner loops were bound by loop overhead). :func:`by_sector` and
:func:`shock_weights` write them; π' is returned in the package's (n, i, j) order. Non-traded
sectors (no foreign weight: ``traded[j]`` False, :func:`traded_sectors`) skip the supplier loop.

Rows whose shifted exponentials underflow (a supplier far costlier than the cheapest one,
large θ) are recomputed in place with a log-sum-exp over that (n, j) row, as the NumPy path
does for the whole array. Kernels are compiled on first use (a few seconds) and cached on
disk: next to this file, or in Numba's user cache folder (``~/.cache/numba``) when the
package folder is not writable, ``$NUMBA_CACHE_DIR`` if set; with no writable place at all
they are compiled once per process. Arrays must be C-contiguous, writable float64.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["input_cost", "price_loop", "traded_sectors", "all_sectors", "by_sector",
           "log_price_index", "shares", "shares_factored", "trade_shares",
           "apply_factored", "gmres", "gmres_factored", "closing_factored", "shock_weights"]

#: Reassociation and contraction let reductions vectorise (results change at rounding level);
#: no "nnan"/"ninf": the NaN and overflow checks below must keep working.
_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False,
        "fastmath": {"reassoc", "contract", "nsz", "arcp"}}


def _jit(fn):
    """``njit`` with an on-disk cache, or without one where Numba finds no writable place.

    Numba caches next to this file, else in its user cache folder; with neither writable
    (a read-only install and no writable home) ``cache=True`` raises, so compile per process.
    """
    try:
        return njit(**_JIT)(fn)
    except RuntimeError:
        return njit(**{**_JIT, "cache": False})(fn)


@_jit
def input_cost(log_w, log_P, gam, io, out):
    """Eq. (1) into ``out``: ln ĉ_n^j = γ_n^j ln ŵ_n + Σ_k γ_n^{k,j} ln P̂_n^k."""
    n, j = gam.shape
    for a in range(n):
        for q in range(j):
            out[a, q] = gam[a, q] * log_w[a]
        for k in range(j):
            lp = log_P[a, k]
            for q in range(j):
                out[a, q] += lp * io[a, k, q]


@_jit
def _dot(x, y):
    """Σ_i x_i y_i of two contiguous rows (vectorised: reassociation allowed)."""
    acc = 0.0
    for i in range(x.size):
        acc += x[i] * y[i]
    return acc


@_jit
def _shifted_exp(log_c, theta, e, shift):
    """e[j, i] = exp(−θ^j (ln ĉ_i^j − min_i ln ĉ_i^j)) ∈ (0, 1], by sector, and the shifts."""
    n, j = log_c.shape
    for q in range(j):
        m = log_c[0, q]
        for i in range(1, n):
            if log_c[i, q] < m:
                m = log_c[i, q]
        shift[q] = m
        e_q = e[q]
        for i in range(n):
            e_q[i] = math.exp(-theta[q] * (log_c[i, q] - m))


@_jit
def _lse_row(a, q, log_c, omega, theta, col):
    """Ln P̂ of row (a, q) by log-sum-exp; π' of the row into ``col`` (N,). +∞ if no live supplier."""
    n = log_c.shape[0]
    w_row = omega[q, a]
    top = -np.inf
    for i in range(n):
        w = w_row[i]
        if w > 0:
            z = math.log(w) - theta[q] * log_c[i, q]
            col[i] = z
            if z > top:
                top = z
    if not top > -np.inf:
        for i in range(n):
            col[i] = 0.0
        return np.inf
    tot = 0.0
    for i in range(n):
        if w_row[i] > 0:
            col[i] = math.exp(col[i] - top)
            tot += col[i]
        else:
            col[i] = 0.0
    for i in range(n):
        col[i] = col[i] / tot
    return -(top + math.log(tot)) / theta[q]


@_jit
def _row_weight(omega, e_q, q, a, traded_q):
    """Σ_i ω_ai^q e_i^q: a dot product over suppliers, or the home term of a non-traded sector."""
    if traded_q:
        return _dot(omega[q, a], e_q)
    return omega[q, a, a] * e_q[a]


@_jit
def log_price_index(log_c, omega, theta, out, e, shift, col, traded):
    """Eq. (2) only into ``out`` (N, J): the inner loop's step. ``e`` (J, N), ``shift``, ``col`` scratch."""
    n, j = log_c.shape
    _shifted_exp(log_c, theta, e, shift)
    for q in range(j):
        e_q, tr, sh, th = e[q], traded[q], shift[q], theta[q]
        for a in range(n):
            v = _row_weight(omega, e_q, q, a, tr)
            if v > 0 and v < np.inf:
                out[a, q] = sh - math.log(v) / th
            else:
                out[a, q] = _lse_row(a, q, log_c, omega, theta, col)


@_jit
def all_sectors(j):
    """The ``traded`` flags of a world where every sector may be traded."""
    return np.ones(j, dtype=np.bool_)


@_jit
def traded_sectors(omega):
    """Whether each sector has some positive weight on a foreign supplier (J,), from ω by sector.

    Sectors without (non-tradables: ω_ni = 0 for every i ≠ n) need no supplier loop.
    """
    j, n, _ = omega.shape
    traded = np.zeros(j, dtype=np.bool_)
    for q in range(j):
        for a in range(n):
            row = omega[q, a]
            for i in range(n):
                if i != a and row[i] != 0.0:
                    traded[q] = True
                    break
            if traded[q]:
                break
    return traded


@_jit
def _solve_small(g, rhs, out):
    """Solve the m × m system g x = rhs by Gaussian elimination with partial pivoting.

    Returns False (like ``numpy.linalg.solve`` raising) if a pivot is exactly zero.
    """
    m = rhs.size
    a = g.copy()
    b = rhs.copy()
    for c in range(m):
        p = c
        big = abs(a[c, c])
        for r in range(c + 1, m):
            if abs(a[r, c]) > big:
                big, p = abs(a[r, c]), r
        if big == 0.0:
            return False
        if p != c:
            for k in range(m):
                a[c, k], a[p, k] = a[p, k], a[c, k]
            b[c], b[p] = b[p], b[c]
        for r in range(c + 1, m):
            f = a[r, c] / a[c, c]
            for k in range(c, m):
                a[r, k] -= f * a[c, k]
            b[r] -= f * b[c]
    for c in range(m - 1, -1, -1):
        t = b[c]
        for k in range(c + 1, m):
            t -= a[c, k] * out[k]
        out[c] = t / a[c, c]
    return True


@_jit
def price_loop(log_w, log_P0, gam, io, omega, theta, tol, max_iter, memory, traded):
    """The inner loop: iterate (1)–(2) on ln P̂ from ``log_P0`` with Anderson mixing (β = 1).

    Same scheme as :class:`~tradeshock.model.anderson.Anderson` (type II, ``memory`` past
    differences, the normal equations regularised by 1e-12 relative on the diagonal; a
    singular or non-finite step restarts the history). Stops when max |G(ln P̂) − ln P̂| ≤
    ``tol`` (or on NaN). Returns (G(ln P̂) at the last iterate, iterations). ``omega`` by
    sector, ``traded``: see :func:`traded_sectors`.
    """
    n, j = gam.shape
    nj = n * j
    x = log_P0.copy().reshape(nj)
    lp = np.empty((n, j))
    lc = np.empty((n, j))
    e = np.empty((j, n))
    shift = np.empty(j)
    col = np.empty(n)
    f = np.empty(nj)
    x_prev = np.empty(nj)
    f_prev = np.empty(nj)
    xn = np.empty(nj)
    dX = np.empty((memory, nj))
    dF = np.empty((memory, nj))
    gram = np.empty((memory, memory))
    dots = np.empty((memory, memory))                 # dF_p · dF_r, updated one row a step
    rhs = np.empty(memory)
    gamma = np.empty(memory)
    stored = 0
    have_prev = False
    lpf = lp.reshape(nj)
    for it in range(1, max_iter + 1):
        input_cost(log_w, x.reshape((n, j)), gam, io, lc)
        log_price_index(lc, omega, theta, lp, e, shift, col, traded)
        fmax = 0.0
        for t in range(nj):
            f[t] = lpf[t] - x[t]
            v = abs(f[t])
            if v > fmax or v != v:
                fmax = v
        if fmax <= tol or fmax != fmax:
            return lp, it
        if have_prev:
            slot = stored % memory
            for t in range(nj):
                dX[slot, t] = x[t] - x_prev[t]
                dF[slot, t] = f[t] - f_prev[t]
            stored += 1
            for r in range(min(stored, memory)):          # the Gram row of the new difference
                acc = 0.0
                for t in range(nj):
                    acc += dF[slot, t] * dF[r, t]
                dots[slot, r] = acc
                dots[r, slot] = acc
        x_prev[:] = x
        f_prev[:] = f
        have_prev = True
        used = min(stored, memory)
        if used == 0:
            for t in range(nj):
                x[t] += f[t]
            continue
        for p in range(used):
            acc = 0.0
            for t in range(nj):
                acc += dF[p, t] * f[t]
            rhs[p] = acc
            for r in range(used):
                gram[p, r] = dots[p, r]
        for p in range(used):
            gram[p, p] = gram[p, p] * (1.0 + 1e-12) + 1e-300
        ok = _solve_small(gram[:used, :used], rhs[:used], gamma[:used])
        if ok:
            for t in range(nj):
                acc = x[t] + f[t]
                for p in range(used):
                    acc -= gamma[p] * (dX[p, t] + dF[p, t])
                xn[t] = acc
                if not (abs(acc) < np.inf):
                    ok = False
        if ok:
            x[:] = xn
        else:                                          # restart the history: a plain step
            stored = 0
            have_prev = False
            for t in range(nj):
                x[t] += f[t]
    return lp, max_iter


@_jit
def shares(log_w, log_P, gam, io, omega, u, theta, log_c, lp, S, rev, rows):
    """Eqs. (1)–(3) and the operator parts of (4) in one pass over the weights ω, sales stored in full.

    ``u`` = 1/(1+τ') and the sales per dollar of spending S = π'/(1+τ') written here are by
    sector (J, N, N), like ω. Writes ln ĉ, G(ln P̂) (``lp``), S, tariff revenue per dollar
    r_n^k = Σ_i (π' − S) and row sums Σ_i S; returns the price residual max |G(ln P̂) − ln P̂|.
    Rows that underflow get their log-sum-exp here (hence the sales in full).
    """
    n, j = gam.shape
    input_cost(log_w, log_P, gam, io, log_c)
    e = np.empty((j, n))
    shift = np.empty(j)
    col = np.empty(n)
    _shifted_exp(log_c, theta, e, shift)
    res = 0.0
    for q in range(j):
        e_q = e[q]
        for a in range(n):
            o_row, u_row, s_row = omega[q, a], u[q, a], S[q, a]
            v = _dot(o_row, e_q)
            acc_r = 0.0
            acc_s = 0.0
            if v > 0 and v < np.inf:
                lp[a, q] = shift[q] - math.log(v) / theta[q]
                iv = 1.0 / v
                for i in range(n):
                    p = o_row[i] * e_q[i] * iv
                    sv = p * u_row[i]
                    s_row[i] = sv
                    acc_r += p - sv
                    acc_s += sv
            else:                                      # the row underflowed: log-sum-exp
                lp[a, q] = _lse_row(a, q, log_c, omega, theta, col)
                for i in range(n):
                    sv = col[i] * u_row[i]
                    s_row[i] = sv
                    acc_r += col[i] - sv
                    acc_s += sv
            rev[a, q] = acc_r
            rows[a, q] = acc_s
            d = abs(lp[a, q] - log_P[a, q])
            if d > res or d != d:
                res = d
    return res


@_jit
def trade_shares(log_c, omega, theta, pi):
    """Eq. (3) into ``pi`` (N, N, J): π'_ni^j = ω_ni^j (ĉ_i^j)^(−θ^j) / (P̂_n^j)^(−θ^j); ω by sector."""
    n, j = log_c.shape
    e = np.empty((j, n))
    shift = np.empty(j)
    col = np.empty(n)
    _shifted_exp(log_c, theta, e, shift)
    for a in range(n):
        p_a = pi[a]
        for q in range(j):
            e_q, o_row = e[q], omega[q, a]
            v = _dot(o_row, e_q)
            if v > 0 and v < np.inf:
                iv = 1.0 / v
                for i in range(n):
                    p_a[i, q] = o_row[i] * e_q[i] * iv
            else:
                _lse_row(a, q, log_c, omega, theta, col)
                for i in range(n):
                    p_a[i, q] = col[i]


@_jit
def apply_factored(x, W, e, inv, rev, io, alpha, Y, out, traded):
    """``out`` = x − A x for eq. (4) with the sales in factored form S_ni^k = W_ni^k e_i^k inv_n^k.

    With W = ω/(1+τ') by sector (J, N, N), e (J, N) the shifted exponentials and inv (J, N) =
    1/Σ_i ω e of :func:`shares_factored`, S is π'/(1+τ') without being stored: one pass over W
    per product. ``Y`` (N, J) = gross output Σ_n S_ni^k x_n^k; x, out flat (N·J);
    ``io[n, k, j]`` = γ_n^{k,j}. (W = S and e = inv = 1 is the plain operator.) ``traded``: see
    :func:`traded_sectors`.
    """
    n, j = alpha.shape
    xm = x.reshape((n, j))
    om = out.reshape((n, j))
    acc = np.empty(n)
    for k in range(j):
        e_k, inv_k = e[k], inv[k]
        if traded[k]:
            for i in range(n):
                acc[i] = 0.0
            for a in range(n):
                za = inv_k[a] * xm[a, k]
                w_row = W[k, a]
                for i in range(n):
                    acc[i] += w_row[i] * za
            for i in range(n):
                Y[i, k] = acc[i] * e_k[i]
        else:                                          # home sales only
            for a in range(n):
                Y[a, k] = W[k, a, a] * (inv_k[a] * xm[a, k]) * e_k[a]
    for a in range(n):
        y_a = Y[a]
        t = 0.0
        for k in range(j):
            t += rev[a, k] * xm[a, k]
        for q in range(j):
            om[a, q] = xm[a, q] - alpha[a, q] * t - _dot(io[a, q], y_a)


@_jit
def _norm(v):
    acc = 0.0
    for t in range(v.size):
        acc += v[t] * v[t]
    return math.sqrt(acc)


@_jit
def gmres_factored(W, e, inv, rev, io, alpha, b, x0, rtol, restart, max_restarts, Y, r,
                   traded):
    """Restarted GMRES (CGS2, Givens) for (I − A) x = b, as :func:`equations.gmres`.

    The sales are in the factored form S = W · e · inv of :func:`apply_factored`. Returns
    (x, converged). On return ``r`` = b − (I − A) x and ``Y`` = gross output at the returned x
    (unless the residual was not finite).
    """
    nj = b.size
    bnorm = _norm(b)
    if bnorm == 0:
        x = np.zeros(nj)
        apply_factored(x, W, e, inv, rev, io, alpha, Y, r, traded)
        r[:] = b
        return x, True
    x = x0.copy()
    tmp = np.empty(nj)
    Ys = np.empty(Y.shape)
    V = np.empty((restart + 1, nj))
    H = np.zeros((restart + 1, restart))
    cs = np.zeros(restart)
    sn = np.zeros(restart)
    g = np.zeros(restart + 1)
    h = np.zeros(restart + 1)
    h2 = np.zeros(restart + 1)
    y = np.zeros(restart)
    for _ in range(max_restarts):
        apply_factored(x, W, e, inv, rev, io, alpha, Y, tmp, traded)
        for t in range(nj):
            r[t] = b[t] - tmp[t]
        beta = _norm(r)
        if not (beta < np.inf):
            return x, False
        if beta <= rtol * bnorm:
            return x, True
        H[:, :] = 0.0
        cs[:] = 0.0
        sn[:] = 0.0
        g[:] = 0.0
        g[0] = beta
        for t in range(nj):
            V[0, t] = r[t] / beta
        k_used = restart
        for k in range(restart):
            w = V[k + 1]                                  # built in place
            apply_factored(V[k], W, e, inv, rev, io, alpha, Ys, w, traded)
            for p in range(k + 1):                        # classical Gram–Schmidt, twice
                acc = 0.0
                for t in range(nj):
                    acc += V[p, t] * w[t]
                h[p] = acc
            for p in range(k + 1):
                for t in range(nj):
                    w[t] -= V[p, t] * h[p]
            for p in range(k + 1):
                acc = 0.0
                for t in range(nj):
                    acc += V[p, t] * w[t]
                h2[p] = acc
            for p in range(k + 1):
                for t in range(nj):
                    w[t] -= V[p, t] * h2[p]
                h[p] += h2[p]
            hk1 = _norm(w)
            for i in range(k):
                a_, c_ = h[i], h[i + 1]
                h[i], h[i + 1] = cs[i] * a_ + sn[i] * c_, -sn[i] * a_ + cs[i] * c_
            denom = math.hypot(h[k], hk1)
            if denom > 0:
                cs[k], sn[k] = h[k] / denom, hk1 / denom
            else:
                cs[k], sn[k] = 1.0, 0.0
            h[k] = denom
            for p in range(k + 1):
                H[p, k] = h[p]
            g[k + 1] = -sn[k] * g[k]
            g[k] = cs[k] * g[k]
            if abs(g[k + 1]) <= rtol * bnorm or hk1 <= 1e-300:
                k_used = k + 1
                break
            for t in range(nj):
                w[t] = w[t] / hk1
        for c in range(k_used - 1, -1, -1):               # back substitution, H upper triangular
            acc = g[c]
            for p in range(c + 1, k_used):
                acc -= H[c, p] * y[p]
            y[c] = acc / H[c, c]
        for p in range(k_used):
            for t in range(nj):
                x[t] += V[p, t] * y[p]
    apply_factored(x, W, e, inv, rev, io, alpha, Y, tmp, traded)
    for t in range(nj):
        r[t] = b[t] - tmp[t]
    return x, _norm(r) <= max(rtol, 1e-12) * bnorm


@_jit
def gmres(S, rev, io_t, alpha, b, x0, rtol, restart, max_restarts, Y, r):
    """Restarted GMRES for (I − A) x = b with the sales S = π'/(1+τ') given in full (N, N, J).

    ``io_t[n, k, j]`` = γ_n^{j,k}. Returns (x, converged); on return ``r`` = b − (I − A) x and
    ``Y`` = gross output at x. See :func:`gmres_factored`.
    """
    n, j = alpha.shape
    ones = np.ones((j, n))
    io = np.ascontiguousarray(io_t.transpose(0, 2, 1))
    S_j = np.empty((j, n, n))
    for a in range(n):
        for i in range(n):
            for q in range(j):
                S_j[q, a, i] = S[a, i, q]
    return gmres_factored(S_j, ones, ones, rev, io, alpha, b, x0, rtol, restart, max_restarts, Y,
                          r, all_sectors(j))


@_jit
def shares_factored(log_w, log_P, gam, io, omega, omega_u, theta, log_c, lp, e, inv, rev, rows,
                    s_dom, traded):
    """As :func:`shares`, but the sales are left in factored form (see :func:`apply_factored`).

    ``omega_u`` = ω/(1+τ'), by sector like ω. Writes ln ĉ, G(ln P̂), the shifted exponentials
    ``e`` (J, N), ``inv`` (J, N) = 1/Σ_i ω e, revenue and sales per dollar r, Σ_i S and the
    domestic sales per dollar ``s_dom`` = S_nn (N, J), reading ω and ω/(1+τ') once and writing
    no N × N × J array. Returns (price residual, rows that underflowed): with any, the caller
    uses :func:`shares`, whose per-row log-sum-exp needs the sales stored in full.
    """
    n, j = gam.shape
    input_cost(log_w, log_P, gam, io, log_c)
    shift = np.empty(j)
    _shifted_exp(log_c, theta, e, shift)
    res = 0.0
    n_bad = 0
    for q in range(j):
        e_q, inv_q = e[q], inv[q]
        for a in range(n):
            if traded[q]:
                o_row, ou_row = omega[q, a], omega_u[q, a]
                s = 0.0
                su = 0.0
                st = 0.0
                for i in range(n):
                    v = o_row[i] * e_q[i]
                    vu = ou_row[i] * e_q[i]
                    s += v
                    su += vu
                    st += v - vu
            else:                                      # home sales only
                s = omega[q, a, a] * e_q[a]
                su = omega_u[q, a, a] * e_q[a]
                st = s - su
            if s > 0 and s < np.inf:
                lp[a, q] = shift[q] - math.log(s) / theta[q]
                iv = 1.0 / s
                inv_q[a] = iv
                rev[a, q] = st * iv
                rows[a, q] = su * iv
                s_dom[a, q] = omega_u[q, a, a] * e_q[a] * iv
                d = abs(lp[a, q] - log_P[a, q])
                if d > res or d != d:
                    res = d
            else:
                n_bad += 1
                inv_q[a] = 0.0
    return res, n_bad


@_jit
def by_sector(weights, tariffs_new, omega, omega_u):
    """ω (N, N, J) laid out by sector into ``omega`` (J, N, N), and ω/(1+τ') into ``omega_u``."""
    n, _, j = weights.shape
    for a in range(n):                  # buyer a's (N, J) block stays in cache: rows written whole
        w_a, t_a = weights[a], tariffs_new[a]
        for q in range(j):
            o_row, ou_row = omega[q, a], omega_u[q, a]
            for i in range(n):
                w = w_a[i, q]
                o_row[i] = w
                ou_row[i] = w / (1.0 + t_a[i, q])


@_jit
def closing_factored(X, Y, r, s_dom, rows, gam, d1, va_new, tb):
    """Value added Σ_j γ Y and trade balance (5) into ``va_new``, ``tb``; returns the residual of (4).

    ``r`` is b − (I − A) X; ``s_dom`` (N, J) holds the domestic sales per dollar S_nn^k, so imports
    are Σ_k X_n^k Σ_i S_ni^k minus domestic purchases and exports Σ_k Y_i^k minus domestic sales.
    """
    n, j = gam.shape
    res = 0.0
    for a in range(n):
        tot = 0.0
        for q in range(j):
            tot += X[a, q]
        tot = max(tot, 1e-300)
        for q in range(j):
            v = abs(r[a * j + q]) / tot
            if v > res or v != v:
                res = v
        dom = 0.0
        buy = 0.0
        sell = 0.0
        va = 0.0
        for k in range(j):
            dom += s_dom[a, k] * X[a, k]
            buy += X[a, k] * rows[a, k]
            sell += Y[a, k]
            va += gam[a, k] * Y[a, k]
        va_new[a] = va
        tb[a] = (buy - dom) - d1[a] - (sell - dom)
    return res


@_jit
def shock_weights(pi, tariffs, tariffs_new, trade_cost_hat, theta, X, omega, omega_u, row_sum,
                  can_import, can_export):
    """ω = π (κ̂)^(−θ), κ̂ = (1+τ')/(1+τ)·d̂, and ω/(1+τ') in one pass (no κ̂ array), by sector.

    As :func:`equations.shock_weights` (zero weight where κ̂ = ∞ or π ≤ 0; ω = π exactly where
    κ̂ = 1). Also writes Σ_i ω (N, J) and, for the feasibility checks, whether each country
    still buys from (``can_import``) or sells to (``can_export``) a foreign market with spending.
    """
    n, _, j = pi.shape
    for a in range(n):
        can_import[a] = False
        can_export[a] = False
    for a in range(n):                  # a's (N, J) inputs stay in cache; ω rows written whole
        p_a, t_a, t1_a, d_a = pi[a], tariffs[a], tariffs_new[a], trade_cost_hat[a]
        for q in range(j):
            o_row, ou_row = omega[q, a], omega_u[q, a]
            rs = 0.0
            th = theta[q]
            for i in range(n):
                p = p_a[i, q]
                t1 = t1_a[i, q]
                w = p if p > 0 else 0.0
                if w > 0 and (t1 != t_a[i, q] or d_a[i, q] != 1.0):    # else κ̂ = 1 exactly
                    k = (1.0 + t1) / (1.0 + t_a[i, q]) * d_a[i, q]
                    if not k < np.inf:
                        w = 0.0
                    elif k != 1.0:
                        w = p * math.exp(-th * math.log(k))
                o_row[i] = w
                ou_row[i] = w / (1.0 + t1)
                rs += w
            row_sum[a, q] = rs
            if X[a, q] > 0:
                for i in range(n):
                    if o_row[i] > 0 and i != a:
                        can_import[a] = True
                        can_export[i] = True
