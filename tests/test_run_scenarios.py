"""The runner on the shipped scenarios and the packaged default world (no raw data needed)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

import tradeshock as ts
from tradeshock import runner
from tradeshock.cli import main
from tradeshock.shock import Shock
from tradeshock.simulate import simulate

pytestmark = pytest.mark.skipif("default" not in ts.list_worlds(), reason="default world not packaged")


@pytest.fixture(scope="module")
def universal():
    return ts.run("us-universal-10")


def test_baseline_scenario_changes_nothing():
    res = runner.run("baseline-2024")
    # no new measures: the counterfactual is the re-solved baseline itself
    assert np.abs(res.welfare().to_numpy()).max() < 1e-6
    tr = res.trade()
    assert np.allclose(tr["counterfactual"], tr["baseline"], rtol=1e-9, atol=1e-6)


def test_scenario_file_equals_the_same_shock_built_by_hand(universal):
    w = universal.world
    goods = list(w.sectors[: w.sectors.index("utilities") + 1])   # WIOD c1-c17: tariffs apply to goods
    direct = simulate(w, Shock(w).tariff(imposer="USA", sectors=goods, add=0.10))
    # the compiled scenario and the hand-built shock give the same tariffs and equilibrium
    usa = w.countries.index("USA")
    traded = w.flows[usa] > 0                        # a rate on a flow of zero changes nothing
    np.testing.assert_allclose(universal.shock.tariffs[usa][traded], direct.shock.tariffs[usa][traded],
                               atol=1e-12)
    pd.testing.assert_frame_equal(universal.welfare(), direct.welfare(), atol=1e-7, rtol=0)
    can_us = universal.exports("CAN").set_index("partner").loc["USA"]
    assert can_us["change_pct"] < -5                   # a 10-point tariff cuts Canada's US sales
    assert universal.revenue().set_index("country").loc["USA", "change"] > 0


def test_as_of_and_world_are_recorded(tmp_path):
    res = runner.run("baseline-2024", as_of="2025-06-01")
    assert str(res.scenario.as_of) == "2025-06-01"
    out = runner.write_outputs([res], tmp_path, "csv", argv=["x"])
    rec = json.loads((out / "run.json").read_text())
    run0 = rec["runs"][0]
    assert run0["settings"]["as_of"] == "2025-06-01"
    assert run0["scenario"]["name"] == "baseline-2024"
    assert run0["scenario"]["source"].endswith("baseline-2024.yaml")
    assert len(run0["scenario"]["sha256"]) == 64
    assert run0["world"]["name"] == "default" and run0["world"]["year"] == 2024
    assert rec["provenance"]["default"]["sources"]
    with pytest.raises(ts.ScenarioError, match="not a date"):
        runner.run("baseline-2024", as_of="June 2025")


def test_cli_run_writes_report_and_prints_summary(tmp_path, monkeypatch, capsys):
    out = tmp_path / "o"
    monkeypatch.setattr(sys, "argv", ["tradeshock", "run", "baseline-2024", "us-universal-10",
                                      "--out", str(out), "--format", "html,csv"])
    main()
    text = capsys.readouterr().out
    assert "Under “us-universal-10”, Canada's real income falls" in text
    assert "Canada's exports" in text and "Tariff revenue" in text and "converged" in text
    assert {"report.html", "run.json", "welfare.csv", "trade.csv"} <= {p.name for p in out.iterdir()}
    wf = pd.read_csv(out / "welfare.csv")
    assert sorted(wf["scenario"].unique()) == ["baseline-2024", "us-universal-10"]
    html = (out / "report.html").read_text(encoding="utf-8")
    page = (out / "report_files" / "2-us-universal-10.html").read_text(encoding="utf-8")
    assert 'id="cmp-welfare"' in html and 'href="report_files/2-us-universal-10.html"' in html
    assert 'id="measures"' in page and 'href="../report.html"' in page
