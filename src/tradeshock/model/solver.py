"""Solve the Caliendo–Parro equilibrium in changes for one shock (exact hat algebra).

Algorithm (see docs/model.md):

* outer loop on log wages ln ŵ: the residual is log excess labour demand
  f = ln(Σ_j γ_n^j Y'_n^j) − ln(ŵ_n w_n L_n), which is zero exactly when the trade balance (5)
  holds (given the goods-market clearing (4)); the loop is accelerated by Anderson mixing and
  the iterate is re-normalised each step to the numéraire Σ ŵ_n w_n L_n = Σ w_n L_n;
* inner loop on ln P̂ (eqs. 1–2), a contraction, warm-started at the previous outer step's
  prices and also Anderson-accelerated;
* expenditure (4) is one linear system of size N·J per outer step, solved matrix-free by GMRES
  warm-started at the previous X'.

Worlds without input-output links (and J·N³ ≤ 3·10⁷) take a shorter route, falling back to the
above if it fails: prices and expenditure are closed forms of ŵ there, and the trade-balance
condition is solved by quasi-Newton steps on ln ŵ with the analytic N × N Jacobian
(:mod:`tradeshock.model.newton`).

Convergence is certified: the returned :class:`Equilibrium` carries the max residual of the
price (2), expenditure (4) and trade-balance (5) equations evaluated at the returned values.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tradeshock.errors import ConvergenceError, ShockError, TradeshockError
from tradeshock.model import equations as eqs
from tradeshock.model.anderson import Anderson
from tradeshock.model.baseline import Baseline
from tradeshock.model.jacobian import AUTO_MAX_COUNTRIES, WageJacobian, bordered_inverse, cached_inverse
from tradeshock.model.kernels import make_step, resolve_kernels
from tradeshock.model.newton import solve_no_io
from tradeshock.model.threads import one_blas_thread

__all__ = ["Equilibrium", "solve", "check_shock", "check_solver_args", "shock_inputs",
           "shock_weights_checked"]


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A solved counterfactual, all hats relative to the :class:`Baseline` it was solved from.

    Attributes
    ----------
    w_hat : (N,)
        ŵ_n, change in wages (numéraire: world value added fixed).
    P_hat, c_hat : (N, J)
        P̂_n^j price index and ĉ_n^j input-bundle cost changes.
    pi_new : (N, N, J)
        π'_ni^j, new trade shares (exactly zero where embargoed).
    X_new : (N, J)
        X'_n^j, new expenditure. ``I_new`` (N,) is new final absorption ŵ w L + R' + D'.
    tariffs_new, deficit_new
        τ' and D' the equilibrium was solved with.
    converged, iterations, inner_iterations
        Whether all residuals are within tolerance; outer steps; total inner price steps.
    residual_price
        max |ln P̂ − ln G(P̂)| over (n, j): eq. (2), dimensionless.
    residual_expenditure
        max_n,j |eq. (4) residual| / Σ_j X'_n^j: relative to the country's total spending.
    residual_trade_balance
        max_n |imports − D' − exports| / (ŵ_n w_n L_n): eq. (5) relative to value added.
    seconds
        Wall time of the solve.

    """

    w_hat: np.ndarray
    P_hat: np.ndarray
    c_hat: np.ndarray
    pi_new: np.ndarray
    X_new: np.ndarray
    I_new: np.ndarray
    tariffs_new: np.ndarray
    deficit_new: np.ndarray
    converged: bool
    iterations: int
    inner_iterations: int
    residual_price: float
    residual_expenditure: float
    residual_trade_balance: float
    seconds: float

    @property
    def diagnostics(self) -> dict[str, float | int | bool]:
        """Convergence record: converged, iterations, the three max residuals, seconds."""
        keep = ("converged", "iterations", "inner_iterations", "residual_price",
                "residual_expenditure", "residual_trade_balance", "seconds")
        return {k: getattr(self, k) for k in keep}


