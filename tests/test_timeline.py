"""The tariff war month by month: policy dates, solves against the scenario path, the command."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import tradeshock as ts
from tradeshock.analysis.timeline import KEY_EVENTS, policy_dates, timeline
from tradeshock.errors import ScenarioError
from tradeshock.measures import load_library
from tradeshock.scenario import Scenario

D = dt.date


@pytest.fixture(scope="module")
def world():
    return ts.load_world("default")


@pytest.fixture(scope="module")
def short(world):
    """Around the IEEPA ruling: 2026-02-20 (IEEPA in force), 02-24 (Section 122), 03-01 (deal)."""
    return timeline(world, "2026-02-20", "2026-03-02")


def test_policy_dates_are_the_library_changes():
    days = policy_dates("2025-01-01", "2026-12-02")
    assert days[0] == D(2025, 1, 1)
    for d in (D(2025, 2, 4), D(2025, 3, 4), D(2025, 8, 1), D(2026, 2, 24), D(2026, 11, 10)):
        assert d in days
    assert D(2026, 1, 15) not in days            # semiconductors: unquantified, no rate change
    assert D(2026, 1, 29) not in days            # the aircraft threat
    lib = load_library()
    changes = {d for m in lib if not (m.threat or m.unquantified) for d in (m.start, m.end)
               if d is not None and D(2025, 1, 1) < d <= D(2026, 12, 2)}
    assert set(days) == changes | {D(2025, 1, 1)}
    assert set(KEY_EVENTS) <= set(days)          # every labelled event is a policy date


def test_monthly_dates():
    assert policy_dates("2025-11-15", "2026-02-01", monthly=True) == [
        D(2025, 11, 15), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    from tradeshock.analysis.timeline import events

    ev = events([D(2026, 2, 1), D(2026, 3, 1)]).set_index("date")
    assert "us-s122-10" in ev.loc[D(2026, 3, 1), "starts"]            # started 2026-02-24
    assert "us-ieepa-can-35" in ev.loc[D(2026, 3, 1), "ends"]
    with pytest.raises(ScenarioError, match="before its start"):
        policy_dates("2026-01-01", "2025-01-01")


def test_each_date_equals_the_scenario_solve(world, short):
    """A warm-started timeline point equals a cold simulate of the same date's status quo."""
    assert list(short.wide().index) == [D(2026, 2, 20), D(2026, 2, 24), D(2026, 3, 1)]
    for d in short.wide().index:
        sc = Scenario.from_dict({"name": "x", "as_of": str(d)})
        ref = ts.simulate(world, sc).welfare()["real_income"]
        for c in ("CAN", "USA", "CHN", "MEX"):
            assert short.at(d, c) == pytest.approx(float(ref[c]), abs=1e-7)
    assert short.solves["warm"].tolist() == [False, True, False]   # the EV quota date solves cold
    assert short.solves["quotas"].tolist() == [0, 0, 1]


def test_ieepa_ruling_raises_canadas_real_income(short):
    # the IEEPA tariffs end and the USMCA-exempt 10% Section 122 surcharge takes over
    assert short.at("2026-02-24", "CAN") > short.at("2026-02-20", "CAN")


def test_provinces_are_reported(short):
    prov = short.wide("province")
    assert {"ON", "QC", "BC", "AB"} <= set(prov.columns)
    assert np.isfinite(prov.to_numpy()).all()


def test_tidy_table_and_events(short):
    assert list(short.data.columns) == ["date", "region", "kind", "name", "real_income_pct"]
    ev = short.events.set_index("date")
    assert "us-s122-10" in ev.loc[D(2026, 2, 24), "starts"]
    assert "us-ieepa-can-35" in ev.loc[D(2026, 2, 24), "ends"]
    # 2026-03-02 is past Mexico's record (2026-01-01), not China's (2026-03-02)
    assert short.coverage_note.endswith("2026-03-02 is past the record for MEX: later changes are "
                                        "not in the library")


def test_timeline_command(tmp_path):
    from tradeshock.cli import app

    out = tmp_path / "tl.csv"
    rep = tmp_path / "tl.html"
    r = CliRunner().invoke(app, ["timeline", "--start", "2026-02-20", "--end", "2026-02-25",
                                 "--no-provinces", "--out", str(out), "--report", str(rep)])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert set(df["region"]) == {"CAN", "USA", "CHN", "MEX"} and df["date"].nunique() == 2
    assert "tariff war month by month" in rep.read_text()
    bad = CliRunner().invoke(app, ["timeline", "--start", "2026-13-01"])
    assert isinstance(bad.exception, ScenarioError) and "bad date '2026-13-01'" in str(bad.exception)


def test_report_states_coverage_and_observed_quota_fill(world, tmp_path, monkeypatch):
    """The status quo report says how far the library reaches and sets the EV quota's observed
    first-window fill (2,910 of 24,500) against the model's quota line."""
    from tradeshock.measures import library
    from tradeshock.report.html import write_report
    from tradeshock.report.tables import quota_lines

    monkeypatch.setattr(library, "_today", lambda: D(2026, 12, 2))
    from tradeshock.scenario import find_scenario

    res = ts.simulate(world, Scenario.load(find_scenario("status-quo-today")))
    lines = quota_lines(res)
    assert any("Observed under the quota: 2,910 of 24,500 (11.9%)" in q for q in lines)
    html = write_report(res, tmp_path / "r.html", strict=True).read_text()
    assert "Measures library sources reach" in html and "past the record for" in html
    assert "2,910 of 24,500" in html
