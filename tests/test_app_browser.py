"""The dashboard in a real browser (Debian's Chromium through Playwright; never downloads one).

Every page loads with no console errors; a scenario is built and run; two are compared; a
table is downloaded; a bad input shows a message. Any request to a non-loopback address is
aborted and recorded, and the tests assert there were none. ``TRADESHOCK_SHOTS=folder`` saves
a screenshot of each page there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from app_server import live  # noqa: F401 - the session fixture

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Debian chromium not installed (make test installs it)",
    ),
]


class Browser:
    def __init__(self, page, problems, outside):
        self.page, self.problems, self.outside = page, problems, outside

    def shot(self, name: str) -> None:
        folder = os.environ.get("TRADESHOCK_SHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser_ctx():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture
def browser(browser_ctx, live):  # noqa: F811
    problems, outside = [], []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page = browser_ctx.new_page()
    page.route("**/*", guard)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    b = Browser(page, problems, outside)
    yield b
    page.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert problems == [], f"console errors: {problems}"


def wait_count(page, selector: str, n: int, timeout: float = 20.0) -> int:
    """Wait until ``selector`` matches more than ``n`` elements (polled from Python: the app's CSP
    forbids the string evaluation ``wait_for_function`` would need)."""
    import time

    end = time.time() + timeout
    while time.time() < end:
        k = page.locator(selector).count()
        if k > n:
            return k
        page.wait_for_timeout(200)
    raise AssertionError(f"{selector}: not more than {n} elements after {timeout} s")


def _go(b, live, path):  # noqa: F811
    b.page.goto(live.url + path, wait_until="networkidle")
    b.page.wait_for_selector(".page h2")


def test_every_page_loads(browser, live):  # noqa: F811
    for path, title, marker in (
        ("/", "Build a scenario", "#b-run"),
        ("/results", "Results", "#r-run"),
        ("/compare", "Compare scenarios", "#c-go"),
        ("/strategy", "Strategy", "#s-att-go"),
    ):
        _go(browser, live, path)
        assert browser.page.inner_text(".page h2") == title
        assert browser.page.locator(marker).count() == 1
        assert "Loading..." not in browser.page.inner_text("body")
        browser.shot(f"page-{path.strip('/') or 'build'}")
    _go(browser, live, "/nowhere")
    assert "Page not found" in browser.page.inner_text(".page")


def _pick(page, dropdown: str, text: str, option: str) -> None:
    """Open a dropdown, wait until its menu shows, type to filter, choose ``option``, close it.

    Typing before the menu is open (a loaded machine) lost the text once in five runs.
    """
    page.click(dropdown)
    page.get_by_role("option").first.wait_for(timeout=20000)
    page.keyboard.type(text)
    page.get_by_role("option", name=option).click()
    page.keyboard.press("Escape")


def test_build_run_results_and_download(browser, live, tmp_path):  # noqa: F811
    page = browser.page
    _go(browser, live, "/build")
    page.fill("#b-asof", "2026-03-01")
    page.press("#b-asof", "Enter")
    page.wait_for_selector("text=United States (", timeout=20000)
    # a custom move: Canada adds 25 points on US metals (the form's defaults are CAN on USA, 25%)
    _pick(page, "#b-sectors", "metals", "Basic metals and fabricated metal (metals)")
    page.click("#b-addmove")
    page.wait_for_selector("text=Move added.")
    page.wait_for_selector("#b-movelist li")
    assert "CAN tariff +25 points on USA on metals" in page.inner_text("#b-movelist")
    browser.shot("build-filled")
    page.click("#b-run")
    page.wait_for_selector("#r-headline", timeout=120000)
    assert page.url.startswith(live.url + "/results?run=")
    text = page.inner_text("#r-headline")
    assert "Canada's real income" in text
    wait_count(page, "#g-welfare-map .choroplethlocation", 30)  # the world map drew (outlines served locally)
    wait_count(page, "#g-provinces .scatterlayer path", 5)
    assert page.locator("#t-provinces tbody tr").count() == 13
    assert page.locator("#t-exports tbody tr").count() == 4
    browser.shot("results")
    with page.expect_download() as dl:
        page.click("#dl-welfare-csv")
    path = tmp_path / "welfare.csv"
    dl.value.save_as(path)
    head = path.read_text().splitlines()[0]
    assert head.startswith("scenario,country,real_income")


def test_compare_two_shipped_scenarios(browser, live):  # noqa: F811
    page = browser.page
    _go(browser, live, "/compare")
    for name in ("us-universal-10", "asia-energy-pivot"):
        _pick(page, "#c-pick", name, f"shipped: {name}")
    assert "2 selected" in page.inner_text("#c-pick")
    page.click("#c-go")
    page.wait_for_selector("#c-content", timeout=120000)
    assert page.locator("#t-cmp-welfare thead th").count() == 4  # country, name, two scenarios
    assert page.locator("#t-cmp-provinces tbody tr").count() == 13
    wait_count(page, "#g-cmp-welfare .bars path", 10)
    browser.shot("compare")


def test_bad_input_shows_a_message(browser, live):  # noqa: F811
    page = browser.page
    _go(browser, live, "/build")
    page.click("#b-mode >> text=set the rate")
    page.fill("#b-value", "-100")
    page.click("#b-addmove")
    page.wait_for_selector("#b-move-msg .error")
    msg = page.inner_text("#b-move-msg")
    assert "is at or below -100%" in msg and "Traceback" not in msg
    page.fill("#b-asof", "2026-02-30")
    page.press("#b-asof", "Enter")
    page.wait_for_selector("#b-asof-msg .error")
    assert "is not a date" in page.inner_text("#b-asof-msg")
    browser.shot("build-errors")


@pytest.mark.slow
def test_strategy_attribution_and_game(browser, live):  # noqa: F811
    page = browser.page
    _go(browser, live, "/strategy")
    page.click("#s-att-go")
    page.wait_for_selector("#t-attribution", timeout=180000)
    assert page.locator("#t-attribution tbody tr").count() >= 4
    wait_count(page, "#g-attribution .bars path", 3)
    browser.shot("strategy-attribution")
    page.click("text=The game")
    page.click("#s-game-go")
    page.wait_for_selector("#s-game-summary", timeout=180000)
    assert "Nash" in page.inner_text("#s-game-summary")
    page.click("text=Diversification target")
    page.click("#s-tgt-go")
    page.wait_for_selector("#s-tgt-summary", timeout=180000)
    assert "CAN" in page.inner_text("#s-tgt-summary")
    browser.shot("strategy-target")
    browser.shot("strategy-game")