def check_shock(base: Baseline, tariffs_new: np.ndarray, trade_cost_hat: np.ndarray,
                deficit_new: np.ndarray) -> None:
    """Raise :class:`ShockError` for shapes, NaN, tariffs ≤ −100%, bad d̂ or a domestic embargo.

    Positions are reported as ``[importer, exporter, sector]``; the labelled layer
    (:func:`tradeshock.simulate.simulate`) checks first and names codes instead.
    """
    shape = base.pi.shape
    n = shape[0]
    tariffs_new, trade_cost_hat = np.asarray(tariffs_new), np.asarray(trade_cost_hat)
    if (np.shape(tariffs_new) == shape and np.shape(trade_cost_hat) == shape
            and np.all(tariffs_new > -1) and np.all(tariffs_new < np.inf)   # NaN fails both
            and np.all(trade_cost_hat > 0)
            and not np.any(np.isinf(trade_cost_hat.reshape(n * n, -1)[:: n + 1]))
            and np.shape(deficit_new) == (n,) and np.all(np.isfinite(deficit_new))):
        return                                           # the common case: all fine, few passes
    for name, arr in (("tariffs", tariffs_new), ("trade_cost_hat", trade_cost_hat)):
        if np.shape(arr) != shape:
            raise ShockError(f"shock.{name} has shape {np.shape(arr)}, the world needs {shape}")
        if np.any(np.isnan(arr)):
            raise ShockError(f"shock.{name} has NaN at {_first(np.isnan(arr))}")
    if not np.all(np.isfinite(tariffs_new)):
        raise ShockError(f"shock.tariffs is infinite at {_first(~np.isfinite(tariffs_new))}; "
                         "use an embargo for a prohibitive measure")
    if np.any(tariffs_new <= -1):
        raise ShockError(f"shock.tariffs at {_first(tariffs_new <= -1)} is at or below -100%")
    if np.any(trade_cost_hat <= 0):
        raise ShockError(f"shock.trade_cost_hat at {_first(trade_cost_hat <= 0)} is not positive")
    dom = np.isinf(trade_cost_hat[np.arange(n), np.arange(n), :])
    if np.any(dom):
        i, j = np.argwhere(dom)[0]
        raise ShockError(f"shock embargoes the domestic flow of country #{i} in sector #{j}; "
                         "a country cannot embargo itself")
    if np.shape(deficit_new) != (n,) or not np.all(np.isfinite(deficit_new)):
        raise ShockError(f"deficits must be {n} finite numbers, got shape {np.shape(deficit_new)}")


def check_solver_args(tol: object, max_iter: object) -> None:
    """Refuse a tolerance that is not a positive finite number or a non-positive ``max_iter``.

    (``tol=nan`` or ``tol <= 0`` can never be met, so the loop would run to ``max_iter``.)
    """
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) \
            or not np.isfinite(tol) or tol <= 0:
        raise TradeshockError(f"tol={tol!r}: the solver tolerance must be a positive finite "
                              "number (e.g. 1e-10)")
    if tol >= 1:
        raise TradeshockError(f"tol={tol!r}: residuals are relative, so a tolerance of 1 or more "
                              "accepts anything; use e.g. 1e-10")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise TradeshockError(f"max_iter={max_iter!r}: the iteration limit must be a whole number "
                              "of at least 1 (default 1000)")


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in np.argwhere(mask)[0])



