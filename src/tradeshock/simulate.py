"""``simulate``: solve a world's general equilibrium under a shock and return a :class:`Result`.

Every counterfactual is measured against the *re-solved baseline*: the data are not an exact
model equilibrium (clipped cells, α from data), so the world is first solved with no shock under
the chosen deficit treatment, and that equilibrium is the baseline of all hats (model.md,
calibration note). The re-solved baseline is cached per (world object, deficits, θ, tol), so
repeated calls on one world pay for it once.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from tradeshock.model import Baseline, Equilibrium, baseline_from_world, solve
from tradeshock.quotas import NOTE, solve_with_quotas
from tradeshock.resolve import DEFICITS, Deficits, as_shock, check_deficits, with_scenario_elasticities
from tradeshock.result import Result
from tradeshock.world import World

__all__ = ["simulate", "resolved_baseline", "clear_cache", "DEFICITS", "Deficits"]

_CACHE: weakref.WeakKeyDictionary[World, dict[tuple, tuple[Baseline, Equilibrium]]] = (
    weakref.WeakKeyDictionary())
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached re-solved baseline."""
    with _LOCK:
        _CACHE.clear()


def resolved_baseline(world: World, deficits: Deficits = "fixed", *, tol: float = 1e-10,
                      max_iter: int = 1000) -> tuple[Baseline, Equilibrium]:
    """The world re-solved with no shock under ``deficits`` (cached), and that solve's record.

    ``fixed``: D' = D. ``zero``: D' = 0, the balanced equilibrium CP use as their baseline.
    Raises :class:`~tradeshock.errors.ConvergenceError` if the re-solve does not converge.
    """
    deficits = check_deficits(deficits)
    key = (deficits, np.asarray(world.theta, dtype=float).tobytes(), float(tol), int(max_iter))
    with _LOCK:
        hit = _CACHE.get(world, {}).get(key)
    if hit is not None:
        return hit
    raw = baseline_from_world(world)
    d1 = raw.deficit if deficits == "fixed" else np.zeros_like(raw.deficit)
    eq0 = solve(raw, deficit_new=d1, tol=tol, max_iter=max_iter)
    base = raw.rebased(eq0)
    with _LOCK:
        _CACHE.setdefault(world, {})[key] = (base, eq0)
    return base, eq0


def simulate(world: World, shock: Any = None, deficits: Deficits | None = None, *,
             tol: float = 1e-10, max_iter: int = 1000) -> Result:
    """Solve the general equilibrium of ``world`` under ``shock`` and return a :class:`Result`.

    Parameters
    ----------
    world
        The baseline economy.
    shock
        A :class:`~tradeshock.shock.Shock`, a Scenario (anything with ``to_shock(world)`` and
        ``settings.deficits``), or None for the null shock. A Scenario's
        ``settings.elasticities`` set replaces the world's θ (the result's ``world`` has it).
    deficits
        ``"fixed"`` (default; D' = D in numéraire units) or ``"zero"`` (trade balanced in the
        re-solved baseline, as Caliendo & Parro). A Scenario's setting applies when omitted.
    tol, max_iter
        Solver tolerance on the price, expenditure and trade-balance residuals (all relative,
        see :class:`~tradeshock.model.Equilibrium`) and the limit on outer iterations.

    Returns
    -------
    Result
        Changes relative to the re-solved baseline; numéraire: world value added fixed. A shock
        with ``quotas`` (compiled tariff-rate quotas) is solved at the quota fixed point
        (:func:`tradeshock.quotas.solve_with_quotas`; ``meta["quotas"]``).

    Raises
    ------
    ShockError
        The shock does not fit the world (labels, shapes, NaN, tariffs ≤ −100%, domestic embargo).
    ConvergenceError
        The solver did not meet ``tol`` (the error carries the diagnostics).

    Examples
    --------
    >>> w = load_world("cp1993")                                           # doctest: +SKIP
    >>> r = simulate(w, Shock(w).tariff(imposer="USA", target="CAN", rate=0.25))  # doctest: +SKIP
    >>> r.welfare().loc["CAN", "real_income"]                              # doctest: +SKIP

    """
    from tradeshock.model.solver import check_solver_args

    check_solver_args(tol, max_iter)
    world = with_scenario_elasticities(world, shock)      # a Scenario's settings.elasticities
    shock, scenario, deficits = as_shock(world, shock, deficits)
    shock.check_fits(world)
    base, eq0 = resolved_baseline(world, deficits, tol=tol, max_iter=max_iter)
    if shock.quotas:
        # tariff-rate quotas: the marginal rate depends on counterfactual volumes (a fixed point)
        applied, eq, records = solve_with_quotas(world, shock, base, tol=tol, max_iter=max_iter)
        res = Result(world=world, shock=applied, scenario=scenario, deficits=deficits, baseline=base,
                     equilibrium=eq, baseline_solve=eq0, tol=tol)
        res.meta["quotas"] = records
        res.meta["quotas_note"] = NOTE
        return _plausible(res)
    eq = solve(base, shock.tariffs, shock.trade_cost_hat, base.deficit, tol=tol, max_iter=max_iter,
               labels=(world.countries, world.sectors))
    return _plausible(Result(world=world, shock=shock, scenario=scenario, deficits=deficits,
                             baseline=base, equilibrium=eq, baseline_solve=eq0, tol=tol))


#: Real-income changes beyond these (percent) are exact answers of the model far outside the
#: range where its constant elasticities are credible (e.g. a 99% cut in every trade cost).
PLAUSIBLE_REAL_INCOME = (-90.0, 100.0)


def _plausible(res: Any) -> Any:
    """Warn (and record in ``meta["warnings"]``) when a real-income change is implausibly large."""
    import warnings

    from tradeshock.errors import TradeshockWarning
    from tradeshock.model.welfare import real_income

    try:        # the vector alone: the full welfare table costs more than the check is worth
        ri = real_income(res.baseline, res.equilibrium) * 100
    except Exception:  # noqa: BLE001 - a check must never break a solved result
        return res
    lo, hi = PLAUSIBLE_REAL_INCOME
    bad = np.flatnonzero((ri < lo) | (ri > hi))
    if len(bad):
        k = bad[np.argmax(np.abs(ri[bad]))]
        c = res.countries[k]
        msg = (f"real income of {c} changes by {ri[k]:+,.0f}% ({len(bad)} countries beyond "
               f"{lo:+.0f}%/{hi:+.0f}%): the equilibrium is exact, but a shock this large is far "
               "outside the range where the model's constant elasticities are credible")
        res.meta.setdefault("warnings", []).append(msg)
        warnings.warn(msg, TradeshockWarning, stacklevel=3)
    return res
