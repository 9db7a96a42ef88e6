"""Synthetic worlds: calibration identities of model.md hold exactly, draws are reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeshock.errors import DataError
from tradeshock.synthetic import WORLD_GDP, random_world


def _market_clearing_gap(w) -> float:
    """Max relative gap of model.md eq. 4 in levels: X_n^j = Σ_k γ_n^{j,k} Y_n^k + α_n^j I_n."""
    y = w.gross_output
    income = w.value_added + w.tariff_revenue + w.deficit
    rhs = np.einsum("njk,nk->nj", w.io_share, y) + w.final_share * income[:, None]
    return float(np.abs(w.expenditure - rhs).max() / w.expenditure.max())


@pytest.mark.parametrize(("n", "j", "io"), [(2, 1, False), (6, 4, True), (12, 9, True), (30, 1, False)])
def test_calibration_identities(n, j, io):
    w = random_world(n, j, seed=3, io=io)
    assert w.flows.shape == (n, n, j)
    np.testing.assert_allclose(w.va_share + w.io_share.sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(w.final_share.sum(axis=1), 1.0, atol=1e-14)
    assert np.all(w.final_share > 0)
    # goods markets clear: the synthetic world is an exact equilibrium of the model
    assert _market_clearing_gap(w) < 1e-11
    # deficits are imports - exports of the flows: they sum to zero and are small
    assert abs(w.deficit.sum()) < 1e-12 * w.value_added.sum()
    assert np.all(np.abs(w.deficit) <= 0.06 * w.value_added)
    # numeraire scale: world value added is the documented constant
    assert w.value_added.sum() == pytest.approx(WORLD_GDP, rel=1e-12)
    # absorption identity: spending at producer prices = gross output + deficit
    spend_producer = w.flows.sum(axis=(1, 2))
    np.testing.assert_allclose(spend_producer, w.gross_output.sum(axis=1) + w.deficit, rtol=1e-12)


def test_plausible_ranges_and_home_bias():
    w = random_world(10, 8, seed=7)
    assert np.all((w.theta >= 2) & (w.theta <= 12))
    assert list(w.tradable) == [True] * 6 + [False] * 2
    pi = w.trade_shares
    dom = np.einsum("nnj->nj", pi)
    assert np.all(dom[:, w.tradable] >= 0.55) and np.all(dom[:, w.tradable] <= 0.92)
    np.testing.assert_allclose(dom[:, ~w.tradable], 1.0)
    foreign = pi.copy()
    foreign[np.arange(10), np.arange(10), :] = 0
    assert np.all(foreign.max(axis=1) < dom)                       # home bias on the diagonal
    assert np.all(w.tariffs >= 0) and w.tariffs.max() <= 0.12
    assert np.all(np.einsum("nnj->nj", w.tariffs) == 0)
    assert np.all(w.tariffs[:, :, ~w.tradable] == 0)
    assert (w.tariffs[:, :, w.tradable] > 0).mean() > 0.5           # most pairs pay some duty
    assert np.all(w.va_share > 0.3) and np.all(w.va_share < 0.7)


def test_switches():
    w = random_world(5, 3, seed=2, io=False, tariffs=False, deficits=False, theta=4.0)
    assert np.all(w.va_share == 1.0) and np.all(w.io_share == 0.0)
    assert np.all(w.tariffs == 0.0)
    assert np.all(w.theta == 4.0)
    assert np.abs(w.deficit).max() < 1e-9 * w.value_added.max()
    assert _market_clearing_gap(w) < 1e-12
    w1 = random_world(4, 1, io=False)
    assert w1.tradable.tolist() == [True] and np.all(w1.final_share == 1.0)
    # one sector, no IO: X_n = Y_n + R_n + D_n (Armington / structural gravity accounting)
    np.testing.assert_allclose(w1.expenditure[:, 0],
                               w1.gross_output[:, 0] + w1.tariff_revenue + w1.deficit, rtol=1e-12)
    w2 = random_world(4, 3, theta=[3.0, 5.0, 8.0], n_nontradable=0)
    assert w2.theta.tolist() == [3.0, 5.0, 8.0] and w2.tradable.all()


def test_reproducible():
    a, b = random_world(7, 5, seed=11), random_world(7, 5, seed=11)
    for field in ("flows", "tariffs", "va_share", "io_share", "final_share", "theta"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    c = random_world(7, 5, seed=12)
    assert not np.array_equal(a.flows, c.flows)
    assert a.countries == ("C00", "C01", "C02", "C03", "C04", "C05", "C06")
    assert a.provenance["synthetic"] is True and a.provenance["arguments"]["seed"] == 11


def test_bad_arguments():
    with pytest.raises(DataError, match="n_countries"):
        random_world(1, 3)
    with pytest.raises(DataError, match="n_sectors"):
        random_world(3, 0)
    with pytest.raises(DataError, match="theta"):
        random_world(3, 2, theta=-1.0)
    with pytest.raises(DataError, match="n_nontradable"):
        random_world(3, 2, n_nontradable=2)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 9), j=st.integers(1, 6), seed=st.integers(0, 10_000), io=st.booleans(),
       tariffs=st.booleans(), deficits=st.booleans())
def test_any_draw_is_an_exact_equilibrium(n, j, seed, io, tariffs, deficits):
    w = random_world(n, j, seed=seed, io=io, tariffs=tariffs, deficits=deficits)
    assert _market_clearing_gap(w) < 1e-10
    assert abs(w.deficit.sum()) < 1e-9 * w.value_added.sum()
    assert np.all(w.flows >= 0) and np.all(w.expenditure > 0)
    np.testing.assert_allclose(w.trade_shares.sum(axis=1), 1.0, atol=1e-12)
