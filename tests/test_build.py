"""The build pipeline: reproducible bytes, raw-file errors, CLI, concordance coverage."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradeshock.build import build
from tradeshock.build.common import build_date
from tradeshock.errors import DataError
from tradeshock.world import WORLDS_DIR

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data" / "raw"
PACKAGE_DATA = WORLDS_DIR.parent
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason="raw data ../shared/data/raw not present")


def _same_tree(a: Path, b: Path) -> list[str]:
    """Relative paths whose bytes differ (or exist on one side only) between a and b."""
    diff = []
    for p in sorted(a.rglob("*")):
        if p.is_file():
            q = b / p.relative_to(a)
            if not q.exists() or not filecmp.cmp(p, q, shallow=False):
                diff.append(str(p.relative_to(a)))
    return diff


@pytest.mark.raw
@needs_raw
def test_small_steps_rebuild_packaged_bytes(tmp_path):
    # the committed files are exactly what the pipeline produces from the raw data
    build(RAW, out=tmp_path, only=["cp1993", "gravity2006", "hs6_wiod"])
    assert _same_tree(tmp_path, PACKAGE_DATA) == []


@pytest.mark.raw
@pytest.mark.slow
@needs_raw
def test_full_build_twice_identical(tmp_path):
    steps = ["cp1993", "gravity2006", "hs6_wiod", "wiod2011", "default"]
    build(RAW, out=tmp_path / "a", only=steps)
    build(RAW, out=tmp_path / "b", only=steps)
    assert _same_tree(tmp_path / "a", tmp_path / "b") == []
    assert _same_tree(tmp_path / "a", PACKAGE_DATA) == []


def test_build_date_is_fixed_or_from_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_date()
    assert first == build_date()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert build_date() == "1970-01-02"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(DataError, match="SOURCE_DATE_EPOCH"):
        build_date()


def test_missing_raw_folder_and_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        build(tmp_path / "nope", out=tmp_path / "out", only=["cp1993"])
    (tmp_path / "raw" / "cp2015").mkdir(parents=True)
    with pytest.raises(DataError, match="xbilat1993.txt"):
        build(tmp_path / "raw", out=tmp_path / "out", only=["cp1993"])


def test_malformed_raw_file_named(tmp_path):
    raw = tmp_path / "raw"
    (raw / "cp2015").mkdir(parents=True)
    (raw / "cp2015" / "xbilat1993.txt").write_text("1\t2\nthree\tfour\n")
    with pytest.raises(DataError, match="xbilat1993.txt"):
        build(raw, out=tmp_path / "out", only=["cp1993"])
    (raw / "gegravity_sample").mkdir()
    (raw / "gegravity_sample" / "sample_data_set.dlm").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="sample_data_set.dlm"):
        build(raw, out=tmp_path / "out", only=["gravity2006"])


def test_unknown_step(tmp_path):
    with pytest.raises(DataError, match="cp1993"):
        build(tmp_path, out=tmp_path / "out", only=["cp1994"])


def test_cli_build_error_is_one_line(tmp_path):
    exe = Path(sys.executable).with_name("tradeshock")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "tradeshock.cli"]
    res = subprocess.run(cmd + ["data", "build", "--raw", str(tmp_path / "missing")],
                         capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert res.returncode == 1
    assert "missing" in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.raw
@needs_raw
def test_concordance_covers_us_imports():
    # 2024 US imports from the 8 partners: everything outside HS chapters 98/99 must map.
    from tradeshock.build.concordance import hs6_wiod, read_us_imports

    table, report = hs6_wiod(RAW)
    us = read_us_imports(RAW)
    goods = ~us["hs6"].str[:2].isin(["98", "99"])
    assert us.loc[goods, "hs6"].isin(set(table["hs6"])).all()
    # SOURCES.md: "Canada total $411.7bn ... China total $429.4bn"
    assert us[us.partner == "CAN"]["imports"].sum() / 1e9 == pytest.approx(411.7, abs=0.05)
    assert us[us.partner == "CHN"]["imports"].sum() / 1e9 == pytest.approx(429.4, abs=0.05)
    assert report["us_2024_share_of_value_mapped"] > 0.95


@pytest.mark.raw
@needs_raw
def test_default_gdp_targets_match_margins():
    # every GDP target in macro2024/margins.csv is met (value added = GDP, US$ million)
    import pandas as pd

    from tradeshock.world import load_world

    m = pd.read_csv(RAW.parent / "macro2024" / "margins.csv")
    g = m[(m.indicator == "gdp_current_usd") & (m.year == 2024) & (m.unit == "USD")]
    w = load_world("default")
    checked = 0
    for row in g.itertuples():
        if row.country_or_pair in w.countries:
            got = w.value_added[w.country_index(row.country_or_pair)]
            assert got == pytest.approx(row.value / 1e6, rel=1e-6), row.country_or_pair
            checked += 1
    assert checked == 40


@pytest.mark.raw
@pytest.mark.slow
@needs_raw
def test_agtpa_gravity_step_rebuilds_packaged_bytes(tmp_path):
    # panel, stored RTA estimate (pyfixest at build time) and the agtpa1994 world
    build(RAW, out=tmp_path, only=["agtpa"])
    assert _same_tree(tmp_path, PACKAGE_DATA) == []
