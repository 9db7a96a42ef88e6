"""Measuring against a reference: status quo packages, ``--against``, headlines, 80-column tables."""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from tradeshock import runner
from tradeshock.report import tables
from tradeshock.report.headline import headline
from tradeshock.report.terminal import print_comparison, print_summary
from tradeshock.scenario import Scenario
from tradeshock.simulate import simulate
from tradeshock.world import load_world


@pytest.fixture(scope="module")
def deal():
    return runner.run("canada-china-deal-2026")


def test_a_package_is_measured_against_its_status_quo(deal):
    # the status quo solved independently: every measure in force on the deal's as_of date
    sq = Scenario.from_dict({"name": "sq", "as_of": "2026-02-01", "settings": {"deficits": "fixed"}})
    ref = simulate(load_world("default"), sq)
    d = float(deal.welfare().loc["CAN", "real_income"]) - float(ref.welfare().loc["CAN", "real_income"])
    assert deal.reference is not None and deal.meta["against"]["kind"] == "status quo"
    assert float(deal.reference.welfare().loc["CAN", "real_income"]) == pytest.approx(
        float(ref.welfare().loc["CAN", "real_income"]), abs=1e-9)
    text = headline(deal)
    assert text.startswith("On top of the measures in force on 2026-02-01")
    assert f"adds {d:+.3f} pp to Canada's real income" in text            # the deal helps Canada
    ri = float(deal.welfare().loc["CAN", "real_income"])
    assert f"({ri:+.2f}% against the 2024 baseline)" in text


def test_extends_is_measured_against_the_base_and_against_overrides():
    res = runner.run("us-punishes-canada-china-deal")
    assert tables.scenario_name(res.reference) == "canada-china-deal-2026"
    assert headline(res).startswith("On top of “canada-china-deal-2026”")
    plain = runner.run("us-universal-10")
    assert getattr(plain, "reference", None) is None                   # not a package: vs 2024
    assert headline(plain).startswith("Under “us-universal-10”")
    vs = runner.run("us-universal-10", against="status-quo-2026-03")
    assert vs.meta["against"] == {"scenario": "status-quo-2026-03", "kind": "against"}
    ag = tables.against_welfare([vs])
    want = (float(vs.welfare().loc["CAN", "real_income"])
            - float(vs.reference.welfare().loc["CAN", "real_income"]))
    assert ag.loc[0, "CAN"] == pytest.approx(want)
    assert headline(vs).startswith("Against “status-quo-2026-03”, “us-universal-10” changes")
    ex = tables.exports_by_partner(vs, "CAN", reference=vs.reference)
    ref_cf = tables.exports_by_partner(vs.reference, "CAN").set_index("code")["counterfactual"]
    assert ex.set_index("code")["baseline"].to_dict() == pytest.approx(ref_cf.to_dict())


def test_headlines_name_only_material_economies():
    res = runner.run("status-quo-2026-03")
    wf = res.welfare()["real_income"]
    text = headline(res)
    # Luxembourg moves more than any large economy here: the materiality rule keeps it out
    assert abs(wf["LUX"]) > abs(wf[["KOR", "MEX", "DEU", "JPN"]]).max()
    assert "Luxembourg" not in text and "Taiwan" not in text and "Rest of" not in text
    assert "TWN" not in tables.material_countries(res) and "ROW" not in tables.material_countries(res)
    assert "value added" in text                                   # what the sector ranking ranks


def test_terminal_tables_keep_numbers_whole_at_80_columns(deal):
    results = runner.run_many(["status-quo-2026-03", "us-universal-10",
                               "china-canola-retaliation-2025", "canada-china-deal-2026",
                               "us-punishes-canada-china-deal", "cusma-termination",
                               "asia-energy-pivot"])
    con = Console(width=80, record=True, color_system=None)
    print_summary(deal, console=con)
    print_comparison(results, console=con)
    out = con.export_text()
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    for res in results:                         # every scenario's Canada real income, whole
        assert f"{float(res.welfare().loc['CAN', 'real_income']):+.2f}%" in out.replace("+0.00%", "0.00%") \
            or abs(float(res.welfare().loc["CAN", "real_income"])) < 0.005
    prov = tables.compare_provinces(results)
    ab = f"{prov.set_index('province').loc['AB', 'us-punishes-canada-china-deal']:+.2f}%"
    assert ab in out and re.search(r"\[5\] us-punishes-canada-china-deal", out)
