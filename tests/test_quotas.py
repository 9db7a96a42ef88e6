"""Tariff-rate quotas bind on counterfactual volumes (tradeshock.quotas), on the default world.

References: the quota's cited terms (49,000 vehicles a year, 41,678 imported in 2023, in-quota
additional rate 0, over-quota 100%, C$2.2bn of EVs; FACTS 3.4 and the measure record), and the
same model solved without the quota machinery with the sector tariff set by hand.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tradeshock import simulate
from tradeshock.parallel import solve_many
from tradeshock.rates import CAD_PER_USD
from tradeshock.runner import load_scenario
from tradeshock.world import load_world

QUOTA, BASELINE_VOLUME, OVER = 49_000.0, 41_678.0, 1.00
EV_IMPORTS_USD = 2.2e3 / CAD_PER_USD  # C$2.2bn of Chinese EVs in 2023, in US$ million


@pytest.fixture(scope="module")
def case():
    w = load_world("default")
    shock = load_scenario("canada-china-deal-2026").to_shock(w)
    return w, shock


def _variant(shock, **terms):
    return shock.replace(quotas=tuple(dataclasses.replace(q, **terms) for q in shock.quotas))


def _cell(w):
    return w.countries.index("CAN"), w.countries.index("CHN"), w.sectors.index("transport_equipment")


def _hand_volume(r, w) -> float:
    n, i, j = _cell(w)
    return BASELINE_VOLUME * r.flows_cf[n, i, j] / r.flows_base[n, i, j] / r.c_hat[i, j]


def test_compiled_quota_terms(case):
    w, shock = case
    (q,) = shock.quotas
    n, i, j = _cell(w)
    assert (q.importer, q.exporter) == ("CAN", "CHN")
    assert q.volume == QUOTA and q.baseline_volume == BASELINE_VOLUME
    assert q.in_rate == 0.0 and q.over_rate == OVER
    ((sector, share),) = q.cells
    assert sector == "transport_equipment"
    assert share == pytest.approx(EV_IMPORTS_USD / w.flows[n, i, j], rel=1e-12)


def test_quota_binds_at_its_volume(case):
    w, shock = case
    r = simulate(w, shock)
    (rec,) = r.meta["quotas"]
    assert rec["status"] == "binding"
    assert 0.0 < rec["premium"] < OVER
    assert rec["volume"] == pytest.approx(QUOTA, rel=1e-6)
    assert _hand_volume(r, w) == pytest.approx(QUOTA, rel=1e-6)
    # without the quota the same scenario would import well above 49,000 EVs
    r0 = simulate(w, _variant(shock, volume=1e12))
    assert _hand_volume(r0, w) > QUOTA * 1.1
    # the applied tariff carries the premium on the covered share; rent = premium x in-quota value
    n, i, j = _cell(w)
    share = EV_IMPORTS_USD / w.flows[n, i, j]
    assert r.shock.tariffs[n, i, j] - r0.shock.tariffs[n, i, j] == pytest.approx(share * rec["premium"])
    assert rec["rent"] == pytest.approx(rec["premium"] * share * r.flows_cf[n, i, j], rel=1e-9)


def test_slack_quota_is_the_no_quota_result(case):
    w, shock = case
    r = simulate(w, _variant(shock, volume=1e12))
    ref = simulate(w, shock.replace(quotas=()))
    (rec,) = r.meta["quotas"]
    assert rec["premium"] == 0.0 and rec["rent"] == 0.0 and rec["status"] == "slack"
    np.testing.assert_array_equal(r.flows_cf, ref.flows_cf)
    np.testing.assert_array_equal(r.shock.tariffs, shock.tariffs)


def test_tiny_quota_is_the_over_quota_result(case):
    w, shock = case
    r = simulate(w, _variant(shock, volume=1.0))
    # reference: the over-quota rate charged by hand on the covered share of the sector
    n, i, j = _cell(w)
    tariffs = shock.tariffs.copy()
    tariffs[n, i, j] += OVER * EV_IMPORTS_USD / w.flows[n, i, j]
    ref = simulate(w, shock.replace(quotas=(), tariffs=tariffs))
    (rec,) = r.meta["quotas"]
    assert rec["status"] == "over-quota" and rec["premium"] == OVER
    assert rec["fill"] == 1.0
    np.testing.assert_allclose(r.flows_cf, ref.flows_cf, rtol=1e-12, atol=1e-12)


def test_solve_many_matches_simulate(case):
    w, shock = case
    r = simulate(w, shock)
    (rb,) = solve_many(w, [shock], backend="serial")
    assert rb.meta["quotas"][0]["premium"] == r.meta["quotas"][0]["premium"]
    np.testing.assert_array_equal(rb.flows_cf, r.flows_cf)


def test_quota_binding_at_baseline_starts_from_the_in_quota_rate(case):
    # a hypothetical 60,000-vehicle baseline: the library compiles the over-quota rate (static
    # rule), the fixed point still starts from the in-quota rate, so it must agree with the same
    # terms attached to the in-quota compile
    from tradeshock.rates import compile_measures
    from tradeshock.shock import Shock

    w, shock = case
    sc = load_scenario("canada-china-deal-2026")
    ms = [m if m.id != "ca-cn-ev-quota-2026" else m.model_copy(update={
        "quota": m.quota.model_copy(update={"baseline_volume": 60000})}) for m in sc.tariff_measures(None)]
    comp = compile_measures(w, ms)
    n, i, j = _cell(w)
    assert comp.tariffs[n, i, j] == pytest.approx(shock.tariffs[n, i, j] + EV_IMPORTS_USD / w.flows[n, i, j])
    r = simulate(w, Shock(w, quotas=comp.quotas).set_tariffs(comp.tariffs))
    ref = simulate(w, _variant(shock, baseline_volume=60000.0))
    (rec,) = r.meta["quotas"]
    assert rec["status"] == "binding" and rec["volume"] == pytest.approx(QUOTA, rel=1e-6)
    assert rec["premium"] == pytest.approx(ref.meta["quotas"][0]["premium"], abs=1e-9)
    # more vehicles per dollar of the flow: the same quota needs a larger premium
    assert rec["premium"] > simulate(w, shock).meta["quotas"][0]["premium"]


def test_summary_and_report_state_the_binding_quota():
    # The quota's terms come from the measure record: 49,000 vehicles (FACTS.md 3.4).
    from tradeshock.report import tables
    from tradeshock.runner import run

    res = run("canada-china-deal-2026")
    lines = tables.quota_lines(res)
    assert len(lines) == 1
    assert "ca-cn-ev-quota-2026" in lines[0] and "binding" in lines[0]
    assert "49,000 of 49,000 vehicles" in lines[0]


def test_copy_keeps_the_quotas_regression(case):
    # Shock.copy() used to drop the quota fields, so a copied deal shock solved the EV quota at
    # the static rate with no error: Canada's real income -0.3425% instead of -0.3416%.
    w, shock = case
    twin = shock.copy()
    assert twin.quotas == shock.quotas and twin.quota_rents == shock.quota_rents
    assert twin.notes == shock.notes
    a, b = simulate(w, shock), simulate(w, twin)
    assert b.meta["quotas"] == a.meta["quotas"]
    assert b.welfare().loc["CAN", "real_income"] == a.welfare().loc["CAN", "real_income"]
    # and the quota matters for that number: without it the figure moves by about 0.001 pp
    static = simulate(w, shock.replace(quotas=()))
    gap = static.welfare().loc["CAN", "real_income"] - a.welfare().loc["CAN", "real_income"]
    assert abs(gap) > 5e-4


def test_shock_is_frozen(case):
    _, shock = case
    with pytest.raises(dataclasses.FrozenInstanceError):
        shock.quotas = ()
    with pytest.raises(ValueError, match="read-only"):
        shock.tariffs[0, 1, 0] = 0.5
