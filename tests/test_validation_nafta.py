"""Caliendo & Parro's NAFTA counterfactual on their own 1993 data (packaged ``cp1993``).

Published reference (Caliendo & Parro 2015, RES 82(1), abstract): welfare Mexico +1.31%,
US +0.08%, Canada −0.06%; intra-bloc trade +118% Mexico, +11% Canada, +41% US. The paper's
welfare figures are its first-order decomposition at baseline values (our ``welfare_cp``);
its intra-bloc trade figures are matched by each member's imports from the other two.

Tolerances: published welfare is rounded to 0.01 pp and trade to 1 pp; our cp1993 build
repairs a few data cells (negative α clipped, output raised to exports, one IO cell; see its
provenance) that CP may have treated slightly differently. We therefore allow 0.05 pp on
welfare and 3 pp on trade for the headline "zero"-deficit run, and only signs and broad
magnitudes for "fixed" deficits (which the paper does not headline). Nothing is tuned.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tradeshock import simulate
from tradeshock.world import list_worlds, load_world

pytestmark = pytest.mark.skipif("cp1993" not in list_worlds(), reason="cp1993 not packaged")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nafta_cp2015.py"
PUBLISHED_WELFARE = {"CAN": -0.06, "MEX": 1.31, "USA": 0.08}
PUBLISHED_TRADE = {"CAN": 11.0, "MEX": 118.0, "USA": 41.0}


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("nafta_cp2015", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def world():
    return load_world("cp1993")


def test_shock_only_touches_intra_nafta_tradable_tariffs(example, world):
    s = example.nafta_shock(world)
    changed = s.tariffs != world.tariffs
    idx = [world.country_index(c) for c in example.NAFTA]
    mask = np.zeros_like(changed)
    for n in idx:
        for i in idx:
            if n != i:
                mask[n, i, world.tradable] = True
    assert changed.any() and not (changed & ~mask).any()
    # 2005 intra-NAFTA tariffs are lower on average than 1993 ones
    assert s.tariffs[mask].mean() < world.tariffs[mask].mean()


def test_nafta_zero_deficits_matches_published(example, world):
    r = simulate(world, example.nafta_shock(world), deficits="zero")
    assert r.diagnostics["converged"]
    wel = r.welfare()
    trade = example.intra_bloc(r, "imports")
    for c in example.NAFTA:
        assert wel.loc[c, "welfare_cp"] == pytest.approx(PUBLISHED_WELFARE[c], abs=0.05)
        assert trade[c] == pytest.approx(PUBLISHED_TRADE[c], abs=3.0)
    # Mexico: terms of trade worsen, volume of trade dominates (the paper's decomposition)
    assert wel.loc["MEX", "terms_of_trade"] < 0 < wel.loc["MEX", "volume_of_trade"]
    # exact real income is smaller than the first-order figure for Mexico (tariff revenue lost)
    assert wel.loc["MEX", "real_income"] < wel.loc["MEX", "welfare_cp"]
    assert wel.loc["MEX", "real_wage"] > 1.0


def test_nafta_fixed_deficits_signs_and_magnitudes(example, world):
    r = simulate(world, example.nafta_shock(world), deficits="fixed")
    wel = r.welfare()
    assert wel.loc["MEX", "welfare_cp"] > 0.5
    assert 0 < wel.loc["USA", "welfare_cp"] < 0.3
    assert -0.3 < wel.loc["CAN", "welfare_cp"] < 0
    trade = example.intra_bloc(r, "imports")
    assert trade["MEX"] > 80 and 20 < trade["USA"] < 60 and 5 < trade["CAN"] < 20


def test_example_script_runs_and_prints_both_treatments(example, capsys):
    tables = example.main()
    out = capsys.readouterr().out
    assert "deficits 'zero'" in out and "deficits 'fixed'" in out
    assert set(tables) == {"zero", "fixed"}
    for t in tables.values():
        assert list(t.index) == example.NAFTA and t.attrs["unit"] == "percent change"
