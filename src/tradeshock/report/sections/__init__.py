"""Report sections: an ordered registry of small modules, each rendering one part of the report.

The HTML report (:func:`tradeshock.report.html.write_report`) is assembled from *sections* so
that each analysis can add its own part without editing the report code.

Section interface
-----------------
A section is a module ``tradeshock/report/sections/<name>.py`` exposing:

``TITLE: str``
    Heading shown in the report and its table of contents (plain text, short).
``render(result, ctx) -> str | None``
    Return an HTML fragment (no ``<html>``/``<body>``; the heading is added for you), or
    ``None`` to skip the section for this result (e.g. a province section when the world has
    no Canada). ``result`` is a :class:`tradeshock.result.Result`. ``ctx`` is a
    :class:`tradeshock.report.context.ReportContext` with helpers, so sections look alike:

    - ``ctx.figure(fig)`` -> HTML ``<div>`` for a plotly figure (plotly.js is embedded once
      by the page; never include it yourself, never use a CDN).
    - ``ctx.table(df, caption=..., unit=..., percent=(...), money=(...))`` -> an HTML table
      with its unit and price basis in the caption (every table must say its unit).
    - ``ctx.note(text)`` -> a caveat paragraph; ``ctx.esc(text)`` -> HTML-escaped text.
    - ``ctx.home`` (``"CAN"``), ``ctx.focus`` (countries always shown: CAN, USA, CHN, MEX),
      ``ctx.unit`` (e.g. ``"US$ million, 2024, producer prices"``), ``ctx.options`` (the
      keyword arguments given to ``write_report``), ``ctx.cache`` (a dict shared by all
      sections of one report, to compute something expensive once).

Optional module attributes: ``ID`` (the anchor, defaults to the module name) and
``ENABLED_BY`` (name of a ``write_report`` keyword that must be truthy, for costly sections).

Sections compute nothing economic themselves: they call the Result's tidy views
(``welfare()``, ``exports()``, ``output()``, ``trade()``, ``revenue()``, ...) or an analysis
function and present the numbers. Money is US$ million of the world's base year at producer
prices unless labelled; percentages are labelled as such.

A section that raises is replaced by a visible notice naming the error (the rest of the report
still renders), and then the failure fails: ``write_report`` raises a ``TradeshockError`` naming
the section once the file is written, and a run lists it in ``run.json`` (``report_failures``)
so the CLI exits non-zero. ``write_report(..., strict=True)`` re-raises at once instead.

Registry
--------
:data:`SECTIONS` lists section module names in report order. Names whose module does not
exist (yet) are skipped silently, so colleagues' sections (``provinces``, ``exposure``,
``attribution``, ``targets``, ``game``) appear as soon as their module lands.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Section modules in report order; missing modules are skipped.
SECTIONS: tuple[str, ...] = (
    "headline",
    "welfare",
    "uncertainty",
    "canada_trade",
    "sectors",
    "provinces",
    "exposure",
    "bilateral",
    "value_added",
    "revenue",
    "attribution",
    "targets",
    "game",
    "timeline",
    "measures",
    "settings_diagnostics",
    "provenance",
)


def available_sections(names: tuple[str, ...] | list[str] | None = None) -> list[ModuleType]:
    """Import the section modules that exist, in registry order (or in the order of ``names``).

    A module that is absent is skipped; a module that exists but fails to import raises, so a
    broken section is noticed rather than silently dropped.
    """
    out: list[ModuleType] = []
    for name in names or SECTIONS:
        full = f"{__name__}.{name}"
        try:
            mod = importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name == full:
                continue
            raise
        if not hasattr(mod, "render") or not hasattr(mod, "TITLE"):
            raise TypeError(f"report section {full} must define TITLE and render(result, ctx)")
        out.append(mod)
    return out


def section_id(mod: ModuleType) -> str:
    """Anchor id of a section module (its ``ID`` or its module name)."""
    return str(getattr(mod, "ID", mod.__name__.rsplit(".", 1)[-1]))
