"""Compiled (Numba) kernels for the general algorithm: each equilibrium step in one pass.

The same arithmetic as :mod:`tradeshock.model.equations` and the NumPy step of
:mod:`tradeshock.model.kernels`, fused so that the solver touches each N × N × J array once
per step instead of once per NumPy call:

* :func:`price_loop` — the whole inner price loop (1)–(2) with its Anderson mixing;
* :func:`shares` — input costs (1), the price check (2), trade shares (3), sales per dollar
  π'/(1+τ') and tariff revenue per dollar, in one pass over the weights;
* :func:`gmres` — the restarted GMRES for (4), each product X ↦ X − A X in one pass over the
  sales, returning the residual and gross output of the solution it returns (so the closing
  residuals cost no extra product);
* :func:`closing_factored` — value added, trade balance (5) and the expenditure residual from those.

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

__all__ = ["input_cost", "price_loop", "price_loop_runs", "traded_runs", "all_sectors",
           "log_price_index", "log_price_index_runs", "shares", "shares_factored", "scaled_weights", "trade_shares",
           "apply_operator", "apply_factored", "gmres", "gmres_factored",
           "closing_factored", "shock_weights"]

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
def _shifted_exp(log_c, theta, e, shift):
    """e_i^j = exp(−θ^j (ln ĉ_i^j − min_i ln ĉ_i^j)) ∈ (0, 1], and the shifts."""
    n, j = log_c.shape
    for q in range(j):
        m = log_c[0, q]
        for i in range(1, n):
            if log_c[i, q] < m:
                m = log_c[i, q]
        shift[q] = m
    for i in range(n):
        for q in range(j):
            e[i, q] = math.exp(-theta[q] * (log_c[i, q] - shift[q]))


@_jit
def _lse_row(a, q, log_c, omega, theta, col):
    """Ln P̂ of row (a, q) by log-sum-exp; π' of the row into ``col`` (N,). +∞ if no live supplier."""
    n = log_c.shape[0]
    top = -np.inf
    for i in range(n):
        w = omega[a, i, q]
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
        if omega[a, i, q] > 0:
            col[i] = math.exp(col[i] - top)
            tot += col[i]
        else:
            col[i] = 0.0
    for i in range(n):
        col[i] = col[i] / tot
    return -(top + math.log(tot)) / theta[q]


@_jit
def log_price_index(log_c, omega, theta, out, e, shift, s, col):
    """Eq. (2) only into ``out`` (N, J): the inner loop's step. ``e``, ``shift``, ``s``, ``col`` scratch."""
    log_price_index_runs(log_c, omega, theta, out, e, shift, s, col, all_sectors(log_c.shape[1]))


@_jit
def log_price_index_runs(log_c, omega, theta, out, e, shift, s, col, runs):
    """:func:`log_price_index` reading foreign weights only up to the last of the traded ``runs``.

    ``runs`` (R, 2): :func:`traded_runs` (elsewhere ω_ni = 0 for i ≠ n, so skipping those
    entries changes no sum; see :func:`_limit`).
    """
    n, j = log_c.shape
    jt = _limit(runs)
    _shifted_exp(log_c, theta, e, shift)
    for a in range(n):
        for q in range(j):
            s[q] = 0.0
        for i in range(n):
            lim = j if i == a else jt                 # a plain range: the loop vectorises
            for q in range(lim):
                s[q] += omega[a, i, q] * e[i, q]
        for q in range(j):
            v = s[q]
            if v > 0 and v < np.inf:
                out[a, q] = shift[q] - math.log(v) / theta[q]
            else:
                out[a, q] = _lse_row(a, q, log_c, omega, theta, col)


@_jit
def all_sectors(j):
    """The sector runs of a world where every sector may be traded: one run, [0, J)."""
    runs = np.empty((1, 2), dtype=np.int64)
    runs[0, 0] = 0
    runs[0, 1] = j
    return runs


