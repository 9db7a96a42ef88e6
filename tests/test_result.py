"""Result views: labelled tidy tables, accounting identities, welfare measures, delegation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tradeshock import Shock, simulate
from tradeshock.errors import DataError
from tradeshock.model import solve
from tradeshock.model.welfare import cp_decomposition, real_income
from tradeshock.shock import QuotaRent
from tradeshock.simulate import resolved_baseline
from tradeshock.synthetic import random_world


@pytest.fixture(scope="module")
def world():
    return random_world(5, 4, seed=21)


@pytest.fixture(scope="module")
def result(world):
    s = (Shock(world).tariff(imposer="C00", target=["C01", "C02"], add=0.2)
         .embargo(imposer="C03", target="C04", sectors="s01"))
    return simulate(world, s)


def test_every_view_is_labelled_with_a_unit(result):
    views = {"welfare": result.welfare(), "to_frame": result.to_frame(), "trade": result.trade(),
             "exports": result.exports(), "imports": result.imports(), "output": result.output(),
             "revenue": result.revenue(), "prices": result.prices()}
    for name, df in views.items():
        assert isinstance(df, pd.DataFrame) and len(df) > 0, name
        assert df.attrs.get("unit"), name
    assert list(views["welfare"].columns) == ["real_income", "welfare_cp", "terms_of_trade",
                                              "volume_of_trade", "real_wage", "price_index"]
    assert views["welfare"].index.name == "country"
    assert list(views["trade"].columns) == ["exporter", "importer", "sector", "baseline",
                                            "counterfactual", "change", "change_pct"]
    assert list(views["exports"].columns) == ["country", "partner", "baseline", "counterfactual",
                                              "change", "change_pct"]
    assert list(views["revenue"].columns) == ["country", "baseline", "counterfactual", "change"]
    assert "employment_change_pct" in views["output"].columns
    assert list(views["to_frame"].columns)[0] == "country"


def test_exports_mirror_imports_and_trade_table(result, world):
    ex = result.exports().set_index(["country", "partner"])
    im = result.imports().set_index(["country", "partner"])
    for (c, p), row in ex.iterrows():
        assert row["counterfactual"] == pytest.approx(im.loc[(p, c), "counterfactual"], rel=1e-12)
    tr = result.trade()
    sub = tr[(tr.exporter == "C01") & (tr.importer == "C00")]
    assert sub["counterfactual"].sum() == pytest.approx(ex.loc[("C01", "C00"), "counterfactual"])
    assert sub["baseline"].sum() == pytest.approx(ex.loc[("C01", "C00"), "baseline"])
    emb = tr[(tr.exporter == "C04") & (tr.importer == "C03") & (tr.sector == "s01")]
    assert emb["counterfactual"].iloc[0] == 0.0 and emb["change_pct"].iloc[0] == -100.0
    assert set(result.exports("C02")["country"]) == {"C02"}
    with pytest.raises(DataError, match="did you mean"):
        result.exports("C2O")


def test_output_accounting(result):
    out = result.output()
    shares = out.groupby("country")[["employment_share_base", "employment_share_cf"]].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0, rtol=1e-12)
    # value added of a country equals ŵ w L (labour market clearing)
    va = out.groupby("country", sort=False)["value_added_cf"].sum().to_numpy()
    np.testing.assert_allclose(va, result.w_hat * result.baseline.value_added, rtol=1e-9)
    # total employment is fixed: share-weighted employment changes sum to zero
    chg = (out["employment_share_base"] * out["employment_change_pct"]).groupby(out["country"]).sum()
    np.testing.assert_allclose(chg.to_numpy(), 0.0, atol=1e-9)


def test_welfare_identities(result):
    w = result.welfare()
    np.testing.assert_allclose(w["welfare_cp"], w["terms_of_trade"] + w["volume_of_trade"], rtol=1e-12)
    # real wage = ŵ / CPI
    np.testing.assert_allclose((1 + w["real_wage"] / 100) * (1 + w["price_index"] / 100),
                               result.w_hat, rtol=1e-12)
    # revenue view agrees with I' = ŵ w L + R' + D'
    rev = result.revenue()["counterfactual"].to_numpy()
    e, b = result.equilibrium, result.baseline
    np.testing.assert_allclose(e.I_new, e.w_hat * b.value_added + rev + e.deficit_new, rtol=1e-12)


def test_cp_decomposition_is_first_order_exact(world):
    """The decomposition matches the exact change to first order: its error shrinks like ε²."""
    base, _ = resolved_baseline(world, "fixed")
    errors = []
    for eps in (1e-2, 1e-3):
        tau = base.tariffs.copy()
        tau[0, 1:, :3] += eps
        tau[2, 0, :2] += eps
        eq = solve(base, tau)
        tot, vot = cp_decomposition(base, eq)
        exact = real_income(base, eq)
        assert np.max(np.abs(exact)) > eps * 1e-3          # the shock does move welfare
        errors.append(np.max(np.abs(tot + vot - exact)))
    assert errors[1] < errors[0] / 50                      # quadratic (1/100), with slack


def test_cp_decomposition_integrated_along_the_path_recovers_the_exact_change(world):
    """model.md: summing the decomposition over small steps of the shock gives the exact change.

    The step sum is a left Riemann sum, so its error falls like 1/K; Richardson extrapolation
    2·S(2K) − S(K) removes that leading term and must land on the exact ln Ŵ.
    """
    base, _ = resolved_baseline(world, "fixed")
    tau1 = base.tariffs.copy()
    tau1[0, 1:, :3] += 0.3
    tau1[3, 4, :] += 0.2
    exact = np.log1p(real_income(base, solve(base, tau1)))

    def path_sum(steps: int) -> np.ndarray:
        b, total = base, np.zeros(world.n_countries)
        for k in range(1, steps + 1):
            eq = solve(b, base.tariffs + (tau1 - base.tariffs) * k / steps)
            tot, vot = cp_decomposition(b, eq)
            total += tot + vot
            b = b.rebased(eq)
        return total

    s10, s20 = path_sum(10), path_sum(20)
    err10, err20 = np.max(np.abs(s10 - exact)), np.max(np.abs(s20 - exact))
    assert 1.6 < err10 / err20 < 2.4                         # first-order convergence in 1/K
    richardson = 2 * s20 - s10
    assert np.max(np.abs(richardson - exact)) < 0.1 * err20
    assert np.max(np.abs(richardson - exact)) < 0.02 * np.max(np.abs(exact))


def test_accessors_are_real_and_registered_from_above(result, tmp_path):
    # the report accessor writes the real report; the notebook display is real HTML
    path = result.report(tmp_path / "r.html", title="wiring")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "wiring" in text and "Real income" in text
    assert "tradeshock result" in result._repr_html_()
    # provinces need Canada: the synthetic world has none, and the accessor says so
    with pytest.raises(DataError, match="CAN|Canada"):
        result.provinces()
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        result.nope  # noqa: B018


def test_a_new_accessor_registers_on_result(result):
    from tradeshock.result import Result, register_result_accessor

    @register_result_accessor("top_country")
    class Top:
        def __init__(self, res):
            self._res = res

        def __call__(self):
            return self._res.welfare()["real_income"].idxmax()

    try:
        assert result.top_country() == result.welfare()["real_income"].idxmax()
        assert result.top_country is result.top_country         # built once per result
    finally:
        del Result.top_country


def test_report_accessor_loads_without_importing_report_first():
    # a fresh interpreter: the result layer finds the accessors by name, never by import
    code = ("import sys; from tradeshock import Shock, simulate; from tradeshock.synthetic import "
            "random_world; w = random_world(3, 2, seed=1); r = simulate(w, Shock(w)); "
            "assert 'tradeshock.report.html' not in sys.modules; "
            "assert callable(r.report.html); assert 'tradeshock.report.html' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_arrays_and_metadata(result, world):
    n, j = world.n_countries, world.n_sectors
    assert result.w_hat.shape == (n,) and result.P_hat.shape == (n, j)
    assert result.flows_base.shape == result.flows_cf.shape == (n, n, j)
    assert result.countries == world.countries and result.sectors == world.sectors
    assert result.meta["deficits"] == "fixed" and "tradeshock" in result.meta["versions"]
    d = result.diagnostics
    assert d["converged"] and max(d["residual_price"], d["residual_expenditure"],
                                  d["residual_trade_balance"]) <= 1e-10
    assert "converged=True" in repr(result)


def test_quota_rents_are_reported_in_meta(world):
    rent = QuotaRent(measure="q", importer="C00", exporter="C01", covered_flow=4.0, fill=0.5, rent=1.0)
    s = Shock(world, quota_rents=(rent,)).tariff(imposer="C00", target="C01", rate=0.5)
    r = simulate(world, s)
    assert r.meta["quota_rents"][0]["measure"] == "q" and "marginal" in r.meta["quota_rents_note"]
    assert "quota_rents" not in simulate(world).meta
