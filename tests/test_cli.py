"""``tradeshock run / compare / demo``: bad input gives one clear line, exit code 1, no traceback."""

from __future__ import annotations

import sys

import pytest
from clitools import run_cli as _cli

from tradeshock.cli import main


@pytest.mark.parametrize(("args", "message"), [
    (["run", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
    (["run", "missing/file.yaml"], "scenario file 'missing/file.yaml' not found"),
    (["run", "x", "--world", "atlantis"], "unknown world 'atlantis'"),
    (["run", "x", "--format", "html,pdf"], "unknown output format 'pdf'"),
    (["compare", "only-one"], "compare needs at least two scenarios"),
    (["run", "x", "--deficits", "maybe"], "deficits 'maybe' is not a deficit treatment"),
])
def test_bad_input_is_one_line(monkeypatch, capsys, tmp_path, args, message):
    code, out, err = _cli(monkeypatch, capsys, *args, "--out", str(tmp_path / "o"))
    assert code == 1
    assert message in err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err + out


def test_unwritable_out_folder(monkeypatch, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = _cli(monkeypatch, capsys, "run", "x", "--out", str(blocker / "sub"))
    assert code == 1 and "cannot write there" in err and err.count("\n") == 1


def test_debug_shows_the_traceback(monkeypatch, capsys, tmp_path):
    from tradeshock.errors import ScenarioError

    monkeypatch.setattr(sys, "argv", ["tradeshock", "--debug", "run", "no-such-scenario",
                                      "--out", str(tmp_path)])
    with pytest.raises(ScenarioError):
        main()


def test_commands_are_registered(monkeypatch, capsys):
    code, out, _ = _cli(monkeypatch, capsys, "--help")
    assert code == 0
    for cmd in ("run", "compare", "demo"):
        assert cmd in out


@pytest.mark.slow
def test_demo_runs_every_shipped_canada_scenario(monkeypatch, capsys, tmp_path):
    import json

    from tradeshock.cli.run import DEMO_SCENARIOS

    code, out, err = _cli(monkeypatch, capsys, "demo", "--out", str(tmp_path / "demo"))
    assert code == 0, err
    assert "Real income by scenario" in out and "Canada's exports by scenario" in out
    rec = json.loads((tmp_path / "demo" / "run.json").read_text())
    assert [r["scenario"]["name"] for r in rec["runs"]] == list(DEMO_SCENARIOS)
    assert all(r["diagnostics"]["converged"] for r in rec["runs"])
    assert (tmp_path / "demo" / "report.html").stat().st_size > 4_000_000   # plotly.js inline
