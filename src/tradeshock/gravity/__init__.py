"""Structural gravity: PPML with high-dimensional fixed effects, and trade-cost shocks from estimates.

``estimate`` fits PPML (pyfixest ``fepois``) on a tidy panel and reports every dropped
observation; ``load_panel`` reads the packaged Advanced Guide panel; ``trade_costs`` and
``fitted_world`` turn an estimate into the one-sector baseline the engine solves;
``remove_agreement`` runs the book's "removing NAFTA" application end to end. Names load lazily
so ``import tradeshock.gravity`` does not import pyfixest.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "estimate": "tradeshock.gravity.ppml",
    "GravityEstimate": "tradeshock.gravity.ppml",
    "DropReport": "tradeshock.gravity.panel",
    "check_panel": "tradeshock.gravity.panel",
    "load_panel": "tradeshock.gravity.data",
    "load_estimates": "tradeshock.gravity.data",
    "trade_costs": "tradeshock.gravity.baseline",
    "fitted_flows": "tradeshock.gravity.baseline",
    "fitted_world": "tradeshock.gravity.baseline",
    "observed_world": "tradeshock.gravity.baseline",
    "agreement_shock": "tradeshock.gravity.counterfactual",
    "remove_agreement": "tradeshock.gravity.counterfactual",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tradeshock.gravity' has no attribute {name!r}")
