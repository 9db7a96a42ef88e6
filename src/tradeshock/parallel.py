"""Solve many independent shocks on one world in parallel: a process pool or Dask distributed.

Every counterfactual of a batch is measured from the same re-solved baseline, so
:func:`solve_many` solves that baseline once in the calling process (it is cached per world by
:func:`tradeshock.simulate.resolved_baseline`) and ships it to each worker once: through the
pool's initializer for ``backend="processes"``, through ``client.scatter(..., broadcast=True)``
for ``backend="dask"``. Each task then carries only what differs from the baseline (the changed
tariff and trade-cost entries), and returns the engine's
:class:`~tradeshock.model.Equilibrium` without its N × N × J arrays where the caller can do
without them: τ' is rebuilt from the shock, and forked pool workers write π' into one shared
anonymous mapping instead of pickling it back through the pool's result pipe. The serial
backend and each pool worker solve their shocks in lockstep (:mod:`tradeshock.model.lockstep`:
a block of shocks shares each step's compiled call; the pool and Dask get two contiguous
blocks per worker). The :class:`~tradeshock.result.Result` objects are
assembled in the caller, exactly as :func:`~tradeshock.simulate.simulate` assembles them, so a
parallel result is the serial one (up to rounding: lockstep and one-by-one solves take the
same steps).

Errors raised in a worker come back as the same :class:`~tradeshock.errors.TradeshockError`
subclass (a :class:`~tradeshock.errors.ConvergenceError` keeps its diagnostics), with the shock's
label in the message; anything else is wrapped in a ``TradeshockError`` naming the exception.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing as mp
import os
import sys
import threading
import traceback
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

import numpy as np

from tradeshock import errors
from tradeshock.errors import ConvergenceError, ShockError, TradeshockError, did_you_mean
from tradeshock.model import Baseline, Equilibrium, solve
from tradeshock.model.solver import home_free
from tradeshock.resolve import Deficits, as_shock, check_deficits
from tradeshock.result import Result
from tradeshock.shock import Shock
from tradeshock.simulate import resolved_baseline, simulate
from tradeshock.world import World

__all__ = ["solve_many", "solve_draws", "DrawFailure", "close_dask", "BACKENDS"]

Backend = Literal["processes", "dask", "serial"]
#: The available backends.
BACKENDS: tuple[str, ...] = ("processes", "dask", "serial")

#: Engine arguments that also apply to the baseline re-solve.
_BASELINE_KW = ("tol", "max_iter")

# A task: (position, label, changed tariff entries (flat index, value), changed d̂ entries).
Task = tuple[int, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]

# ----------------------------------------------------------------- worker side
_WORKER_BASE: Baseline | None = None
_WORKER_KW: dict[str, Any] = {}
_WORKER_PI: np.ndarray | None = None


def _init_worker(base: Baseline, solver_kw: dict[str, Any], pi_out: np.ndarray | None = None) -> None:
    """Process-pool initializer: keep the baseline (and the shared π' buffer) for all tasks."""
    global _WORKER_BASE, _WORKER_KW, _WORKER_PI
    _WORKER_BASE, _WORKER_KW, _WORKER_PI = base, dict(solver_kw), pi_out
    # Ctrl-C reaches the whole process group: the parent stops the pool; workers stay quiet
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(base: Baseline, task: Task, solver_kw: dict[str, Any]) -> tuple:
    """Solve one task; return ``("ok", k, Equilibrium)`` or ``("error", k, kind, message, diag, tb)``.

    Exceptions are returned, not raised, so that their type, message and diagnostics survive
    the trip back to the caller whatever the transport.
    """
    k, _label, t_idx, t_val, d_idx, d_val = task
    try:
        tau = np.array(base.tariffs, dtype=float, copy=True)
        tau.flat[t_idx] = t_val
        dhat = np.ones(base.pi.shape)
        dhat.flat[d_idx] = d_val
        eq = solve(base, tau, dhat, base.deficit, **solver_kw)
        return ("ok", k, eq)
    except Exception as exc:  # noqa: BLE001 - every failure goes back with the shock's label
        diag = getattr(exc, "diagnostics", None)
        return ("error", k, type(exc).__name__, str(exc), diag, traceback.format_exc())


def _run_block(base: Baseline, tasks: Sequence[Task], solver_kw: dict[str, Any]) -> list[tuple]:
    """Solve several tasks in lockstep (:mod:`tradeshock.model.lockstep`); outcomes as :func:`_run`.

    The batch is taken in chunks within the lockstep memory budget. If a chunk raises, its
    tasks are solved again one by one, so that every outcome (and the first failure, where the
    outcomes stop) is exactly what :func:`_run` gives.
    """
    if len(tasks) == 1 or "raise_on_failure" in solver_kw:
        return _run_each(base, tasks, solver_kw)
    from tradeshock.model.lockstep import chunk_size, solve_lockstep

    n, _, j = base.pi.shape
    size = chunk_size(n, j)
    out: list[tuple] = []
    for first in range(0, len(tasks), size):
        chunk = tasks[first:first + size]
        taus, dhats = [], []
        for _k, _label, t_idx, t_val, d_idx, d_val in chunk:
            tau = np.array(base.tariffs, dtype=float, copy=True)
            tau.flat[t_idx] = t_val
            dhat = np.ones(base.pi.shape)
            dhat.flat[d_idx] = d_val
            taus.append(tau)
            dhats.append(dhat)
        try:
            eqs = solve_lockstep(base, taus, dhats, base.deficit, **solver_kw)
        except Exception:  # noqa: BLE001 - isolate the failing task below, with its label
            del taus, dhats
            got = _run_each(base, chunk, solver_kw)
            out.extend(got)
            if got[-1][0] == "error":
                return out
            continue
        out.extend(("ok", t[0], eq) for t, eq in zip(chunk, eqs, strict=True))
    return out


def _run_each(base: Baseline, tasks: Sequence[Task], solver_kw: dict[str, Any]) -> list[tuple]:
    """Outcomes of :func:`_run`, one task after another, up to the first failure."""
    out: list[tuple] = []
    for t in tasks:
        out.append(_run(base, t, solver_kw))
        if out[-1][0] == "error":
            break
    return out


#: Stands for an N × N × J array left out of an equilibrium coming back from a worker: τ'
#: (the caller has the shock's), and π' where the pool writes it to shared memory instead.
#: Pickled through the pool's one result pipe, each was about 0.5 MB per shock on ``default``
#: at 150-300 MB/s: longer than the solves themselves.
_NOT_SHIPPED = np.empty((0, 0, 0))


def _lean(outcome: tuple, pi_out: np.ndarray | None = None) -> tuple:
    """An outcome as shipped back: τ' left out, π' written to row k of ``pi_out`` if given."""
    if outcome[0] != "ok":
        return outcome
    k, eq = outcome[1], outcome[2]
    lean = {"tariffs_new": _NOT_SHIPPED}
    if pi_out is not None:
        pi_out[k] = eq.pi_new
        lean["pi_new"] = _NOT_SHIPPED
    return (*outcome[:2], dataclasses.replace(eq, **lean))


def _restored(eq: Equilibrium, shock: Shock) -> Equilibrium:
    """An equilibrium from a worker with its τ' put back, as the solver applied it."""
    if eq.tariffs_new.size:
        return eq
    return dataclasses.replace(eq, tariffs_new=home_free(shock.tariffs))


def _pool_block(tasks: list[Task]) -> list[tuple]:
    """Process-pool task: a block of tasks in lockstep against the worker's baseline."""
    assert _WORKER_BASE is not None, "worker not initialised"
    return [_lean(o, _WORKER_PI) for o in _run_block(_WORKER_BASE, tasks, _WORKER_KW)]


def _aligned(base: Baseline) -> Baseline:
    """The baseline with every array aligned and contiguous (copied only where needed).

    Arrays Dask deserialises from network frames can be unaligned, which makes NumPy fall
    back to slow paths throughout the solve; one copy per task costs microseconds.
    """
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(base):
        arr = getattr(base, f.name)
        if isinstance(arr, np.ndarray) and not (arr.flags.aligned and arr.flags.c_contiguous):
            changes[f.name] = np.ascontiguousarray(arr).copy()
    return dataclasses.replace(base, **changes) if changes else base


def _dask_block(base: Baseline, tasks: list[Task], solver_kw: dict[str, Any]) -> list[tuple]:
    """Dask task: a block of tasks in lockstep; ``base`` arrives as the scattered baseline."""
    return [_lean(o) for o in _run_block(_aligned(base), tasks, solver_kw)]


# ----------------------------------------------------------------- caller side
def _label(shock: Shock, scenario: Any, k: int) -> str:
    """A readable name for shock number ``k``: scenario name, verb labels, or its position."""
    name = getattr(scenario, "name", None) if scenario is not None else None
    if name:
        return str(name)
    labels = [str(rec.get("label")) for rec in shock.log if rec.get("label")]
    return " + ".join(labels) if labels else f"#{k}"


def _encode(k: int, label: str, shock: Shock, base: Baseline) -> Task:
    """What a worker needs of a shock: the entries of τ' and d̂ that differ from the baseline."""
    tau = np.asarray(shock.tariffs, dtype=float)
    dhat = np.asarray(shock.trade_cost_hat, dtype=float)
    t_idx = np.flatnonzero(tau != base.tariffs)
    d_idx = np.flatnonzero(dhat != 1.0)
    return (k, label, t_idx, tau.flat[t_idx], d_idx, dhat.flat[d_idx])


def _raise(outcome: tuple, label: str) -> None:
    """Re-raise a worker's failure in the caller as a TradeshockError naming the shock."""
    _, k, kind, message, diag, tb = outcome
    cls = getattr(errors, kind, None)
    text = f"shock {label!r} (#{k} of the batch): {message}"
    if isinstance(cls, type) and issubclass(cls, TradeshockError):
        exc = cls(text, diag) if cls is errors.ConvergenceError else cls(text)
    else:
        exc = TradeshockError(f"shock {label!r} (#{k} of the batch) failed in the solver with "
                              f"{kind}: {message}")
    exc.__cause__ = _RemoteTraceback(tb)
    raise exc


class _RemoteTraceback(Exception):
    """Carries the worker's formatted traceback as the cause of the re-raised error."""

    def __init__(self, tb: str) -> None:
        super().__init__(tb)

    def __str__(self) -> str:
        return f'\n"""\n{self.args[0]}"""'


def _prepare(world: World, shocks: Iterable[Any], deficits: Deficits):
    """Compile scenarios to shocks and check every shock by label, in the caller."""
    out = []
    for k, item in enumerate(shocks):
        shock, scenario, _ = as_shock(world, item, deficits or "fixed")
        label = _label(shock, scenario, k)
        try:
            shock.check_fits(world)
        except ShockError as exc:
            raise ShockError(f"shock {label!r} (#{k} of the batch): {exc}") from None
        out.append((shock, scenario, label))
    return out


def _default_context() -> str:
    """``fork`` where it is safe and cheap (Linux, no other thread running), else ``forkserver``.

    With threads alive (Jupyter kernels, a Dask client, ...) forking can deadlock; the fork
    server is a single-threaded process started once that preloads tradeshock, so later pools
    start fast. ``spawn`` where neither is available.
    """
    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and threading.active_count() == 1 and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _context(method: str | None) -> mp.context.BaseContext:
    ctx = mp.get_context(method or _default_context())
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["tradeshock.parallel"])
    return ctx


