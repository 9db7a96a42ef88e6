"""tradeshock — an open, fast, transparent trade-policy simulator.

A multi-country, multi-sector general-equilibrium model (Caliendo–Parro 2015, with input-output
links and tariff revenue) on real data, a library of the real trade measures of 2024–26, and
analyses on top (provinces, exposure, targets, deals, games).

The public API is listed in ``__all__``; names load lazily so ``import tradeshock`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from tradeshock._version import __version__

_API: dict[str, str] = {
    # data
    "World": "tradeshock.world",
    "load_world": "tradeshock.world",
    "list_worlds": "tradeshock.world",
    # shocks and the engine
    "Shock": "tradeshock.shock",
    "simulate": "tradeshock.simulate",
    "Result": "tradeshock.result",
    # measures and scenarios
    "Scenario": "tradeshock.scenario",
    "effective_rates": "tradeshock.rates",
    "rate_timeline": "tradeshock.rates",
    # the main job
    "run": "tradeshock.runner",
    # analyses
    "exposure": "tradeshock.analysis.exposure",
    "solve_target": "tradeshock.analysis.targets",
    "attribute": "tradeshock.analysis.attribution",
    "play": "tradeshock.analysis.game",
    # errors
    "TradeshockError": "tradeshock.errors",
    "DataError": "tradeshock.errors",
    "ShockError": "tradeshock.errors",
    "ScenarioError": "tradeshock.errors",
    "ConvergenceError": "tradeshock.errors",
}

__all__ = sorted(_API) + ["__version__"]

# ``simulate`` is both a submodule and the package's main verb. Importing the submodule binds the
# *module* to ``tradeshock.simulate``; bind the function eagerly so the verb always wins.
from tradeshock.simulate import simulate  # noqa: E402, F401


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tradeshock' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
