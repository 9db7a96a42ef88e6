"""Value added in exports: adding-up, closed forms and a dense reference written separately here."""

from __future__ import annotations

import numpy as np
import pytest
from clitools import run_cli as _cli

from tradeshock import simulate
from tradeshock.analysis import value_added as va
from tradeshock.errors import DataError
from tradeshock.shock import Shock
from tradeshock.synthetic import random_world


def _dense_reference(a4: np.ndarray, final: np.ndarray) -> dict[str, np.ndarray]:
    """Borin–Mancini terms with explicit inverses (B, L_ss, and one B^{¬s} per exporter), by loops."""
    n, j = a4.shape[:2]
    a = a4.reshape(n * j, n * j)
    eye = np.eye(n * j)
    b = np.linalg.inv(eye - a)
    x = b @ final.sum(axis=2).reshape(-1)
    v = 1.0 - a.sum(axis=0)
    blk = [slice(k * j, (k + 1) * j) for k in range(n)]
    yfin = final.reshape(n * j, n)
    out = {k: np.zeros((n, n, j)) for k in ("gross", "dva", "ddc", "ref")}
    out["fva"] = np.zeros((n, n, n, j))
    out["fdc"] = np.zeros((n, n, n, j))
    for s in range(n):
        s_ = blk[s]
        a_not = a.copy()
        for r in range(n):
            if r != s:
                a_not[s_, blk[r]] = 0.0
        b_not = np.linalg.inv(eye - a_not)
        lss = np.linalg.inv(np.eye(j) - a[s_, s_])
        for r in range(n):
            if r == s:
                continue
            r_ = blk[r]
            e = a[s_, r_] @ x[r_] + yfin[s_, r]
            out["gross"][s, r] = e
            out["dva"][s, r] = (v[s_] @ lss) * e
            out["ddc"][s, r] = (v[s_] @ (b[s_, s_] - lss)) * e
            for t in range(n):
                if t != s:
                    out["fva"][t, s, r] = (v[blk[t]] @ b_not[blk[t], s_]) * e
                    out["fdc"][t, s, r] = (v[blk[t]] @ (b[blk[t], s_] - b_not[blk[t], s_])) * e
            lrr = np.linalg.inv(np.eye(j) - a[r_, r_])
            back = yfin[r_, s].copy()
            for k in range(n):
                if k != r:
                    back += a[r_, blk[k]] @ (b[blk[k], :] @ yfin[:, s])
            out["ref"][s, r] = (v[s_] @ lss) * (a[s_, r_] @ lrr @ back)
    return out


@pytest.fixture(scope="module")
def default_decomposition() -> va.ExportDecomposition:
    from tradeshock.world import load_world

    return va.decompose_exports(va.io_of(load_world("default")))


@pytest.fixture(scope="module")
def small_io() -> va.GlobalIO:
    w = random_world(4, 3, seed=7)
    return va.io_of(w)


def test_parts_add_up_to_gross_exports_exactly(small_io: va.GlobalIO) -> None:
    d = va.decompose_exports(small_io)
    assert d.gap() < 1e-13
    table = d.table()
    parts = table[list(va.COMPONENTS)].sum(axis=1)
    np.testing.assert_allclose(parts, table["gross_exports"], rtol=1e-12)
    np.testing.assert_allclose(table["dva_absorbed_abroad"] + table["dva_reflected"],
                               table["domestic_va"], rtol=1e-12)


