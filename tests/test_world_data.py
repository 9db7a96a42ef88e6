"""Packaged worlds: calibration identities, published totals, provenance, errors.

Reference numbers come from outside the code: SOURCES.md of the shared raw data (verified totals
of the raw files) and shared/data/macro2024 (2024 Census / WDI figures); each is cited inline.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tradeshock.errors import DataError
from tradeshock.world import WORLDS_DIR, list_worlds, load_world

WORLDS = ["cp1993", "gravity2006", "wiod2011", "default"]
PACKAGE_DATA = WORLDS_DIR.parent


@pytest.fixture(scope="module", params=WORLDS)
def world(request):
    return load_world(request.param)


def test_all_worlds_packaged():
    assert set(WORLDS) <= set(list_worlds())


def test_shares_sum_to_one(world):
    np.testing.assert_allclose(world.final_share.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(world.va_share + world.io_share.sum(axis=1), 1.0, atol=1e-12)
    assert (world.final_share >= 0).all() and (world.va_share >= 0).all()
    assert (world.io_share >= 0).all()


def test_deficits_and_trade_balance(world):
    f = world.flows.sum(axis=2)
    # imports - exports computed independently of World's cached properties
    d = (f.sum(axis=1) - np.diag(f)) - (f.sum(axis=0) - np.diag(f))
    np.testing.assert_allclose(world.deficit, d, rtol=1e-12, atol=1e-6)
    assert abs(world.deficit.sum()) < 1e-9 * world.flows.sum()
    # spending identity: sum_j X_n^j = intermediate costs + VA + R + D (given va + io = 1)
    y = world.gross_output
    lhs = world.expenditure.sum(axis=1)
    rhs = ((1 - world.va_share) * y).sum(axis=1) + world.value_added + world.tariff_revenue + world.deficit
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9)


def test_tariffs_and_tradability(world):
    n = world.n_countries
    assert np.all(world.tariffs[np.arange(n), np.arange(n), :] == 0)
    # real applied rates reach 270% (CP 1993: India on Portuguese food; WIOD/CP 2005 mapping:
    # Korea on Indian agriculture 166%), so only a loose upper bound
    assert (world.tariffs >= 0).all() and (world.tariffs < 5).all()
    cross = world.flows.copy()
    cross[np.arange(n), np.arange(n), :] = 0
    assert np.all(cross[:, :, ~world.tradable] == 0)
    assert np.all(world.tariffs[:, :, ~world.tradable] == 0)
    assert (world.theta > 0).all()


def test_provenance(world):
    prov = world.provenance
    assert prov["build_date"] and prov["method"] and prov["title"]
    for src in prov["sources"]:
        assert src["title"] and src["url"].startswith("http") and src["licence"]


def test_cp1993_published_totals():
    # SOURCES.md (cp2015): "US imports from CAN ≈ $104.9bn, CAN from US ≈ $84.4bn,
    # US from MEX ≈ $38.2bn, US from CHN ≈ $33.3bn" (1993, thousands of US$ in the raw file).
    w = load_world("cp1993")
    usa, can, mex, chn = (w.country_index(c) for c in ("USA", "CAN", "MEX", "CHN"))
    assert w.flows[usa, can].sum() / 1e3 == pytest.approx(104.9, abs=0.05)
    assert w.flows[can, usa].sum() / 1e3 == pytest.approx(84.4, abs=0.05)
    assert w.flows[usa, mex].sum() / 1e3 == pytest.approx(38.2, abs=0.05)
    assert w.flows[usa, chn].sum() / 1e3 == pytest.approx(33.3, abs=0.05)
    assert w.n_countries == 31 and w.n_sectors == 40 and w.tradable.sum() == 20
    # CP's non-tradable elasticity and T.txt's first values (agriculture 9.11, mining 13.53)
    assert w.theta[0] == 9.11 and w.theta[1] == 13.53 and np.all(w.theta[20:] == 8.22)


def test_cp1993_tariffs_1993_and_2005():
    # SOURCES.md: "US on MEX 1993: 0–12%; 2005: ≈0" (percent in the raw file -> fractions)
    from tradeshock.cp2015 import load_tariffs2005

    w = load_world("cp1993")
    t05 = load_tariffs2005(w)
    usa, mex = w.country_index("USA"), w.country_index("MEX")
    assert 0 <= w.tariffs[usa, mex, :20].min() and w.tariffs[usa, mex, :20].max() <= 0.12
    assert w.tariffs[usa, mex, :20].max() > 0.05
    assert t05[usa, mex].max() < 0.01
    assert t05.shape == w.tariffs.shape and np.all(t05[:, :, 20:] == 0)


def test_wiod2011_published_totals():
    # SOURCES.md (wiod2013): CAN→USA total (inter+final) ≈ $314.7bn; CHN→USA ≈ $412.8bn;
    # USA→CAN ≈ $248.3bn; MEX→USA ≈ $227.5bn; CAN→USA transport equipment ≈ $59.8bn.
    w = load_world("wiod2011")
    usa, can, chn, mex = (w.country_index(c) for c in ("USA", "CAN", "CHN", "MEX"))
    assert w.flows[usa, can].sum() / 1e3 == pytest.approx(314.7, abs=0.1)
    assert w.flows[usa, chn].sum() / 1e3 == pytest.approx(412.8, abs=0.1)
    assert w.flows[can, usa].sum() / 1e3 == pytest.approx(248.3, abs=0.1)
    assert w.flows[usa, mex].sum() / 1e3 == pytest.approx(227.5, abs=0.1)
    assert w.flows[usa, can, w.sector_index("transport_equipment")] / 1e3 == pytest.approx(59.8, abs=0.1)
    assert w.n_countries == 41 and "ROW" in w.countries and "ROU" in w.countries


def test_gravity2006_sample_values():
    # SOURCES.md (gegravity_sample): "CAN→USA 214,830; CAN→CAN 223,583"
    w = load_world("gravity2006")
    usa, can = w.country_index("USA"), w.country_index("CAN")
    assert w.flows[usa, can, 0] == 214830 and w.flows[can, can, 0] == 223583
    assert w.theta[0] == 4.0 and w.n_countries == 30


def test_default_us_imports_match_census():
    # shared/data/macro2024/README.md §3: US goods imports 2024 (Census basis) from CAN 413 bn;
    # from MEX ≈ 506 bn (derived: 334.0 exports + 172 deficit); from CHN ≈ 438.9 bn (derived:
    # 143.5 + 295.4). Goods = the sectors customs statistics record (c1..c17).
    w = load_world("default")
    goods = [w.sector_index(s) for s in w.provenance["goods_sectors"]]
    assert len(goods) == 17
    usa = w.country_index("USA")
    for partner, census in (("CAN", 413.0), ("MEX", 506.0), ("CHN", 438.9)):
        got = w.flows[usa, w.country_index(partner)][goods].sum() / 1e3
        assert got == pytest.approx(census, rel=0.03), partner
    # US goods exports to Canada, Census 349 bn (same README)
    assert w.flows[w.country_index("CAN"), usa][goods].sum() / 1e3 == pytest.approx(349, rel=1e-6)


def test_default_gdp_targets():
    # macro2024/README.md §1 (WDI July 2026 file): USA 29.298 tn, CAN 2.270, CHN 18.730,
    # JPN 4.190, IND 3.761, MEX 1.830, GBR 3.696 (rounded in the README).
    w = load_world("default")
    for c, tn in {"USA": 29.298, "CAN": 2.270, "CHN": 18.730, "JPN": 4.190, "IND": 3.761,
                  "MEX": 1.830, "GBR": 3.696}.items():
        assert w.value_added[w.country_index(c)] / 1e6 == pytest.approx(tn, abs=6e-4), c
    assert w.year == 2024
    assert "2024 estimate" in w.provenance["title"]


def test_default_us_tariffs_2024():
    # tradewartracker country-by-time.csv (SOURCES.md): Canada 2024 tariff 0.10%.
    w = load_world("default")
    usa, can = w.country_index("USA"), w.country_index("CAN")
    goods = [w.sector_index(s) for s in w.provenance["goods_sectors"]]
    avg = (w.flows[usa, can, goods] * w.tariffs[usa, can, goods]).sum() / w.flows[usa, can, goods].sum()
    assert avg == pytest.approx(0.0010, abs=0.0003)


def test_packaged_size_below_20mb():
    total = sum(p.stat().st_size for p in PACKAGE_DATA.rglob("*") if p.is_file())
    assert total < 20 * 2**20


def test_unknown_world_lists_available():
    with pytest.raises(DataError) as err:
        load_world("wiod2012")
    assert "wiod2011" in str(err.value)
    with pytest.raises(DataError) as err:
        load_world("nonesuch")
    assert "default" in str(err.value) and "cp1993" in str(err.value)


def test_corrupt_parquet_names_file(tmp_path):
    folder = tmp_path / "gravity2006"
    shutil.copytree(WORLDS_DIR / "gravity2006", folder)
    (folder / "flows.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(DataError, match="flows.parquet"):
        load_world("gravity2006", folder=folder)
    (folder / "flows.parquet").unlink()
    with pytest.raises(DataError, match="flows.parquet"):
        load_world("gravity2006", folder=folder)


def test_elasticity_sets():
    w = load_world("wiod2011")
    assert {"cp2015", "uniform5", "simonovska_waugh"} <= set(w.elasticities)
    assert np.all(w.with_elasticities("uniform5").theta == 5.0)
    np.testing.assert_array_equal(w.elasticities["cp2015"], w.theta)


def test_concordance_known_products():
    # HS chapters/ISIC definitions: cars 8703 (ISIC 3410), crude oil 2709 (ISIC 1110), potassium
    # chloride 310420 (ISIC 2412 fertilisers), rapeseed 1205 (ISIC 0111), rapeseed oil 1514
    # (ISIC 1514), flat-rolled steel 7208 (ISIC 2710), unwrought aluminium 7601 (ISIC 2720),
    # frozen pork 020329 (ISIC 1511).
    import pandas as pd

    t = pd.read_parquet(PACKAGE_DATA / "concordances" / "hs6_wiod.parquet").set_index("hs6")["sector"]
    expect = {"870323": "transport_equipment", "270900": "mining", "310420": "chemicals",
              "120510": "agriculture", "151411": "food", "720851": "metals", "760110": "metals",
              "020329": "food"}
    for hs, sector in expect.items():
        assert t[hs] == sector, hs
    assert t.index.is_unique
