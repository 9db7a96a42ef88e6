"""The HTML report: one self-contained page per result, or an overview plus one page a scenario.

:func:`write_report` renders one result as a single self-contained file (plotly.js and map
outlines inline, works offline). Several results become a small site: ``report.html`` is the
overview (one card per scenario with its headline and a link, then the side-by-side
comparison), each scenario has its own page in ``report_files/``, and plotly.js and the map
outlines are written once to ``report_files/assets/`` and shared by every page. Everything is
written to a temporary place and moved into position, so an error never leaves a half-written
report. Sections come from the registry in :mod:`tradeshock.report.sections`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
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
            ctx.failures.append({"section": section_id(mod), "title": str(mod.TITLE),
                                 "scenario": tables.scenario_name(result),
                                 "error": f"{exc.__class__.__name__}: {exc}"})
            frag = (f'<p class="warn">This section could not be rendered: '
                    f"{ctx.esc(exc.__class__.__name__)}: {ctx.esc(exc)}</p>"
                    f"<!-- {ctx.esc(traceback.format_exc())} -->")
        if frag:
            out.append((anchor, str(mod.TITLE), frag))
    return out


def render_report(results: Any | Sequence[Any], *, title: str | None = None, home: str = "CAN",
                  strict: bool = False, failures: list[dict[str, str]] | None = None,
                  **options: Any) -> str:
    """The report of one result as one self-contained HTML page.

    Several results are rendered as one long page (the comparison, then every scenario's
    sections) for callers that need a single text; :func:`write_report` writes them as an
    overview plus one page per scenario instead. A section that raises is shown as a notice and
    recorded in ``failures`` (when a list is given); ``strict=True`` re-raises instead.
    """
    many = _as_list(results)
    ctx = ReportContext(home=home, strict=strict, options=options)
    if failures is not None:
        ctx.failures = failures
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
    return _page(title or _title(many), many, blocks, ctx)


def _title(many: list[Any]) -> str:
    names = [tables.scenario_name(r) for r in many]
    return (names[0] if len(names) == 1 else "Comparison: " + " vs ".join(names)
            if len(names) <= 3 else f"Comparison of {len(names)} scenarios")


def files_folder(path: str | os.PathLike[str]) -> Path:
    """The folder holding a multi-scenario report's pages and shared assets (``report_files``)."""
    path = Path(path)
    return path.with_name(f"{path.stem}_files")


def page_name(k: int, result: Any) -> str:
    """File name of scenario ``k``'s page (``1-us-universal-10.html``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", tables.scenario_name(result).lower()).strip("-") or "scenario"
    return f"{k}-{slug[:60]}.html"


def render_site(results: Sequence[Any], path: str | os.PathLike[str], *, title: str | None = None,
                home: str = "CAN", strict: bool = False, failures: list[dict[str, str]] | None = None,
                **options: Any) -> dict[str, str]:
    """The pages of a multi-scenario report: ``{relative path: html text}`` (assets excluded).

    ``report.html`` (the overview) links to ``report_files/<k>-<name>.html``; every page loads
    ``report_files/assets/plotly.min.js`` and ``geo-assets.js``.
    """
    many = _as_list(results)
    path = Path(path)
    folder = files_folder(path).name
    ctx = ReportContext(home=home, strict=strict, options=options)
    if failures is not None:
        ctx.failures = failures
    from tradeshock.report.compare import render_comparison

    names = [page_name(k, r) for k, r in enumerate(many, 1)]
    cards = _cards(many, [f"{folder}/{n}" for n in names], ctx)
    blocks = [("scenarios", "Scenarios", cards, 2)]
    for anchor, t, frag in render_comparison(many, ctx, overview=False):
        blocks.append((anchor, t, frag, 2))
    top = title or _title(many)
    pages = {path.name: _page(top, many, blocks, ctx, assets=f"{folder}/assets",
                              nav_extra=[(f"{folder}/{n}", tables.scenario_name(r))
                                         for n, r in zip(names, many, strict=True)])}
    for k, (res, name) in enumerate(zip(many, names, strict=True), 1):
        sub = [(a, t, frag, 2) for a, t, frag in render_sections(res, ctx)]
        back = [(f"../{path.name}", "← Overview of all scenarios")]
        pages[f"{folder}/{name}"] = _page(f"Scenario {k} of {len(many)}: {tables.scenario_name(res)}",
                                          [res], sub, ctx, assets="assets", nav_extra=back,
                                          crumb=(f"../{path.name}", top))
    return pages


def _cards(results: list[Any], links: list[str], ctx: ReportContext) -> str:
    """One short card per scenario: name, description, the headline's first sentence,
    Canada's real income (and the difference from the reference) and a link to its page."""
    from tradeshock.report.headline import headline_sentences

    out = []
    for k, (res, link) in enumerate(zip(results, links, strict=True), 1):
        sc = getattr(res, "scenario", None)
        desc = (getattr(sc, "description", "") or "").strip()
        sent = headline_sentences(res, ctx.home)
        wf = res.welfare()
        tile = ""
        if ctx.home in wf.index:
            v = float(wf.loc[ctx.home, "real_income"])
            ref = getattr(res, "reference", None)
            extra = ""
            if ref is not None:
                d = v - float(ref.welfare().loc[ctx.home, "real_income"])
                extra = (f'<div class="tile-note">{d:+.3f} pp against '
                         f"{ctx.esc(tables.scenario_name(ref))}</div>")
            cls = "up" if v > 0 else "down" if v < 0 else ""
            tile = (f'<div class="tile {cls}"><div class="tile-label">'
                    f"{ctx.esc(tables.country_name(res, ctx.home))} real income</div>"
                    f'<div class="tile-value">{v:+.2f}%</div>'
                    f'<div class="tile-note">against the {res.world.year} baseline</div>{extra}</div>')
        out.append(f'<article class="card" id="card-{k}"><h3><a href="{ctx.esc(link)}">{k}. '
                   f"{ctx.esc(tables.scenario_name(res))}</a></h3>"
                   + (f'<p class="desc">{ctx.esc(desc)}</p>' if desc else "")
                   + f'<div class="card-body">{tile}<p class="headline">'
                   f"{ctx.esc(' '.join(sent[:1]))}</p></div>"
                   f'<p><a class="more" href="{ctx.esc(link)}">Full report: measures, welfare, '
                   "trade, sectors, provinces, data →</a></p></article>")
    return f'<div class="cards">{"".join(out)}</div>'


