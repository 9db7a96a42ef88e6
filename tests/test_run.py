"""The run folder: report, tables in every format, run.json, atomic writes, scenario lookup."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_report import small_world

from tradeshock import runner
from tradeshock.errors import ScenarioError, TradeshockError
from tradeshock.shock import Shock
from tradeshock.simulate import simulate


@pytest.fixture(scope="module")
def results():
    w = small_world()
    a = simulate(w, Shock(w).tariff(imposer="USA", target="CAN", rate=0.25))
    b = simulate(w, Shock(w).tariff(imposer="CHN", target="CAN", sectors=["agriculture", "food"],
                                    rate=1.0))
    return [a, b]


def test_run_folder_has_report_tables_and_record(tmp_path, results):
    out = runner.write_outputs(results, tmp_path / "out", "html,csv,parquet,xlsx", argv=["test"])
    names = {p.name for p in out.iterdir()}
    tables = {"welfare", "trade", "exports", "imports", "output", "revenue", "measures"}
    assert {"report.html", "run.json", "results.xlsx"} <= names
    assert {f"{t}.csv" for t in tables} <= names and {f"{t}.parquet" for t in tables} <= names
    assert not [n for n in names if n.startswith(".")]          # no temp files left behind

    wf = pd.read_csv(out / "welfare.csv")
    assert list(wf.columns[:2]) == ["scenario", "country"]
    assert wf["scenario"].nunique() == 2
    first = wf[wf["scenario"] == wf["scenario"].iloc[0]].set_index("country")
    assert first.loc["CAN", "real_income"] == pytest.approx(
        results[0].welfare().loc["CAN", "real_income"], rel=1e-9)

    # the trade table is complete: every importer x exporter x sector, baseline = world flows
    w = results[0].world
    tr = pd.read_parquet(out / "trade.parquet")
    assert len(tr) == 2 * w.flows.size
    one = tr[tr["scenario"] == tr["scenario"].iloc[0]]
    assert one["baseline"].sum() == pytest.approx(w.flows.sum(), rel=1e-9)

    xl = pd.ExcelFile(out / "results.xlsx")
    assert {"units", "welfare", "trade", "output"} <= set(xl.sheet_names)

    rec = json.loads((out / "run.json").read_text())
    assert rec["command"] == ["test"]
    assert set(rec["files"]) | {"run.json"} == names
    assert {"python", "tradeshock", "numpy", "pandas", "plotly"} <= set(rec["versions"])
    assert len(rec["runs"]) == 2
    run0 = rec["runs"][0]
    assert run0["world"] == {"name": "test6", "year": 2024, "countries": 6, "sectors": 6}
    assert run0["diagnostics"]["converged"] is True
    assert run0["settings"]["deficits"] == "fixed"
    assert run0["scenario"]["shock_log"][0]["rate"] == 0.25
    assert rec["provenance"]["test6"]["sources"][0]["title"].startswith("synthetic")


def test_failed_write_leaves_previous_outputs_intact(tmp_path, results, monkeypatch):
    out = runner.write_outputs(results[:1], tmp_path / "out", "csv")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "write_tables", broken)
    with pytest.raises(TradeshockError, match="previous outputs were left"):
        runner.write_outputs(results, out, "csv")
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before


def test_rerun_removes_only_its_own_stale_files(tmp_path, results):
    out = runner.write_outputs(results[:1], tmp_path / "out", "csv,parquet")
    (out / "notes.txt").write_text("mine")
    runner.write_outputs(results[:1], out, "parquet")
    names = {p.name for p in out.iterdir()}
    assert "notes.txt" in names                        # not ours: kept
    assert not [n for n in names if n.endswith(".csv")]  # our earlier csv tables: gone
    assert "welfare.parquet" in names and "run.json" in names


def test_formats_and_out_folder_are_checked(tmp_path):
    assert runner.check_formats("HTML, csv,.parquet") == ["html", "csv", "parquet"]
    with pytest.raises(TradeshockError, match="unknown output format 'pdf'"):
        runner.check_formats("html,pdf")
    with pytest.raises(TradeshockError, match="no output format"):
        runner.check_formats(" , ")
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(TradeshockError, match="not a folder"):
        runner.prepare_out(f)
    with pytest.raises(TradeshockError, match="cannot write there"):
        runner.prepare_out(f / "sub")


def test_scenario_names_resolve_from_scenarios_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    target = tmp_path / "scenarios" / "my-case.yaml"
    target.write_text("name: my case\n")
    assert runner.scenario_path("my-case").resolve() == target.resolve()
    assert runner.scenario_path("my-case.yaml").resolve() == target.resolve()
    assert runner.scenario_path(str(target)) == target
    (tmp_path / "here.yaml").write_text("name: here\n")
    assert runner.scenario_path("here.yaml") == Path("here.yaml")      # a file in the cwd
    assert "my-case" in runner.list_scenarios()
    with pytest.raises(ScenarioError, match="did you mean my-case"):
        runner.scenario_path("my-cas")
    with pytest.raises(ScenarioError, match="not found"):
        runner.scenario_path("elsewhere/none.yaml")
    with pytest.raises(ScenarioError, match="is a folder"):
        runner.scenario_path(str(tmp_path))
