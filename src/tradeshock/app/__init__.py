"""The web dashboard: ``tradeshock serve`` — build, run and compare scenarios in the browser.

A thin presentation layer over the Python API: :mod:`~tradeshock.app.service` turns what the
browser sends into scenarios (validated like files), :mod:`~tradeshock.app.jobs` runs the solves
in worker processes (bounded queue, time limit, cache), :mod:`~tradeshock.app.pages` draws the
pages and :mod:`~tradeshock.app.server` serves it all with waitress. See docs/dashboard.md.
"""

from __future__ import annotations

from typing import Any


def create_app(pool: Any, **kw: Any) -> Any:
    """The Dash app around a :class:`~tradeshock.app.jobs.JobPool` (see :func:`server.create_app`)."""
    from tradeshock.app.server import create_app as _create

    return _create(pool, **kw)


def serve(**kw: Any) -> None:
    """Run the dashboard under waitress (see :func:`tradeshock.app.server.serve`)."""
    from tradeshock.app.server import serve as _serve

    _serve(**kw)


__all__ = ["create_app", "serve"]