def write_report(result: Any | Sequence[Any], path: str | os.PathLike[str], *,
                 failures: list[dict[str, str]] | None = None, **kw: Any) -> Path:
    """Write the HTML report of ``result`` (or several results: an overview and their pages).

    One result: one self-contained file at ``path``. Several: ``path`` is the overview and
    ``<stem>_files/`` holds one page per scenario plus the shared assets (replaced as a whole).
    Written to temporary names beside ``path`` and moved into place, so an error never leaves a
    half-written report. Keyword arguments go to :func:`render_report` / :func:`render_site`
    (``title``, ``home``, ``strict``, ``sections``, and options read by sections). Returns
    ``path``.

    Raises
    ------
    TradeshockError
        A section raised: the report is still written, with a notice in place of the section,
        and then this error names the failed sections. Pass a ``failures`` list to collect them
        instead (the runner does, to list them in ``run.json`` before failing).
    """
    path = Path(path)
    many = _as_list(result)
    collect = failures if failures is not None else []
    _write_report(many, path, collect, **kw)
    if collect and failures is None:
        raise TradeshockError(failure_message(collect, path))
    return path


def _write_report(many: list[Any], path: Path, failures: list[dict[str, str]], **kw: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TradeshockError(f"cannot write the report to {path}: {exc.strerror or exc}; "
                              "choose a writable folder") from None
    if len(many) == 1:
        _write_text(render_report(many[0], failures=failures, **kw), path)
        return
    pages = render_site(many, path, failures=failures, **kw)
    folder = files_folder(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=path.parent))
    try:
        assets = tmp / "assets"
        assets.mkdir()
        (assets / "plotly.min.js").write_text(plotly_js(), encoding="utf-8")
        (assets / "geo-assets.js").write_text(geo_assets_js(), encoding="utf-8")
        for rel, text in pages.items():
            if rel != path.name:
                (tmp / Path(rel).name).write_text(text, encoding="utf-8")
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~_umask())
        if folder.exists():
            shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _write_text(pages[path.name], path)


def _write_text(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder (atomic)."""
    try:
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


def failure_message(failures: Sequence[dict[str, str]], where: Any) -> str:
    """One line naming each failed report section (for the CLI and ``run.json``)."""
    parts = [f"{f['section']} ({f['scenario']}): {f['error']}" for f in failures]
    return (f"{len(parts)} report section(s) failed: " + "; ".join(parts)
            + f"; {where} was written with a notice in their place (see run.json); "
            "run with --debug for the traceback")


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
          ctx: ReportContext, assets: str | None = None,
          nav_extra: Sequence[tuple[str, str]] = (), crumb: tuple[str, str] | None = None) -> str:
    """One HTML page; ``assets`` = folder of shared scripts (None: inline them, self-contained)."""
    esc = ctx.esc
    toc = "".join(f'<li class="l{lvl}"><a href="#{esc(a)}">{esc(t)}</a></li>'
                  for a, t, _, lvl in blocks)
    if nav_extra:
        toc += '<li class="navhead">Pages</li>' + "".join(
            f'<li class="l2 page"><a href="{esc(h)}">{esc(t)}</a></li>' for h, t in nav_extra)
    if assets is None:
        scripts = f"<script>{plotly_js()}</script>\n<script>{geo_assets_js()}</script>"
    else:
        scripts = (f'<script src="{esc(assets)}/plotly.min.js"></script>\n'
                   f'<script src="{esc(assets)}/geo-assets.js"></script>')
    back = (f'<p class="crumb"><a href="{esc(crumb[0])}">← {esc(crumb[1])}</a></p>'
            if crumb else "")
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
{scripts}
</head><body>
<header>{back}<h1>{esc(title)}</h1><p class="sub">{sub}</p></header>
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
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}
.card{border:1px solid #ddd;border-radius:6px;padding:4px 14px 8px;background:#fcfcfd}
.card h3{margin:8px 0 4px}.card h3 a{color:#1d3557;text-decoration:none}
.card .desc{font-size:.85em;color:#555;margin:0 0 6px}.card .headline{font-size:.92em}
.card-body{display:flex;gap:12px;align-items:flex-start}.more{font-size:.85em}
.crumb{margin:0 0 4px}.crumb a{color:#fff;opacity:.85}
nav li.navhead{margin-top:12px;font-weight:600;color:#555}
@media (max-width:900px){nav{display:none}main,header,footer{margin-left:0}}
"""
