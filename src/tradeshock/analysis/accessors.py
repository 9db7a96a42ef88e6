"""Analysis accessors on results: ``result.provinces()`` and its summaries.

Registered on :class:`~tradeshock.result.Result` from here, so the result layer never imports
the analyses.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tradeshock.analysis import provinces as _prov
from tradeshock.result import Result, register_result_accessor


@register_result_accessor("provinces")
class ProvincesAccessor:
    """``result.provinces()`` — province × sector results; ``.summary()``, ``.exports()``, ``.hits()``."""

    def __init__(self, result: Result) -> None:
        self._result = result

    def __call__(self, shares: pd.DataFrame | None = None, **kw: Any) -> pd.DataFrame:
        """Province-level results (:func:`tradeshock.analysis.provinces.province_results`)."""
        return _prov.province_results(self._result, shares, **kw)

    def summary(self, top: int = 3, country: str = "CAN") -> pd.DataFrame:
        """One row per province (:func:`tradeshock.analysis.provinces.province_summary`)."""
        return _prov.province_summary(self._result, top=top, country=country)

    def exports(self, country: str = "CAN") -> pd.DataFrame:
        """Exports by province (:func:`tradeshock.analysis.provinces.province_exports`)."""
        return _prov.province_exports(self._result, country=country)

    def hits(self, country: str = "CAN") -> pd.DataFrame:
        """Money at stake by partner, sector, product (:func:`~tradeshock.analysis.provinces.shock_hits`)."""
        return _prov.shock_hits(self._result, country=country)


__all__ = ["ProvincesAccessor"]