@_jit
def traded_runs(omega):
    """Runs [q0, q1) (R, 2) of consecutive sectors with some positive weight on a foreign supplier.

    Sectors outside them (non-tradables: ω_ni = 0 for every i ≠ n) need no foreign loop.
    With every sector traded this is one run, [0, J).
    """
    n, _, j = omega.shape
    traded = np.zeros(j, dtype=np.bool_)
    for a in range(n):
        for i in range(n):
            if i == a:
                continue
            o = omega[a, i]
            for q in range(j):
                if o[q] != 0.0:
                    traded[q] = True
    count = 0
    for q in range(j):
        if traded[q] and (q == 0 or not traded[q - 1]):
            count += 1
    runs = np.empty((count, 2), dtype=np.int64)
    r = -1
    for q in range(j):
        if traded[q]:
            if q == 0 or not traded[q - 1]:
                r += 1
                runs[r, 0] = q
            runs[r, 1] = q + 1
    return runs


@_jit
def _limit(runs):
    """Where the foreign loops stop: the end of the last traded run (0 if none).

    One plain loop bound (sectors in gaps between runs have zero foreign weight, so including
    them changes no sum): loop bounds read from the runs inside the loop kept LLVM from
    vectorising, which made the passes about 4x slower.
    """
    r = runs.shape[0]
    return runs[r - 1, 1] if r > 0 else 0


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
def price_loop_runs(log_w, log_P0, gam, io, omega, theta, tol, max_iter, memory, runs):
    """The inner loop: iterate (1)–(2) on ln P̂ from ``log_P0`` with Anderson mixing (β = 1).

    Same scheme as :class:`~tradeshock.model.anderson.Anderson` (type II, ``memory`` past
    differences, the normal equations regularised by 1e-12 relative on the diagonal; a
    singular or non-finite step restarts the history). Stops when max |G(ln P̂) − ln P̂| ≤
    ``tol`` (or on NaN). Returns (G(ln P̂) at the last iterate, iterations). ``runs``: see
    :func:`log_price_index_runs`.
    """
    n, j = gam.shape
    nj = n * j
    x = log_P0.copy().reshape(nj)
    lp = np.empty((n, j))
    lc = np.empty((n, j))
    e = np.empty((n, j))
    shift = np.empty(j)
    s = np.empty(j)
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
        log_price_index_runs(lc, omega, theta, lp, e, shift, s, col, runs)
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
def price_loop(log_w, log_P0, gam, io, omega, theta, tol, max_iter, memory):
    """:func:`price_loop_runs` over all sectors."""
    return price_loop_runs(log_w, log_P0, gam, io, omega, theta, tol, max_iter, memory,
                           all_sectors(gam.shape[1]))


