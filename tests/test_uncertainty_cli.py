"""``tradeshock run/compare --draws``: banded tables, run.json record, clear errors on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from clitools import run_cli as _cli

SCENARIO = """
name: g-tariff
world: gravity2006
measures:
  - trade_cost: {importer: USA, exporter: [CAN, MEX], change: 0.10, source: test}
settings:
  deficits: fixed
  uncertainty: {seed: 4, theta: {all: {shape: uniform, low: 3, high: 6}}}
"""


@pytest.fixture
def scenario(tmp_path):
    p = tmp_path / "g.yaml"
    p.write_text(SCENARIO)
    return p


def test_run_with_draws_writes_bands(monkeypatch, capsys, tmp_path, scenario):
    out = tmp_path / "o"
    code, text, err = _cli(monkeypatch, capsys, "run", str(scenario), "--draws", "6",
                           "--out", str(out), "--format", "csv")
    assert code == 0, err
    assert "Ranges over 6/6 elasticity draws (seed 4" in text
    wf = pd.read_csv(out / "welfare.csv")
    assert {"real_income_p05", "real_income_p50", "real_income_p95"} <= set(wf.columns)
    assert (wf["real_income_p05"] <= wf["real_income_p95"]).all()
    th = pd.read_csv(out / "theta_draws.csv")
    assert th["draw"].nunique() == 6 and th["theta"].between(3, 6).all()
    run = json.loads((out / "run.json").read_text())
    rec = run["runs"][0]["uncertainty"]
    assert rec["draws"] == 6 and rec["seed"] == 4 and rec["solved"] == 6 and rec["failed"] == []
    assert (out / "tornado.csv").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--draws", "0"], "--draws: 0; the number of draws must be a positive integer"),
    (["--draws", "-3"], "--draws: -3"),
])
def test_bad_draws(monkeypatch, capsys, tmp_path, scenario, args, message):
    code, out, err = _cli(monkeypatch, capsys, "run", str(scenario), *args,
                          "--out", str(tmp_path / "o"))
    assert code == 1 and message in err and "Traceback" not in err + out


def test_bad_distribution_in_scenario_names_the_field(monkeypatch, capsys, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(SCENARIO.replace("shape: uniform, low: 3, high: 6", "shape: weibull, k: 2"))
    code, out, err = _cli(monkeypatch, capsys, "run", str(p), "--draws", "2",
                          "--out", str(tmp_path / "o"))
    assert code == 1
    assert "settings.uncertainty.theta.all.shape: 'weibull' is not a distribution shape" in err


def test_exposure_with_draws_writes_band_columns(monkeypatch, capsys, tmp_path):
    out = tmp_path / "exp.csv"
    code, text, err = _cli(monkeypatch, capsys, "exposure", "CAN", "--partner", "USA",
                           "--no-cutoffs", "--draws", "2", "--out", str(out))
    assert code == 0, err
    df = pd.read_csv(out)
    # baseline dependence metrics do not depend on θ: zero-width bands
    assert (df["export_share_p05"] == df["export_share_p95"]).all()
    code, _, err = _cli(monkeypatch, capsys, "exposure", "CAN", "--draws", "0")
    assert code == 1 and "--draws: 0" in err


def test_run_with_draws_keeps_every_table(monkeypatch, capsys, tmp_path):
    """With bands, the run folder still has every table a plain run writes."""
    from tradeshock import runner

    res = runner.run_many(["us-universal-10"])[0]
    plain = set(runner.result_tables(res))
    from tradeshock.uncertainty import run_draws

    res.uncertainty = run_draws(res.world, res.scenario, 2, backend="serial", point=res,
                                tornado_country=None)
    banded = runner.result_tables(res)
    assert plain <= set(banded)
    assert {"theta_draws", "draw_failures", "province_bands"} <= set(banded)
    assert "value_added_change_pct_p95" in banded["province_bands"]
