"""HTML report, its sections, summary tables and headline, on real engine solves of a small world.

The world is a synthetic exact equilibrium (``random_world``) relabelled with real codes, so the
re-solved baseline equals the data: baseline columns can be checked against the world's flows,
an independent reference the report code never sees.
"""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pytest

from tradeshock.report import tables
from tradeshock.report.headline import headline, headline_sentences
from tradeshock.report.html import render_report, write_report
from tradeshock.report.sections import SECTIONS, available_sections, section_id
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.synthetic import random_world

COUNTRIES = ("CAN", "USA", "CHN", "MEX", "JPN", "ROW")
SECTORS = ("agriculture", "mining", "food", "metals", "transport_equipment", "business_services")
NAMES = {"CAN": "Canada", "USA": "United States", "CHN": "China", "MEX": "Mexico", "JPN": "Japan",
         "ROW": "Rest of the world"}
CORE = ("headline", "welfare", "canada_trade", "sectors", "bilateral", "revenue", "measures",
        "settings_diagnostics", "provenance")


def small_world(seed: int = 11):
    """A 6-country, 6-sector exact-equilibrium world with real labels (numbers are synthetic)."""
    w = random_world(len(COUNTRIES), len(SECTORS), seed=seed)
    return w.replace(name="test6", year=2024, countries=COUNTRIES, sectors=SECTORS,
                     country_names=NAMES,
                     sector_labels={s: s.replace("_", " ").capitalize() for s in SECTORS},
                     provenance={"sources": [{"title": "synthetic (tradeshock.synthetic)",
                                              "url": "https://example.org/synthetic",
                                              "licence": "none"}],
                                 "method": ["random_world(6, 6, seed=11), relabelled"]})


@pytest.fixture(scope="module")
def world():
    return small_world()


@pytest.fixture(scope="module")
def us_tariff(world):
    """The US puts 25% on everything from Canada."""
    return simulate(world, Shock(world).tariff(imposer="USA", target="CAN", rate=0.25))


@pytest.fixture(scope="module")
def trade_war(world):
    """The US and Canada put 25% on each other."""
    return simulate(world, Shock(world).tariff(imposer="USA", target="CAN", rate=0.25)
                    .tariff(imposer="CAN", target="USA", rate=0.25))


def test_registry_lists_core_sections_in_order_and_skips_missing():
    names = [section_id(m) for m in available_sections()]
    core = [n for n in names if n in CORE]
    assert core == list(CORE)
    assert names == [n for n in SECTIONS if n in names]      # registry order, missing skipped
    assert available_sections(("headline", "no_such_section")) == available_sections(("headline",))


def test_exports_by_partner_baseline_equals_world_flows(world, us_tariff):
    ex = tables.exports_by_partner(us_tariff, "CAN").set_index("partner")
    can, usa, chn = (world.countries.index(c) for c in ("CAN", "USA", "CHN"))
    # flows are [importer, exporter, sector]; the exact-equilibrium world re-solves to itself
    assert ex.loc["United States (USA)", "baseline"] == pytest.approx(world.flows[usa, can].sum(), rel=1e-8)
    assert ex.loc["China (CHN)", "baseline"] == pytest.approx(world.flows[chn, can].sum(), rel=1e-8)
    assert ex.loc["Total", "baseline"] == pytest.approx(world.exports[can], rel=1e-8)
    parts = ex.drop(index="Total")
    assert parts["counterfactual"].sum() == pytest.approx(ex.loc["Total", "counterfactual"], rel=1e-12)
    # a 25% US tariff cuts Canada's exports to the US
    assert ex.loc["United States (USA)", "change_pct"] < -5


def test_welfare_movers_always_include_focus(us_tariff):
    m = tables.welfare_movers(us_tariff, n=1)
    assert {"CAN", "USA", "CHN", "MEX"} <= set(m["country"])
    assert list(m["real_income"]) == sorted(m["real_income"], reverse=True)


def test_bilateral_moves_sum_to_cross_border_totals(world, us_tariff):
    b = tables.bilateral_moves(us_tariff, n=100)
    n = len(world.countries)
    assert len(b) == n * (n - 1)
    off_diag = world.flows.sum(axis=2)[~np.eye(n, dtype=bool)].sum()
    assert b["baseline"].sum() == pytest.approx(off_diag, rel=1e-8)


def test_headline_is_computed_from_the_numbers(world, us_tariff):
    null = simulate(world)
    text = headline(null)
    assert "real income is essentially unchanged" in text
    assert "barely move" in text
    sents = headline_sentences(us_tariff)
    can = us_tariff.welfare().loc["CAN", "real_income"]
    assert can < 0
    assert f"Canada's real income falls {abs(can):.2f}%" in sents[0]
    assert "to the United States fall" in sents[1]


def test_report_is_one_offline_file_with_every_section(tmp_path, us_tariff):
    path = write_report(us_tariff, tmp_path / "r" / "report.html", strict=True)
    html = path.read_text(encoding="utf-8")
    # plotly.js embedded exactly once, no CDN or external script
    assert html.count("plotly.js v") == 1 or len(re.findall(r"\* plotly\.js", html)) == 1
    assert not re.search(r"<script[^>]+src=", html)
    assert "window.PlotlyGeoAssets" in html and "world_110m" in html
    for sid in CORE:
        assert f'id="{sid}"' in html
    assert html.count("Plotly.newPlot") >= 6
    # units on tables
    assert html.count('<span class="unit">') >= 6
    assert "US$ million, 2024, producer prices" in html
    assert list(tmp_path.joinpath("r").iterdir()) == [path]  # no temp file left


