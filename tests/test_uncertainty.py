"""Elasticity draws: exact at the point estimates, seeded, bands, gravity and ACR references, errors."""

from __future__ import annotations

import numpy as np
import pytest

from tradeshock import parallel
from tradeshock import uncertainty as U
from tradeshock.errors import ScenarioError, ShockError
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.synthetic import random_world
from tradeshock.world import load_world


@pytest.fixture(scope="module")
def world():
    return random_world(6, 4, seed=5, theta=[2.0, 4.0, 6.5, 9.0])


@pytest.fixture(scope="module")
def shock(world):
    return Shock(world).tariff(imposer="C00", target=None, add=0.10, label="C00 +10pp")


@pytest.fixture(scope="module")
def bands(world, shock):
    return U.run_draws(world, shock, 24, seed=3, backend="serial")


def _equilibrium(theta, base, eq0, eq):
    """Reducer for the reference checks: the solved arrays themselves."""
    return {"pi0": base.pi, "pi1": eq.pi_new, "c_hat": eq.c_hat, "tau0": base.tariffs,
            "tau1": eq.tariffs_new, "w_hat": eq.w_hat, "P_hat": eq.P_hat}


# ------------------------------------------------------------------ exactness and seeds
def test_point_draw_is_the_deterministic_result_exactly():
    w = load_world("default")
    sh = Shock(w).tariff(imposer="USA", target="CAN", add=0.10, label="US +10 on CAN")
    ref = simulate(w, sh)
    out = parallel.solve_draws(w, sh, w.theta[None, :], backend="serial",
                               reduce=U.TableReducer(w, sh, "fixed"))
    assert np.array_equal(out[0]["welfare"], ref.welfare().to_numpy())
    ex = ref.exports()[["change", "change_pct"]].to_numpy()
    assert np.array_equal(out[0]["exports"], ex, equal_nan=True)    # NaN: zero baselines
    cols = list(U.BAND_COLUMNS["output"])
    assert np.array_equal(out[0]["output"], ref.output()[cols].to_numpy(), equal_nan=True)


def test_bands_contain_the_point_estimate(bands):
    wf = bands.tables()["welfare"]
    for col in ("real_income", "terms_of_trade", "price_index"):
        assert np.all(wf[f"{col}_p05"] <= wf[col] + 1e-12), col
        assert np.all(wf[col] <= wf[f"{col}_p95"] + 1e-12), col
    ex = bands.tables()["exports"]
    moved = ex["change_pct"].abs() > 1e-6
    assert np.all((ex["change_pct_p05"] <= ex["change_pct"] + 1e-9)[moved])
    assert np.all((ex["change_pct"] <= ex["change_pct_p95"] + 1e-9)[moved])
    assert bands.n_ok == 24 and not bands.failures


def test_same_seed_same_bands(world, shock, bands):
    again = U.run_draws(world, shock, 24, seed=3, backend="processes", workers=2)
    np.testing.assert_array_equal(again.thetas, bands.thetas)
    a, b = again.tables()["welfare"], bands.tables()["welfare"]
    np.testing.assert_array_equal(a.filter(like="_p").to_numpy(), b.filter(like="_p").to_numpy())
    other = U.draw_thetas(bands.distributions, 24, seed=4)
    assert not np.array_equal(other, bands.thetas)


def test_zero_variance_gives_zero_width_bands(world, shock):
    for spec in ({"all": {"shape": "fixed"}}, {"all": {"shape": "lognormal", "spread": 1}},
                 {"all": {"shape": "normal", "sd": 0}}):
        u = U.run_draws(world, shock, 3, seed=1, distributions=spec, backend="serial")
        wf = u.tables()["welfare"]
        for col in U.BAND_COLUMNS["welfare"]:
            np.testing.assert_array_equal(wf[f"{col}_p05"], wf[f"{col}_p95"])
            np.testing.assert_array_equal(wf[f"{col}_p50"], wf[col])


def test_distributions_have_the_stated_quantiles(world):
    d = U.parse_distributions({"all": {"shape": "lognormal", "spread": 2},
                               "s01": {"shape": "uniform", "low": 2, "high": 6},
                               "s02": {"shape": "normal", "mean": 5, "sd": 1}}, world)
    t = d.table().set_index("sector")
    assert t.loc["s00", "p05"] == pytest.approx(1.0) and t.loc["s00", "p95"] == pytest.approx(4.0)
    assert t.loc["s01", "p05"] == pytest.approx(2.2) and t.loc["s01", "p95"] == pytest.approx(5.8)
    assert t.loc["s02", "p95"] == pytest.approx(5 + 1.6448536, abs=1e-4)
    x = U.draw_thetas(d, 40000, seed=0)
    assert np.quantile(x[:, 0], 0.95) == pytest.approx(4.0, rel=0.03)
    assert np.median(x[:, 3]) == pytest.approx(9.0, rel=0.02)       # world's θ is the median
    assert x.min() > 0


