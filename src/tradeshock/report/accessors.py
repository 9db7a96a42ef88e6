"""The report accessors: ``result.report(path)``, ``result_set.report(path)`` and notebook display.

Registered on :class:`~tradeshock.result.Result` and :class:`~tradeshock.result.ResultSet`
from here, so the result layer never imports the report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tradeshock.report.html import render_report, write_report
from tradeshock.report.notebook import result_html
from tradeshock.result import Result, ResultSet, register_result_accessor, register_resultset_accessor


class ReportAccessor:
    """``obj.report(path, **kw)`` writes the HTML report; ``obj.report.html(**kw)`` returns its text."""

    def __init__(self, obj: Result | ResultSet) -> None:
        self._obj = obj

    def __call__(self, path: str | os.PathLike[str], **kw: Any) -> Path:
        """Write the self-contained HTML report to ``path`` (:func:`~tradeshock.report.html.write_report`)."""
        return write_report(self._obj, path, **kw)

    def html(self, **kw: Any) -> str:
        """The report page as HTML text."""
        return render_report(self._obj, **kw)


register_result_accessor("report")(ReportAccessor)
register_resultset_accessor("report")(ReportAccessor)


def _notebook(result: Result) -> Any:
    """``Result._repr_html_``: Jupyter shows a compact summary."""
    return lambda: result_html(result)


register_result_accessor("_repr_html_")(_notebook)

__all__ = ["ReportAccessor"]
