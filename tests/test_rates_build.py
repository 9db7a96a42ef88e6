"""The packaged trade weights rebuild byte-identically from the raw data (raw-marked)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / ".." / "shared" / "data" / "raw"
PACKAGED = ROOT / "src" / "tradeshock" / "data" / "trade_weights"


@pytest.mark.raw
@pytest.mark.slow
@pytest.mark.skipif(not RAW.exists(), reason="../shared/data/raw not available")
def test_trade_weights_rebuild_identically(tmp_path):
    from tradeshock.build.trade_weights import build_trade_weights

    out = build_trade_weights(RAW, tmp_path / "tw")
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    packaged = sorted(p.relative_to(PACKAGED) for p in PACKAGED.rglob("*") if p.is_file())
    assert built == packaged
    for rel in built:
        assert (out / rel).read_bytes() == (PACKAGED / rel).read_bytes(), rel