# ------------------------------------------------------------------ independent references
def test_partial_trade_elasticity_equals_each_sectors_draw(world, shock):
    """Gravity: Δln(π_ni/π_nn) = −θ_j [Δln(1+τ_ni) + Δln ĉ_i − Δln ĉ_n] in every sector."""
    thetas = U.draw_thetas(U.default_distributions(world), 3, seed=11)
    out = parallel.solve_draws(world, shock, thetas, backend="serial", reduce=_equilibrium)
    n = 0                                                            # C00's imports
    for theta, o in zip(thetas, out, strict=True):
        for j in np.flatnonzero(world.tradable):
            i = int(np.argmax(np.where(np.arange(world.n_countries) == n, 0, o["pi0"][n, :, j])))
            dlog_share = (np.log(o["pi1"][n, i, j] / o["pi1"][n, n, j])
                          - np.log(o["pi0"][n, i, j] / o["pi0"][n, n, j]))
            dlog_cost = (np.log((1 + o["tau1"][n, i, j]) / (1 + o["tau0"][n, i, j]))
                         + np.log(o["c_hat"][i, j]) - np.log(o["c_hat"][n, j]))
            assert -dlog_share / dlog_cost == pytest.approx(theta[j], rel=1e-7)


def test_partial_equilibrium_elasticity_with_wages_fixed(world):
    """The engine's share kernel with costs fixed: a 1% tariff moves ln(π_ni/π_nn) by −θ_j %."""
    from tradeshock.model.equations import shock_weights

    theta = U.draw_thetas(U.default_distributions(world), 1, seed=2)[0]
    pi = world.trade_shares
    n = 1
    kappa = np.ones_like(pi)
    for j in np.flatnonzero(world.tradable):
        i = int(np.argmax(np.where(np.arange(world.n_countries) == n, 0, pi[n, :, j])))
        kappa[n, i, j] = 1.01
    wts = shock_weights(pi, kappa, theta)
    new = wts / wts.sum(axis=1, keepdims=True)          # P̂ from the same weights, ĉ = 1
    for j in np.flatnonzero(world.tradable):
        i = int(np.argmax(np.where(np.arange(world.n_countries) == n, 0, pi[n, :, j])))
        ratio = np.log(new[n, i, j] / new[n, n, j]) - np.log(pi[n, i, j] / pi[n, n, j])
        assert -ratio / np.log(1.01) == pytest.approx(theta[j], rel=1e-12)


def test_one_sector_draw_matches_acr():
    """One sector, no IO: real wage change = π̂_nn^(−1/θ) for any θ drawn (Arkolakis et al. 2012)."""
    w = load_world("gravity2006")
    sh = Shock(w).trade_cost(importer="USA", exporter="CAN", change=0.2, symmetric=True,
                             label="US-CAN costs +20%")
    thetas = np.array([[2.7], [4.0], [7.3]])
    out = parallel.solve_draws(w, sh, thetas, backend="serial", reduce=_equilibrium)
    for (theta,), o in zip(thetas, out, strict=True):
        pihat = np.diagonal(o["pi1"][:, :, 0]) / np.diagonal(o["pi0"][:, :, 0])
        real_wage = o["w_hat"] / o["P_hat"][:, 0]
        np.testing.assert_allclose(real_wage, pihat ** (-1.0 / theta), rtol=1e-8)


# ------------------------------------------------------------------ failures and tornado
class _FailAbove:
    """A reducer that fails for draws with θ of the first sector above a cut (test only)."""

    def __init__(self, cut):
        self.cut = cut

    def __call__(self, theta, base, eq0, eq):
        if theta[0] > self.cut:
            raise RuntimeError(f"theta {theta[0]:.3f} above {self.cut}")
        return {"welfare": np.zeros((1, 6))}


def test_failed_draws_are_reported_not_dropped(world, shock):
    thetas = np.tile(world.theta, (5, 1))
    thetas[[1, 3], 0] = 50.0
    out = parallel.solve_draws(world, shock, thetas, backend="serial", reduce=_FailAbove(10))
    fails = [o for o in out if isinstance(o, parallel.DrawFailure)]
    assert [f.index for f in fails] == [1, 3] and fails[0].kind == "RuntimeError"
    # non-convergence is a failure too, with its index and the solver's message
    out = parallel.solve_draws(world, shock, thetas[:2], backend="serial", max_iter=1)
    assert [o.index for o in out] == [0, 1] and all(o.kind == "ConvergenceError" for o in out)
    u = U.run_draws(world, shock, 4, seed=0, backend="serial", max_iter=1)
    assert u.n_ok == 0 and len(u.failures) == 4
    assert list(u.failure_table()["draw"]) == [0, 1, 2, 3]
    assert u.tables()["welfare"]["real_income_p05"].isna().all()
    assert u.record()["failed"][0]["kind"] == "ConvergenceError"