def shock_inputs(base: Baseline, tariffs_new: np.ndarray | None, trade_cost_hat: np.ndarray | None,
                 deficit_new: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counterfactual τ', d̂ and D' with defaults filled in (no change), checked, τ' zero at home."""
    n, _, j = base.pi.shape
    tau1 = base.tariffs if tariffs_new is None else np.asarray(tariffs_new, dtype=float)
    dhat = np.ones_like(base.pi) if trade_cost_hat is None else np.asarray(trade_cost_hat, dtype=float)
    d1 = base.deficit if deficit_new is None else np.asarray(deficit_new, dtype=float)
    check_shock(base, tau1, dhat, d1)
    return home_free(tau1), dhat, d1


def home_free(tariffs: np.ndarray) -> np.ndarray:
    """τ' as the solver applies it (and :class:`Equilibrium` records it): a copy, zero at home."""
    tau1 = np.array(tariffs, dtype=float, copy=True)
    n, _, j = tau1.shape
    tau1.reshape(n * n, j)[:: n + 1] = 0.0                  # no tariff on domestic flows
    return tau1


def shock_weights_checked(base: Baseline, tau1: np.ndarray, dhat: np.ndarray, d1: np.ndarray,
                          labels: tuple[Sequence[str], Sequence[str]] | None = None) -> np.ndarray:
    """The weights π (κ̂)^(−θ) of a shock (from :func:`shock_inputs`), checked for feasibility.

    Raises :class:`ShockError` where the shock leaves a market with no supplier or trade
    balance has no solution at finite wages; rows with no spending and no supplier get a
    unit weight at home so that their (irrelevant) price index stays finite.
    """
    kappa = (1.0 + tau1) / (1.0 + base.tariffs) * dhat
    weights = eqs.shock_weights(base.pi, kappa, base.theta)
    cname = (lambda k: str(labels[0][k])) if labels else (lambda k: f"country #{k}")
    sname = (lambda k: str(labels[1][k])) if labels else (lambda k: f"sector #{k}")
    rows_empty = weights.sum(axis=1) <= 0
    cut_off = rows_empty & (base.X > 0)
    if np.any(cut_off):
        a, b = np.argwhere(cut_off)[0]
        if np.all(np.isinf(dhat[a, :, b]) | (base.pi[a, :, b] <= 0)):
            raise ShockError(f"the shock leaves {cname(a)} with no supplier at all of {sname(b)} "
                             "(every source with a positive baseline share is embargoed)")
        top = float(np.max(np.where(np.isfinite(kappa[a, :, b]), kappa[a, :, b], 0.0)))
        raise ShockError(f"the shock prices every supplier of {sname(b)} to {cname(a)} out of the "
                         f"market (cost factors up to {top:.3g}x, so the trade shares underflow to "
                         "zero); no equilibrium can be computed: use a smaller tariff or trade-cost "
                         "change, or an embargo for a prohibitive measure")
    _check_feasible(weights, base.X, d1 / base.value_added.sum(), d1, cname)
    if np.any(rows_empty):  # no spending and no supplier: price index irrelevant, keep it finite
        weights = weights.copy()
        aa, bb = np.nonzero(rows_empty)
        weights[aa, aa, bb] = 1.0
    return weights


def _fused_weights(base: Baseline, tau1: np.ndarray, dhat: np.ndarray, d1: np.ndarray,
                   labels: tuple[Sequence[str], Sequence[str]] | None) -> tuple[np.ndarray, np.ndarray]:
    """(ω, ω/(1+τ')) by sector (J, N, N), ω as :func:`shock_weights_checked` gives it, in one pass.

    The checks use the pass's row sums and trade flags; where one fails, the NumPy version
    runs to raise the same, fully worded error.
    """
    from tradeshock.model import fused

    n, _, j = base.pi.shape
    omega, omega_u, row_sum = np.empty((j, n, n)), np.empty((j, n, n)), np.empty((n, j))
    can_import, can_export = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
    c = np.ascontiguousarray
    fused.shock_weights(c(base.pi, dtype=float), c(base.tariffs, dtype=float), tau1,
                        c(dhat, dtype=float), c(base.theta, dtype=float), c(base.X, dtype=float),
                        omega, omega_u, row_sum, can_import, can_export)
    rows_empty = row_sum <= 0
    rel, tiny = d1 / base.value_added.sum(), 1e-12
    bad = ((~can_import & can_export & (rel >= -tiny)) | (~can_export & can_import & (rel <= tiny))
           | (~can_export & ~can_import & (np.abs(rel) > tiny)))
    if np.any(rows_empty & (base.X > 0)) or np.any(bad):
        weights = shock_weights_checked(base, tau1, dhat, d1, labels)    # raises, or agrees
        fused.by_sector(c(weights), tau1, omega, omega_u)
        return omega, omega_u
    if np.any(rows_empty):  # no spending and no supplier: price index irrelevant, keep it finite
        aa, bb = np.nonzero(rows_empty)
        omega[bb, aa, aa] = omega_u[bb, aa, aa] = 1.0               # τ' = 0 at home
    return omega, omega_u


@one_blas_thread()
def solve(base: Baseline, tariffs_new: np.ndarray | None = None,
          trade_cost_hat: np.ndarray | None = None, deficit_new: np.ndarray | None = None, *,
          tol: float = 1e-10, max_iter: int = 1000, beta: float = 0.5, memory: int = 8,
          raise_on_failure: bool = True, precondition: bool = True, method: str = "auto",
          labels: tuple[Sequence[str], Sequence[str]] | None = None, kernels: str | None = None,
          start: Equilibrium | None = None,
          jacobian: np.ndarray | WageJacobian | None = None) -> Equilibrium:
    """Solve for the counterfactual equilibrium of ``base`` under new tariffs and trade costs.

    Parameters
    ----------
    base
        The baseline (hats are relative to it).
    tariffs_new
        τ', (N, N, J); default: the baseline tariffs.
    trade_cost_hat
        d̂, (N, N, J); ``np.inf`` marks an embargo (π' = 0 exactly). Default: ones.
    deficit_new
        D', (N,) in numéraire units; default: the baseline deficits ("fixed").
    tol
        Tolerance on each of the three certified residuals (see :class:`Equilibrium`).
    max_iter
        Limit on outer (wage) steps.
    beta, memory
        Damping and memory of the Anderson mixing of the wage loop.
    precondition
        Scale the wage residual by a diagonal labour-demand elasticity estimate (faster).
    method
        ``"auto"`` (default): Newton's method on wages (:mod:`~tradeshock.model.newton`) for
        small worlds without input-output links, where prices and expenditure are closed forms
        of ŵ, falling back to the general algorithm if it fails; the general algorithm
        (Anderson-mixed wage loop) otherwise. ``"anderson"`` forces the general algorithm,
        ``"newton"`` the Newton path where it applies (no IO links; any size).
    labels
        Optional (country codes, sector codes) used only to name entries in error messages.
    raise_on_failure
        Raise :class:`ConvergenceError` (with the diagnostics) when not converged; if False,
        return the unconverged equilibrium flagged ``converged=False``.
    kernels
        Arithmetic of the general algorithm: ``"numba"`` (compiled, fused kernels,
        :mod:`~tradeshock.model.fused`), ``"numpy"`` (plain NumPy) or ``"auto"``; default
        ``$TRADESHOCK_KERNELS``, else auto (Numba when installed). Same iterates up to rounding.
    start
        A solution of a nearby problem on a baseline of the same size (e.g. the central
        elasticities' solution when re-solving per draw) to start the general algorithm from;
        default: no change (ŵ = P̂ = 1, X' = X).
    jacobian
        Jacobian ∂f/∂ln ŵ (N, N) of the log labour-market residual near the solution, or a
        :class:`~tradeshock.model.jacobian.WageJacobian` (e.g. ``wage_jacobian_io`` of a
        nearby baseline, whose price and spending responses also predict each step) for Newton
        steps on wages in a world with IO links. Default: with ``method="auto"``, the
        Jacobian of a re-solved baseline (``base.resolved``) with N ≤ 64 countries, computed
        once per baseline and cached; ``method="newton"`` computes it for any baseline.

    Returns
    -------
    Equilibrium

    Notes
    -----
    With ``method="auto"`` and the default mixing, a solve that fails (large shocks can make the
    accelerated wage loop overshoot, e.g. 150% tariffs in a one-sector world with IO links) is
    tried once more with gentler mixing (``SAFE_MIXING``: damping 0.2, memory 3) before it is
    reported; the result is certified by the same residuals either way.
    """
    def attempt(beta: float, memory: int, method: str,
                jacobian: np.ndarray | WageJacobian | None) -> Equilibrium:
        return _solve(base, tariffs_new, trade_cost_hat, deficit_new, tol=tol, max_iter=max_iter,
                      beta=beta, memory=memory, raise_on_failure=False, precondition=precondition,
                      method=method, labels=labels, kernels=kernels, start=start,
                      jacobian=jacobian)

    eq = attempt(beta, memory, method, jacobian)
    if (not eq.converged and method == "auto" and (beta, memory) == (0.5, 8)
            and jacobian is None):
        retry = attempt(SAFE_MIXING["beta"], int(SAFE_MIXING["memory"]), "anderson", None)
        if retry.converged or not np.isfinite(eq.residual_trade_balance):
            eq = retry
    return _raise_if(eq, tol, raise_on_failure)


#: The gentler Anderson mixing :func:`solve` retries a failed ``method="auto"`` solve with.
SAFE_MIXING: dict[str, float] = {"beta": 0.2, "memory": 3}


def _solve(base: Baseline, tariffs_new: np.ndarray | None, trade_cost_hat: np.ndarray | None,
           deficit_new: np.ndarray | None, *, tol: float, max_iter: int, beta: float, memory: int,
           raise_on_failure: bool, precondition: bool, method: str,
           labels: tuple[Sequence[str], Sequence[str]] | None, kernels: str | None,
           start: Equilibrium | None, jacobian: np.ndarray | WageJacobian | None) -> Equilibrium:
    """One attempt of :func:`solve` with the given mixing (see there for the parameters)."""
    t0 = time.perf_counter()
    check_solver_args(tol, max_iter)
    n, _, j = base.pi.shape
    tau1, dhat, d1 = shock_inputs(base, tariffs_new, trade_cost_hat, deficit_new)

    kname = resolve_kernels(kernels)
    by_sector = None
    if kname == "numba":
        by_sector = _fused_weights(base, tau1, dhat, d1, labels)
        weights = by_sector[0].transpose(1, 2, 0)           # (N, N, J) view, for the no-IO path
    else:
        weights = shock_weights_checked(base, tau1, dhat, d1, labels)

    theta, gam, io, alpha, wl = base.theta, base.va_share, base.io_share, base.final_share, base.value_added
    if method not in ("auto", "anderson", "newton"):
        raise ValueError(f"method={method!r}; use 'auto', 'anderson' or 'newton'")
    if method != "anderson" and _use_newton(base, method):
        got = solve_no_io(base, np.ascontiguousarray(weights), tau1, d1, tol=tol,
                          max_iter=min(max_iter, 100))
        if got is not None:
            st, evals = got
            # eq. (2): with no IO links ln P̂ is G(ŵ) evaluated directly (input costs do not
            # depend on P̂), so its residual is zero by construction; (4) and (5) are checked.
            closed = (st.x, st.log_P, st.log_c, st.pi, st.X, 0.0,
                    float(np.max(np.abs(eqs.expenditure_residual(st.X, st.pi, tau1, st.exog, io, alpha))
                                 / np.maximum(st.X.sum(axis=1, keepdims=True), 1e-300))),
                    float(np.max(np.abs(eqs.trade_balance(st.M, d1)) / (st.w_hat * wl))), evals)
            if max(closed[5:8]) <= tol:
                return _finish(closed, tau1, d1, wl, tol, 0, t0, raise_on_failure,
                               rev=(st.r * st.X).sum(axis=1))
    step = make_step(kname, weights, tau1, gam, io, alpha, theta, by_sector=by_sector)
    wl_total = wl.sum()
    outer_res = 1.0
    log_w, log_P, X = _starting_point(base, start, wl)
    mixer = Anderson(memory, beta)
    precond = _wage_preconditioner(base) if precondition else np.ones(n)
    best: tuple | None = None
    inner_total = 0
    # Newton steps on wages (IO worlds): J built only once a step is needed
    newton = jacobian is not None or (method == "newton") or (
        method == "auto" and base.resolved and n <= AUTO_MAX_COUNTRIES)
    lu, newton_best = None, np.inf

    for it in range(1, max_iter + 1):
        # inexact inner solves: tighten the price loop as the wage loop converges
        # (Newton steps converge faster, so they need the inner loops a little tighter)
        factor = 1e-4 if newton else 1e-3
        log_P, k = step.prices(log_w, log_P, max(0.1 * tol, min(1e-6, factor * outer_res)))
        inner_total += k
        log_c, res_p = step.shares(log_w, log_P)        # (1)-(3) and the parts of (4), once
        w_hat = np.exp(log_w)
        exog = w_hat * wl + d1
        # inexact linear solves too: the GMRES tolerance follows the wage residual down
        X = step.expenditure(exog, X, max(min(1e-13, 1e-3 * tol), min(1e-6, 1e-4 * outer_res)))
        res_x, va_new, tb = step.closing(X, exog, d1)
        res_tb = float(np.max(np.abs(tb) / (w_hat * wl)))
        if not (np.isfinite(res_p) and np.isfinite(res_x) and np.isfinite(res_tb)):
            break
        best = (log_w, log_P, log_c, None, X, res_p, res_x, res_tb, it)
        if res_p <= tol and res_x <= tol and res_tb <= tol:
            break
        f = np.log(np.maximum(va_new, 1e-300)) - (log_w + np.log(wl))
        outer_res = float(np.max(np.abs(f)))
        if newton and lu is None:
            if jacobian is not None:      # lu: the inverse of the bordered Jacobian (N × N)
                wj = jacobian if isinstance(jacobian, WageJacobian) else WageJacobian(jacobian)
                lu = bordered_inverse(wj, wl)
            else:
                wj, lu = cached_inverse(base, d1, kname)
            newton, mixer = lu is not None, Anderson(memory, 1.0) if lu is not None else mixer
        if newton and outer_res > 10.0 * newton_best:             # diverging: back to the
            newton, mixer = False, Anderson(memory, beta)          # preconditioned fixed point
        if newton:
            newton_best = min(newton_best, outer_res)
            new = mixer.step(log_w, -(lu @ f))
            big = float(np.max(np.abs(new - log_w)))
            new = log_w + (new - log_w) * (0.5 / big) if big > 0.5 else new    # step limit
            new = new - np.log((np.exp(new) * wl).sum() / wl_total)
            if wj.dlog_P is not None:          # first-order prediction of P̂ and X' at new ŵ
                dw = new - log_w
                log_P = log_P + (wj.dlog_P @ dw).reshape(n, j)
                X = X + (wj.dX @ dw).reshape(n, j)
            log_w = new
        else:
            log_w = mixer.step(log_w, f * precond)
            log_w = log_w - np.log((np.exp(log_w) * wl).sum() / wl_total)

    if best is None:
        eq = _failed(n, j, tau1, d1, it, inner_total, time.perf_counter() - t0)
        return _raise_if(eq, tol, raise_on_failure)
    last = best[-1] == it                   # the step object still holds this state's shares
    best = best[:3] + (step.trade_shares(best[2]),) + best[4:]
    return _finish(best, tau1, d1, wl, tol, inner_total, t0, raise_on_failure,
                   rev=step.revenue(best[4]) if last else None)


def _starting_point(base: Baseline, start: Equilibrium | None,
                    wl: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ln ŵ, ln P̂, X') to start from: the baseline (no change), or a nearby solution's.

    A warm start only changes where the iteration begins (and so how many steps it takes), not
    what it converges to; ŵ is re-normalised to this baseline's numéraire.
    """
    n, j = base.X.shape
    if start is None:
        return np.zeros(n), np.zeros((n, j)), base.X.copy()
    w0, p0, x0 = (np.asarray(a, dtype=float) for a in (start.w_hat, start.P_hat, start.X_new))
    if (w0.shape != (n,) or p0.shape != (n, j) or x0.shape != (n, j)
            or not (np.all(w0 > 0) and np.all(p0 > 0) and np.all(np.isfinite(x0))
                    and np.all(np.isfinite(w0)) and np.all(np.isfinite(p0)))):
        raise ValueError(f"start: need a finite, positive solution of shape ({n},), ({n}, {j}); "
                         "pass a converged Equilibrium of a world of the same size")
    log_w = np.log(w0)
    log_w = log_w - np.log((np.exp(log_w) * wl).sum() / wl.sum())
    return log_w, np.log(p0), np.array(x0, copy=True)


def _use_newton(base: Baseline, method: str) -> bool:
    """Whether the Newton path applies: no IO links and (for "auto") J·N³ small.

    Its steps cost a dense N × N solve and J products of N × N matrices; up to about
    3·10⁷ flops per step they are cheaper than the general algorithm's extra iterations.
    """
    n, _, j = base.pi.shape
    if method == "auto" and j * n ** 3 > 3e7:
        return False
    return not np.any(base.io_share)


def _finish(best: tuple, tau1: np.ndarray, d1: np.ndarray, wl: np.ndarray, tol: float,
            inner_total: int, t0: float, raise_on_failure: bool,
            rev: np.ndarray | None = None) -> Equilibrium:
    """The :class:`Equilibrium` of a solved state (certified residuals already computed).

    ``rev``: tariff revenue R' if already known (else computed from π', X', τ').
    """
    seconds = time.perf_counter() - t0
    log_w, log_P, log_c, pi_new, X, res_p, res_x, res_tb, it = best
    w_hat = np.exp(log_w)
    if rev is None:
        rev = eqs.tariff_revenue(pi_new, X, tau1)
    converged = res_p <= tol and res_x <= tol and res_tb <= tol
    eq = Equilibrium(w_hat=w_hat, P_hat=np.exp(log_P), c_hat=np.exp(log_c), pi_new=pi_new,
                     X_new=X, I_new=w_hat * wl + rev + d1, tariffs_new=tau1, deficit_new=d1,
                     converged=bool(converged), iterations=it, inner_iterations=inner_total,
                     residual_price=res_p, residual_expenditure=res_x,
                     residual_trade_balance=res_tb, seconds=seconds)
    return _raise_if(eq, tol, raise_on_failure)


def _raise_if(eq: Equilibrium, tol: float, raise_on_failure: bool) -> Equilibrium:
    """Raise :class:`ConvergenceError` with the diagnostics if ``eq`` is not converged."""
    if not eq.converged and raise_on_failure:
        d = eq.diagnostics
        worst = max((abs(float(d[k])) for k in ("residual_price", "residual_expenditure",
                                                  "residual_trade_balance")), default=0.0)
        if not np.isfinite(worst) or worst > 1e3:
            raise ConvergenceError(
                f"equilibrium solver diverged after {d['iterations']} outer iterations (max "
                f"residual {worst:.2e}, tol={tol:g}): the shock is too large for the model to "
                "find an equilibrium (e.g. tariffs near -100% or trade costs near zero); use a "
                "smaller shock", diagnostics=d)
        raise ConvergenceError(
            f"equilibrium solver did not converge in {d['iterations']} outer iterations "
            f"(tol={tol:g}): max residuals price {d['residual_price']:.2e}, expenditure "
            f"{d['residual_expenditure']:.2e}, trade balance {d['residual_trade_balance']:.2e}; "
            "try a larger max_iter, a looser tol, or a smaller shock", diagnostics=d)
    return eq


def _check_feasible(weights: np.ndarray, X: np.ndarray, rel: np.ndarray, d1: np.ndarray,
                    cname) -> None:
    """Refuse shocks under which trade balance (5) has no solution at finite wages.

    A country that can no longer import anything must run a surplus (exports = −D'); one that
    can no longer export must run a deficit; one that can do neither must have D' = 0.
    """
    n = weights.shape[0]
    foreign = ~np.eye(n, dtype=bool)[:, :, None]
    live = (weights > 0) & foreign & (X[:, None, :] > 0)
    can_import = np.asarray(live.any(axis=(1, 2)))
    can_export = np.asarray(live.any(axis=(0, 2)))
    tiny = 1e-12                                     # rel: deficit as a share of world value added
    bad = ((~can_import & can_export & (rel >= -tiny)) | (~can_export & can_import & (rel <= tiny))
           | (~can_export & ~can_import & (np.abs(rel) > tiny)))
    if not np.any(bad):
        return
    k = int(np.argmax(bad))
    if not can_import[k] and can_export[k]:
        raise ShockError(
            f"the shock stops every import of {cname(k)} but not its exports; with its deficit "
            f"fixed at {d1[k]:.6g} trade cannot balance at finite wages. Embargo its exports "
            "too (autarky) or leave it some imports")
    if not can_export[k] and can_import[k]:
        raise ShockError(
            f"the shock stops every export of {cname(k)} but not its imports; with its deficit "
            f"fixed at {d1[k]:.6g} trade cannot balance. Embargo its imports too (autarky) or "
            "leave it some export market")
    raise ShockError(
        f"the shock puts {cname(k)} in autarky, but its trade deficit is fixed at "
        f"{d1[k]:.6g}; an economy that does not trade cannot run a deficit: use "
        "deficits='zero'")


def _wage_preconditioner(base: Baseline) -> np.ndarray:
    """1 / (1 + ε_n): a diagonal estimate of how labour demand responds to the own wage.

    ε_n = Σ_j v_n^j γ_n^j θ^j Σ_m (M_mn^j / Y_n^j)(1 − π_mn^j), with v the value-added weights:
    a 1% higher wage raises sector j's cost by γ_n^j %, and each market m it sells to shifts
    away from it with elasticity θ^j (1 − π_mn^j). Scaling the wage residual by it makes the
    plain iteration roughly a Newton step, which Anderson mixing then refines.
    """
    hit = _PRECOND.get(base)
    if hit is not None:
        return hit
    M = base.flows
    Y = M.sum(axis=0)                                                    # (n, j) sales of n
    with np.errstate(divide="ignore", invalid="ignore"):
        mix = np.where(Y[None] > 0, M / Y[None], 0.0)                    # [m, n, j]
    eps_nj = base.theta[None, :] * (mix * (1.0 - base.pi)).sum(axis=0)  # (n, j)
    va = base.va_share * Y
    v = va / va.sum(axis=1, keepdims=True)
    out = 1.0 / (1.0 + (v * base.va_share * eps_nj).sum(axis=1))
    out.setflags(write=False)
    _PRECOND[base] = out
    return out


#: The preconditioner depends on the baseline only: computed once per (frozen) Baseline.
_PRECOND: weakref.WeakKeyDictionary[Baseline, np.ndarray] = weakref.WeakKeyDictionary()


def _failed(n: int, j: int, tau1: np.ndarray, d1: np.ndarray, it: int, inner: int,
            seconds: float) -> Equilibrium:
    nan = float("nan")
    return Equilibrium(w_hat=np.full(n, nan), P_hat=np.full((n, j), nan), c_hat=np.full((n, j), nan),
                       pi_new=np.full(tau1.shape, nan), X_new=np.full((n, j), nan),
                       I_new=np.full(n, nan), tariffs_new=tau1, deficit_new=d1, converged=False,
                       iterations=it, inner_iterations=inner, residual_price=nan,
                       residual_expenditure=nan, residual_trade_balance=nan, seconds=seconds)
