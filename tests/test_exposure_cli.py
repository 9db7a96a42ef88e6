"""The ``tradeshock exposure`` command: output file, one-line errors."""

from __future__ import annotations

import sys

import pandas as pd
import pytest


def _run(monkeypatch, capsys, *args):
    from tradeshock.cli import main

    monkeypatch.setattr(sys, "argv", ["tradeshock", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    return code, capsys.readouterr()


def test_exposure_cli_writes_table(monkeypatch, capsys, tmp_path):
    out = tmp_path / "exp.csv"
    code, cap = _run(monkeypatch, capsys, "exposure", "CAN", "--world", "gravity2006",
                     "--no-cutoffs", "--out", str(out))
    assert code == 0, cap.err
    df = pd.read_csv(out)
    usa = df[(df["partner"] == "USA") & (df["sector"] == "all")].iloc[0]
    # gegravity 2006 sample: CAN->USA 214,830 (SOURCES.md); the share is of CAN's foreign sales
    assert usa["exports"] == pytest.approx(214830, rel=1e-6)
    assert "Exposure of CAN" in cap.out


@pytest.mark.parametrize("args,match", [
    (["exposure", "CAX", "--world", "gravity2006", "--no-cutoffs"], "did you mean CAN"),
    (["exposure", "CAN", "--world", "gravity2006", "--no-cutoffs", "-p", "ZZZ"], "unknown partner"),
    (["exposure", "CAN", "--world", "gravity2006", "--no-cutoffs", "-s", "autos"], "unknown sector"),
])
def test_exposure_cli_bad_input_is_one_line(monkeypatch, capsys, args, match):
    code, cap = _run(monkeypatch, capsys, *args)
    assert code == 1
    assert match in cap.err and cap.err.count("\n") == 1