def test_tornado_moves_one_sector_at_a_time(world, shock):
    t = U.tornado(world, shock, country="C00", backend="serial")
    assert list(t["swing"]) == sorted(t["swing"], reverse=True)
    point = simulate(world, shock).welfare().loc["C00", "real_income"]
    assert np.allclose(t["point"], point)
    # independent check of one row: the sector's p95 alone, solved directly
    row = t.iloc[0]
    k = world.sectors.index(row["sector"])
    th = np.array(world.theta)
    th[k] = row["theta_p95"]
    direct = simulate(world.replace(theta=th), shock).welfare().loc["C00", "real_income"]
    # warm-started draws are certified to the solver tolerance (1e-10 relative residuals)
    assert row["value_at_p95"] == pytest.approx(direct, rel=1e-8)
    assert row["theta_p95"] == pytest.approx(2 * world.theta[k])


def test_dask_scheduler_address_gives_the_serial_bands(world, shock, bands):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=50) as cluster:
        u = U.run_draws(world, shock, 24, seed=3, scheduler=cluster.scheduler_address)
    assert u.backend == "dask"
    np.testing.assert_array_equal(u.tables()["welfare"].filter(like="_p").to_numpy(),
                                  bands.tables()["welfare"].filter(like="_p").to_numpy())


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("spec, field", [
    ({"s01": {"shape": "lognormal", "median": -2, "spread": 2}}, "theta.s01.median"),
    ({"s01": {"shape": "fixed", "value": 0}}, "theta.s01.value"),
    ({"s01": -3}, "theta.s01.value"),
    ({"s02": {"shape": "gamma", "mean": 3}}, "theta.s02.shape"),
    ({"s02": {"shape": "uniform", "low": 0, "high": 3}}, "theta.s02.low"),
    ({"nope": {"shape": "fixed"}}, "theta"),
])
def test_bad_distributions_name_the_field(world, spec, field):
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")):
        U.parse_distributions(spec, world, "settings.uncertainty.theta")


@pytest.mark.parametrize("draws", [0, -5, 2.5, True])
def test_draws_must_be_positive(world, shock, draws):
    with pytest.raises(ScenarioError, match="draws"):
        U.run_draws(world, shock, draws)


def test_negative_theta_in_engine_is_named(world, shock):
    thetas = np.tile(world.theta, (2, 1))
    thetas[1, 2] = -1.0
    with pytest.raises(ShockError, match="draw 1, sector s02"):
        parallel.solve_draws(world, shock, thetas, backend="serial")


def test_over_draws_bands_a_whole_analysis(world, shock):
    def analysis(w):
        return simulate(w, shock).welfare().reset_index()

    df = U.over_draws(analysis, world, 6, seed=2, keys=["country"])
    assert df.attrs["solved"] == 6 and df.attrs["failed_draws"] == []
    assert {"real_income_p05", "real_income_p95"} <= set(df.columns)
    assert (df["real_income_p05"] <= df["real_income_p95"]).all()
    flat = U.over_draws(analysis, world, 3, distributions={"all": {"shape": "fixed"}})
    np.testing.assert_allclose(flat["real_income_p05"], flat["real_income"], rtol=0, atol=1e-9)

    calls = []

    def flaky(w):
        calls.append(1)
        if len(calls) == 3:                                        # the second draw
            raise RuntimeError("no convergence here")
        return analysis(w)

    bad = U.over_draws(flaky, world, 3, seed=0)
    assert bad.attrs["solved"] == 2
    assert bad.attrs["failed_draws"] == [{"index": 1, "kind": "RuntimeError",
                                          "message": "no convergence here"}]


def test_province_bands_follow_the_province_split():
    """With θ fixed, every province row's band equals the province analysis of the point result."""
    from tradeshock.runner import load_scenario

    w = load_world("default")
    u = U.run_draws(w, load_scenario("us-universal-10"), 2, backend="serial",
                    distributions={"all": {"shape": "fixed"}}, tornado_country=None)
    prov = u.tables()["provinces"]
    for col in ("value_added_change", "value_added_change_pct", "employment_change_pct"):
        np.testing.assert_allclose(prov[f"{col}_p05"], prov[col], rtol=1e-9, atol=1e-9)
    tot = u.province_totals().set_index("province")
    from tradeshock.analysis.provinces import province_summary

    ref = province_summary(u.point).set_index("province")
    np.testing.assert_allclose(tot.loc[ref.index, "value_added_change_pct_p95"],
                               ref["value_added_change_pct"], rtol=1e-9)
