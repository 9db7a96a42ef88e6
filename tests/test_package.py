"""The package surface: lazy import, labelled xarray views, the DuckDB output, the dask extra."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import numpy as np
import pytest

import tradeshock as ts
from tradeshock import Shock, simulate
from tradeshock.runner import write_outputs
from tradeshock.synthetic import random_world


@pytest.fixture(scope="module")
def world():
    return random_world(5, 4, seed=11)


@pytest.fixture(scope="module")
def result(world):
    return simulate(world, Shock(world).tariff(imposer="C00", target="C01", rate=0.3))


def test_import_tradeshock_is_lazy_and_simulate_is_the_verb():
    code = ("import sys, tradeshock as ts; assert 'numpy' not in sys.modules, 'numpy loaded'; "
            "import tradeshock.simulate; assert callable(ts.simulate), ts.simulate; "
            "from tradeshock import simulate; assert simulate is ts.simulate; print(ts.__version__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ts.__version__


def test_the_runner_loads_duckdb_only_to_write_it():
    """DuckDB (about 0.35 s to import) is loaded by the duckdb output format, not by every run."""
    code = "import sys, tradeshock.runner; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_world_to_xarray_is_labelled(world):
    ds = world.to_xarray()
    n, i, j = world.countries.index("C02"), world.countries.index("C03"), 1
    cell = ds.flows.sel(importer="C02", exporter="C03", sector=world.sectors[j])
    assert float(cell) == world.flows[n, i, j]
    assert ds.io_share.dims == ("country", "input_sector", "sector")
    # the accounting identity holds on the labelled arrays: va share + input shares = 1
    total = ds.va_share + ds.io_share.sum("input_sector")
    np.testing.assert_allclose(total.values, 1.0, rtol=1e-12)
    np.testing.assert_allclose(ds.trade_shares.sum("exporter").values[world.expenditure > 0], 1.0)


def test_result_to_xarray_matches_the_tidy_views(result):
    ds = result.to_xarray()
    wf = result.welfare()
    for c in result.countries:
        assert float(ds.real_income.sel(country=c)) == wf.loc[c, "real_income"]
    ex = result.exports("C01").set_index("partner")["counterfactual"]
    by_partner = ds.flows_cf.sel(exporter="C01").sum("sector")
    for p, v in ex.items():
        assert float(by_partner.sel(importer=p)) == pytest.approx(v, rel=1e-12)
    assert float(ds.tariffs_cf.sel(importer="C00", exporter="C01", sector="s00")) == 0.3


def test_duckdb_output_is_queryable_with_sql(result, tmp_path):
    write_outputs([result], tmp_path, ["duckdb"], argv=["test"])
    con = duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"welfare", "trade", "exports", "output", "revenue", "units"} <= tables
        worst = con.execute("SELECT country, real_income FROM welfare "
                            "ORDER BY real_income LIMIT 1").fetchone()
        wf = result.welfare()["real_income"]
        assert worst == (wf.idxmin(), pytest.approx(wf.min(), rel=1e-15))
        total = con.execute("SELECT sum(counterfactual) FROM trade WHERE exporter = 'C01' "
                            "AND importer <> 'C01'").fetchone()[0]
        assert total == pytest.approx(result.exports("C01")["counterfactual"].sum(), rel=1e-12)
        unit = con.execute("SELECT unit FROM units WHERE \"table\" = 'trade'").fetchone()[0]
        assert "US$ million" in unit
    finally:
        con.close()
