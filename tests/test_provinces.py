"""Provincial split: data checks against StatCan published shares, adding-up, concentration."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tradeshock.analysis.provinces import (
    PROVINCES,
    load_province_data,
    province_exports,
    province_results,
    province_shares,
    province_summary,
)
from tradeshock.errors import DataError
from tradeshock.synthetic import random_world

WIOD = ("agriculture mining food textiles leather wood paper petroleum chemicals rubber_plastics "
        "minerals metals machinery electrical transport_equipment manufacturing_nec utilities "
        "construction motor_trade wholesale retail hotels inland_transport water_transport "
        "air_transport transport_services telecom finance real_estate business_services "
        "public_admin education health other_services households").split()
RAW_PROV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "provinces"


def _world(countries=("CAN", "USA", "CHN")):
    w = random_world(len(countries), 35, seed=3, n_nontradable=19)
    return w.replace(countries=tuple(countries), sectors=tuple(WIOD), name="test-wiod", year=2024)


def _result(world, va_base, va_cf, emp_pct=None, trade=None):
    """A stand-in Result with the contract's output()/trade() views, flows and a known national answer."""
    rows = []
    for c in world.countries:
        for j, s in enumerate(world.sectors):
            b, f = (va_base[j], va_cf[j]) if c == "CAN" else (1.0, 1.0)
            rows.append({"country": c, "sector": s, "value_added_base": b, "value_added_cf": f,
                         "value_added_change_pct": 100 * (f / b - 1),
                         "employment_change_pct": 0.0 if emp_pct is None or c != "CAN" else emp_pct[j]})
    out = pd.DataFrame(rows)
    if trade is None:
        trade = pd.DataFrame({"exporter": "CAN", "importer": "USA", "sector": list(world.sectors),
                              "baseline": 1.0, "counterfactual": 1.0})
    cs, ss = list(world.countries), list(world.sectors)
    flows = np.zeros((2, len(cs), len(cs), len(ss)))                 # [base|cf, importer, exporter, sector]
    for r in trade.itertuples():
        if r.importer not in cs or r.exporter not in cs:
            continue
        at = (cs.index(r.importer), cs.index(r.exporter), ss.index(r.sector))
        flows[(0, *at)], flows[(1, *at)] = r.baseline, r.counterfactual
    return SimpleNamespace(world=world, output=lambda: out, trade=lambda: trade, meta={},
                           flows_base=flows[0], flows_cf=flows[1])


# ------------------------------------------------------------------ data layer
def test_shares_cover_wiod_and_sum_to_one():
    d = load_province_data()
    assert set(d.shares.index) == set(WIOD)
    assert list(d.shares.columns) == list(PROVINCES)
    np.testing.assert_allclose(d.shares.sum(axis=1), 1.0, atol=1e-12)
    assert (d.shares.to_numpy() >= 0).all()


@pytest.mark.parametrize("sector,province,published", [
    # SOURCES.md headline shares of StatCan 36-10-0402 (2021), independent of our code
    ("petroleum", "AB", 0.371), ("chemicals", "ON", 0.446), ("metals", "ON", 0.432),
    ("metals", "QC", 0.361), ("food", "ON", 0.384), ("wood", "QC", 0.291), ("paper", "BC", 0.249),
])
def test_shares_match_published_statcan_headlines(sector, province, published):
    assert load_province_data().shares.loc[sector, province] == pytest.approx(published, abs=0.001)


def test_transport_equipment_is_autos_plus_aerospace_rail_ships():
    # levels from 36-10-0402 (2021, C$ million): 336Y ON 10,250 of 12,400; 3364 ON 1,579 of 7,532;
    # 3365 ON 335 of 465; 3366 ON 113 of 1,298 (the 13-jurisdiction sums in the source)
    on = (10250.2 + 1579.1 + 335.2 + 113.0) / (12400.3 + 7532.1 + 465.4 + 1298.0)
    assert load_province_data().shares.loc["transport_equipment", "ON"] == pytest.approx(on, abs=2e-3)


def test_canola_shares_are_prairie():
    c = load_province_data().canola
    assert c.sum() == pytest.approx(1.0)
    # StatCan 32-10-0359: SK 49-56% of production by year, AB 27-31%, MB 15-20% (SOURCES.md);
    # the mean of the four years sits at Saskatchewan's own 2023 figure (53%, Sask. Agriculture)
    assert 0.50 <= c["SK"] <= 0.55 and 0.27 <= c["AB"] <= 0.31 and 0.15 <= c["MB"] <= 0.20
    assert c[["SK", "AB", "MB"]].sum() > 0.98
    # mean of annual shares, computed here from the published tonnes (not the pooled sum)
    sk = np.mean([10967900 / 19484700, 6968814 / (14248281 - 1168), 9923300 / (18849801 - 1009),
                  12434511 / (22227416 - 1311)])
    assert c["SK"] == pytest.approx(sk, abs=2e-4)