def test_section_error_is_visible_unless_strict(monkeypatch, us_tariff):
    mod = types.ModuleType("tradeshock.report.sections.zz_broken")
    mod.TITLE = "Broken"

    def render(result, ctx):
        raise ValueError("boom 42")

    mod.render = render
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    html = render_report(us_tariff, sections=("headline", "zz_broken"))
    assert "could not be rendered" in html and "boom 42" in html
    with pytest.raises(ValueError, match="boom 42"):
        render_report(us_tariff, sections=("zz_broken",), strict=True)


def test_section_returning_none_is_skipped(monkeypatch, us_tariff):
    mod = types.ModuleType("tradeshock.report.sections.zz_none")
    mod.TITLE = "Nothing here"
    mod.render = lambda result, ctx: None
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    html = render_report(us_tariff, sections=("headline", "zz_none"), strict=True)
    assert "Nothing here" not in html and 'id="headline"' in html


def test_compare_report_and_tables(tmp_path, us_tariff, trade_war):
    res = [us_tariff, trade_war]
    wf = tables.compare_welfare(res)
    labels = tables.scenario_labels(res)
    assert labels == ["custom shock [1]", "custom shock [2]"]
    can = wf.set_index("country").loc["CAN"]
    assert can[labels[0]] == pytest.approx(us_tariff.welfare().loc["CAN", "real_income"])
    assert can[labels[1]] == pytest.approx(trade_war.welfare().loc["CAN", "real_income"])
    ex = tables.compare_exports(res).set_index("scenario")
    assert list(ex.index) == ["baseline", *labels]
    assert ex.loc["baseline", "total"] == pytest.approx(us_tariff.world.exports[0], rel=1e-8)
    assert ex.loc[labels[0], "USA %"] < 0 and ex.loc[labels[1], "USA %"] < 0
    html = write_report(res, tmp_path / "cmp.html", strict=True).read_text(encoding="utf-8")
    for sid in ("scenarios", "cmp-welfare", "cmp-trade", "cmp-sectors", "card-1", "card-2"):
        assert f'id="{sid}"' in html
    assert "cmp_files/assets/plotly.min.js" in html and len(html) < 500_000   # not inlined
    pages = sorted((tmp_path / "cmp_files").glob("*.html"))
    assert [p.name for p in pages] == ["1-custom-shock.html", "2-custom-shock.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert 'id="headline"' in text and 'id="welfare"' in text and "../cmp.html" in text
    # one long page is still available as text
    long = render_report(res, strict=True)
    assert 'id="s1-headline"' in long and 'id="overview"' in long


def test_notebook_view(us_tariff):
    html = us_tariff._repr_html_()
    assert "Canada&#x27;s real income falls" in html
    assert "<table" in html and "plotly" not in html.lower()


def test_world_without_canada_skips_canada_parts():
    w = random_world(4, 3, seed=2)
    res = simulate(w, Shock(w).tariff(imposer=w.countries[0], target=w.countries[1], rate=0.2))
    html = render_report(res, strict=True)
    assert 'id="canada_trade"' not in html and 'id="welfare"' in html
    top = res.welfare()["real_income"].abs().idxmax()
    name = res.world.country_names.get(top, top)
    assert headline(res).startswith(f"Under “custom shock”, real income moves most in {name} (")


def test_enabled_by_gates_costly_sections(monkeypatch, us_tariff):
    mod = types.ModuleType("tradeshock.report.sections.zz_costly")
    mod.TITLE = "Costly analysis"
    mod.ENABLED_BY = "costly"
    mod.render = lambda result, ctx: f"<p>costly={ctx.options['costly']}</p>"
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    assert "Costly analysis" not in render_report(us_tariff, sections=("zz_costly",), strict=True)
    assert "costly=yes" in render_report(us_tariff, sections=("zz_costly",), strict=True, costly="yes")


def test_measure_sources_become_links_and_code_lists_shorten():
    from tradeshock.report.context import ReportContext
    from tradeshock.report.sections.measures import _source_html

    ctx = ReportContext()
    assert _source_html("KWE, Customer Advisory <https://x.org/a?b=1&c=2>", ctx) == \
        '<a href="https://x.org/a?b=1&amp;c=2">KWE, Customer Advisory</a>'
    assert _source_html({"title": "FR notice", "url": "https://fr.gov/1"}, ctx) == \
        '<a href="https://fr.gov/1">FR notice</a>'
    assert _source_html("Illustrative <assumption>", ctx) == "Illustrative &lt;assumption&gt;"
    assert tables.short_codes(["CHL", "PER", "COL", "PAN", "HND"]) == "CHL, PER, COL +2 more"
    assert tables.short_codes("USA, MEX") == "USA, MEX"


def test_terminal_summary_and_comparison_have_every_part(us_tariff, trade_war):
    from rich.console import Console

    from tradeshock.report.terminal import print_comparison, print_summary

    con = Console(record=True, width=100)
    print_summary(us_tariff, console=con)
    text = con.export_text()
    for part in ("Measures applied", "Welfare by country", "Canada's exports", "United States (USA)",
                 "Everyone else", "sectors that gain and lose most", "Tariff revenue",
                 "Solver: converged", "In a sentence"):
        assert part in text, part
    can = us_tariff.welfare().loc["CAN", "real_income"]
    assert f"{can:+.3f}%" in text
    con = Console(record=True, width=100)
    print_comparison([us_tariff, trade_war], console=con)
    text = con.export_text()
    assert "Real income by scenario" in text and "hardest-hit sector" in text
    assert text.count("custom shock [") >= 6            # each table has a row per scenario
