"""Lockstep batches: B problems of one world solved together, their arrays on a batch axis.

The algorithm of :func:`tradeshock.model.solve` (general path: wage loop with Newton steps on
the baseline's wage Jacobian or the preconditioned Anderson fixed point, inner price loop,
expenditure by GMRES), run for all members at once: each outer step is one call into each
compiled batch kernel (:mod:`tradeshock.model.fused_batch`), which runs the single-solve kernel
of every active member, and one set of NumPy operations on ``[B, N]`` arrays for the wage
update, so the Python work of a step is paid once for the batch instead of once per member.

Every member keeps its own state: inexact inner tolerances following its own wage residual,
its own Anderson history, Newton or fixed-point mode, and convergence. A member is certified
with the same three residuals and tolerance as :func:`solve` and then frozen (it stops
updating); the loop ends when every member has converged or failed. A member that fails
(max_iter, non-finite) is solved again by :func:`solve` itself (which retries with gentler
mixing), so a batch returns what one-by-one solves return, up to rounding, or raises the
same :class:`~tradeshock.errors.ConvergenceError`, naming the member.

Members may have different baselines (elasticity draws: θ, π, X, w L, D differ) but share the
world's shape and its value-added, input-output and final-demand shares. Members that take
another route in :func:`solve` (worlds without IO links: the Newton path of
:mod:`~tradeshock.model.newton`; ``kernels="numpy"``) are solved one by one.

Memory: a member needs about six N × N × J arrays while it is solved (the weights ω, ω/(1+τ'),
τ', the caller's d̂, and the π' and τ' of its result); members are taken in chunks that keep those under
:data:`BUDGET_BYTES` (256 MB: 95 members of the 41 × 35 default world, 4 of 160 × 60).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from tradeshock.errors import ConvergenceError, TradeshockError
from tradeshock.model.baseline import Baseline
from tradeshock.model.jacobian import AUTO_MAX_COUNTRIES, WageJacobian, bordered_inverse, cached_inverse
from tradeshock.model.kernels import INNER_MAX, INNER_MEMORY, dense_expenditure, resolve_kernels
from tradeshock.model.solver import (
    Equilibrium,
    _finish,
    _starting_point,
    _use_newton,
    _wage_preconditioner,
    check_solver_args,
    shock_inputs,
    shock_weights_checked,
    solve,
)
from tradeshock.model.threads import one_blas_thread

__all__ = ["BUDGET_BYTES", "chunk_size", "solve_lockstep"]

#: Working memory of one chunk of a batch (bytes): its N × N × J arrays stay below this.
BUDGET_BYTES = 256 * 2 ** 20
#: N × N × J float64 arrays one member holds while its chunk is solved.
_CUBES_PER_MEMBER = 6


def chunk_size(n: int, j: int, budget: int = BUDGET_BYTES) -> int:
    """Members of an N × J world solved together within ``budget`` bytes (at least 1)."""
    return max(1, int(budget // (_CUBES_PER_MEMBER * 8 * n * n * j)))


def _per_member(arr: Any, b: int, shape: tuple[int, ...], what: str) -> list:
    """B entries of a sequence (None entries kept), or one array (or None) for all."""
    if arr is None or (isinstance(arr, np.ndarray) and arr.shape == shape):
        return [arr] * b
    items = list(arr)
    if len(items) != b:
        raise ValueError(f"solve_lockstep: {what} has {len(items)} entries, the batch has {b}")
    return items


def _batch_size(bases: Any, *arrays: Any, shape: tuple[int, ...]) -> int:
    sizes = {len(bases)} if not isinstance(bases, Baseline) else set()
    for a in arrays:
        if a is not None and not (isinstance(a, np.ndarray) and a.shape == shape):
            sizes.add(len(a))
    if len(sizes) > 1:
        raise ValueError(f"solve_lockstep: the inputs give batch sizes {sorted(sizes)}")
    return sizes.pop() if sizes else 1


@one_blas_thread()
def solve_lockstep(bases: Baseline | Sequence[Baseline], tariffs_new: Any = None,
                   trade_cost_hat: Any = None, deficit_new: Any = None, *,
                   start: Equilibrium | Sequence[Equilibrium | None] | None = None,
                   names: Sequence[str] | None = None, budget: int = BUDGET_BYTES,
                   tol: float = 1e-10, max_iter: int = 1000, beta: float = 0.5, memory: int = 8,
                   precondition: bool = True, method: str = "auto",
                   labels: tuple[Sequence[str], Sequence[str]] | None = None,
                   kernels: str | None = None,
                   jacobian: np.ndarray | WageJacobian | None = None) -> list[Equilibrium]:
    """Solve B problems in lockstep; returns B :class:`Equilibrium`, in order.

    Parameters
    ----------
    bases
        One :class:`Baseline` for all members, or B baselines of the same world (same shape and
        va / IO / final-demand shares; e.g. one per elasticity draw).
    tariffs_new, trade_cost_hat
        Stacked ``[B, N, N, J]``, a sequence of B arrays (None: no change) or one ``(N, N, J)``
        array (or None) for all.
    deficit_new
        ``[B, N]``, a sequence, or one ``(N,)`` array / None (each baseline's own) for all.
    start
        Warm start for all members, or one per member (see :func:`~tradeshock.model.solve`).
    names
        Names of the members in error messages (default ``batch member #k``).
    budget
        Working-memory budget of a chunk of members, bytes (:func:`chunk_size`).
    tol, max_iter, beta, memory, precondition, method, labels, kernels, jacobian
        As in :func:`~tradeshock.model.solve`, for every member.

    Returns
    -------
    list of Equilibrium
        One per member, in order; ``seconds`` is the wall time of the member's chunk divided
        by its members (they are solved together).

    Raises
    ------
    ShockError
        A member's shock is infeasible (the message names the member).
    ConvergenceError
        A member did not converge, also when solved again on its own (names the member).

    """
    check_solver_args(tol, max_iter)
    if method not in ("auto", "anderson", "newton"):
        raise ValueError(f"method={method!r}; use 'auto', 'anderson' or 'newton'")
    if not isinstance(bases, Baseline) and not len(bases):
        return []
    base0 = bases if isinstance(bases, Baseline) else bases[0]
    n, _, j = base0.pi.shape
    cube = (n, n, j)
    b = _batch_size(bases, tariffs_new, trade_cost_hat, shape=cube)
    members = list(zip(_per_member(bases, b, (), "bases") if not isinstance(bases, Baseline)
                       else [bases] * b,
                       _per_member(tariffs_new, b, cube, "tariffs_new"),
                       _per_member(trade_cost_hat, b, cube, "trade_cost_hat"),
                       _per_member(deficit_new, b, (n,), "deficit_new"),
                       [start] * b if start is None or isinstance(start, Equilibrium)
                       else _per_member(start, b, (), "start"), strict=True))
    for k, m in enumerate(members):
        _check_same_world(base0, m[0], k)
    who = list(names) if names is not None else [f"batch member #{k}" for k in range(b)]
    opts: dict[str, Any] = dict(tol=tol, max_iter=max_iter, beta=beta, memory=memory,
                                precondition=precondition, method=method, labels=labels,
                                kernels=kernels, jacobian=jacobian)
    out: list[Equilibrium | None] = [None] * b
    kname = resolve_kernels(kernels)
    together = [k for k, m in enumerate(members)
                if kname == "numba" and memory >= 1
                and not (method != "anderson" and _use_newton(m[0], method))]
    step = chunk_size(n, j, budget)
    for first in range(0, len(together), step):
        ks = together[first:first + step]
        got = _chunk([members[k] for k in ks], [who[k] for k in ks], opts)
        for k, eq in zip(ks, got, strict=True):
            out[k] = eq
    for k, eq in enumerate(out):        # other routes, and members that failed in lockstep
        if eq is None:
            base, tau, dhat, d1, st = members[k]
            try:
                out[k] = solve(base, tau, dhat, d1, start=st, **opts)
            except ConvergenceError as exc:
                raise ConvergenceError(f"{who[k]}: {exc}", exc.diagnostics) from exc
            except TradeshockError as exc:
                raise type(exc)(f"{who[k]}: {exc}") from exc
    return [eq for eq in out if eq is not None]


def _check_same_world(base0: Baseline, base: Baseline, k: int) -> None:
    """Members share the shape and the va / IO / final-demand shares of the first one."""
    for name in ("va_share", "io_share", "final_share"):
        a, c = getattr(base0, name), getattr(base, name)
        if a is not c and (a.shape != c.shape or not np.array_equal(a, c)):
            raise ValueError(f"solve_lockstep: member {k}'s baseline has other {name} than "
                             "member 0's; a batch is one world (θ, shares and levels may differ)")
    if base.pi.shape != base0.pi.shape:
        raise ValueError(f"solve_lockstep: member {k}'s baseline has shape {base.pi.shape}, "
                         f"member 0's {base0.pi.shape}")


def _chunk(members: list[tuple], who: list[str], opts: dict[str, Any]) -> list[Equilibrium | None]:
    """Solve ``members`` (base, τ', d̂, D', start) in lockstep; None where a member failed."""
    from tradeshock.model import fused
    from tradeshock.model import fused_batch as K

    t0 = time.perf_counter()
    tol, max_iter, beta, memory = opts["tol"], opts["max_iter"], opts["beta"], opts["memory"]
    method, jacobian = opts["method"], opts["jacobian"]
    B = len(members)
    base0 = members[0][0]
    n, _, j = base0.pi.shape
    nj = n * j
    gam = np.ascontiguousarray(base0.va_share, dtype=float)
    io = np.ascontiguousarray(base0.io_share, dtype=float)
    alpha = np.ascontiguousarray(base0.final_share, dtype=float)

    omega, omega_u = np.empty((B, j, n, n)), np.empty((B, j, n, n))        # by sector
    tau = np.empty((B, n, n, j))
    theta, wl, d1s = np.empty((B, j)), np.empty((B, n)), np.empty((B, n))
    log_w, log_P, X = np.empty((B, n)), np.empty((B, n, j)), np.empty((B, n, j))
    precond = np.ones((B, n))
    newton = np.zeros(B, dtype=bool)
    traded = np.empty((B, j), dtype=bool)
    for k, (base, tau_in, dhat_in, d_in, st) in enumerate(members):
        try:
            tau1, dhat, d1 = shock_inputs(base, tau_in, dhat_in, d_in)
            weights = shock_weights_checked(base, tau1, dhat, d1, opts["labels"])
        except TradeshockError as exc:
            raise type(exc)(f"{who[k]}: {exc}") from exc
        tau[k] = tau1
        fused.by_sector(np.ascontiguousarray(weights), tau[k], omega[k], omega_u[k])
        traded[k] = fused.traded_sectors(omega[k])           # sectors with foreign suppliers
        del tau1, dhat, weights
        theta[k], wl[k], d1s[k] = base.theta, base.value_added, d1
        log_w[k], log_P[k], X[k] = _starting_point(base, st, base.value_added)
        if opts["precondition"]:
            precond[k] = _wage_preconditioner(base)
        newton[k] = jacobian is not None or method == "newton" or (
            method == "auto" and base.resolved and n <= AUTO_MAX_COUNTRIES)
    wl_total = wl.sum(axis=1)
    log_wl = np.log(wl)

    log_c, lp_chk = np.empty((B, n, j)), np.empty((B, n, j))
    e, inv, s_dom = np.empty((B, j, n)), np.empty((B, j, n)), np.empty((B, n, j))
    S_scratch, u_scratch = np.empty((j, n, n)), np.empty((j, n, n))
    full = np.zeros(B, dtype=bool)
    rev, rows, Y = np.empty((B, n, j)), np.empty((B, n, j)), np.empty((B, n, j))
    r = np.empty((B, nj))
    va, tb = np.empty((B, n)), np.empty((B, n))
    res_p, res_x = np.empty(B), np.empty(B)
    inner = np.zeros(B, dtype=np.int64)
    inner_total = np.zeros(B, dtype=np.int64)
    gm_ok = np.ones(B, dtype=bool)
    Xf = X.reshape(B, nj)
    # the wage mixers (one Anderson history per member) and Newton state
    beta_b = np.full(B, float(beta))          # the fixed point's damping until a J is ready
    stored = np.zeros(B, dtype=np.int64)
    has_prev = np.zeros(B, dtype=bool)
    x_prev, f_prev = np.empty((B, n)), np.empty((B, n))
    dXh, dFh = np.empty((B, max(memory, 1), n)), np.empty((B, max(memory, 1), n))
    new, g = np.empty((B, n)), np.empty((B, n))
    lu = np.zeros((B, n, n))
    tried = np.zeros(B, dtype=bool)              # the Newton inverse looked up (or built) yet
    wjs: list[WageJacobian | None] = [None] * B
    newton_best = np.full(B, np.inf)
    outer_res = np.ones(B)

    active = np.ones(B, dtype=bool)
    out: list[Equilibrium | None] = [None] * B
    kname = "numba"
    for it in range(1, max_iter + 1):
        if not active.any():
            break
        ptol = np.maximum(0.1 * tol, np.minimum(1e-6, np.where(newton, 1e-4, 1e-3) * outer_res))
        gtol = np.maximum(min(1e-13, 1e-3 * tol), np.minimum(1e-6, 1e-4 * outer_res))
        w_hat = np.exp(log_w)
        exog = w_hat * wl + d1s
        K.outer_step(active, log_w, log_P, gam, io, alpha, omega, omega_u, tau, theta, traded,
                     ptol, INNER_MAX, INNER_MEMORY, log_c, lp_chk, e, inv, rev, rows,
                     s_dom, res_p, inner, full, exog, gtol, 40, 10, Y, r, Xf, gm_ok, d1s, va, tb,
                     res_x, S_scratch, u_scratch)
        inner_total += np.where(active, inner, 0)
        for k in np.flatnonzero(active & ~gm_ok).tolist():  # dense LU fallback, as solve does
            _dense_expenditure(k, full[k], log_w, log_P, gam, io, alpha, omega, omega_u, tau,
                               theta, traded[k], log_c, lp_chk, e, inv, rev, rows, exog, Y, r, Xf)
            res_x[k] = fused.closing_factored(X[k], Y[k], r[k], s_dom[k], rows[k], gam, d1s[k],
                                              va[k], tb[k])
        with np.errstate(invalid="ignore"):
            res_tb = np.max(np.abs(tb) / (w_hat * wl), axis=1)
        finite = np.isfinite(res_p) & np.isfinite(res_x) & np.isfinite(res_tb)
        active &= finite                                     # non-finite: failed (solve again)
        done = active & (res_p <= tol) & (res_x <= tol) & (res_tb <= tol)
        for k in np.flatnonzero(done).tolist():
            out[k] = _member_result(k, members[k], tau[k].copy(), log_w, log_P, log_c, X, omega, theta,
                                    rev, res_p, res_x, res_tb, it, inner_total, tol, d1s, wl)
        active &= ~done
        go = np.flatnonzero(active)
        if not go.size:
            break
        with np.errstate(divide="ignore"):
            f = np.log(np.maximum(va, 1e-300)) - (log_w + log_wl)
        outer_res[go] = np.max(np.abs(f[go]), axis=1)
        for k in go.tolist():
            if newton[k] and not tried[k]:
                tried[k] = True
                base, d1k = members[k][0], d1s[k]
                if jacobian is not None:
                    wj = jacobian if isinstance(jacobian, WageJacobian) else WageJacobian(jacobian)
                    inverse = bordered_inverse(wj, wl[k])
                else:
                    wj, inverse = cached_inverse(base, d1k, kname)
                newton[k] = inverse is not None
                if inverse is not None:
                    lu[k], wjs[k] = inverse, wj
                    beta_b[k], stored[k], has_prev[k] = 1.0, 0, False
        off = newton & active & (outer_res > 10.0 * newton_best)    # diverging: back to the
        if off.any():                                               # preconditioned fixed point
            newton &= ~off
            beta_b[off], stored[off], has_prev[off] = beta, 0, False
        nw = newton & active
        fp = ~newton & active
        newton_best[nw] = np.minimum(newton_best[nw], outer_res[nw])
        if nw.any():
            g[nw] = -np.matmul(lu[nw], f[nw][:, :, None])[:, :, 0]
        g[fp] = f[fp] * precond[fp]
        K.anderson(active, log_w, g, beta_b, stored, has_prev, x_prev, f_prev, dXh, dFh, new)
        if nw.any():
            big = np.max(np.abs(new[nw] - log_w[nw]), axis=1)
            scale = np.where(big > 0.5, 0.5 / np.where(big > 0.5, big, 1.0), 1.0)
            new[nw] = log_w[nw] + (new[nw] - log_w[nw]) * scale[:, None]
        new[go] -= np.log((np.exp(new[go]) * wl[go]).sum(axis=1) / wl_total[go])[:, None]
        for wj in {id(w): w for w in wjs if w is not None}.values():   # predict P̂, X' at new ŵ
            if wj.dlog_P is None or wj.dX is None:
                continue
            ks = np.flatnonzero(nw & np.array([w is wj for w in wjs]))
            if ks.size:
                dw = new[ks] - log_w[ks]
                log_P[ks] += (dw @ wj.dlog_P.T).reshape(ks.size, n, j)
                X[ks] += (dw @ wj.dX.T).reshape(ks.size, n, j)
        log_w[go] = new[go]
    seconds = (time.perf_counter() - t0) / B
    return [None if eq is None else replace(eq, seconds=seconds) for eq in out]


def _member_result(k: int, member: tuple, tau1: np.ndarray, log_w: np.ndarray, log_P: np.ndarray,
                   log_c: np.ndarray, X: np.ndarray, omega: np.ndarray, theta: np.ndarray,
                   rev: np.ndarray, res_p: np.ndarray, res_x: np.ndarray, res_tb: np.ndarray,
                   it: int, inner_total: np.ndarray, tol: float, d1s: np.ndarray,
                   wl: np.ndarray) -> Equilibrium:
    """The certified :class:`Equilibrium` of member ``k`` at its current (converged) state."""
    from tradeshock.model import fused

    lc = log_c[k].copy()
    pi = np.empty(tau1.shape)
    fused.trade_shares(lc, omega[k], theta[k], pi)
    Xk = X[k].copy()
    best = (log_w[k].copy(), log_P[k].copy(), lc, pi, Xk, float(res_p[k]), float(res_x[k]),
            float(res_tb[k]), it)
    return _finish(best, tau1, d1s[k].copy(), wl[k].copy(), tol, int(inner_total[k]),
                   time.perf_counter(), False, rev=(rev[k] * Xk).sum(axis=1))


def _dense_expenditure(k: int, full: bool, log_w: np.ndarray, log_P: np.ndarray, gam: np.ndarray,
                       io: np.ndarray, alpha: np.ndarray, omega: np.ndarray, omega_u: np.ndarray,
                       tau: np.ndarray, theta: np.ndarray, traded: np.ndarray, log_c: np.ndarray,
                       lp: np.ndarray,
                       e: np.ndarray, inv: np.ndarray, rev: np.ndarray, rows: np.ndarray,
                       exog: np.ndarray, Y: np.ndarray, r: np.ndarray, Xf: np.ndarray) -> None:
    """Eq. (4) of member ``k`` by dense LU where GMRES failed, as FusedStep.expenditure does."""
    from tradeshock.model import fused

    n, j = alpha.shape
    if full:                          # the sales in full again (the kernel's scratch is reused)
        S = np.empty((j, n, n))
        u = np.ascontiguousarray((1.0 / (1.0 + tau[k])).transpose(2, 0, 1))
        fused.shares(log_w[k], log_P[k], gam, io, omega[k], u, theta[k], log_c[k], lp[k], S,
                     rev[k], rows[k])
        W, ek, ik, tk = S, np.ones((j, n)), np.ones((j, n)), fused.all_sectors(j)
    else:
        W, ek, ik, tk = omega_u[k], e[k], inv[k], traded
    b = (alpha * exog[k][:, None]).ravel()
    x = dense_expenditure(W, ek, ik, rev[k], io, alpha, b)
    tmp = np.empty(n * j)
    fused.apply_factored(x, W, ek, ik, rev[k], io, alpha, Y[k], tmp, tk)
    np.subtract(b, tmp, out=r[k])
    Xf[k] = x
