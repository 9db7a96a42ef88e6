"""One place that turns what a caller gives into what the engine solves.

``simulate``, ``solve_many``, the runner, the CLI and the analyses accept the same things and
resolve them here, so they cannot disagree (a scenario given as a Scenario, a mapping, a path
or a shipped name is resolved next to the scenario files, by
:func:`tradeshock.scenario.load_scenario`; this module never imports scenarios, so the engine's
callers do not depend on them):

- a world as a World or a name, with the scenario's ``settings.elasticities`` applied
  (:func:`world_for`, :func:`with_scenario_elasticities`; :func:`as_shock` refuses a World whose
  θ is not the set its scenario names, rather than solve it with the wrong elasticities);
- a deficit treatment, ``"fixed"``/``"zero"`` or None for the scenario's
  (:data:`Deficits`, :func:`check_deficits`, :func:`scenario_deficits`);
- a shock as a :class:`~tradeshock.shock.Shock`, a Scenario or None (:func:`as_shock`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any, Literal, cast

import numpy as np

from tradeshock.errors import ScenarioError, ShockError, TradeshockError, did_you_mean
from tradeshock.shock import Shock
from tradeshock.world import World, load_world

__all__ = ["DEFICITS", "Deficits", "as_shock", "check_deficits", "check_elasticities",
           "scenario_deficits", "scenario_elasticities", "with_scenario_elasticities", "world_for"]

Deficits = Literal["fixed", "zero"]
#: The deficit treatments: ``fixed`` keeps D_n' = D_n (numéraire units); ``zero`` balances trade
#: in the baseline re-solve first (Caliendo & Parro's headline treatment).
DEFICITS: tuple[Deficits, ...] = ("fixed", "zero")


def check_deficits(deficits: Any, *, error: type[TradeshockError] = ShockError) -> Deficits:
    """``deficits`` if it is a deficit treatment, else ``error`` naming the value and the choices."""
    if deficits not in DEFICITS:
        raise error(f"deficits {deficits!r} is not a deficit treatment; use 'fixed' (keep each "
                    "country's trade deficit) or 'zero' (balanced trade)"
                    + did_you_mean(str(deficits), DEFICITS))
    return cast(Deficits, deficits)


def scenario_deficits(scenario: Any, default: Deficits = "fixed") -> Deficits:
    """The deficit treatment a scenario asks for in its ``settings`` (``default`` if none)."""
    settings = getattr(scenario, "settings", None)
    d = getattr(settings, "deficits", None) if settings is not None else None
    if d is None and isinstance(settings, Mapping):
        d = settings.get("deficits")
    d = getattr(d, "value", d)
    return check_deficits(str(d) if d else default)


# ------------------------------------------------------------------ worlds
def world_for(scenario: Any, world: Any = None, cache: dict[str, World] | None = None) -> World:
    """The World to solve ``scenario`` on, with its ``settings.elasticities`` set applied.

    ``world`` is a World, a name, or None for the scenario's ``world`` (default ``default``).
    ``cache`` (name -> World) lets a batch load each world, and build each elasticity variant,
    once.
    """
    cache = {} if cache is None else cache
    if isinstance(world, World):
        name = world.name
        cache.setdefault(name, world)
    else:
        name = str(world or getattr(scenario, "world", None) or "default")
    if name not in cache:
        cache[name] = load_world(name)
    return with_scenario_elasticities(cache[name], scenario)


#: Elasticity variants of each World (name -> World), built once so their re-solved baselines
#: are cached once too (:func:`tradeshock.simulate.resolved_baseline` caches by World).
_VARIANTS: weakref.WeakKeyDictionary[World, dict[str, World]] = weakref.WeakKeyDictionary()
_VARIANTS_LOCK = threading.Lock()


def scenario_elasticities(scenario: Any) -> str | None:
    """The elasticity set a scenario names in ``settings.elasticities`` (None if none)."""
    settings = getattr(scenario, "settings", None)
    name = getattr(settings, "elasticities", None) if settings is not None else None
    if name is None and isinstance(settings, Mapping):
        name = settings.get("elasticities")
    return str(name) if name else None


def _uses(world: World, name: str) -> bool:
    """Whether ``world``'s θ is its elasticity set ``name`` (unknown names raise DataError)."""
    if name not in world.elasticities:
        world.with_elasticities(name)                 # raises, naming the known sets
    return bool(np.array_equal(np.asarray(world.theta, dtype=float),
                               np.asarray(world.elasticities[name], dtype=float)))


def with_scenario_elasticities(world: World, scenario: Any) -> World:
    """``world`` with the scenario's ``settings.elasticities`` set as θ (itself if none or in use)."""
    name = scenario_elasticities(scenario)
    if name is None or _uses(world, name):
        return world
    with _VARIANTS_LOCK:
        variants = _VARIANTS.setdefault(world, {})
        if name not in variants:
            variants[name] = world.with_elasticities(name)
        return variants[name]


def check_elasticities(world: World, scenario: Any) -> None:
    """Raise ScenarioError if the scenario names an elasticity set that ``world`` does not use."""
    name = scenario_elasticities(scenario)
    if name is not None and not _uses(world, name):
        current = world.provenance.get("elasticity_set", "another set")
        raise ScenarioError(
            f"scenario {getattr(scenario, 'name', '')!r}: settings.elasticities is {name!r}, but "
            f"the World given uses {current!r}; pass world.with_elasticities({name!r}) (or "
            "tradeshock.resolve.world_for(scenario, world)), or drop the setting to use the "
            "World's own elasticities")


def as_shock(world: World, shock: Any, deficits: Any = None) -> tuple[Shock, Any, Deficits]:
    """``(shock, scenario or None, deficits)`` from a Shock, a Scenario (duck-typed) or None.

    A Scenario is compiled on ``world`` and its ``settings.deficits`` applies unless
    ``deficits`` is given; the default is ``"fixed"``.
    """
    scenario = None
    if shock is None:
        shock = Shock(world)
    elif hasattr(shock, "to_shock") and not isinstance(shock, Shock):
        scenario = shock
        check_elasticities(world, scenario)
        shock = scenario.to_shock(world)
        if deficits is None:
            deficits = scenario_deficits(scenario)
    if not isinstance(shock, Shock):
        raise ShockError(f"shock must be a Shock, a Scenario or None, got {type(shock).__name__}")
    return shock, scenario, check_deficits(deficits or "fixed")