def test_agrees_with_dense_leontief_reference(small_io: va.GlobalIO) -> None:
    d = va.decompose_exports(small_io)
    ref = _dense_reference(small_io.A, small_io.final)
    np.testing.assert_allclose(d.gross, ref["gross"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(d.domestic_va, ref["dva"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(d.domestic_double_counting, ref["ddc"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d.foreign_va_by_origin, ref["fva"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d.foreign_dc_by_origin, ref["fdc"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d.dva_reflected, ref["ref"], rtol=1e-9, atol=1e-9)


def test_two_country_one_sector_closed_form() -> None:
    a11, a12, a21, a22 = 0.30, 0.10, 0.15, 0.25      # a_ij: inputs from i per unit of j's output
    y = np.array([[60.0, 15.0], [10.0, 80.0]])       # y[i, n]: final goods from i bought by n
    a4 = np.array([[a11, a12], [a21, a22]]).reshape(2, 1, 2, 1)
    io = va.GlobalIO(("A", "B"), ("goods",), a4, y.reshape(2, 1, 2))
    d = va.decompose_exports(io)
    det = (1 - a11) * (1 - a22) - a12 * a21
    x1 = ((1 - a22) * y[0].sum() + a12 * y[1].sum()) / det
    x2 = (a21 * y[0].sum() + (1 - a11) * y[1].sum()) / det
    e12 = a12 * x2 + y[0, 1]
    v1, v2 = 1 - a11 - a21, 1 - a12 - a22
    b11, b21 = (1 - a22) / det, a21 / det
    l11 = 1 / (1 - a11)
    b21_not = a21 / ((1 - a11) * (1 - a22))          # country A exports no intermediates
    np.testing.assert_allclose(io.output[:, 0], [x1, x2], rtol=1e-12)
    assert d.gross[0, 1, 0] == pytest.approx(e12, rel=1e-12)
    assert d.domestic_va[0, 1, 0] == pytest.approx(v1 * l11 * e12, rel=1e-12)
    assert d.domestic_double_counting[0, 1, 0] == pytest.approx(v1 * (b11 - l11) * e12, rel=1e-12)
    assert d.foreign_va_by_origin[1, 0, 1, 0] == pytest.approx(v2 * b21_not * e12, rel=1e-12)
    assert d.foreign_dc_by_origin[1, 0, 1, 0] == pytest.approx(v2 * (b21 - b21_not) * e12, rel=1e-12)
    # reflected: A's goods that B turns into final goods for A, or into parts A uses for them
    l22, b12 = 1 / (1 - a22), a12 / det
    back = y[1, 0] + a21 * (b11 * y[0, 0] + b12 * y[1, 0])
    assert d.dva_reflected[0, 1, 0] == pytest.approx(v1 * l11 * a12 * l22 * back, rel=1e-12)


def test_no_foreign_inputs_means_all_domestic() -> None:
    w = random_world(3, 2, seed=3, io=False)
    d = va.decompose_exports(va.io_of(w))
    assert np.abs(d.foreign_va).max() == 0.0
    np.testing.assert_allclose(d.domestic_va, d.gross, rtol=1e-12)
    assert np.abs(d.dva_reflected).max() == 0.0


def test_global_io_reproduces_the_model_flows() -> None:
    w = random_world(5, 4, seed=11)
    res = simulate(w, Shock(w).tariff("C01", "C02", rate=0.3))
    for state, flows in (("baseline", res.flows_base), ("counterfactual", res.flows_cf)):
        io = va.io_of(res, state)
        exports = np.transpose(flows, (1, 0, 2)).copy()              # [exporter, importer, sector]
        idx = np.arange(5)
        exports[idx, idx] = 0.0
        np.testing.assert_allclose(io.exports, exports, rtol=1e-8, atol=1e-8)
        # x from the Leontief inverse equals each country's sales
        np.testing.assert_allclose(io.output, flows.sum(axis=0), rtol=1e-8)


def test_default_world_canada_to_us_is_mostly_domestic(default_decomposition) -> None:
    d = default_decomposition
    assert d.gap() < 1e-12
    chn = va.origin_content(d, "CAN", "USA", "CHN").set_index("sector").loc["all"]
    mex = va.origin_content(d, "MEX", "USA", "CHN").set_index("sector").loc["all"]
    # the exporter's own value added is most of what it sells; foreign content is a minority
    total = d.table("CAN", "USA")[["gross_exports", "domestic_va"]].sum()
    assert 0.6 < total["domestic_va"] / total["gross_exports"] < 0.95
    # Chinese content is a small share of Canada's US-bound exports, larger in Mexico's
    assert 0 < chn["origin_va_share"] < mex["origin_va_share"] < 0.3


def test_rerouting_screen_flags_diversion() -> None:
    w = random_world(5, 3, seed=5)
    res = simulate(w, Shock(w).tariff("C00", "C01", add=0.5))
    df = va.rerouting_screen(res, importer="C00", origin="C01", min_change=0.0)
    assert set(df["exporter"]) == {"C02", "C03", "C04"}
    assert df["origin_va_in_exports_change"].is_monotonic_decreasing
    flagged = df[df["flagged"]]
    assert len(flagged) > 0
    assert (flagged["exports_change"] > 0).all() and (flagged["origin_inputs_change"] > 0).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(exporter="XXX", importer="USA", origin="CHN"), "exporter"),
    (dict(exporter="CAN", importer="CAN", origin="CHN"), "both"),
    (dict(exporter="CAN", importer="USA", origin="CAN"), "exporter itself"),
    (dict(exporter="CAN", importer="USA", origin="CHM"), "CHN"),
])
def test_bad_labels_give_clear_errors(default_decomposition, kwargs: dict, match: str) -> None:
    with pytest.raises(DataError, match=match):
        va.origin_content(default_decomposition, **kwargs)


def test_report_section_renders_for_a_canada_scenario() -> None:
    from tradeshock.report.html import render_report
    from tradeshock.world import load_world

    w = load_world("default")
    res = simulate(w, Shock(w).tariff("USA", "CHN", add=0.5))
    html = render_report(res, sections=("value_added",), strict=True)
    assert "value added in exports to the" in html.lower()
    assert "Rerouting screen" in html


def test_cli_baseline_table_and_file(monkeypatch, capsys, tmp_path) -> None:
    import pandas as pd

    out = tmp_path / "va.csv"
    code, stdout, stderr = _cli(monkeypatch, capsys, "value-added", "CAN", "--to", "USA",
                                "--origin", "CHN", "--out", str(out))
    assert code == 0, stderr
    assert "Value added in CAN's exports to USA" in stdout
    df = pd.read_csv(out)
    tot = df[(df["state"] == "baseline") & (df["sector"] == "all")].iloc[0]
    assert tot["origin_va"] > 0
    assert tot["domestic_va"] + tot["foreign_va"] <= tot["gross_exports"]


@pytest.mark.parametrize("args, match", [
    (["value-added", "CAX"], "did you mean CAN"),
    (["value-added", "CAN", "--origin", "CHM"], "CHN"),
    (["value-added", "CAN", "--out", "x.txt"], "unknown file type"),
])
def test_cli_bad_input_is_one_line(monkeypatch, capsys, args, match) -> None:
    code, _, stderr = _cli(monkeypatch, capsys, *args)
    assert code != 0
    assert match in stderr and "Traceback" not in stderr
