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
from typing import Any, Literal

import numpy as np

from tradeshock.errors import ShockError, did_you_mean
from tradeshock.model import Baseline, Equilibrium, baseline_from_world, solve
from tradeshock.shock import Shock
from tradeshock.world import World

__all__ = ["simulate", "resolved_baseline", "clear_cache", "DEFICITS"]

Deficits = Literal["fixed", "zero"]
#: The deficit treatments: ``fixed`` keeps D_n' = D_n (numéraire units); ``zero`` balances trade
#: in the baseline re-solve first (Caliendo & Parro's headline treatment).
DEFICITS: tuple[str, ...] = ("fixed", "zero")

_CACHE: weakref.WeakKeyDictionary[World, dict[tuple, tuple[Baseline, Equilibrium]]] = (
    weakref.WeakKeyDictionary())
_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached re-solved baseline."""
    with _LOCK:
        _CACHE.clear()


def _check_deficits(deficits: Any) -> Deficits:
    if deficits not in DEFICITS:
        raise ShockError(f"deficits={deficits!r} is not a deficit treatment; use 'fixed' or 'zero'"
                         + did_you_mean(str(deficits), DEFICITS))
    return deficits


def resolved_baseline(world: World, deficits: Deficits = "fixed", *, tol: float = 1e-10,
                      max_iter: int = 1000) -> tuple[Baseline, Equilibrium]:
    """The world re-solved with no shock under ``deficits`` (cached), and that solve's record.

    ``fixed``: D' = D. ``zero``: D' = 0, the balanced equilibrium CP use as their baseline.
    Raises :class:`~tradeshock.errors.ConvergenceError` if the re-solve does not converge.
    """
    deficits = _check_deficits(deficits)
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


def _as_shock(world: World, shock: Any, deficits: Deficits | None) -> tuple[Shock, Any, Deficits]:
    """Normalise the ``shock`` argument: a Shock, a Scenario (duck-typed) or None."""
    scenario = None
    if shock is None:
        shock = Shock(world)
    elif hasattr(shock, "to_shock") and not isinstance(shock, Shock):
        scenario = shock
        shock = scenario.to_shock(world)
        if deficits is None:
            settings = getattr(scenario, "settings", None)
            deficits = getattr(settings, "deficits", None) or "fixed"
    if not isinstance(shock, Shock):
        raise ShockError(f"simulate: shock must be a Shock, a Scenario or None, got "
                         f"{type(shock).__name__}")
    return shock, scenario, _check_deficits(deficits or "fixed")


def _check_labels(world: World, shock: Shock) -> None:
    """Reject a shock built for another world, NaN entries or a domestic embargo, by label."""
    sw = shock.world
    if sw is not world and (tuple(sw.countries) != tuple(world.countries)
                            or tuple(sw.sectors) != tuple(world.sectors)):
        raise ShockError(f"the shock was built for world {sw.name!r} "
                         f"({sw.n_countries} countries x {sw.n_sectors} sectors), not "
                         f"{world.name!r} ({world.n_countries} x {world.n_sectors}); "
                         "build it with Shock(world) on the world you simulate")
    shape = (world.n_countries, world.n_countries, world.n_sectors)

    def where(mask: np.ndarray) -> str:
        n, i, j = np.argwhere(mask)[0]
        return (f"importer {world.countries[n]}, exporter {world.countries[i]}, "
                f"sector {world.sectors[j]}")

    for name in ("tariffs", "trade_cost_hat"):
        arr = np.asarray(getattr(shock, name), dtype=float)
        if arr.shape != shape:
            raise ShockError(f"shock.{name} has shape {arr.shape}, world {world.name!r} needs {shape}")
        if np.any(np.isnan(arr)):
            raise ShockError(f"shock.{name} is NaN at {where(np.isnan(arr))}")
    t = np.asarray(shock.tariffs, dtype=float)
    if np.any(np.isinf(t)):
        raise ShockError(f"shock.tariffs is infinite at {where(np.isinf(t))}; use an embargo instead")
    if np.any(t <= -1):
        raise ShockError(f"shock.tariffs is at or below -100% at {where(t <= -1)}")
    d = np.asarray(shock.trade_cost_hat, dtype=float)
    if np.any(d <= 0):
        raise ShockError(f"shock.trade_cost_hat is not positive at {where(d <= 0)}")
    n = world.n_countries
    dom = np.isinf(d[np.arange(n), np.arange(n), :])
    if np.any(dom):
        c, j = np.argwhere(dom)[0]
        raise ShockError(f"the shock embargoes {world.countries[c]}'s domestic sales of "
                         f"{world.sectors[j]}; a country cannot embargo itself")
    cut = np.all(np.isinf(d) | (world.trade_shares == 0), axis=1) & (world.expenditure > 0)
    if np.any(cut):
        c, j = np.argwhere(cut)[0]
        raise ShockError(f"the shock leaves {world.countries[c]} with no supplier of "
                         f"{world.sectors[j]} (all sources with a positive share are embargoed)")


def simulate(world: World, shock: Any = None, deficits: Deficits | None = None, *,
             tol: float = 1e-10, max_iter: int = 1000):
    """Solve the general equilibrium of ``world`` under ``shock`` and return a :class:`Result`.

    Parameters
    ----------
    world
        The baseline economy.
    shock
        A :class:`~tradeshock.shock.Shock`, a Scenario (anything with ``to_shock(world)`` and
        ``settings.deficits``), or None for the null shock.
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
        with ``quotas`` (compiled tariff-rate quotas) is solved by
        :func:`tradeshock.quotas.solve_with_quotas` (``meta["quotas"]``).

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
    from tradeshock.result import Result

    shock, scenario, deficits = _as_shock(world, shock, deficits)
    _check_labels(world, shock)
    if getattr(shock, "quotas", None):
        # tariff-rate quotas: the marginal rate depends on counterfactual volumes (a fixed point)
        from tradeshock.quotas import solve_with_quotas

        res = solve_with_quotas(world, shock, deficits=deficits, tol=tol, max_iter=max_iter)
        res.scenario = scenario
        return res
    base, eq0 = resolved_baseline(world, deficits, tol=tol, max_iter=max_iter)
    eq = solve(base, shock.tariffs, shock.trade_cost_hat, base.deficit, tol=tol, max_iter=max_iter,
               labels=(world.countries, world.sectors))
    return Result(world=world, shock=shock, scenario=scenario, deficits=deficits, baseline=base,
                  equilibrium=eq, baseline_solve=eq0, tol=tol)

