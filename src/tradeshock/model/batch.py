"""Many solves on one baseline with their set-up shared: shock batches and elasticity draws.

Plain arrays in, engine objects out (no labels, no pandas, no processes: the parallel layer,
:func:`tradeshock.parallel.solve_draws`, splits work over cores and calls these).

* :func:`solve_batch` — B shocks on one baseline, solved in lockstep
  (:mod:`tradeshock.model.lockstep`: one compiled call per step for all of them), each
  warm-started from ``start`` (e.g. the solution of the closest shock) if given.
* :func:`solve_draws` — for each draw of the trade elasticities θ (an array ``[draw, sector]``):
  re-solve the baseline with that θ (the data are not an exact equilibrium, so the baseline
  moves with θ), warm-started from the central θ's re-solved baseline; then solve the
  counterfactual on it, warm-started from the central counterfactual, both with Newton steps
  on wages using the central baseline's wage Jacobian (IO worlds); the draws of a chunk are
  solved in lockstep, each member with its own θ and baseline. Returns one compact
  :class:`Draw` per draw (or whatever ``reduce`` returns), so 1,000 draws do not keep 1,000
  copies of the N × N × J arrays.

A warm start changes only where the iteration begins: every solve is certified against the
same tolerance, so results equal one-by-one cold solves to within it (tests check both).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tradeshock.model.baseline import Baseline
from tradeshock.model.jacobian import AUTO_MAX_COUNTRIES, cached_inverse
from tradeshock.model.kernels import resolve_kernels
from tradeshock.model.lockstep import BUDGET_BYTES, chunk_size, solve_lockstep
from tradeshock.model.solver import Equilibrium, solve
from tradeshock.model.welfare import real_income

__all__ = ["Draw", "solve_batch", "solve_draws", "theta_baseline"]


@dataclass(frozen=True, eq=False)
class Draw:
    """One elasticity draw solved: hats are relative to that draw's re-solved baseline.

    Attributes
    ----------
    theta : (J,)
        The draw's trade elasticities.
    w_hat : (N,), P_hat : (N, J)
        Counterfactual changes in wages and price indices.
    real_income : (N,)
        Exact welfare change Î/ΠP̂^α − 1 (fraction; :func:`~tradeshock.model.welfare.real_income`).
    baseline_w_hat : (N,)
        ŵ of the baseline re-solve with this θ, relative to the data.
    iterations : (int, int)
        Outer iterations of the baseline re-solve and of the counterfactual.
    residual : float
        Largest certified residual of the counterfactual.
    seconds : float
        Wall time of both solves.

    """

    theta: np.ndarray
    w_hat: np.ndarray
    P_hat: np.ndarray
    real_income: np.ndarray
    baseline_w_hat: np.ndarray
    iterations: tuple[int, int]
    residual: float
    seconds: float

    @classmethod
    def from_solves(cls, theta: np.ndarray, base_d: Baseline, eq0: Equilibrium, eq: Equilibrium,
                    seconds: float) -> Draw:
        """The record of a draw from its re-solved baseline ``base_d`` (solve ``eq0``) and ``eq``."""
        return cls(theta=np.array(theta, dtype=float), w_hat=eq.w_hat, P_hat=eq.P_hat,
                   real_income=real_income(base_d, eq), baseline_w_hat=eq0.w_hat,
                   iterations=(eq0.iterations, eq.iterations),
                   residual=max(eq.residual_price, eq.residual_expenditure,
                                 eq.residual_trade_balance),
                   seconds=seconds)


def _stack(arr: Any, b: int | None, shape: tuple[int, ...], what: str) -> list[Any]:
    """Per-problem entries of a stacked array [B, ...], a sequence, or one value for all."""
    if arr is None:
        return [None] * (b or 1)
    if isinstance(arr, np.ndarray) and arr.shape == shape:
        return [arr] * (b or 1)
    items = list(arr)
    if b is not None and len(items) != b:
        raise ValueError(f"solve_batch: {what} has {len(items)} entries, the batch has {b}")
    return items


def solve_batch(base: Baseline, tariffs_new: Any = None, trade_cost_hat: Any = None,
                deficit_new: Any = None, *, start: Equilibrium | None = None,
                lockstep: bool = True, **solve_kw: Any) -> list[Equilibrium]:
    """Solve B shocks on ``base``; returns B :class:`Equilibrium`, in order.

    Parameters
    ----------
    base
        The (re-solved) baseline all shocks are measured from.
    tariffs_new, trade_cost_hat
        Stacked arrays ``[B, N, N, J]``, sequences of B arrays (None entries: no change), or
        one ``(N, N, J)`` array shared by all problems. At least one gives B.
    deficit_new
        ``[B, N]``, a sequence, or one ``(N,)`` array / None (the baseline's) for all.
    start
        Warm start for every problem (see :func:`~tradeshock.model.solve`).
    lockstep
        Solve the problems together (:func:`~tradeshock.model.lockstep.solve_lockstep`, the
        default) or one by one with :func:`~tradeshock.model.solve` (the reference; the same
        results up to rounding). ``raise_on_failure=False`` always solves one by one.
    **solve_kw
        Passed to :func:`~tradeshock.model.solve` (``tol``, ``max_iter``, ``kernels``, ...).

    """
    n, _, j = base.pi.shape
    cube = (n, n, j)
    sizes = [len(a) for a in (tariffs_new, trade_cost_hat)
             if a is not None and not (isinstance(a, np.ndarray) and a.shape == cube)]
    if sizes and len(set(sizes)) > 1:
        raise ValueError(f"solve_batch: tariffs_new and trade_cost_hat give batch sizes {sizes}")
    b = sizes[0] if sizes else None
    taus = _stack(tariffs_new, b, cube, "tariffs_new")
    dhats = _stack(trade_cost_hat, b, cube, "trade_cost_hat")
    defs = _stack(deficit_new, b, (n,), "deficit_new")
    if lockstep and solve_kw.get("raise_on_failure", True):
        kw = {k: v for k, v in solve_kw.items() if k != "raise_on_failure"}
        return solve_lockstep(base, taus, dhats, defs, start=start, **kw)
    return [solve(base, t, d, dd, start=start, **solve_kw)
            for t, d, dd in zip(taus, dhats, defs, strict=True)]


def theta_baseline(raw: Baseline, theta: np.ndarray) -> Baseline:
    """``raw`` with trade elasticities ``theta`` (J,) instead of its own (checked)."""
    return replace(raw, theta=np.asarray(theta, dtype=float))


def solve_draws(raw: Baseline, thetas: np.ndarray, tariffs_new: np.ndarray | None = None,
                trade_cost_hat: np.ndarray | None = None, *, deficit_base: np.ndarray | None = None,
                central: tuple[Equilibrium, Equilibrium] | None = None,
                reduce: Callable[[np.ndarray, Baseline, Equilibrium, Equilibrium], Any] | None = None,
                tol: float = 1e-10, max_iter: int = 1000, lockstep: bool = True,
                **solve_kw: Any) -> list[Any]:
    """Re-solve the baseline and the counterfactual for every elasticity draw.

    Parameters
    ----------
    raw
        The baseline from the data (:func:`~tradeshock.model.baseline_from_world`), *not*
        re-solved: each draw re-solves it with its own θ.
    thetas
        ``[draw, sector]``: D draws of the J trade elasticities (all positive).
    tariffs_new, trade_cost_hat
        The counterfactual τ' and d̂ (as in :func:`~tradeshock.model.solve`), the same for
        every draw.
    deficit_base
        D' of the baseline re-solve ("fixed": the data's D, the default; "zero": zeros). The
        counterfactual keeps the re-solved baseline's deficits, as ``simulate`` does.
    central
        (re-solved baseline, counterfactual) at the central θ, as warm starts; solved here
        (with ``raw.theta``) when not given.
    reduce
        ``reduce(theta, baseline_d, baseline_solve_d, counterfactual_d)`` → what to keep per
        draw; default a :class:`Draw`. Keep it small: it is called once per draw.
    lockstep
        Solve the draws of a chunk together (default), or one by one (the reference).
    tol, max_iter, **solve_kw
        Passed to every solve (``kernels``, ...).

    Returns
    -------
    list
        One entry per draw, in order. Raises :class:`~tradeshock.errors.ConvergenceError` if
        any solve fails (with the draw's index in the message).

    """
    thetas = np.asarray(thetas, dtype=float)
    j = raw.n_sectors
    if thetas.ndim != 2 or thetas.shape[1] != j:
        raise ValueError(f"solve_draws: thetas must be [draw, sector] with {j} sectors, "
                         f"got shape {thetas.shape}")
    if not (np.all(np.isfinite(thetas)) and np.all(thetas > 0)):
        d, s = np.argwhere(~(np.isfinite(thetas) & (thetas > 0)))[0]
        raise ValueError(f"solve_draws: thetas[{d}, {s}] = {thetas[d, s]} is not a positive number")
    d0 = raw.deficit if deficit_base is None else np.asarray(deficit_base, dtype=float)
    kw = {"tol": tol, "max_iter": max_iter, **solve_kw}
    if central is None:
        eq0_c = solve(raw, deficit_new=d0, **kw)
        eq_c = solve(raw.rebased(eq0_c), tariffs_new, trade_cost_hat, d0, **kw)
    else:
        eq0_c, eq_c = central
    if "jacobian" not in kw and np.any(raw.io_share) and raw.n_countries <= AUTO_MAX_COUNTRIES:
        # Newton steps for every draw with the central re-solved baseline's wage Jacobian
        kname = resolve_kernels(kw.get("kernels"))
        kw["jacobian"] = cached_inverse(raw.rebased(eq0_c), d0, kname)[0]
    if not lockstep or "raise_on_failure" in kw:
        return [_one_draw(k, raw, theta, tariffs_new, trade_cost_hat, d0, eq0_c, eq_c, reduce, kw)
                for k, theta in enumerate(thetas)]
    # a draw holds its re-solved baseline and two solutions (four N × N × J arrays) beside the
    # lockstep working arrays: half the members of a shock batch per chunk
    n = raw.n_countries
    size = max(1, chunk_size(n, j, BUDGET_BYTES) // 2)
    out: list[Any] = []
    for first in range(0, len(thetas), size):
        block = thetas[first:first + size]
        t0 = time.perf_counter()
        names = [f"elasticity draw {first + k}" for k in range(len(block))]
        raws = [theta_baseline(raw, theta) for theta in block]
        eq0s = solve_lockstep(raws, deficit_new=d0, start=eq0_c, names=names, **kw)
        bases = [r.rebased(e) for r, e in zip(raws, eq0s, strict=True)]
        eqs_ = solve_lockstep(bases, tariffs_new, trade_cost_hat, d0, start=eq_c, names=names,
                              **kw)
        seconds = (time.perf_counter() - t0) / len(block)
        for theta, base_d, eq0, eq in zip(block, bases, eq0s, eqs_, strict=True):
            out.append(Draw.from_solves(theta, base_d, eq0, eq, seconds) if reduce is None
                       else reduce(theta, base_d, eq0, eq))
    return out


def _one_draw(k: int, raw: Baseline, theta: np.ndarray, tariffs_new: np.ndarray | None,
              trade_cost_hat: np.ndarray | None, d0: np.ndarray, eq0_c: Equilibrium,
              eq_c: Equilibrium, reduce: Callable[..., Any] | None, kw: dict[str, Any]) -> Any:
    """One draw solved on its own (the reference for the lockstep route)."""
    from tradeshock.errors import ConvergenceError

    t0 = time.perf_counter()
    raw_d = theta_baseline(raw, theta)
    try:
        eq0 = solve(raw_d, deficit_new=d0, start=eq0_c, **kw)
        base_d = raw_d.rebased(eq0)
        eq = solve(base_d, tariffs_new, trade_cost_hat, d0, start=eq_c, **kw)
    except ConvergenceError as exc:
        raise ConvergenceError(f"elasticity draw {k}: {exc}", exc.diagnostics) from exc
    seconds = time.perf_counter() - t0
    return (Draw.from_solves(theta, base_d, eq0, eq, seconds) if reduce is None
            else reduce(theta, base_d, eq0, eq))


def stacked(draws: Sequence[Draw], field: str) -> np.ndarray:
    """One field of many :class:`Draw` records stacked along a leading draw axis."""
    return np.stack([getattr(d, field) for d in draws])
