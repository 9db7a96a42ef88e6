"""Compiled kernels for lockstep batches: one call runs a step of every active batch member.

Each kernel loops over the members ``b`` of a batch (arrays stacked on a leading axis) and
calls the single-solve kernel of :mod:`tradeshock.model.fused` on member ``b``, so the
arithmetic is that of one solve and is written once; only the dispatch from Python into
compiled code (and the Python around it) is paid once per step for the whole batch instead of
once per member. Members whose ``active`` flag is False are skipped (frozen: converged or
failed). :func:`anderson` is the type-II Anderson mixing of
:class:`~tradeshock.model.anderson.Anderson`, one mixer per member, its state in arrays.

Arrays must be C-contiguous, writable float64 (int64 / bool where stated).
"""

from __future__ import annotations

import numpy as np

from tradeshock.model.fused import (
    _jit,
    _solve_small,
    all_sectors,
    closing_factored,
    gmres_factored,
    price_loop,
    shares,
    shares_factored,
)

__all__ = ["outer_step", "anderson"]


@_jit
def anderson(active, x, f, beta, stored, has_prev, x_prev, f_prev, dX, dF, out):
    """One Anderson step (type II) of every active member's mixer into ``out``.

    Member b's mixer keeps ``stored[b]`` differences in the ring buffers ``dX[b]``, ``dF[b]``
    (memory = their first dimension) and the last iterate and residual; as
    :meth:`Anderson.step`: the normal equations regularised by 1e-12 relative on the
    diagonal, a singular or non-finite step restarts the history with a plain damped step
    x + β f. ``stored[b] = 0`` and ``has_prev[b] = False`` reset a mixer.
    """
    m = dX.shape[1]
    n = x.shape[1]
    gram = np.empty((m, m))
    rhs = np.empty(m)
    gamma = np.empty(m)
    for b in range(active.size):
        if not active[b]:
            continue
        bb = beta[b]
        if has_prev[b]:
            slot = stored[b] % m
            for t in range(n):
                dX[b, slot, t] = x[b, t] - x_prev[b, t]
                dF[b, slot, t] = f[b, t] - f_prev[b, t]
            stored[b] += 1
        for t in range(n):
            x_prev[b, t] = x[b, t]
            f_prev[b, t] = f[b, t]
        has_prev[b] = True
        used = min(stored[b], m)
        ok = used > 0
        if ok:
            for p in range(used):
                acc = 0.0
                for t in range(n):
                    acc += dF[b, p, t] * f[b, t]
                rhs[p] = acc
                for q in range(p, used):
                    acc = 0.0
                    for t in range(n):
                        acc += dF[b, p, t] * dF[b, q, t]
                    gram[p, q] = acc
                    gram[q, p] = acc
            for p in range(used):
                gram[p, p] = gram[p, p] * (1.0 + 1e-12) + 1e-300
            ok = _solve_small(gram[:used, :used], rhs[:used], gamma[:used])
            if ok:
                for t in range(n):
                    acc = x[b, t] + bb * f[b, t]
                    for p in range(used):
                        acc -= gamma[p] * (dX[b, p, t] + bb * dF[b, p, t])
                    out[b, t] = acc
                    if not (abs(acc) < np.inf):
                        ok = False
            if not ok:                                 # restart the history
                stored[b] = 0
                has_prev[b] = False
        if not ok:
            for t in range(n):
                out[b, t] = x[b, t] + bb * f[b, t]



@_jit
def outer_step(active, log_w, log_P, gam, io, alpha, omega, omega_u, tariffs_new, theta, traded,
               ptol, inner_max, inner_memory, log_c, lp, e, inv, rev, rows, s_dom, res_p,
               inner, full, exog, gtol, restart, max_restarts, Y, r, X, ok, d1, va, tb, res_x,
               S, u):
    """One outer step's arithmetic of every active member, member after member.

    As :class:`~tradeshock.model.kernels.FusedStep` does it for one solve: the inner price
    loop from ``log_P`` (overwritten by its result; steps into ``inner``), with member b's
    weights by sector ``omega[b]`` (J, N, N) and traded sectors ``traded[b]``
    (:func:`fused.traded_sectors`); shares and operator
    parts at it with the sales per dollar in factored form, ω/(1+τ') (``omega_u``) times the
    supplier and buyer vectors ``e`` and ``inv``; only where a price-index row underflowed
    (``full[b]``) the sales are built in full, by :func:`fused.shares`, in the scratch ``S``
    (``u`` scratch for 1/(1+τ')); eq. (4) by GMRES warm-started at ``X`` (flat N·J,
    overwritten; ``ok`` False where GMRES failed: the caller then solves (4) densely and
    closes); the closing: value added ``va``, trade balance ``tb`` and the residual of (4)
    ``res_x``. Running a member's phases back to back keeps its arrays in cache, and lets
    the scratch arrays serve every member.
    """
    n, j = alpha.shape
    rhs = np.empty(n * j)
    ones = np.ones((j, n))
    every = all_sectors(j)
    for b in range(active.size):
        if not active[b]:
            continue
        tr = traded[b]
        lpb, k = price_loop(log_w[b], log_P[b], gam, io, omega[b], theta[b], ptol[b], inner_max,
                            inner_memory, tr)
        log_P[b] = lpb
        inner[b] = k
        res, bad = shares_factored(log_w[b], log_P[b], gam, io, omega[b], omega_u[b], theta[b],
                                   log_c[b], lp[b], e[b], inv[b], rev[b], rows[b], s_dom[b], tr)
        full[b] = bad > 0
        for a in range(n):
            for q in range(j):
                rhs[a * j + q] = alpha[a, q] * exog[b, a]
        if full[b]:                      # underflowed rows: log-sum-exp, sales in full
            t_b = tariffs_new[b]
            for a in range(n):
                for i in range(n):
                    for q in range(j):
                        u[q, a, i] = 1.0 / (1.0 + t_b[a, i, q])
            res = shares(log_w[b], log_P[b], gam, io, omega[b], u, theta[b], log_c[b], lp[b], S,
                         rev[b], rows[b])
            for a in range(n):
                for q in range(j):
                    s_dom[b, a, q] = S[q, a, a]
            x, good = gmres_factored(S, ones, ones, rev[b], io, alpha, rhs, X[b], gtol[b],
                                     restart, max_restarts, Y[b], r[b], every)
        else:
            x, good = gmres_factored(omega_u[b], e[b], inv[b], rev[b], io, alpha, rhs, X[b],
                                     gtol[b], restart, max_restarts, Y[b], r[b], tr)
        res_p[b] = res
        X[b] = x
        ok[b] = good
        if good:
            res_x[b] = closing_factored(X[b].reshape((n, j)), Y[b], r[b], s_dom[b], rows[b], gam,
                                        d1[b], va[b], tb[b])
