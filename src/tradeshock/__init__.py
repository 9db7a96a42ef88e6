"""tradeshock — an open, fast, transparent trade-policy simulator.

A multi-country, multi-sector general-equilibrium model (Caliendo–Parro 2015, with input-output
links and tariff revenue) on real data, a library of the real trade measures of 2024–26, and
analyses on top (provinces, exposure, targets, deals, games).

The public API is listed in ``__all__``; names load lazily so ``import tradeshock`` stays fast.
"""

from __future__ import annotations

import os as _os  # first: both are loaded before any package code, so this costs nothing
import sys as _sys


def _early_signals() -> None:
    """In the ``tradeshock`` command, a Ctrl-C while modules are still loading exits quietly.

    The console script imports this package before :func:`tradeshock.cli.main` can install
    its handlers; nothing is written yet, so an immediate exit (130, or 143 for SIGTERM) with
    one line is right. A library user's process (a notebook, a script) is left alone.
    """
    if not _sys.argv or (_sys.argv[0] != "-m"            # python -m tradeshock
                         and _os.path.basename(_sys.argv[0]) not in ("tradeshock", "tradeshock.exe")):
        return
    import contextlib
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def _bye(signum: int, frame: object) -> None:
        with contextlib.suppress(OSError):
            _os.write(2, b"interrupted: stopped while starting; nothing was written\n")
        _os._exit(128 + signum)

    signal.signal(signal.SIGINT, _bye)
    signal.signal(signal.SIGTERM, _bye)


_early_signals()


import importlib  # noqa: E402
import types  # noqa: E402
from typing import Any  # noqa: E402

from tradeshock._version import __version__  # noqa: E402

_API: dict[str, str] = {
    # data
    "World": "tradeshock.world",
    "load_world": "tradeshock.world",
    "list_worlds": "tradeshock.world",
    # shocks and the engine
    "Shock": "tradeshock.shock",
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

__all__ = sorted([*_API, "simulate"]) + ["__version__"]


class _Package(types.ModuleType):
    """The package module: ``tradeshock.simulate`` is always the verb, loaded on first use.

    ``simulate`` is both a submodule and the package's main verb. Importing the submodule makes
    the import system bind the *module* as the package attribute; this property ignores that
    binding, so ``ts.simulate(...)`` is the function whatever was imported first, and nothing
    is imported until it is used (``import tradeshock`` loads no NumPy).
    """

    @property
    def simulate(self) -> Any:
        return importlib.import_module("tradeshock.simulate").simulate

    @simulate.setter
    def simulate(self, value: Any) -> None:  # the submodule binding: the verb wins
        pass


_sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tradeshock' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