@_jit
def shares(log_w, log_P, gam, io, omega, u, theta, log_c, lp, S, rev, rows):
    """Eqs. (1)–(3) and the operator parts of (4) in one pass over the weights ω.

    ``u`` = 1/(1+τ'). Writes ln ĉ, G(ln P̂) (``lp``), sales per dollar of spending
    S = π'/(1+τ') (N, N, J), tariff revenue per dollar r_n^k = Σ_i (π' − S) and row sums
    Σ_i S; returns the price residual max |G(ln P̂) − ln P̂|.
    """
    n, j = gam.shape
    input_cost(log_w, log_P, gam, io, log_c)
    e = np.empty((n, j))
    shift = np.empty(j)
    s = np.empty(j)
    inv = np.empty(j)
    acc_r = np.empty(j)
    acc_s = np.empty(j)
    col = np.empty(n)
    _shifted_exp(log_c, theta, e, shift)
    res = 0.0
    for a in range(n):
        for q in range(j):
            s[q] = 0.0
        for i in range(n):
            for q in range(j):
                s[q] += omega[a, i, q] * e[i, q]
        n_bad = 0
        for q in range(j):
            v = s[q]
            if v > 0 and v < np.inf:
                lp[a, q] = shift[q] - math.log(v) / theta[q]
                inv[q] = 1.0 / v
                d = abs(lp[a, q] - log_P[a, q])
                if d > res or d != d:
                    res = d
            else:
                n_bad += 1
                inv[q] = 0.0
        for q in range(j):
            acc_r[q] = 0.0
            acc_s[q] = 0.0
        for i in range(n):                         # row views: lets the q loop vectorise
            om_i, u_i, e_i, s_i = omega[a, i], u[a, i], e[i], S[a, i]
            for q in range(j):
                p = om_i[q] * e_i[q] * inv[q]
                sv = p * u_i[q]
                s_i[q] = sv
                acc_r[q] += p - sv
                acc_s[q] += sv
        for q in range(j):
            rev[a, q] = acc_r[q]
            rows[a, q] = acc_s[q]
        if n_bad:                                  # rows that underflowed: log-sum-exp
            for q in range(j):
                if inv[q] != 0.0:
                    continue
                lp[a, q] = _lse_row(a, q, log_c, omega, theta, col)
                d = abs(lp[a, q] - log_P[a, q])
                if d > res or d != d:
                    res = d
                rev[a, q] = 0.0
                rows[a, q] = 0.0
                for i in range(n):
                    sv = col[i] * u[a, i, q]
                    S[a, i, q] = sv
                    rev[a, q] += col[i] - sv
                    rows[a, q] += sv
    return res


@_jit
def trade_shares(log_c, omega, theta, pi):
    """Eq. (3) into ``pi`` (N, N, J): π'_ni^j = ω_ni^j (ĉ_i^j)^(−θ^j) / (P̂_n^j)^(−θ^j)."""
    n, j = log_c.shape
    e = np.empty((n, j))
    shift = np.empty(j)
    s = np.empty(j)
    inv = np.empty(j)
    col = np.empty(n)
    _shifted_exp(log_c, theta, e, shift)
    for a in range(n):
        for q in range(j):
            s[q] = 0.0
        for i in range(n):
            for q in range(j):
                s[q] += omega[a, i, q] * e[i, q]
        n_bad = 0
        for q in range(j):
            if s[q] > 0 and s[q] < np.inf:
                inv[q] = 1.0 / s[q]
            else:
                inv[q] = 0.0
                n_bad += 1
        for i in range(n):
            om_i, e_i, p_i = omega[a, i], e[i], pi[a, i]
            for q in range(j):
                p_i[q] = om_i[q] * e_i[q] * inv[q]
        if n_bad:
            for q in range(j):
                if inv[q] == 0.0:
                    _lse_row(a, q, log_c, omega, theta, col)
                    for i in range(n):
                        pi[a, i, q] = col[i]


@_jit
def apply_operator(x, S, rev, io_t, alpha, Y, out):
    """``out`` = x − A x for eq. (4), ``Y`` = gross output Σ_n S_ni^k x_n^k; x, out flat (N·J).

    ``io_t[n, k, j]`` = γ_n^{j,k} (the IO shares transposed, so the inner loop is contiguous).
    """
    n, j = alpha.shape
    xm = x.reshape((n, j))
    om = out.reshape((n, j))
    for i in range(n):
        for k in range(j):
            Y[i, k] = 0.0
    for a in range(n):
        for i in range(n):
            for k in range(j):
                Y[i, k] += S[a, i, k] * xm[a, k]
    for a in range(n):
        t = 0.0
        for k in range(j):
            t += rev[a, k] * xm[a, k]
        for q in range(j):
            om[a, q] = xm[a, q] - alpha[a, q] * t
        for k in range(j):
            y = Y[a, k]
            for q in range(j):
                om[a, q] -= io_t[a, k, q] * y


@_jit
def _norm(v):
    acc = 0.0
    for t in range(v.size):
        acc += v[t] * v[t]
    return math.sqrt(acc)


