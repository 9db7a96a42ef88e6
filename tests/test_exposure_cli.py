"""The ``tradeshock exposure`` command: output file, one-line errors."""

from __future__ import annotations

import pandas as pd
import pytest
from clitools import run_cli


def test_exposure_cli_writes_table(monkeypatch, capsys, tmp_path):
    path = tmp_path / "exp.csv"
    code, out, err = run_cli(monkeypatch, capsys, "exposure", "CAN", "--world", "gravity2006",
                             "--no-cutoffs", "--out", str(path))
    assert code == 0, err
    df = pd.read_csv(path)
    usa = df[(df["partner"] == "USA") & (df["sector"] == "all")].iloc[0]
    # gegravity 2006 sample: CAN->USA 214,830 (SOURCES.md); the share is of CAN's foreign sales
    assert usa["exports"] == pytest.approx(214830, rel=1e-6)
    assert "Exposure of CAN" in out


@pytest.mark.parametrize("args,match", [
    (["exposure", "CAX", "--world", "gravity2006", "--no-cutoffs"], "did you mean CAN"),
    (["exposure", "CAN", "--world", "gravity2006", "--no-cutoffs", "-p", "ZZZ"], "unknown partner"),
    (["exposure", "CAN", "--world", "gravity2006", "--no-cutoffs", "-s", "autos"], "unknown sector"),
])
def test_exposure_cli_bad_input_is_one_line(monkeypatch, capsys, args, match):
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 1
    assert match in err and err.count("\n") == 1