def _gather(futures: list, blocks: list[list[Task]], what: str) -> list[tuple]:
    """Outcomes of the blocks in order, up to the first failure; a dead worker becomes one."""
    out: list[tuple] = []
    for f, block in zip(futures, blocks, strict=True):
        try:
            got = f.result()
        except Exception as exc:  # noqa: BLE001 - a dead worker, not a solver error
            got = [_crashed(block[0], what, exc)]
        out.extend(got)
        if got and got[-1][0] == "error":
            break
    return out


def _crashed(task: Task, what: str, exc: Exception) -> tuple:
    return ("error", task[0], "TradeshockError",
            f"the {what} worker failed ({type(exc).__name__}: {exc}); it may have run "
            "out of memory: try fewer workers", None, traceback.format_exc())


def _blocks(tasks: list[Task], workers: int) -> list[list[Task]]:
    """Contiguous blocks of tasks for the pool: two per worker (lockstep within a block)."""
    size = max(1, -(-len(tasks) // (2 * workers)))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def _shared_pi(ctx: mp.context.BaseContext, count: int, shape: tuple[int, ...]) -> np.ndarray | None:
    """Rows for the π' of ``count`` shocks in anonymous shared memory, for a forked pool.

    The mapping is made before the workers fork, so they write into the same pages and the
    caller reads them with no copy; it is freed when the last result using a row is. ``None``
    (π' pickled back instead) for the fork server and spawn, whose workers do not inherit it.
    """
    if ctx.get_start_method() != "fork":
        return None
    import mmap

    cells = count * int(np.prod(shape))
    return np.frombuffer(mmap.mmap(-1, cells * 8), dtype=float, count=cells).reshape(count, *shape)


def _solve_processes(base: Baseline, tasks: list[Task], workers: int, solver_kw: dict,
                     mp_context: str | None) -> list[tuple]:
    """Outcomes of the tasks on a process pool, π' made whole from shared memory where used."""
    ctx = _context(mp_context)
    blocks = _blocks(tasks, workers)
    pi_out = _shared_pi(ctx, len(tasks), base.pi.shape)
    out = _pool_outcomes(ctx, base, blocks, workers, solver_kw, pi_out)
    if pi_out is None:
        return out
    return [(o[0], o[1], dataclasses.replace(o[2], pi_new=pi_out[o[1]])) if o[0] == "ok" else o
            for o in out]


def _pool_outcomes(ctx: mp.context.BaseContext, base: Baseline, blocks: list[list[Task]], workers: int,
                   solver_kw: dict, pi_out: np.ndarray | None) -> list[tuple]:
    """Run the blocks on a pool; results in order up to the first failure."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(base, solver_kw, pi_out)) as pool:
        futures = [pool.submit(_pool_block, b) for b in blocks]
        try:
            return _gather(futures, blocks, "process-pool")
        finally:
            for f in futures:
                f.cancel()


_DASK: dict[str, Any] = {}
#: Worker settings of the LocalCluster solve_many starts. Dask's defaults export
#: MALLOC_TRIM_THRESHOLD_ to workers, which turns off glibc's adaptive mmap threshold so every
#: large NumPy temporary is a fresh mmap + page faults, and run a 10 ms stack-sampling profiler;
#: together they made each solve 2-5x slower than in a plain process. One BLAS thread per
#: worker (Dask's default) is kept: the workers already use the cores.
_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1,
                                            "OPENBLAS_NUM_THREADS": 1},
    "distributed.worker.profile.enabled": False,
}
_DASK_LOCK = threading.Lock()


def _local_client(workers: int) -> Any:
    """A ``dask.distributed`` client on a LocalCluster of ``workers`` processes, started once.

    Starting a cluster costs seconds (worker processes import NumPy, SciPy and tradeshock), so
    the cluster is kept for the session and reused by later calls with the same worker count;
    :func:`close_dask` (also run at exit) stops it.
    """
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise TradeshockError("backend='dask' needs Dask distributed: pip install 'tradeshock[dask]' "
                              "(or use backend='processes')") from None

    with _DASK_LOCK:
        client = _DASK.get("client")
        if client is not None and _DASK.get("workers") == workers and client.status == "running":
            return client
        _close_locked()
        with dask.config.set(_WORKER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50)
        client = Client(cluster, set_as_default=False)
        _DASK.update(client=client, cluster=cluster, workers=workers)
        if not _DASK.get("atexit"):
            atexit.register(close_dask)
            _DASK["atexit"] = True
        return client


def _close_locked() -> None:
    client, cluster = _DASK.pop("client", None), _DASK.pop("cluster", None)
    _DASK.pop("workers", None)
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def close_dask() -> None:
    """Stop the LocalCluster :func:`solve_many` started for ``backend="dask"`` (if any)."""
    with _DASK_LOCK:
        _close_locked()


def _solve_dask(base: Baseline, tasks: list[Task], workers: int, solver_kw: dict,
                client: Any) -> list[tuple]:
    client = client if client is not None else _local_client(workers)
    base_f = client.scatter(base, broadcast=True, hash=False)
    token = uuid.uuid4().hex[:8]
    # two blocks per worker, solved in lockstep, as for the pool: one task per shock paid the
    # scheduler's few milliseconds per shock, more than a solve
    blocks = _blocks(tasks, len(client.scheduler_info().get("workers", {})) or workers)
    futures = [client.submit(_dask_block, base_f, b, solver_kw, key=f"tradeshock-{token}-{k}",
                             pure=False) for k, b in enumerate(blocks)]
    try:
        return _gather(futures, blocks, "Dask")
    finally:
        client.cancel(futures)
        client.cancel([base_f])


def solve_many(world: World, shocks: Sequence[Any], deficits: Deficits = "fixed",
               backend: Backend = "processes", workers: int | None = None, *,
               client: Any = None, mp_context: str | None = None, **solver_kw: Any) -> list:
    """Solve independent shocks on ``world``, in parallel on the local cores.

    Parameters
    ----------
    world
        The baseline economy shared by every shock.
    shocks
        :class:`~tradeshock.shock.Shock` objects, or Scenarios (compiled with ``to_shock``).
        The ``deficits`` argument applies to all of them.
    deficits
        ``"fixed"`` or ``"zero"`` (see :func:`~tradeshock.simulate.simulate`).
    backend
        ``"processes"`` (a local process pool, started per call), ``"dask"``
        (``dask.distributed``: the ``client`` given, or a ``LocalCluster`` of worker processes
        started on first use and kept for the session, see :func:`close_dask`) or ``"serial"``
        (this process; the same code path, useful to debug and as the reference). Scripts
        using ``"dask"`` (or ``mp_context="spawn"``) need the ``if __name__ == "__main__":``
        guard, as every spawn-based multiprocessing program does.
    workers
        Number of worker processes; default: the number of cores, at most the batch size (for
        the Dask cluster, which is kept for later batches: the number of cores, at most 2).
        Ignored with an existing ``client``. A process pool with one worker or one shock is not
        started: the solve runs in this process.
    client
        An existing ``dask.distributed.Client`` to run on (implies ``backend="dask"``).
    mp_context
        Start method of the process pool (``"fork"``, ``"spawn"``, ``"forkserver"``); default
        ``fork`` on Linux when no other thread runs, else ``forkserver`` (where available).
    **solver_kw
        Passed to the engine (``tol``, ``max_iter``, ...); ``tol`` and ``max_iter`` also
        apply to the baseline re-solve, as in ``simulate``.

    Returns
    -------
    list of Result
        One per shock, in order; each equals ``simulate(world, shock, deficits, ...)``. Shocks
        with tariff-rate quotas (``shock.quotas``, a fixed point of several solves, see
        :mod:`tradeshock.quotas`) are solved through ``simulate`` in this process, serially.

    Raises
    ------
    ShockError
        A shock does not fit the world (raised before any solving; names the shock).
    TradeshockError
        A solve failed in a worker: the same error type (``ConvergenceError`` with its
        diagnostics), with the shock's label in the message.

    Examples
    --------
    >>> w = load_world("default")                                            # doctest: +SKIP
    >>> shocks = [Shock(w).tariff(imposer="USA", target=c, rate=0.25, label=f"US on {c}")
    ...           for c in ("CAN", "MEX", "CHN")]                            # doctest: +SKIP
    >>> results = solve_many(w, shocks, backend="processes")                 # doctest: +SKIP
    """
    if client is not None:
        backend = "dask"
    deficits = check_deficits(deficits or "fixed")
    if backend not in BACKENDS:
        raise TradeshockError(f"solve_many: backend={backend!r} is not one of "
                              f"{', '.join(BACKENDS)}" + did_you_mean(str(backend), BACKENDS))
    prepared = _prepare(world, shocks, deficits)
    if not prepared:
        return []
    base_kw = {k: solver_kw[k] for k in _BASELINE_KW if k in solver_kw}
    base, eq0 = resolved_baseline(world, deficits, **base_kw)
    # shocks with tariff-rate quotas need a fixed point of several solves: run them through
    # simulate in this process (serially), so every result equals simulate's
    quota_res = {k: _solve_quotas(world, shock, scenario, label, deficits, solver_kw)
                 for k, (shock, scenario, label) in enumerate(prepared)
                 if getattr(shock, "quotas", None)}
    whole = prepared
    prepared = [p for k, p in enumerate(whole) if k not in quota_res]
    tasks = [_encode(k, label, shock, base) for k, (shock, _, label) in enumerate(prepared)]

    cores = os.cpu_count() or 1
    if workers is not None and int(workers) < 1:
        raise TradeshockError(f"solve_many: workers={workers!r}; need at least 1")
    if not tasks:
        outcomes: list[tuple] = []
    elif backend == "serial" or (backend == "processes" and (len(tasks) == 1 or workers == 1)):
        outcomes = _run_block(base, tasks, solver_kw)
    elif backend == "processes":
        n = min(int(workers or cores), len(tasks))
        outcomes = _solve_processes(base, tasks, n, solver_kw, mp_context)
    else:
        # the cluster outlives this call: size it for the machine, not for this batch
        outcomes = _solve_dask(base, tasks, int(workers or min(cores, 2)), solver_kw, client)

    results = []
    tol = solver_kw.get("tol", 1e-10)
    for outcome, (shock, scenario, label) in zip(outcomes, prepared, strict=False):
        if outcome[0] == "error":
            _raise(outcome, label)
        eq = _restored(outcome[2], shock)
        results.append(Result(world=world, shock=shock, scenario=scenario, deficits=deficits,
                              baseline=base, equilibrium=eq, baseline_solve=eq0, tol=tol))
    if quota_res:
        rest = iter(results)
        results = [quota_res[k] if k in quota_res else next(rest) for k in range(len(whole))]
    return results


def _solve_quotas(world: World, shock: Any, scenario: Any, label: str, deficits: Deficits,
                  solver_kw: dict) -> Any:
    """Solve one shock with tariff-rate quotas through ``simulate`` (the quota fixed point)."""
    kw = {k: solver_kw[k] for k in ("tol", "max_iter") if k in solver_kw}
    try:
        res = simulate(world, shock, deficits, **kw)
    except ConvergenceError as exc:
        raise ConvergenceError(f"shock {label!r}: {exc}", exc.diagnostics) from exc
    res.scenario = scenario
    return res


# ----------------------------------------------------------------- elasticity draws
@dataclasses.dataclass(frozen=True)
class DrawFailure:
    """A draw whose solve failed: its position in ``thetas``, the error type and message."""

    index: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"draw {self.index}: {self.kind}: {self.message}"


_DRAW_JOB: dict[str, Any] = {}


def _init_draws(job: dict[str, Any]) -> None:
    """Process-pool initializer of :func:`solve_draws`: the shared inputs, once per worker."""
    _DRAW_JOB.clear()
    _DRAW_JOB.update(job)


def _engine(job: dict[str, Any], thetas: np.ndarray) -> list:
    from tradeshock.model.batch import solve_draws as engine_draws

    return engine_draws(job["raw"], thetas, job["tau"], job["dhat"], deficit_base=job["d0"],
                        central=job["central"], reduce=job["reduce"], **job["kw"])


def _draw_block(job: dict[str, Any], first: int, thetas: np.ndarray) -> list:
    """Solve draws ``first, first+1, ...`` (the engine's warm-started batch).

    A draw at exactly the world's θ is the central solve itself, so it reproduces the
    deterministic result bit for bit (a warm start is certified only to the tolerance). If the
    batch raises, the block is solved again draw by draw so that each failing draw becomes a
    :class:`DrawFailure` (index, error type, message) and the others still solve.
    """
    central = np.all(thetas == job["raw"].theta[None, :], axis=1) & (job["central"] is not None)
    out: list = [None] * len(thetas)
    if central.any():
        from tradeshock.model.batch import Draw

        eq0_c, eq_c = job["central"]
        for k in np.flatnonzero(central):
            out[k] = (Draw.from_solves(thetas[k], job["base_c"], eq0_c, eq_c, 0.0)
                      if job["reduce"] is None else
                      job["reduce"](thetas[k], job["base_c"], eq0_c, eq_c))
    rest = np.flatnonzero(~central)
    if not rest.size:
        return out
    try:
        for k, r in zip(rest, _engine(job, thetas[rest]), strict=True):
            out[k] = r
        return out
    except Exception:  # noqa: BLE001 - isolate the failing draws below
        pass
    for k in rest:
        try:
            out[k] = _engine(job, thetas[k][None, :])[0]
        except Exception as exc:  # noqa: BLE001 - reported per draw, never dropped
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out[k] = DrawFailure(first + int(k), type(exc).__name__,
                                 msg.replace("elasticity draw 0: ", ""))
    return out


def _pool_draws(block: tuple[int, np.ndarray]) -> list:
    return _draw_block(_DRAW_JOB, *block)


def _dask_draws(job: dict[str, Any], first: int, thetas: np.ndarray) -> list:
    return _draw_block(dict(job, raw=_aligned(job["raw"])), first, thetas)


def solve_draws(world: World, shock: Any, thetas: Any, deficits: str = "fixed",
                backend: Backend = "processes", workers: int | None = None,
                *, reduce: Any = None, client: Any = None, mp_context: str | None = None,
                **solver_kw: Any) -> list:
    """Solve ``shock`` on ``world`` once per draw of the trade elasticities.

    For each draw θ_d the baseline is re-solved with θ_d (warm-started from the central θ's
    re-solved baseline) and the counterfactual solved on it (warm-started from the central
    counterfactual): the engine's :func:`tradeshock.model.batch.solve_draws`, here split into
    contiguous blocks of draws over the process pool or a Dask cluster.

    Parameters
    ----------
    world, shock
        The world and a :class:`~tradeshock.shock.Shock` (or Scenario) without tariff-rate
        quotas.
    thetas
        Array ``[draw, sector]`` of positive trade elasticities, sectors in ``world.sectors``
        order.
    deficits
        ``"fixed"`` or ``"zero"``, as in :func:`~tradeshock.simulate.simulate`.
    backend, workers, client
        ``"processes"`` (default; ``workers`` defaults to the number of cores), ``"dask"`` (the
        ``client`` given, or a LocalCluster as in :func:`solve_many`) or ``"serial"``.
    reduce
        Optional ``reduce(theta, baseline_d, baseline_solve_d, counterfactual_d)`` → what to keep
        per draw (a module-level function or picklable object, so it reaches worker processes);
        default a :class:`tradeshock.model.batch.Draw` (ŵ, P̂, exact real-income change,
        iterations).
    mp_context
        Start method of the process pool (as in :func:`solve_many`).
    **solver_kw
        Passed to every solve (``tol``, ``max_iter``, ``kernels``).

    Returns
    -------
    list
        One entry per draw, in order; identical whatever the backend or number of workers. A
        draw that did not solve is a :class:`DrawFailure` (index, error type, message) in its
        place: failures are returned, never dropped, and the caller reports them.

    Raises
    ------
    ShockError
        ``thetas`` has the wrong shape or a value that is not a positive number (named by draw
        and sector), or the shock has quotas or does not fit the world.

    """
    from tradeshock.model import baseline_from_world
    from tradeshock.simulate import resolved_baseline

    if client is not None:
        backend = "dask"
    if backend not in BACKENDS:
        raise TradeshockError(f"solve_draws: backend={backend!r} is not one of "
                              f"{', '.join(BACKENDS)}" + did_you_mean(str(backend), BACKENDS))
    deficits = check_deficits(deficits or "fixed")
    prepared = _prepare(world, [shock], deficits)
    shock0, _, label = prepared[0]
    if getattr(shock0, "quotas", None):
        raise ShockError(f"solve_draws: shock {label!r} has tariff-rate quotas; elasticity draws "
                         "support tariff and trade-cost shocks only")
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim != 2 or thetas.shape[1] != world.n_sectors:
        raise ShockError(f"solve_draws: thetas must be an array [draw, sector] with "
                         f"{world.n_sectors} sectors (world {world.name!r}), got shape {thetas.shape}")
    bad = ~(np.isfinite(thetas) & (thetas > 0))
    if bad.any():
        d, s = np.argwhere(bad)[0]
        raise ShockError(f"solve_draws: theta of draw {d}, sector {world.sectors[s]} is "
                         f"{thetas[d, s]}; trade elasticities must be positive numbers")
    if workers is not None and int(workers) < 1:
        raise TradeshockError(f"solve_draws: workers={workers!r}; need at least 1")
    if len(thetas) == 0:
        return []
    base_kw = {k: solver_kw[k] for k in _BASELINE_KW if k in solver_kw}
    base_c, eq0_c = resolved_baseline(world, deficits, **base_kw)
    tau, dhat = np.asarray(shock0.tariffs, dtype=float), np.asarray(shock0.trade_cost_hat, dtype=float)
    try:
        eq_c = solve(base_c, tau, dhat, base_c.deficit, **solver_kw)
    except ConvergenceError:
        eq_c = None                                   # no warm start: each draw starts cold
    job = {"raw": baseline_from_world(world), "tau": tau, "dhat": dhat, "d0": base_c.deficit,
           "central": (eq0_c, eq_c) if eq_c is not None else None, "base_c": base_c,
           "reduce": reduce, "kw": solver_kw}
    cores = os.cpu_count() or 1
    n = min(int(workers or (cores if backend == "processes" else min(cores, 2))), len(thetas))
    if backend == "serial" or (backend == "processes" and n <= 1):
        return _draw_block(job, 0, thetas)
    edges = np.array_split(np.arange(len(thetas)), n)
    blocks = [(int(b[0]), thetas[b]) for b in edges if len(b)]
    if backend == "processes":
        with ProcessPoolExecutor(max_workers=n, mp_context=_context(mp_context),
                                 initializer=_init_draws, initargs=(job,)) as pool:
            parts = list(pool.map(_pool_draws, blocks))
    else:
        client = client if client is not None else _local_client(n)
        job_f = client.scatter(job, broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = [client.submit(_dask_draws, job_f, first, th,
                                 key=f"tradeshock-draws-{token}-{first}", pure=False)
                   for first, th in blocks]
        try:
            parts = client.gather(futures)
        finally:
            client.cancel(futures)
            client.cancel([job_f])
    return [x for part in parts for x in part]
