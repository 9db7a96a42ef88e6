"""Exposure metrics against hand-computed values, errors, and GE cut-off properties."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock.analysis.exposure import cutoff_costs, exposure, exposure_metrics
from tradeshock.errors import DataError
from tradeshock.synthetic import random_world
from tradeshock.world import World


def _hand_world() -> World:
    """3 countries A, B, C; 2 tradable sectors. A sells only to B; flows chosen by hand."""
    n, j = 3, 2
    f = np.zeros((n, n, j))                 # [importer, exporter, sector]
    for k in range(n):
        f[k, k, :] = 100.0                  # domestic sales
    f[1, 0, 0] = 30.0                       # B buys 30 of sector 0 from A
    f[1, 0, 1] = 10.0                       # B buys 10 of sector 1 from A
    f[1, 2, 0] = 90.0                       # B buys 90 of sector 0 from C
    f[0, 1, 0] = 20.0                       # A buys 20 of sector 0 from B
    f[0, 2, 0] = 20.0                       # ... and 20 from C
    f[2, 1, 1] = 5.0
    io = np.full((n, j, j), 0.2)
    return World(name="hand", year=2024, countries=("A", "B", "C"), sectors=("s0", "s1"), flows=f,
                 tariffs=np.zeros((n, n, j)), va_share=np.full((n, j), 0.6), io_share=io,
                 final_share=np.full((n, j), 0.5), theta=np.array([4.0, 4.0]),
                 tradable=np.array([True, True]))


def test_single_partner_country_has_hhi_one():
    d = exposure_metrics(_hand_world(), "A")
    row = d[(d["partner"] == "B")].set_index("sector")
    assert row.loc["s0", "hhi_partners"] == pytest.approx(1.0)
    assert row.loc["all", "hhi_partners"] == pytest.approx(1.0)
    assert row.loc["s0", "export_share"] == pytest.approx(1.0)
    assert row.loc["all", "largest_buyer"] == "B"
    assert row.loc["all", "largest_buyer_share"] == pytest.approx(1.0)


def test_asymmetric_dependence_by_hand():
    d = exposure_metrics(_hand_world(), "A").set_index(["partner", "sector"])
    # A's sector-0 exports all go to B (share 1); A is 30 of B's 120 sector-0 imports (0.25)
    assert d.loc[("B", "s0"), "partner_import_share"] == pytest.approx(30 / 120)
    assert d.loc[("B", "s0"), "asymmetry"] == pytest.approx(1 - 0.25)
    # A's exports to B across sectors: 30 and 10 -> HHI = 0.75^2 + 0.25^2
    assert d.loc[("B", "all"), "hhi_sectors"] == pytest.approx(0.625)
    # A imports only sector 0 from B (20): import HHI across sectors 1
    assert d.loc[("B", "all"), "hhi_import_sectors"] == pytest.approx(1.0)
    # A imports 20 + 20 of sector 0 from B and C: import shares 0.5, HHI 0.5
    assert d.loc[("C", "s0"), "import_share"] == pytest.approx(0.5)
    assert d.loc[("C", "s0"), "hhi_suppliers"] == pytest.approx(0.5)
    # no exports to C: shares zero
    assert d.loc[("C", "s1"), "export_share"] == pytest.approx(0.0)
    # world exports of sector 1: A 10, B 5 -> HHI (2/3)^2 + (1/3)^2
    assert d.loc[("B", "s1"), "world_export_hhi"] == pytest.approx(5 / 9)


@pytest.mark.parametrize("kwargs,match", [
    ({"country": "XXX"}, "unknown country 'XXX'"),
    ({"country": "A", "partner": "Q"}, "unknown partner 'Q'"),
    ({"country": "A", "partner": "A"}, "country itself"),
    ({"country": "A", "sector": "s9"}, "unknown sector 's9'.*s0"),
])
def test_bad_labels_are_clear_errors(kwargs, match):
    with pytest.raises(DataError, match=match):
        exposure(world=_hand_world(), cutoffs=False, **kwargs)


def test_unknown_country_suggests_close_match():
    w = random_world(4, 3, seed=2).replace(countries=("CAN", "USA", "CHN", "MEX"))
    with pytest.raises(DataError, match="did you mean CAN"):
        exposure("CAM", world=w, cutoffs=False)


def test_zero_flow_has_zero_cutoff_cost_without_solving():
    d = exposure("A", world=_hand_world(), backend="serial", min_share=2.0)  # threshold: solve none
    z = d[(d["partner"] == "C") & (d["sector"] == "s0")].iloc[0]
    assert z["exports"] == 0 and z["cutoff_real_income_pct"] == 0.0 and z["cutoff_computed"]
    assert d.attrs["solves"] == 0
    big = d[(d["partner"] == "B") & (d["sector"] == "s0")].iloc[0]
    assert np.isnan(big["cutoff_real_income_pct"]) and not big["cutoff_computed"]


# ----------------------------------------------------------------- with the GE engine
engine = pytest.importorskip  # alias for readability below


def _engine():
    return engine("tradeshock.simulate")


def test_cutoff_of_zero_flow_is_zero_in_the_engine():
    _engine()
    w = _hand_world()
    out = cutoff_costs(w, "A", [("C", "s0")], backend="serial")   # A sells nothing of s0 to C
    assert out["real_income_pct"].iloc[0] == pytest.approx(0.0, abs=1e-7)
    assert out["output_pct"].iloc[0] == pytest.approx(0.0, abs=1e-7)


def test_large_flow_cutoff_costs_more_than_small_one():
    _engine()
    w = random_world(4, 3, seed=11, n_nontradable=1)
    c = 0
    f = np.array(w.flows, copy=True)
    # controlled example: the same country and sector, two buyers with very different flows
    f[1, c, 0] = 20.0 * f[2, c, 0]
    w = w.replace(flows=f)
    d = exposure_metrics(w, w.countries[0], sector=w.sectors[0]).set_index(["partner", "sector"])
    p_big, p_small = w.countries[1], w.countries[2]
    assert d.loc[(p_big, w.sectors[0]), "exports"] > d.loc[(p_small, w.sectors[0]), "exports"]
    out = cutoff_costs(w, w.countries[0], [(p_big, w.sectors[0]), (p_small, w.sectors[0])],
                       backend="serial").set_index("partner")
    assert out.loc[p_big, "real_income_pct"] < out.loc[p_small, "real_income_pct"] <= 1e-9
    assert out.loc[p_big, "output_pct"] < out.loc[p_small, "output_pct"]


def test_parallel_cutoffs_equal_serial_ones():
    _engine()
    pytest.importorskip("tradeshock.parallel")
    w = random_world(4, 3, seed=5, n_nontradable=1)
    a = exposure(w.countries[0], partner=w.countries[1], world=w, backend="serial")
    b = exposure(w.countries[0], partner=w.countries[1], world=w, backend="processes", workers=2)
    assert a.attrs["solves"] == b.attrs["solves"] > 0
    cols = ["cutoff_real_income_pct", "cutoff_output_pct", "supplier_cutoff_real_income_pct"]
    pd_a = a.set_index(["partner", "sector"])[cols].sort_index()
    pd_b = b.set_index(["partner", "sector"])[cols].sort_index()
    np.testing.assert_allclose(pd_a.to_numpy(), pd_b.to_numpy(), rtol=1e-9, atol=1e-12)
    # a full embargo ("all") by a partner costs at least as much as any single sector's one
    for p, g in pd_a.groupby(level=0):
        assert g.loc[(p, "all"), "cutoff_real_income_pct"] <= g["cutoff_real_income_pct"].min() + 1e-9


@pytest.mark.slow
def test_exposure_can_default_world_is_ranked_and_timed():
    _engine()
    d = exposure("CAN")
    assert d.attrs["solves"] > 50
    top = d.iloc[0]
    assert top["partner"] == "USA" and top["sector"] == "all"
    assert d["cutoff_real_income_pct"].fillna(0.0).is_monotonic_increasing
    assert d.attrs["seconds"] < 300