@_jit
def apply_factored(x, W, e, inv, rev, io, alpha, Y, z, out, runs):
    """``out`` = x − A x for eq. (4) with the sales in factored form S_ni^k = W_ni^k e_i^k inv_n^k.

    With W = ω/(1+τ'), e the shifted exponentials and inv = 1/Σ_i ω e of :func:`shares_factored`,
    S is π'/(1+τ') without being stored: one pass over W per product. ``Y`` = gross output
    Σ_n S_ni^k x_n^k; ``z`` (N, J) scratch; x, out flat (N·J); ``io[n, k, j]`` = γ_n^{k,j}.
    (W = S and e = inv = 1 is the plain operator.) ``runs``: see :func:`log_price_index_runs`.
    """
    n, j = alpha.shape
    jt = _limit(runs)
    xm = x.reshape((n, j))
    om = out.reshape((n, j))
    for a in range(n):
        for k in range(j):
            z[a, k] = inv[a, k] * xm[a, k]
            Y[a, k] = 0.0
    for a in range(n):
        z_a = z[a]
        for i in range(n):
            w_ai, y_i = W[a, i], Y[i]
            lim = j if i == a else jt
            for k in range(lim):
                y_i[k] += w_ai[k] * z_a[k]
    for a in range(n):
        y_a, e_a = Y[a], e[a]
        for k in range(j):
            y_a[k] *= e_a[k]
        t = 0.0
        for k in range(j):
            t += rev[a, k] * xm[a, k]
        for q in range(j):
            io_aq = io[a, q]
            acc = 0.0
            for k in range(j):
                acc += io_aq[k] * y_a[k]
            om[a, q] = xm[a, q] - alpha[a, q] * t - acc


@_jit
def gmres_factored(W, e, inv, rev, io, alpha, b, x0, rtol, restart, max_restarts, Y, r,
                   runs):
    """Restarted GMRES (CGS2, Givens) for (I − A) x = b, as :func:`equations.gmres`, with
    the sales in the factored form S = W · e · inv of :func:`apply_factored`.

    Returns (x, converged). On return ``r`` = b − (I − A) x and ``Y`` = gross output at the
    returned x (unless the residual was not finite).
    """
    n, j = alpha.shape
    nj = b.size
    bnorm = _norm(b)
    if bnorm == 0:
        x = np.zeros(nj)
        z = np.empty((n, j))
        apply_factored(x, W, e, inv, rev, io, alpha, Y, z, r, runs)
        r[:] = b
        return x, True
    x = x0.copy()
    z = np.empty((n, j))
    tmp = np.empty(nj)
    Ys = np.empty((n, j))
    V = np.empty((restart + 1, nj))
    H = np.zeros((restart + 1, restart))
    cs = np.zeros(restart)
    sn = np.zeros(restart)
    g = np.zeros(restart + 1)
    h = np.zeros(restart + 1)
    h2 = np.zeros(restart + 1)
    y = np.zeros(restart)
    for _ in range(max_restarts):
        apply_factored(x, W, e, inv, rev, io, alpha, Y, z, tmp, runs)
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
            apply_factored(V[k], W, e, inv, rev, io, alpha, Ys, z, w, runs)
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
    apply_factored(x, W, e, inv, rev, io, alpha, Y, z, tmp, runs)
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
    ones = np.ones((n, j))
    io = np.ascontiguousarray(io_t.transpose(0, 2, 1))
    return gmres_factored(S, ones, ones, rev, io, alpha, b, x0, rtol, restart, max_restarts, Y, r,
                          all_sectors(j))