@pytest.mark.parametrize("product,province,published", [
    ("autos", "ON", 0.827),                       # 36-10-0402 NAICS 336Y (SOURCES.md headline)
    ("crude_oil", "AB", 0.807),                   # StatCan, March 2019 crude production
    ("lobster", "NS", 48113 / 105638),            # DFO 2021 landings, Atlantic total 105,638 t
    ("pork", "QC", 4160 / 13760),                 # hogs on farms 1 Jan 2024
    ("aluminium", "QC", 7.2 / 11.0),              # NBF 2018 aluminium exports to the US
    ("lumber", "BC", 0.535),                      # StatCan sawmills 2012
])
def test_product_origin_shares_match_sources(product, province, published):
    d = load_province_data()
    np.testing.assert_allclose(d.products.sum(axis=1), 1.0, atol=1e-12)
    assert d.products.loc[product, province] == pytest.approx(published, abs=1e-3)


def test_hs_codes_map_to_products_by_prefix():
    from tradeshock.analysis.provinces import _product_of

    hs = load_province_data().product_hs
    got = _product_of(["120510", "151411", "0206", "03", "870323", "271111", "999999"], hs)
    assert list(got) == ["canola_seed", "canola_oil_meal", "pork", "", "autos", "natural_gas", ""]


def test_exchange_rate_is_2024_cad_per_usd():
    d = load_province_data()
    assert d.cad_per_usd == pytest.approx(1.369)
    assert d.provenance["exchange_rate"]["year"] == 2024


# ------------------------------------------------------------------ the split
def test_provinces_add_up_to_canada():
    w = _world()
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 5000, 35)
    cf = base * rng.uniform(0.9, 1.05, 35)
    res = _result(w, base, cf, emp_pct=rng.normal(0, 1, 35))
    df = province_results(res)
    assert set(df["province"]) == set(PROVINCES) and len(df) == 13 * 35
    fx = 1.369
    by_sector = df.groupby("sector", sort=False)[["value_added_base", "value_added_change"]].sum()
    np.testing.assert_allclose(by_sector.loc[WIOD, "value_added_base"], base * fx, rtol=1e-12)
    np.testing.assert_allclose(by_sector.loc[WIOD, "value_added_change"], (cf - base) * fx,
                               rtol=1e-10, atol=1e-9)
    assert df["value_added_change"].sum() == pytest.approx(((cf - base) * fx).sum(), rel=1e-12)
    assert df.attrs["cad_per_usd"] == pytest.approx(1.369)
    assert "C$" in df.attrs["unit"]
    s = province_summary(res)
    assert s["value_added_change"].sum() == pytest.approx(((cf - base) * fx).sum(), rel=1e-12)
    assert list(s["province"]) == list(PROVINCES)


def test_sector_concentrated_in_one_province_moves_only_that_province():
    w = _world()
    shares = load_province_data().shares.copy()
    shares.loc["mining"] = 0.0
    shares.loc["mining", "SK"] = 1.0
    base = np.full(35, 1000.0)
    cf = base.copy()
    cf[WIOD.index("mining")] = 800.0         # only mining moves nationally
    s = province_results(_result(w, base, cf), shares=shares)
    moved = s.groupby("province")["value_added_change"].sum()
    assert moved["SK"] == pytest.approx(-200 * 1.369)
    assert (moved.drop("SK") == 0).all()


def test_bad_share_table_and_no_canada_are_clear_errors():
    w = _world()
    res = _result(w, np.ones(35), np.ones(35))
    bad = load_province_data().shares.copy()
    bad.loc["food", "ON"] += 0.1
    with pytest.raises(DataError, match="sum to 1.*food"):
        province_results(res, shares=bad)
    w2 = _world(("USA", "CHN", "MEX"))
    with pytest.raises(DataError, match="Canada"):
        province_results(_result(w2, np.ones(35), np.ones(35)))
    small = random_world(3, 4, seed=1).replace(countries=("CAN", "USA", "CHN"))
    with pytest.raises(DataError, match="WIOD"):
        province_shares(small)


