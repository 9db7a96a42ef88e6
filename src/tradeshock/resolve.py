"""One place that turns what a caller gives into what the engine solves: deficits and shocks.

``simulate``, ``solve_many``, the runner and the analyses all accept the same things — a
deficit treatment (``"fixed"``/``"zero"``, or None for the scenario's), and a shock as a
:class:`~tradeshock.shock.Shock`, a Scenario (anything with ``to_shock(world)`` and
``settings``) or None — and resolve them here, so they cannot disagree.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from tradeshock.errors import ShockError, TradeshockError, did_you_mean
from tradeshock.shock import Shock
from tradeshock.world import World

__all__ = ["DEFICITS", "Deficits", "as_shock", "check_deficits", "scenario_deficits"]

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
    return check_deficits(getattr(settings, "deficits", None) or default)


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