@_jit
def shares_factored(log_w, log_P, gam, io, omega, omega_u, theta, log_c, lp, e, inv, rev, rows,
                    s_dom, runs):
    """As :func:`shares`, but the sales are left in factored form (see :func:`apply_factored`).

    ``omega_u`` = ω/(1+τ'). Writes ln ĉ, G(ln P̂), the shifted exponentials ``e`` (N, J),
    ``inv`` = 1/Σ_i ω e, revenue and sales per dollar r, Σ_i S and the domestic sales per
    dollar ``s_dom`` = S_nn (N, J), reading ω and ω/(1+τ') once and writing no N × N × J
    array. Returns (price residual, rows that underflowed): with any, the caller uses
    :func:`shares`, whose per-row log-sum-exp needs the sales stored in full. ``runs``: see
    :func:`log_price_index_runs`.
    """
    n, j = gam.shape
    jt = _limit(runs)
    input_cost(log_w, log_P, gam, io, log_c)
    shift = np.empty(j)
    s = np.empty(j)
    su = np.empty(j)
    st = np.empty(j)
    _shifted_exp(log_c, theta, e, shift)
    res = 0.0
    n_bad = 0
    for a in range(n):
        for q in range(j):
            s[q] = 0.0
            su[q] = 0.0
            st[q] = 0.0
        for i in range(n):
            om_i, ou_i, e_i = omega[a, i], omega_u[a, i], e[i]
            lim = j if i == a else jt
            for q in range(lim):
                v = om_i[q] * e_i[q]
                vu = ou_i[q] * e_i[q]
                s[q] += v
                su[q] += vu
                st[q] += v - vu
        for q in range(j):
            v = s[q]
            if v > 0 and v < np.inf:
                lp[a, q] = shift[q] - math.log(v) / theta[q]
                iv = 1.0 / v
                inv[a, q] = iv
                rev[a, q] = st[q] * iv
                rows[a, q] = su[q] * iv
                s_dom[a, q] = omega_u[a, a, q] * e[a, q] * iv
                d = abs(lp[a, q] - log_P[a, q])
                if d > res or d != d:
                    res = d
            else:
                n_bad += 1
                inv[a, q] = 0.0
    return res, n_bad


@_jit
def scaled_weights(omega, tariffs_new, out):
    """``out`` = ω/(1+τ'): the weights of sales at producer prices (fixed within a solve)."""
    n, _, j = omega.shape
    for a in range(n):
        for i in range(n):
            o_ai, t_ai, w_ai = out[a, i], tariffs_new[a, i], omega[a, i]
            for q in range(j):
                o_ai[q] = w_ai[q] / (1.0 + t_ai[q])


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
    """ω = π (κ̂)^(−θ), κ̂ = (1+τ')/(1+τ)·d̂, and ω/(1+τ') in one pass (no κ̂ array).

    As :func:`equations.shock_weights` (zero weight where κ̂ = ∞ or π ≤ 0; ω = π exactly where
    κ̂ = 1). Also writes Σ_i ω (N, J) and, for the feasibility checks, whether each country
    still buys from (``can_import``) or sells to (``can_export``) a foreign market with spending.
    """
    n, _, j = pi.shape
    for a in range(n):
        can_import[a] = False
        can_export[a] = False
        for q in range(j):
            row_sum[a, q] = 0.0
    for a in range(n):
        rs = row_sum[a]
        for i in range(n):
            p_ai, t_ai, t1_ai, d_ai = pi[a, i], tariffs[a, i], tariffs_new[a, i], trade_cost_hat[a, i]
            o_ai, ou_ai = omega[a, i], omega_u[a, i]
            live = False
            for q in range(j):
                p = p_ai[q]
                k = (1.0 + t1_ai[q]) / (1.0 + t_ai[q]) * d_ai[q]
                w = 0.0
                if p > 0:
                    if k == 1.0:
                        w = p
                    elif k < np.inf:
                        w = p * math.exp(-theta[q] * math.log(k))
                o_ai[q] = w
                ou_ai[q] = w / (1.0 + t1_ai[q])
                rs[q] += w
                if w > 0 and X[a, q] > 0:
                    live = True
            if live and i != a:
                can_import[a] = True
                can_export[i] = True