def test_canola_weight_sends_china_agriculture_exports_to_the_prairies():
    w = _world()
    d = load_province_data()
    c, k, a = 0, 2, WIOD.index("agriculture")
    flows = np.array(w.flows, copy=True)
    flows[k, c, a] = 3990.0 / 1.369           # exactly the 2024 canola-seed exports to China
    w = w.replace(flows=flows)
    sh = province_shares(w, destination="CHN")
    np.testing.assert_allclose(sh.loc["agriculture"], d.canola, atol=1e-12)
    # other sectors are unaffected by the destination
    pd.testing.assert_series_equal(sh.loc["metals"], d.shares.loc["metals"], check_names=False)


def test_province_exports_split_national_exports_by_destination():
    w = _world()
    rows = []
    for imp in ("USA", "CHN"):
        for s in WIOD[:16]:
            rows.append({"exporter": "CAN", "importer": imp, "sector": s, "baseline": 100.0,
                         "counterfactual": 90.0 if imp == "CHN" else 100.0})
    tr = pd.DataFrame(rows)
    res = _result(w, np.ones(35), np.ones(35), trade=tr)
    ex = province_exports(res)
    tot = ex.groupby("destination")[["baseline", "change"]].sum()
    assert tot.loc["USA", "baseline"] == pytest.approx(1600 * 1.369)
    assert tot.loc["CHN", "change"] == pytest.approx(-160 * 1.369)
    assert tot.loc["USA", "change"] == pytest.approx(0.0)


@pytest.mark.raw
def test_build_is_deterministic_and_matches_packaged(tmp_path):
    if not RAW_PROV.is_dir():
        pytest.skip("../shared/data/provinces not present")
    from tradeshock.build.provinces import build_provinces

    a = build_provinces(RAW_PROV, tmp_path / "a")
    b = build_provinces(RAW_PROV, tmp_path / "b")
    import tradeshock

    pkg = Path(tradeshock.__file__).parent / "data" / "provinces"
    for pa_, pb_ in zip(a, b, strict=True):
        assert pa_.read_bytes() == pb_.read_bytes()
        assert pa_.read_bytes() == (pkg / pa_.name).read_bytes()


def test_result_provinces_with_the_engine_add_up_exactly():
    simulate = pytest.importorskip("tradeshock.simulate").simulate
    from tradeshock.shock import Shock
    from tradeshock.world import load_world

    w = load_world("default")
    res = simulate(w, Shock(w).tariff(imposer="USA", target="CAN", rate=0.25))
    df = res.provinces()
    nat = res.output()
    nat = nat[nat["country"] == "CAN"].set_index("sector")
    fx = df.attrs["cad_per_usd"]
    got = df.groupby("sector")["value_added_change"].sum()
    want = (nat["value_added_cf"] - nat["value_added_base"]) * fx
    np.testing.assert_allclose(got.loc[want.index], want, rtol=1e-10, atol=1e-6)
    assert df["value_added_base"].sum() == pytest.approx(nat["value_added_base"].sum() * fx, rel=1e-12)
    # every province in a sector moves by the national percentage (shift-share)
    assert (df.groupby("sector")["value_added_change_pct"].nunique() == 1).all()
    s = province_summary(res)
    assert s["value_added_change"].sum() == pytest.approx(want.sum(), rel=1e-10)


def test_adding_up_holds_for_any_shares_and_changes():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    w = _world()

    @hypothesis.settings(max_examples=5, deadline=None)
    @hypothesis.given(seed=st.integers(0, 2**31 - 1))
    def check(seed):
        rng = np.random.default_rng(seed)
        raw = rng.dirichlet(np.full(13, 0.3), size=35)
        shares = pd.DataFrame(raw, index=WIOD, columns=list(PROVINCES))
        shares = shares.div(shares.sum(axis=1), axis=0)
        base = rng.uniform(1, 1e5, 35)
        cf = base * rng.uniform(0.5, 1.5, 35)
        df = province_results(_result(w, base, cf), shares=shares)
        got = df.groupby("sector")["value_added_change"].sum().loc[WIOD].to_numpy()
        np.testing.assert_allclose(got, (cf - base) * 1.369, rtol=1e-9, atol=1e-7)

    check()


# ------------------------------------------------------------------ with shipped scenarios
@pytest.fixture(scope="module")
def canola_run():
    from tradeshock import runner

    return runner.run("china-canola-retaliation-2025")


