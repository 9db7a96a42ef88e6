"""The HTML report renders in headless Chromium: no console errors, charts and sections present.

Uses Debian's Chromium (installed by the Makefile's .chromium step) through Playwright's Python
API; never downloads a browser. Skips with a reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_report import CORE, small_world

from tradeshock import runner
from tradeshock.report.html import write_report
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.world import list_worlds

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason="Debian chromium not installed (make test installs it: "
                              "apt-get install chromium)"),
]


def _render(path: Path) -> dict:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    problems, external = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                                    else shutil.which("chromium"), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: external.append(r.url)
                    if not r.url.startswith(("file:", "data:", "about:")) else None)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
            page.wait_for_timeout(500)
            info = page.evaluate("""() => ({
                plots: document.querySelectorAll('.js-plotly-plot').length,
                drawn: [...document.querySelectorAll('.js-plotly-plot')]
                        .filter(d => d.querySelector('.main-svg')).length,
                bars: document.querySelectorAll('.js-plotly-plot .bars path').length,
                countries: document.querySelectorAll('.js-plotly-plot .choroplethlocation').length,
                sections: [...document.querySelectorAll('main section')].map(s => s.id),
                headline: (document.querySelector('.headline') || {}).innerText || '',
                cards: [...document.querySelectorAll('.card h3 a')].map(a => a.getAttribute('href')),
                height: document.documentElement.scrollHeight,
            })""")
        finally:
            browser.close()
    info["problems"], info["external"] = problems, external
    return info


def test_report_renders_in_chromium(tmp_path):
    w = small_world()
    res = simulate(w, Shock(w).tariff(imposer="USA", target="CAN", rate=0.25))
    path = write_report(res, tmp_path / "report.html", strict=True)
    info = _render(path)
    assert info["problems"] == []
    assert info["external"] == []                       # works offline: no CDN, no map fetch
    assert info["plots"] >= 6 and info["drawn"] == info["plots"]
    assert info["bars"] > 20
    assert info["countries"] >= 4                       # CAN, USA, CHN, MEX, JPN on the map
    assert [s for s in info["sections"] if s in CORE] == list(CORE)
    assert "Canada's real income falls" in info["headline"]


@pytest.mark.skipif("default" not in list_worlds(), reason="default world not packaged")
def test_real_comparison_report_renders_in_chromium(tmp_path):
    """The report `tradeshock compare` writes for shipped scenarios: an overview page with one
    card per scenario and the side-by-side comparison, and one page per scenario."""
    results = runner.run_many(["us-universal-10", "china-canola-retaliation-2025",
                               "canada-china-deal-2026"])
    out = runner.write_outputs(results, tmp_path / "out", "html")
    info = _render(out / "report.html")
    assert info["problems"] == []
    assert info["external"] == []                       # shared assets are local files
    assert info["drawn"] == info["plots"] and info["plots"] >= 4
    for sid in ("scenarios", "cmp-welfare", "cmp-trade", "cmp-sectors", "cmp-provinces",
                "cmp-against"):
        assert sid in info["sections"]
    assert not any(s.startswith("s1-") for s in info["sections"])     # pages, not one long page
    assert len(info["cards"]) == 3
    assert "adds" in (out / "report.html").read_text(encoding="utf-8")   # the deal vs status quo
    shared = out / "report_files" / "assets" / "plotly.min.js"
    assert shared.is_file()
    for href in info["cards"]:
        page = out / href
        assert page.is_file() and "plotly.min.js" in page.read_text(encoding="utf-8")[:20000]
        sub = _render(page)
        assert sub["problems"] == [] and sub["external"] == []
        assert sub["drawn"] == sub["plots"] and sub["countries"] >= 40
        assert [s for s in sub["sections"] if s in CORE] == list(CORE)
    # the overview is short: a fraction of the single long page it replaces
    assert info["height"] < 20000
    assert (out / "report.html").stat().st_size < 500_000
