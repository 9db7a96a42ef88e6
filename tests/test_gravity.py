"""Gravity estimation against independent references: known parameters, a dense IRLS, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from clitools import run_cli as _cli

from tradeshock.errors import DataError
from tradeshock.gravity import check_panel, estimate
from tradeshock.gravity.baseline import cross_section, fitted_flows
from tradeshock.gravity.fixef import recover


def synthetic_panel(n: int = 12, years: tuple[int, ...] = (2000, 2004, 2008), beta: float = 0.4,
                    dist_beta: float = -0.9, noise: bool = False, seed: int = 1) -> pd.DataFrame:
    """Panel with log mean = exporter-year + importer-year + pair + beta*rta (known parameters)."""
    rng = np.random.default_rng(seed)
    cs = [f"K{k:02d}" for k in range(n)]
    xy = rng.uniform(0, 10, size=(n, 2))
    pair = {}
    rows = []
    for t, y in enumerate(years):
        a = rng.normal(size=n)
        b = rng.normal(size=n)
        for i, e in enumerate(cs):
            for j, m in enumerate(cs):
                key = tuple(sorted((e, m)))
                if key not in pair:
                    pair[key] = 0.0 if e == m else rng.normal(-1.0, 0.5)
                dist = 1.0 + float(np.hypot(*(xy[i] - xy[j])))
                rta = int(e != m and (i + j + t) % 3 == 0)
                mu = np.exp(3.0 + a[i] + b[j] + pair[key] + beta * rta)
                rows.append({"exporter": e, "importer": m, "year": y, "rta": rta,
                             "ln_dist": np.log(dist), "mu": mu,
                             "mu_cs": np.exp(3.0 + a[i] + b[j] + dist_beta * np.log(dist)
                                             - 1.5 * (e != m))})
    df = pd.DataFrame(rows)
    df["intl"] = (df.exporter != df.importer).astype(float)
    df["trade"] = rng.poisson(df["mu"]).astype(float) if noise else df["mu"]
    return df


def test_ppml_recovers_known_parameters_without_noise():
    # trade equal to its conditional mean: the Poisson ML estimate is the true beta exactly
    df = synthetic_panel(beta=0.4)
    e = estimate(df, ["rta"], pairs="symmetric", domestic="common")
    assert e.coef("rta") == pytest.approx(0.4, abs=1e-7)
    assert e.drops.n_dropped == 0
    np.testing.assert_allclose(e.data["fitted"], e.data["trade"], rtol=1e-6)


def test_ppml_cross_section_recovers_distance_and_border():
    df = synthetic_panel(years=(2000,))
    df["trade"] = df["mu_cs"]
    e = estimate(df, ["ln_dist", "intl"], fixed_effects=("exporter", "importer"))
    assert e.coef("ln_dist") == pytest.approx(-0.9, abs=1e-7)
    assert e.coef("intl") == pytest.approx(-1.5, abs=1e-7)


def test_ppml_with_poisson_noise_is_within_its_standard_error():
    df = synthetic_panel(n=20, beta=0.4, noise=True, seed=3)
    e = estimate(df, ["rta"])
    assert abs(e.coef("rta") - 0.4) < 4 * e.se("rta")
    assert 0 < e.se("rta") < 0.2


def dense_poisson_irls(y: np.ndarray, x: np.ndarray, tol: float = 1e-13, max_iter: int = 200):
    """Plain Poisson GLM by IRLS on a dense design (the reference; no shared code)."""
    # the dummy design is rank deficient (pair and country-year dummies overlap): pseudo-inverse
    mu = (y + y.mean()) / 2
    eta = np.log(mu)
    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        xtw = x.T * mu
        new = np.linalg.pinv(xtw @ x) @ (xtw @ z)
        done = np.max(np.abs(x @ new - eta)) < tol
        beta, eta = new, x @ new
        mu = np.exp(eta)
        if done:
            break
    bread = np.linalg.pinv((x.T * mu) @ x)
    meat = (x.T * (y - mu) ** 2) @ x
    return beta, bread @ meat @ bread


def test_ppml_matches_dense_dummy_irls_on_a_small_panel():
    df = synthetic_panel(n=7, years=(2000, 2004), noise=True, seed=5)
    e = estimate(df, ["rta"], vcov="hetero", small_sample=False, pairs="directed", domestic="own")
    d = e.data
    dummies = [pd.get_dummies(d[f"fe_{fe}"], drop_first=k > 0, dtype=float)
               for k, fe in enumerate(["exporter-year", "importer-year", "pair"])]
    x = np.column_stack([d["rta"].to_numpy(float)] + [m.to_numpy() for m in dummies])
    beta, vc = dense_poisson_irls(d["trade"].to_numpy(float), x)
    assert e.coef("rta") == pytest.approx(beta[0], abs=1e-8)
    assert e.se("rta") == pytest.approx(np.sqrt(vc[0, 0]), rel=1e-6)
    np.testing.assert_allclose(e.data["fitted"], np.exp(x @ beta), rtol=1e-6)


def test_fixed_effects_recovered_reproduce_the_fitted_index():
    df = synthetic_panel(noise=True, seed=7)
    e = estimate(df, ["rta"])
    d = e.data
    lin = sum(e.fixed_effects[fe].reindex(d[f"fe_{fe}"]).to_numpy() for fe in e.spec["fixed_effects"])
    np.testing.assert_allclose(np.exp(lin + e.coef("rta") * d["rta"]), d["fitted"], rtol=1e-8)


def test_recover_is_exact_on_a_two_way_design():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=5), rng.normal(size=4)
    ci, cj = np.meshgrid(np.arange(5), np.arange(4), indexing="ij")
    eta = a[ci.ravel()] + b[cj.ravel()]
    la, lb = recover(eta, [ci.ravel(), cj.ravel()])
    np.testing.assert_allclose(la[ci.ravel()] + lb[cj.ravel()], eta, atol=1e-10)
    assert lb[0] == 0.0


def test_fitted_flows_match_output_and_expenditure():
    rng = np.random.default_rng(2)
    ln_t = rng.normal(size=(6, 6))
    y = rng.uniform(1, 5, 6)
    e = rng.uniform(1, 5, 6)
    e *= y.sum() / e.sum()
    x = fitted_flows(ln_t, y, e)
    np.testing.assert_allclose(x.sum(axis=1), y, rtol=1e-12)
    np.testing.assert_allclose(x.sum(axis=0), e, rtol=1e-11)
    # the shape of the flows is t up to exporter and importer scales
    r = np.log(x) - ln_t
    r = r - r.mean(axis=1, keepdims=True) - r.mean(axis=0, keepdims=True) + r.mean()
    np.testing.assert_allclose(r, 0.0, atol=1e-10)


# ------------------------------------------------------------------ bad input
def test_missing_column_is_named():
    df = synthetic_panel().drop(columns="rta")
    with pytest.raises(DataError, match="missing column 'rta'"):
        estimate(df, ["rta"])
    with pytest.raises(DataError, match="missing column 'trade'"):
        check_panel(synthetic_panel().rename(columns={"trade": "value"}))


def test_negative_and_missing_trade_are_refused():
    df = synthetic_panel()
    df.loc[3, "trade"] = -1.0
    with pytest.raises(DataError, match="negative for 1 rows"):
        estimate(df, ["rta"])
    df.loc[3, "trade"] = np.nan
    with pytest.raises(DataError, match="missing for 1 rows.*PPML takes zeros"):
        estimate(df, ["rta"])


def test_duplicate_rows_and_bad_options_are_refused():
    df = synthetic_panel()
    with pytest.raises(DataError, match="duplicate"):
        estimate(pd.concat([df, df.head(1)]), ["rta"])
    with pytest.raises(DataError, match="unknown fixed effect 'exporter-yr'"):
        estimate(df, ["rta"], fixed_effects=("exporter-yr",))
    with pytest.raises(DataError, match="no rows for year"):
        estimate(df, ["rta"], years=[1999])


def test_country_missing_from_a_year_is_reported_and_blocks_a_world():
    df = synthetic_panel()
    gone = (df.year == 2004) & ((df.exporter == "K03") | (df.importer == "K03"))
    df = df[~gone]
    e = estimate(df, ["rta"])
    gaps = e.drops.gaps
    assert set(gaps["country"]) == {"K03"} and set(gaps["year"]) == {2004}
    assert "unbalanced panel" in e.drops.summary()
    assert e.drops.n_used + e.drops.n_dropped == len(df)
    with pytest.raises(DataError, match="K03 absent from year 2004"):
        cross_section(df, 2004)
    full = synthetic_panel()
    sub = full[~((full.year == 2004) & (full.exporter == "K05") & (full.importer == "K06"))]
    with pytest.raises(DataError, match="missing e.g. K05->K06"):
        cross_section(sub, 2004)


def test_separated_pair_is_dropped_and_listed():
    df = synthetic_panel()
    zero = (((df.exporter == "K01") & (df.importer == "K02"))
            | ((df.exporter == "K02") & (df.importer == "K01")))
    df.loc[zero, "trade"] = 0.0
    e = estimate(df, ["rta"])
    d = e.drops.dropped
    assert len(d) == 6 and set(zip(d.exporter, d.importer, strict=True)) == {("K01", "K02"), ("K02", "K01")}
    assert d["reason"].str.contains("pair K01~K02 has zero trade").all()
    assert e.drops.n_used == len(df) - 6
    assert e.coef("rta") == pytest.approx(0.4, abs=1e-6)  # the rest still fit exactly


def test_perfect_separation_by_a_regressor_is_a_clear_error():
    df = synthetic_panel()
    df["d"] = 0.0
    sel = (df.exporter == "K01") & (df.importer == "K04") & (df.year == 2004)
    df.loc[sel, ["d", "trade"]] = [1.0, 0.0]
    with pytest.raises(DataError, match="perfectly separate.*K01->K04 2004"):
        estimate(df, ["rta", "d"])


def test_iterated_separation_follows_emptied_groups():
    # an exporter selling nothing in a year: its exporter-year group is separated
    df = synthetic_panel()
    df.loc[(df.exporter == "K05") & (df.year == 2008) & (df.importer != "K05"), "trade"] = 0.0
    df.loc[(df.exporter == "K05") & (df.year == 2008) & (df.importer == "K05"), "trade"] = 0.0
    e = estimate(df, ["rta"])
    assert (e.drops.dropped["reason"].str.contains("exporter-year K05.2008")).sum() == 12


# ------------------------------------------------------------------ command line
def test_cli_estimate_on_a_user_panel_writes_coefficients_and_drops(monkeypatch, capsys, tmp_path):
    df = synthetic_panel()
    df.loc[(df.exporter == "K01") & (df.importer == "K02"), "trade"] = 0.0
    df.loc[(df.exporter == "K02") & (df.importer == "K01"), "trade"] = 0.0
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    code, out, err = _cli(monkeypatch, capsys, "gravity", "estimate", "--data", str(path), "--years",
                          "all", "--out", str(tmp_path / "c.csv"), "--dropped", str(tmp_path / "d.csv"))
    assert code == 0, err
    assert "rta" in out and "6 dropped" in out and "separated: 6" in out
    coefs = pd.read_csv(tmp_path / "c.csv")
    assert coefs.loc[0, "term"] == "rta" and coefs.loc[0, "estimate"] == pytest.approx(0.4, abs=1e-6)
    assert len(pd.read_csv(tmp_path / "d.csv")) == 6


def test_cli_bad_panel_is_one_line(monkeypatch, capsys, tmp_path):
    path = tmp_path / "panel.csv"
    synthetic_panel().drop(columns="trade").to_csv(path, index=False)
    code, out, err = _cli(monkeypatch, capsys, "gravity", "estimate", "--data", str(path))
    assert code == 1 and "missing column 'trade'" in err and err.count("\n") == 1
    code, _, err = _cli(monkeypatch, capsys, "gravity", "estimate", "--years", "86,nine")
    assert code == 1 and "--years" in err
