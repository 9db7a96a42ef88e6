"""One place that turns what a caller gives into what the engine solves.

``simulate``, ``solve_many``, the runner, the CLI and the analyses accept the same things and
resolve them here, so they cannot disagree (a scenario given as a Scenario, a mapping, a path
or a shipped name is resolved next to the scenario files, by
:func:`tradeshock.scenario.load_scenario`; this module never imports scenarios, so the engine's
callers do not depend on them):

- a world as a World or a name, with the scenario's ``settings.elasticities`` applied
  (:func:`world_for`);
- a deficit treatment, ``"fixed"``/``"zero"`` or None for the scenario's
  (:data:`Deficits`, :func:`check_deficits`, :func:`scenario_deficits`);
- a shock as a :class:`~tradeshock.shock.Shock`, a Scenario or None (:func:`as_shock`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

from tradeshock.errors import ShockError, TradeshockError, did_you_mean
from tradeshock.shock import Shock
from tradeshock.world import World, load_world

__all__ = ["DEFICITS", "Deficits", "as_shock", "check_deficits", "scenario_deficits", "world_for"]

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
    w = cache[name]
    theta = getattr(getattr(scenario, "settings", None), "elasticities", None)
    if theta:
        key = f"{name}|{theta}"
        if key not in cache:
            cache[key] = w.with_elasticities(str(theta))
        w = cache[key]
    return w


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
        shock = scenario.to_shock(world)
        if deficits is None:
            deficits = scenario_deficits(scenario)
    if not isinstance(shock, Shock):
        raise ShockError(f"shock must be a Shock, a Scenario or None, got {type(shock).__name__}")
    return shock, scenario, check_deficits(deficits or "fixed")
