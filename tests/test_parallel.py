"""solve_many: process pool and Dask give the serial answers; worker errors come back labelled."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from tradeshock import parallel
from tradeshock.errors import ConvergenceError, ShockError, TradeshockError
from tradeshock.shock import Shock
from tradeshock.simulate import simulate
from tradeshock.synthetic import random_world


@pytest.fixture(scope="module")
def world():
    return random_world(8, 5, seed=21)


@pytest.fixture(scope="module")
def shocks(world):
    return [
        Shock(world).tariff(imposer="C00", target="C01", rate=0.25, label="C00 25% on C01"),
        Shock(world).tariff(imposer="C02", target=None, sectors=["s00", "s01"], add=0.1,
                            label="C02 +10pp"),
        Shock(world).embargo(imposer="C03", target="C04", sectors=["s02"], label="C03 embargo"),
        Shock(world).trade_cost(importer="C05", exporter="C06", change=-0.2, symmetric=True,
                                label="C05-C06 deal"),
    ]


@pytest.fixture(scope="module")
def serial(world, shocks):
    return [simulate(world, s) for s in shocks]


def _same(results, reference):
    assert len(results) == len(reference)
    for r, ref in zip(results, reference, strict=True):
        assert r.diagnostics["converged"]
        np.testing.assert_allclose(r.w_hat, ref.w_hat, rtol=1e-12, atol=0)
        np.testing.assert_allclose(r.P_hat, ref.P_hat, rtol=1e-12, atol=0)
        np.testing.assert_allclose(r.flows_cf, ref.flows_cf, rtol=1e-11, atol=1e-9)
        assert r.shock is not None and r.world is ref.world


def test_serial_backend_equals_simulate(world, shocks, serial):
    results = parallel.solve_many(world, shocks, backend="serial")
    _same(results, serial)
    # the shocks really move things (else equality would be trivial)
    assert abs(serial[0].w_hat[0] / serial[0].w_hat[1] - 1) > 1e-3
    assert np.all(results[2].equilibrium.pi_new[3, 4, 2] == 0.0)
    assert results[0].welfare().index.tolist() == list(world.countries)


def test_process_pool_equals_serial(world, shocks, serial):
    _same(parallel.solve_many(world, shocks, backend="processes", workers=2), serial)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs the fork start method")
def test_forked_pool_returns_pi_through_shared_memory(world, shocks, serial):
    """Forked workers write π' into one shared mapping and ship neither π' nor τ' back."""
    import mmap

    results = parallel.solve_many(world, shocks, backend="processes", workers=2, mp_context="fork")
    _same(results, serial)
    for r, ref in zip(results, serial, strict=True):
        eq, eq0 = r.equilibrium, ref.equilibrium
        np.testing.assert_array_equal(eq.tariffs_new, eq0.tariffs_new)      # rebuilt by the caller
    rows = {id(_root(r.equilibrium.pi_new)) for r in results}
    assert len(rows) == 1 and isinstance(_root(results[0].equilibrium.pi_new), mmap.mmap)


def _root(arr):
    """The object at the bottom of an array's chain of bases (its memory's owner)."""
    while isinstance(arr, np.ndarray) and arr.base is not None:
        arr = arr.base
    return arr.obj if isinstance(arr, memoryview) else arr


@pytest.mark.parametrize("method", ["forkserver", pytest.param("spawn", marks=pytest.mark.slow)])
def test_process_pool_other_start_methods(world, shocks, serial, method):
    _same(parallel.solve_many(world, shocks[:2], backend="processes", workers=2,
                              mp_context=method), serial[:2])


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_worker_error_is_labelled(world, shocks, backend):
    with pytest.raises(ConvergenceError, match=r"shock 'C02 \+10pp' \(#0 of the batch\)") as info:
        parallel.solve_many(world, shocks[1:3], backend=backend, workers=2, max_iter=1)
    diag = info.value.diagnostics
    assert diag is not None and diag["converged"] is False and diag["iterations"] == 1


def test_unexpected_worker_failure_becomes_tradeshock_error(world, shocks, monkeypatch):
    def boom(*args, **kwargs):
        raise FloatingPointError("overflow in exp")

    monkeypatch.setattr(parallel, "solve", boom)
    with pytest.raises(TradeshockError, match="C00 25% on C01.*FloatingPointError: overflow"):
        parallel.solve_many(world, shocks[:1], backend="serial")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs the fork start method")
def test_crashed_worker_becomes_tradeshock_error(world, shocks, monkeypatch):
    def die(*args, **kwargs):
        os._exit(3)                                           # a worker killed (e.g. out of memory)

    monkeypatch.setattr(parallel, "_run", die)               # inherited by forked workers
    with pytest.raises(TradeshockError, match=r"shock 'C00 25% on C01'.*process-pool worker failed"):
        parallel.solve_many(world, shocks[:2], backend="processes", workers=2, mp_context="fork")


def test_bad_shock_is_rejected_before_solving(world, shocks):
    d = np.ones(world.tariffs.shape)
    d[2, 2, 0] = np.inf                                       # a country embargoing itself
    bad = Shock(world, trade_cost_hat=d)
    with pytest.raises(ShockError, match=r"#1 of the batch.*C02"):
        parallel.solve_many(world, [shocks[0], bad], backend="processes")


def test_arguments(world, shocks):
    assert parallel.solve_many(world, [], backend="processes") == []
    with pytest.raises(TradeshockError, match="did you mean processes"):
        parallel.solve_many(world, shocks, backend="process")
    with pytest.raises(TradeshockError, match="workers"):
        parallel.solve_many(world, shocks, backend="processes", workers=0)
    with pytest.raises(ShockError, match="deficits"):
        parallel.solve_many(world, shocks, deficits="balanced", backend="serial")


def test_zero_deficits_and_scenarios(world, shocks):
    class Tiny:
        """Duck-typed scenario: a name and to_shock(world)."""

        name = "tiny scenario"

        def to_shock(self, w):
            return Shock(w).tariff(imposer="C07", target="C00", rate=0.3)

    res = parallel.solve_many(world, [shocks[0], Tiny()], deficits="zero", backend="processes")
    ref = simulate(world, Tiny().to_shock(world), deficits="zero")
    np.testing.assert_allclose(res[1].w_hat, ref.w_hat, rtol=1e-12)
    assert res[1].scenario.name == "tiny scenario" and res[1].deficits == "zero"
    # balanced baseline: deficits are zero in the re-solved baseline
    assert np.abs(res[0].baseline.deficit).max() == 0.0


def test_dask_equals_serial(world, shocks, serial):
    try:
        results = parallel.solve_many(world, shocks, backend="dask", workers=2)
        _same(results, serial)
        # an existing client is used as given (here: the cluster solve_many just started)
        client = parallel._local_client(2)
        again = parallel.solve_many(world, shocks[::-1], client=client)
        _same(again, serial[::-1])
        # worker errors through Dask keep their type and the shock's label
        with pytest.raises(ConvergenceError, match="C03 embargo") as info:
            parallel.solve_many(world, shocks[2:3], client=client, max_iter=1)
        assert info.value.diagnostics["iterations"] == 1
    finally:
        parallel.close_dask()
