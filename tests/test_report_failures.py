"""Failures fail: a report section that raises is shown, listed in run.json, and the CLI exits 1.

The failing section is a real module on the sections path (not a mock): it asks for the
exports of a country that is in no world, which raises a DataError.
"""

from __future__ import annotations

import json

import pytest

import tradeshock.report.sections as sections
from tradeshock import Shock, simulate
from tradeshock.errors import TradeshockError
from tradeshock.report.html import write_report
from tradeshock.runner import write_outputs
from tradeshock.synthetic import random_world

SECTION = '''
TITLE = "Exports of a country that does not exist"


def render(result, ctx):
    return ctx.table(result.exports("ZZZ"), caption="exports", unit="US$ million")
'''


@pytest.fixture
def broken_section(tmp_path, monkeypatch):
    folder = tmp_path / "extra_sections"
    folder.mkdir()
    (folder / "unguarded.py").write_text(SECTION, encoding="utf-8")
    monkeypatch.setattr(sections, "__path__", [*sections.__path__, str(folder)])
    monkeypatch.setattr(sections, "SECTIONS", (*sections.SECTIONS, "unguarded"))
    return "unguarded"


@pytest.fixture(scope="module")
def result():
    w = random_world(4, 3, seed=5)
    return simulate(w, Shock(w).tariff(imposer="C00", rate=0.2))


def test_write_report_writes_then_raises(result, tmp_path, broken_section):
    path = tmp_path / "r.html"
    with pytest.raises(TradeshockError, match=r"1 report section\(s\) failed: unguarded .*DataError"):
        write_report(result, path)
    assert "This section could not be rendered" in path.read_text(encoding="utf-8")


def test_run_json_lists_the_failure_and_the_run_fails(result, tmp_path, broken_section):
    out = tmp_path / "run"
    with pytest.raises(TradeshockError, match="unguarded"):
        write_outputs([result], out, ["html", "csv"], argv=["test"])
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    (fail,) = record["report_failures"]
    assert fail["section"] == "unguarded" and fail["scenario"] == "custom shock"
    assert fail["error"].startswith("DataError")
    assert (out / "report.html").is_file() and (out / "welfare.csv").is_file()


def test_a_clean_run_records_no_failures(result, tmp_path):
    write_outputs([result], tmp_path, ["html"], argv=["test"])
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["report_failures"] == []


def test_the_cli_exits_non_zero(tmp_path, broken_section, monkeypatch, capsys):
    from tradeshock.cli import main

    out = tmp_path / "run"
    monkeypatch.setattr("sys.argv", ["tradeshock", "run", "china-canola-retaliation-2025", "--out",
                                     str(out), "--format", "html", "--quiet"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert "report section(s) failed: unguarded" in capsys.readouterr().err
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [f["section"] for f in record["report_failures"]] == ["unguarded"]