def test_canola_retaliation_lands_on_the_prairies(canola_run):
    pr = canola_run.provinces()
    ag = pr[pr["sector"] == "agriculture"].set_index("province")["value_added_change"]
    assert ag.sum() < 0
    prairies = ag[["SK", "AB", "MB"]].sum()
    assert prairies / ag.sum() > 0.6                   # most of the loss is on the Prairies
    assert ag["SK"] < ag["AB"] < ag["ON"] and ag["SK"] < 2 * ag["ON"]
    # the located canola part splits like canola production: SK/AB close to 53.5/28.9
    assert ag["SK"] / ag["AB"] == pytest.approx(0.534 / 0.289, rel=0.3)
    food = pr[pr["sector"] == "food"].set_index("province")["value_added_change"]
    assert food[["SK", "AB", "MB"]].sum() / food.sum() > 0.5      # canola oil and meal, pork
    s = province_summary(canola_run)
    ex = s.set_index("province")["exports_chn_change"]
    assert ex["SK"] < ex["ON"] and ex[["SK", "AB", "MB"]].sum() / ex.sum() > 0.8


def test_change_split_locates_only_the_hit_sectors(canola_run):
    from tradeshock.analysis.provinces import change_split

    cs = change_split(canola_run)
    assert set(cs.direct.index[cs.direct > 0]) == {"agriculture", "food"}
    assert ("CHN", "agriculture") in cs.partner
    np.testing.assert_allclose(cs.sector.sum(axis=1), 1.0, atol=1e-12)


def test_province_real_income_is_the_summary_column(canola_run):
    from tradeshock.analysis.provinces import province_real_income

    ri = province_real_income(canola_run)
    s = province_summary(canola_run).set_index("province")
    assert list(ri.index) == list(s.index)
    pd.testing.assert_series_equal(ri["real_income_change_pct"], s["real_income_change_pct"])
    assert (ri["name"] == s["name"]).all()


def test_provincial_real_income_adds_up_to_canada():
    from tradeshock import runner

    res = runner.run("us-universal-10")
    s = province_summary(res)
    w = s["value_added_base"]                            # income shares = value-added shares
    total = (s["real_income_change_pct"] * w).sum() / w.sum()
    canada = float(res.welfare().loc["CAN", "real_income"])
    assert total == pytest.approx(canada, abs=1e-9)
    assert "real" in s.attrs["price_basis"] and "nominal" in s.attrs["price_basis"]
    # the run folder's table says in every column name which figures are real and which nominal
    t = runner.result_tables(res)["province_summary"]
    money = [c for c in t.columns if c.startswith(("value_added", "exports"))]
    assert money and all("nominal" in c for c in money)
    w = t["value_added_base_nominal_cad_mn"]
    assert (t["real_income_change_pct_real"] * w).sum() / w.sum() == pytest.approx(canada, abs=1e-9)


# ------------------------------------------------------------------ money at stake
def test_money_at_stake_of_a_universal_rate_is_rate_times_goods_trade():
    """10 points on all US imports from Canada, no exemption: the hit is 0.10 × every goods flow."""
    import tradeshock as ts
    from tradeshock.analysis.provinces import shock_hits
    from tradeshock.rates import GOODS
    from tradeshock.scenario import load_scenario

    world = ts.load_world("default")
    hits = shock_hits(ts.simulate(world, load_scenario("us-universal-10")))
    usa = hits[hits["partner"] == "USA"].groupby("sector")["hit"].sum()
    n, i = list(world.countries).index("USA"), list(world.countries).index("CAN")
    expected = {s: 0.10 * float(world.flows[n, i, list(world.sectors).index(s)]) for s in GOODS}
    expected = {s: v for s, v in expected.items() if v > 0}
    assert set(usa.index) <= set(expected)
    assert usa.sum() == pytest.approx(sum(expected[s] for s in usa.index), rel=1e-12)
    assert usa.sum() == pytest.approx(sum(expected.values()), rel=0.01)   # every sector with US products


def test_money_at_stake_widens_when_cusma_exemptions_lapse():
    """Without CUSMA in force the USMCA exemptions of today's US measures no longer shrink coverage."""
    import tradeshock as ts
    from tradeshock.analysis.provinces import shock_hits
    from tradeshock.scenario import Scenario, load_scenario

    world = ts.load_world("default")
    on = load_scenario("status-quo-today")
    off = Scenario.from_dict({"name": "status-quo-no-cusma", "extends": "status-quo-today",
                              "settings": {"deficits": "fixed", "cusma": False}})
    assert on.cusma_in_force and not off.cusma_in_force
    hit = {k: shock_hits(ts.simulate(world, sc)).query("partner == 'USA'")["hit"].sum()
           for k, sc in (("on", on), ("off", off))}
    assert hit["off"] > 1.03 * hit["on"] > 0          # US$34.2bn with CUSMA, 36.2bn without
