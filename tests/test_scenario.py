"""Scenario files: shipped scenarios validate, compose and compile; bad input fails clearly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradeshock.errors import ScenarioError
from tradeshock.scenario import Scenario, list_scenarios

SCEN = Path(__file__).resolve().parents[1] / "src" / "tradeshock" / "scenarios"
SHIPPED = ["baseline-2024", "status-quo-2026-03", "us-universal-10", "china-canola-retaliation-2025",
           "canada-china-deal-2026", "us-punishes-canada-china-deal", "cusma-termination",
           "asia-energy-pivot", "status-quo-today", "cusma-review-annual", "cusma-withdrawal",
           "cusma-lapse-2036"]


@pytest.fixture(scope="module")
def world():
    from tradeshock.world import load_world

    return load_world("default")


def _idx(w, imp, exp, sec):
    return w.countries.index(imp), w.countries.index(exp), w.sectors.index(sec)


def test_shipped_scenarios_present():
    assert set(SHIPPED) <= set(list_scenarios())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_compile(name, world):
    sc = Scenario.load(SCEN / f"{name}.yaml")
    assert sc.name == name and sc.world == "default" and sc.description
    shock = sc.to_shock(world)
    assert shock.tariffs.shape == world.tariffs.shape
    table = sc.measures_table()
    assert {"id", "title", "imposer", "targets", "rate", "start", "end", "source", "uncertain",
            "threat"} <= set(table.columns)


def test_baseline_is_null(world):
    assert Scenario.load(SCEN / "baseline-2024.yaml").to_shock(world).is_null


def test_universal_10_adds_ten_points(world):
    s = Scenario.load(SCEN / "us-universal-10.yaml").to_shock(world)
    n = world.countries.index("USA")
    goods = [world.sectors.index(x) for x in ("agriculture", "machinery", "metals")]
    for i, c in enumerate(world.countries):
        if c != "USA":
            assert np.allclose(s.tariffs[n, i, goods] - world.tariffs[n, i, goods], 0.10)


def test_threat_adds_100_points_on_top_of_the_deal(world):
    deal = Scenario.load(SCEN / "canada-china-deal-2026.yaml").to_shock(world)
    punish = Scenario.load(SCEN / "us-punishes-canada-china-deal.yaml").to_shock(world)
    n, i, j = _idx(world, "USA", "CAN", "machinery")
    assert punish.tariffs[n, i, j] - deal.tariffs[n, i, j] == pytest.approx(1.0)


def test_only_keeps_the_base(world):
    sc = Scenario.load(SCEN / "canada-china-deal-2026.yaml")
    assert sc.measure_labels() == ["ev-quota", "canola-seed-final-ad", "canola-meal-peas-lobster-relief",
                                   "other-seafood-stays-25"]
    base = sc.to_shock(world, only=set())
    full = sc.to_shock(world)
    ev = sc.to_shock(world, only={"ev-quota"})
    n, i, j = _idx(world, "CAN", "CHN", "transport_equipment")
    assert base.tariffs[n, i, j] > world.tariffs[n, i, j]              # 100% EV surtax in force 2026-02-01
    assert full.tariffs[n, i, j] == pytest.approx(world.tariffs[n, i, j])   # quota not binding: surtax gone
    assert ev.tariffs[n, i, j] == pytest.approx(full.tariffs[n, i, j])
    n, i, j = _idx(world, "CHN", "CAN", "agriculture")
    assert ev.tariffs[n, i, j] == pytest.approx(base.tariffs[n, i, j])     # canola untouched by the EV lever
    assert full.tariffs[n, i, j] < base.tariffs[n, i, j]
    with pytest.raises(ScenarioError, match="unknown measure label"):
        sc.to_shock(world, only={"ev-quotas"})


def test_cusma_termination_mfn_and_costs(world):
    s = Scenario.load(SCEN / "cusma-termination.yaml").to_shock(world)
    n, i, j = _idx(world, "USA", "CAN", "textiles")
    assert s.tariffs[n, i, j] > 0.05          # US MFN on apparel/textiles is high
    n, i, j = _idx(world, "CAN", "USA", "textiles")
    m = world.countries.index("CHN")
    assert s.tariffs[n, i, j] == pytest.approx(world.tariffs[n, m, j])   # MFN proxy: Canada's rate on China
    # non-tariff cost from the stored RTA estimate, net of the tariff change (formula in the file)
    import json

    from tradeshock.gravity.data import GRAVITY_DIR

    beta = json.loads((GRAVITY_DIR / "estimates.json").read_text())["estimates"]["rta"]["estimate"]
    for imp, exp_, sec in [("CAN", "USA", "textiles"), ("USA", "CAN", "machinery"), ("MEX", "CAN", "food")]:
        n, i, j = _idx(world, imp, exp_, sec)
        tariff_part = np.log((1 + s.tariffs[n, i, j]) / (1 + world.tariffs[n, i, j]))
        want = np.exp(max(0.0, beta / world.theta[j] - tariff_part))
        assert s.trade_cost_hat[n, i, j] == pytest.approx(want, rel=1e-12)
    n, i, j = _idx(world, "USA", "CAN", "machinery")
    assert s.trade_cost_hat[n, i, j] > 1.3       # theta 1.45: exp(0.557/1.45) net of the US MFN
    assert s.trade_cost_hat[n, i, world.sectors.index("finance")] == 1.0
    rec = [r for r in s.log if r.get("from_estimate") == "rta"][0]
    assert rec["std_error"] > 0.05                            # carried for uncertainty draws


#: The pivot's documented target: the observed 2024 rise in non-US crude exports, 68,625 bpd
#: (183,000 bpd, +60%; FACTS.md 5.5) at the 2024 WCS average of US$60.99/bbl (AER ST98), in
#: US$ million a year.
ASIA_PIVOT_TARGET = 68_625 * 365 * 60.99 / 1e6
ASIA_BUYERS = ["CHN", "JPN", "KOR", "IND", "TWN"]


def test_asia_pivot_trade_costs(world):
    s = Scenario.load(SCEN / "asia-energy-pivot.yaml").to_shock(world)
    b = [world.countries.index(c) for c in ASIA_BUYERS]
    i, j = world.countries.index("CAN"), world.sectors.index("mining")
    cut = 1 - s.trade_cost_hat[b, i, j]
    assert np.all(cut == cut[0]) and 0 < cut[0] < 0.05              # one uniform, small cut
    n = b[0]
    assert s.trade_cost_hat[i, n, j] == 1.0                          # one way: exports only
    assert s.trade_cost_hat[n, i, world.sectors.index("petroleum")] == 1.0  # TMX ships crude
    assert np.array_equal(s.tariffs, world.tariffs)


def test_asia_pivot_meets_its_calibration_target(world):
    """The file's cut makes CAN's mining exports to the five buyers rise by the observed amount.

    The cut is rounded to four decimals, which moves the increase by at most about
    0.00005 / 0.0092 = 0.5%; 1% leaves room for that and nothing else.
    """
    from tradeshock.simulate import simulate

    sc = Scenario.load(SCEN / "asia-energy-pivot.yaml")
    res = simulate(world, sc)
    b = [world.countries.index(c) for c in ASIA_BUYERS]
    i, j = world.countries.index("CAN"), world.sectors.index("mining")
    rise = res.flows_cf[b, i, j].sum() - res.flows_base[b, i, j].sum()
    assert rise == pytest.approx(ASIA_PIVOT_TARGET, rel=0.01)


# ------------------------------------------------------------------ composition
def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_extends_remove_and_toml(tmp_path, world):
    _write(tmp_path, "base.yaml", """\
        name: base
        measures:
          - tariff: {imposer: USA, target: CAN, sectors: [metals], add: 0.25, label: steel}
          - embargo: {imposer: CHN, target: CAN, sectors: [agriculture], label: ban}
        """)
    child = _write(tmp_path, "child.toml", """\
        name = "child"
        extends = "base"
        remove = ["steel"]
        [[measures]]
        ref = "us-threat-can-100"
        """)
    sc = Scenario.load(child)
    assert sc.base.name == "base" and sc.measure_labels() == ["us-threat-can-100"]
    s = sc.to_shock(world)
    n, i, j = _idx(world, "USA", "CAN", "metals")
    assert s.tariffs[n, i, j] - world.tariffs[n, i, j] == pytest.approx(1.0)   # steel removed, threat on
    n, i, j = _idx(world, "CHN", "CAN", "agriculture")
    assert np.isinf(s.trade_cost_hat[n, i, j])
    d = Scenario.from_dict({"name": "d", "measures": [{"ref": "us-s122-10"}]})
    assert d.measure_labels() == ["us-s122-10"]


def test_runner_style_as_of_copy(world):
    sc = Scenario.load(SCEN / "baseline-2024.yaml").model_copy(update={"as_of": "2026-03-01"})
    assert not sc.to_shock(world).is_null


# ------------------------------------------------------------------ bad input
GOOD = """\
name: t
world: default
measures:
  - ref: us-s122-10
  - tariff: {imposer: CHN, target: CAN, hs: ["1514"], add: 1.0}
