"""Estimate -> shock -> GE: the engine against an independent one-sector fixed point, and the
Advanced Guide's published NAFTA numbers (Yotov et al. 2016, ch. 2, application 2)."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock import load_world
from tradeshock.gravity import estimate, load_panel, remove_agreement
from tradeshock.gravity.counterfactual import agreement_shock, iceberg_change
from tradeshock.simulate import simulate

NAFTA = [("CAN", "MEX"), ("CAN", "USA"), ("MEX", "CAN"), ("MEX", "USA"), ("USA", "CAN"), ("USA", "MEX")]
BOOK_YEARS = (1986, 1990, 1994, 1998, 2002, 2006)

# Published: RTAsEffects.log (Stata ppml, the book's replication files): RTA 0.5571853,
# semirobust s.e. 0.055771, 28,482 observations (84 separated), 3,162 parameters.
BOOK_RTA, BOOK_SE, BOOK_N = 0.5571853, 0.055771, 28482
# Published full-endowment effects of NAFTA (baseline vs no-NAFTA, percent; the book's table on
# p. 116 as reproduced by the replication files): real GDP, exports, factory-gate price.
BOOK = {"CAN": (3.40, 37.46, 1.84), "MEX": (3.81, 43.52, 1.30), "USA": (0.33, 14.89, 0.15),
        "ARG": (-0.01, -0.68, 0.00), "COL": (-0.03, -1.73, 0.06), "CRI": (-0.07, -1.04, -0.01)}


def one_sector_fixed_point(x: np.ndarray, d_hat: np.ndarray, theta: float, tol: float = 1e-14):
    """Structural-gravity GE in changes, written from the textbook (no shared code).

    x[n, i]: flows to importer n from exporter i (domestic on the diagonal). Unknown: factory-gate
    price changes p_i. Y_i' = p_i Y_i, E_n' = Y_n' + D_n (deficits fixed in world-GDP units),
    X'_ni = E_n' pi_ni (d_ni p_i)^-theta / sum_k pi_nk (d_nk p_k)^-theta, market clearing
    Y_i' = sum_n X'_ni, numeraire sum_i Y_i' = sum_i Y_i. Damped tatonnement on p.
    """
    y = x.sum(axis=0)
    e = x.sum(axis=1)
    dfc = e - y
    pi = x / e[:, None]
    p = np.ones(len(y))
    for _ in range(200000):
        w = pi * (d_hat * p[None, :]) ** (-theta)
        share = w / w.sum(axis=1, keepdims=True)
        e1 = p * y + dfc
        demand = (share * e1[:, None]).sum(axis=0)
        ratio = demand / (p * y)
        p_new = p * ratio ** (1.0 / (1.0 + theta))
        p_new *= y.sum() / (p_new * y).sum()
        if np.max(np.abs(p_new / p - 1)) < tol:
            p = p_new
            break
        p = p_new
    else:  # pragma: no cover
        raise AssertionError("reference fixed point did not converge")
    w = pi * (d_hat * p[None, :]) ** (-theta)
    price_index = (w.sum(axis=1)) ** (-1.0 / theta)
    flows = (w / w.sum(axis=1, keepdims=True)) * (p * y + dfc)[:, None]
    return p, price_index, flows


def test_iceberg_mapping_moves_trade_by_exp_minus_beta():
    d = iceberg_change(0.557, np.array([6.0, 2.0, 12.0]))
    np.testing.assert_allclose(d ** -np.array([6.0, 2.0, 12.0]), np.exp(-0.557), rtol=1e-14)
    np.testing.assert_allclose(iceberg_change(0.557, 6.0, direction="add"), np.exp(-0.557 / 6))


def test_engine_matches_independent_one_sector_fixed_point_on_agtpa1994():
    w = load_world("agtpa1994")
    shock = agreement_shock(w, NAFTA, 0.5571853)
    r = simulate(w, shock, deficits="fixed", tol=1e-12)
    x = w.flows[:, :, 0]
    d = shock.trade_cost_hat[:, :, 0]
    p, price_index, flows = one_sector_fixed_point(x, d, float(w.theta[0]))
    np.testing.assert_allclose(r.w_hat, p, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(r.P_hat)[:, 0], price_index, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(r.flows_cf)[:, :, 0], flows, rtol=1e-8, atol=1e-9)


@pytest.fixture(scope="module")
def book_estimate():
    panel = load_panel("agtpa")
    return panel, estimate(panel, ["rta"], years=BOOK_YEARS)


def test_rta_coefficient_reproduces_the_book(book_estimate):
    panel, est = book_estimate
    assert est.coef("rta") == pytest.approx(BOOK_RTA, abs=1e-6)
    assert est.drops.n_used == BOOK_N and est.drops.n_dropped == 84
    assert est.drops.dropped["reason"].str.startswith("separated: pair").all()
    robust = estimate(panel, ["rta"], years=BOOK_YEARS, vcov="hetero", small_sample=False)
    assert robust.se("rta") == pytest.approx(BOOK_SE, rel=1e-4)
    assert est.spec["n_fixed_effects"] == {"exporter-year": 414, "importer-year": 414, "pair": 2340}
    assert est.se("rta") > robust.se("rta")  # clustering by pair widens it (0.108)


def test_removing_nafta_reproduces_the_books_effects(book_estimate):
    panel, est = book_estimate
    out = remove_agreement(est, panel, ("CAN", "MEX", "USA"), year=1994, theta=6.0)
    assert out.meta["diagnostics"]["converged"]
    t = out.table
    for c, (gdp, exports, price) in BOOK.items():
        # differences: the book keeps E/Y fixed (we keep deficits fixed) and stops its loop at a
        # 0.01 change in prices; see docs/gravity.md
        assert t.loc[c, "effect_real_gdp"] == pytest.approx(gdp, abs=0.06), c
        assert t.loc[c, "effect_exports"] == pytest.approx(exports, abs=1.0), c
        assert t.loc[c, "effect_factory_gate_price"] == pytest.approx(price, abs=0.13), c
    # non-members lose a little from trade diversion (removal helps them: within 0.1%)
    others = t.drop(index=["CAN", "MEX", "USA"])
    assert (others["real_gdp"] > -0.005).all() and (others["real_gdp"] < 0.1).all()
    assert (others["real_gdp"] > 0).mean() > 0.9
    assert out.meta["iceberg_change"] == pytest.approx(np.exp(BOOK_RTA / 6), rel=1e-6)


# ------------------------------------------------------------- scenario files
def _scenario(tc: dict):
    from tradeshock.scenario import Scenario

    return Scenario.from_dict({"name": "t", "world": "default",
                               "measures": [{"trade_cost": {"importer": "USA", "exporter": "CAN",
                                                            "sectors": ["machinery", "food"], **tc}}]})


def test_scenario_from_estimate_maps_beta_by_sector_theta():
    w = load_world("default")
    s = _scenario({"from_estimate": "rta"}).to_shock(w)
    n, i = w.countries.index("USA"), w.countries.index("CAN")
    from tradeshock.gravity import load_estimates

    beta = load_estimates()["rta"]["estimate"]
    for sec in ("machinery", "food"):
        j = w.sectors.index(sec)
        # same partial trade effect exp(-beta) in every sector
        assert s.trade_cost_hat[n, i, j] ** -w.theta[j] == pytest.approx(np.exp(-beta), rel=1e-12)
    assert s.trade_cost_hat[i, n, w.sectors.index("food")] == 1.0   # one direction only
    u = _scenario({"from_estimate": "rta", "theta": 6, "direction": "add", "share": 0.5}).to_shock(w)
    assert u.trade_cost_hat[n, i, w.sectors.index("food")] == pytest.approx(np.exp(-0.5 * beta / 6))


def test_scenario_from_estimate_errors_are_clear():
    from tradeshock.errors import ScenarioError

    with pytest.raises(ScenarioError, match="unknown gravity estimate 'rtaa'.*did you mean rta"):
        _scenario({"from_estimate": "rtaa"})
    with pytest.raises(ScenarioError, match="exactly one of change .* or from_estimate"):
        _scenario({"from_estimate": "rta", "change": 0.1})
    with pytest.raises(ScenarioError, match="direction: value 'drop'"):
        _scenario({"from_estimate": "rta", "direction": "drop"})
    with pytest.raises(ScenarioError, match="estimate_file.*not found"):
        _scenario({"from_estimate": "rta", "estimate_file": "/nonexistent/est.json"})


def test_standard_error_travels_into_draws(book_estimate):
    from tradeshock.gravity.counterfactual import agreement_draws, beta_draws

    b = beta_draws(0.557, 0.108, 4000, seed=1)
    assert b.mean() == pytest.approx(0.557, abs=0.01) and b.std() == pytest.approx(0.108, rel=0.05)
    panel, est = book_estimate
    out = remove_agreement(est, panel, year=1994, theta=6.0)
    q = agreement_draws(out, n=40, seed=2)
    point = out.table.loc["CAN", "real_gdp"]
    assert q.loc["CAN", "real_gdp_q05"] < point < q.loc["CAN", "real_gdp_q95"]
    assert q.attrs["std_error"] == pytest.approx(est.se("rta"))


def test_net_of_tariffs_by_label_ignores_the_tariff_war():
    from tradeshock.errors import ScenarioError
    from tradeshock.scenario import Scenario, find_scenario

    w = load_world("default")
    term = Scenario.load(find_scenario("cusma-termination")).to_shock(w)
    wd = Scenario.load(find_scenario("cusma-withdrawal")).to_shock(w)
    n, i, j = w.countries.index("USA"), w.countries.index("CAN"), w.sectors.index("metals")
    # same MFN reversion, so the same non-tariff part although withdrawal keeps today's tariffs
    assert wd.tariffs[n, i, j] > term.tariffs[n, i, j] + 0.1
    assert wd.trade_cost_hat[n, i, j] == pytest.approx(term.trade_cost_hat[n, i, j], rel=1e-12)
    with pytest.raises(ScenarioError, match="unknown tariff measure 'us-mfn'"):
        Scenario.from_dict({"name": "t", "measures": [
            {"tariff": {"imposer": "USA", "targets": ["CAN"], "rate": "mfn", "label": "us-mfn-on-can"}},
            {"trade_cost": {"importer": "USA", "exporter": "CAN", "from_estimate": "rta",
                            "net_of_tariffs": ["us-mfn"]}}]}).to_shock(w)


def test_joint_theta_beta_draws_rebuild_the_shock_per_draw():
    from tradeshock.gravity.counterfactual import scenario_effect_draws
    from tradeshock.scenario import Scenario, find_scenario

    w = load_world("default")
    sc = _scenario({"from_estimate": "rta"})
    w2 = w.replace(theta=np.asarray(w.theta) * 2.0)
    n, i, j = w.countries.index("USA"), w.countries.index("CAN"), w.sectors.index("food")
    d1, d2 = sc.to_shock(w).trade_cost_hat[n, i, j], sc.to_shock(w2).trade_cost_hat[n, i, j]
    assert np.log(d2) == pytest.approx(np.log(d1) / 2, rel=1e-12)   # d-hat follows theta
    full = Scenario.load(find_scenario("cusma-termination"))
    out = scenario_effect_draws(full, n=3, seed=4, countries=["CAN"], thetas=True)
    assert len(out) == 3 and out["CAN"].lt(0).all() and out["beta"].nunique() == 3
