"""The HTML report: one self-contained file (plotly.js and map outlines inline, works offline).

:func:`write_report` renders one result (or several side by side) from the section registry in
:mod:`tradeshock.report.sections` and writes the file atomically.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import traceback
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from tradeshock._version import __version__
from tradeshock.errors import TradeshockError
from tradeshock.report import tables
from tradeshock.report.context import ReportContext
from tradeshock.report.sections import available_sections, section_id
from tradeshock.result import ResultSet

ASSETS = Path(__file__).parent / "assets"


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js from the installed plotly package (embedded once per page, no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@lru_cache(maxsize=1)
def geo_assets_js() -> str:
    """Script defining ``window.PlotlyGeoAssets`` with the world outlines, so maps need no fetch."""
    topo = (ASSETS / "world_110m.json").read_text(encoding="utf-8")
    return f"window.PlotlyGeoAssets={{topojson:{{'world_110m':{topo}}}}};"


def render_sections(result: Any, ctx: ReportContext, prefix: str = "") -> list[tuple[str, str, str]]:
    """Render every available section for ``result``: ``[(anchor, title, html), ...]``."""
    out = []
    for mod in available_sections(ctx.options.get("sections")):
        anchor = prefix + section_id(mod)
        gate = getattr(mod, "ENABLED_BY", None)
        if gate and not ctx.options.get(gate):
            continue
        try:
            frag = mod.render(result, ctx)
        except Exception as exc:
            if ctx.strict:
                raise
            frag = (f'<p class="warn">This section could not be rendered: '
                    f"{ctx.esc(exc.__class__.__name__)}: {ctx.esc(exc)}</p>"
                    f"<!-- {ctx.esc(traceback.format_exc())} -->")
        if frag:
            out.append((anchor, str(mod.TITLE), frag))
    return out


def render_report(results: Any | Sequence[Any], *, title: str | None = None, home: str = "CAN",
                  strict: bool = False, **options: Any) -> str:
    """The report page as HTML text for one result or several (compared side by side)."""
    many = _as_list(results)
    ctx = ReportContext(home=home, strict=strict, options=options)
    blocks: list[tuple[str, str, str, int]] = []  # anchor, title, html, level
    if len(many) > 1:
        from tradeshock.report.compare import render_comparison

        for anchor, t, frag in render_comparison(many, ctx):
            blocks.append((anchor, t, frag, 2))
        for k, res in enumerate(many, 1):
            blocks.append((f"s{k}", f"Scenario {k}: {tables.scenario_name(res)}", "", 2))
            for anchor, t, frag in render_sections(res, ctx, prefix=f"s{k}-"):
                blocks.append((anchor, t, frag, 3))
    else:
        for anchor, t, frag in render_sections(many[0], ctx):
            blocks.append((anchor, t, frag, 2))
    if title is None:
        names = [tables.scenario_name(r) for r in many]
        title = (names[0] if len(names) == 1 else "Comparison: " + " vs ".join(names)
                 if len(names) <= 3 else f"Comparison of {len(names)} scenarios")
    return _page(title, many, blocks, ctx)


def write_report(result: Any | Sequence[Any], path: str | os.PathLike[str], **kw: Any) -> Path:
    """Write the HTML report of ``result`` (or a list of results, compared) to ``path``.

    The file is written to a temporary name beside ``path`` and moved into place, so an error
    never leaves a half-written report. Keyword arguments go to :func:`render_report`
    (``title``, ``home``, ``strict``, ``sections``, and options read by sections).
    """
    path = Path(path)
    text = render_report(result, **kw)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise TradeshockError(f"cannot write the report to {path}: {exc.strerror or exc}; "
                              "choose a writable folder") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _as_list(results: Any | Sequence[Any]) -> list[Any]:
    """One Result, a ResultSet or a sequence of results, as a non-empty list."""
    if isinstance(results, (list, tuple, ResultSet)):
        if not len(results):
            raise TradeshockError("no results to report")
        return list(results)
    return [results]


def _page(title: str, results: list[Any], blocks: list[tuple[str, str, str, int]],
          ctx: ReportContext) -> str:
    esc = ctx.esc
    toc = "".join(f'<li class="l{lvl}"><a href="#{esc(a)}">{esc(t)}</a></li>'
                  for a, t, _, lvl in blocks)
    body = "".join(f'<section id="{esc(a)}" class="l{lvl}"><h{lvl}>{esc(t)}</h{lvl}>{frag}</section>'
                   for a, t, frag, lvl in blocks)
    w = results[0].world
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sub = (f"World {esc(w.name)} (base year {w.year}) · tradeshock {esc(__version__)} · "
           f"generated {stamp}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tradeshock {esc(__version__)}">
<title>{esc(title)} — tradeshock</title>
<style>{CSS}</style>
<script>{plotly_js()}</script>
<script>{geo_assets_js()}</script>
</head><body>
<header><h1>{esc(title)}</h1><p class="sub">{sub}</p></header>
<nav><ul>{toc}</ul></nav>
<main>{body}</main>
<footer><p>Made with tradeshock {esc(__version__)}: Caliendo–Parro general equilibrium on
public data. Numbers are model results, not forecasts; see “Data and caveats”.</p></footer>
</body></html>
"""


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2433;
 background:#fafafa;line-height:1.45}
header{background:#1d3557;color:#fff;padding:18px 32px}header h1{margin:0;font-size:1.6em}
.sub{margin:4px 0 0;opacity:.8;font-size:.9em}
nav{position:fixed;top:0;left:0;width:230px;height:100vh;overflow-y:auto;background:#fff;
 border-right:1px solid #ddd;padding-top:100px;font-size:.85em}
nav ul{list-style:none;padding-left:14px}nav li.l3{padding-left:12px}nav a{color:#1d3557;
 text-decoration:none}nav a:hover{text-decoration:underline}
main,header,footer{margin-left:240px}main{padding:8px 32px;max-width:1100px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px 20px 16px;
 margin:16px 0}section.l2>h2{border-bottom:2px solid #1d3557;padding-bottom:4px}
.headline{font-size:1.15em}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border:1px solid #ddd;border-radius:6px;
 padding:8px 14px;min-width:120px}.tile-value{font-size:1.5em;font-weight:600}
.tile.up .tile-value{color:#2a9d8f}.tile.down .tile-value{color:#c1121f}
.tile-label,.tile-note{font-size:.8em;color:#555}
.tablewrap{overflow-x:auto;max-width:100%}
table.data{border-collapse:collapse;margin:12px 0;font-size:.85em}
table.data caption{text-align:left;font-weight:600;padding:4px 0}
.unit{font-weight:400;color:#555}
table.data th,table.data td{border-bottom:1px solid #e5e5e5;padding:3px 8px;text-align:left}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums}
table.data th{background:#f1f3f6}
section a{overflow-wrap:anywhere}
.note{font-size:.85em;color:#555}.warn{color:#9d0208;font-weight:600}.ok{color:#2a9d8f}
footer{padding:8px 32px 32px;font-size:.8em;color:#666}
@media (max-width:900px){nav{display:none}main,header,footer{margin-left:0}}
"""