"""


@pytest.mark.parametrize("old, new, needles", [
    ("ref: us-s122-10", "ref: us-s122-11", [":4:", "measures[0].ref", "us-s122-10"]),
    ("imposer: CHN", "imposer: CHI", [":5:", "measures[1]", "'CHI'", "CHN", "CHL"]),
    ('hs: ["1514"]', 'hs: ["15x4"]', [":5:", "products.hs", "bad HS code"]),
    ('hs: ["1514"]', "sectors: [canola]", [":5:", "sectors[0]", "'canola'"]),
    ("add: 1.0", "add: -2", [":5:", "tariff.add", "-100%"]),
    ("add: 1.0", "add: high", [":5:", "tariff.add", "not a number"]),
    ("add: 1.0", "rate: 0.2, add: 1.0", [":5:", "exactly one of rate"]),
    ("world: default", "world: default\nas_of: 2026-13-01", ["as_of", "2026-13-01"]),
    ("world: default", "world: default\nsettings: {deficits: balanced}", ["settings.deficits", "balanced"]),
    ("world: default", "wrold: default", ["unknown field 'wrold'", "world"]),
    ("  - ref: us-s122-10", "  - reff: us-s122-10", [":4:", "measures[0]", "ref"]),
    ("world: default", "world: default\nremove: [no-such]", ["remove[0]", "no-such"]),
    ("  - ref: us-s122-10", "  - ref: us-s122-10\n  - ref: us-s122-10", ["duplicate measure label"]),
    ("measures:", "measures: [", ["YAML syntax error"]),
    ("add: 1.0}", "add: 1.0, start: 2026-05-01, end: 2026-01-01}", [":5:", "end", "not after start"]),
])
def test_bad_scenarios(tmp_path, old, new, needles):
    path = _write(tmp_path, "bad.yaml", GOOD.replace(old, new))
    with pytest.raises(ScenarioError) as exc:
        Scenario.load(path)
    msg = str(exc.value)
    assert str(path) in msg, msg
    for n in needles:
        assert n in msg, msg


def test_extends_cycle(tmp_path):
    _write(tmp_path, "a.yaml", "name: a\nextends: b\n")
    _write(tmp_path, "b.yaml", "name: b\nextends: a\n")
    with pytest.raises(ScenarioError, match="cycle a.yaml -> b.yaml -> a.yaml"):
        Scenario.load(tmp_path / "a.yaml")


def test_extends_unknown(tmp_path):
    p = _write(tmp_path, "a.yaml", "name: a\nextends: status-quo-2026-3\n")
    with pytest.raises(ScenarioError, match="status-quo-2026-03"):
        Scenario.load(p)


def test_country_not_in_world(tmp_path, world):
    p = _write(tmp_path, "a.yaml", "name: a\nmeasures:\n  - tariff: {imposer: CHE, target: CAN, add: 0.1}\n")
    with pytest.raises(ScenarioError, match="imposer 'CHE' is not a country of world 'default'"):
        Scenario.load(p).to_shock(world)


# ------------------------------------------------------------------ CLI
def test_cli_validate_and_rates(tmp_path):
    from tradeshock.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(SCEN / "canada-china-deal-2026.yaml")])
    assert ok.exit_code == 0 and "ok:" in ok.output
    bad = _write(tmp_path, "bad.yaml", GOOD.replace("imposer: CHN", "imposer: CHI"))
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code != 0 and "CHI" in str(res.exception)
    out = tmp_path / "r.csv"
    res = runner.invoke(app, ["rates", "--as-of", "2026-03-01", "--imposer", "USA", "--target", "CAN",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    import pandas as pd

    df = pd.read_csv(out)
    assert set(df["exporter"]) == {"CAN"} and (df["rate"] >= df["base_rate"] - 1e-12).all()
    res = runner.invoke(app, ["rates", "--timeline", "--imposer", "USA", "--target", "MEX"])
    assert res.exit_code == 0 and "2026-02-24" in res.output


# ------------------------------------------------------------------ as_of: today, CUSMA review paths
def test_as_of_today_is_the_run_date(monkeypatch):
    import datetime as dt

    from tradeshock.measures import library

    monkeypatch.setattr(library, "_today", lambda: dt.date(2026, 9, 1))
    sc = Scenario.load(SCEN / "status-quo-today.yaml")
    assert sc.as_of == dt.date(2026, 9, 1)
    ids = {m.id for m in sc.tariff_measures()}
    assert "us-s338-can-dairy" in ids and "us-s122-10" not in ids      # 338 from 08-19; 122 ended 07-24
    note = sc.coverage_note()
    assert "USA 2026-08-19" in note and "past the record for CHN, MEX, USA" in note
    review = Scenario.load(SCEN / "cusma-review-annual.yaml")
    assert review.effective_as_of == dt.date(2026, 9, 1)


def test_withdrawal_drops_the_usmca_exemption(world):
    """settings.cusma: false makes cusma_exempt measures cover Canada's qualifying goods too."""
    annual = Scenario.load(SCEN / "cusma-review-annual.yaml")
    out = Scenario.load(SCEN / "cusma-withdrawal.yaml")
    assert annual.cusma_in_force and not out.cusma_in_force
    lapse = Scenario.load(SCEN / "cusma-lapse-2036.yaml")
    assert not lapse.cusma_in_force and lapse.effective_as_of is None     # the tariff war is over
    n, i, j = _idx(world, "USA", "CAN", "transport_equipment")
    # parts: 232 auto parts exempt USMCA-qualifying parts while CUSMA is in force
    t_in = annual.to_shock(world).tariffs[n, i, j]
    t_out = out.to_shock(world).tariffs[n, i, j]
    assert t_out > t_in


def test_bad_as_of_names_today():
    with pytest.raises(ScenarioError, match="YYYY-MM-DD"):
        Scenario.from_dict({"name": "x", "as_of": "yesterday"})


def test_rates_below_the_floor_raise_instead_of_clipping(world):
    # two ad-hoc cuts of 60 points each stack to -120%: an input error, never a silent -99%
    sc = Scenario.from_dict({"name": "floor", "measures": [
        {"tariff": {"imposer": "USA", "target": "CAN", "sectors": ["agriculture"], "add": -0.6,
                    "label": "cut-a"}},
        {"tariff": {"imposer": "USA", "target": "CAN", "sectors": ["agriculture"], "add": -0.6,
                    "label": "cut-b"}}]})
    with pytest.raises(ScenarioError, match=r"USA's applied tariff on CAN agriculture.*below -99%.*cut-a"):
        sc.to_shock(world)
