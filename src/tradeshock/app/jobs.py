"""The dashboard's work queue: solves run in worker processes, never on a request thread.

:class:`JobPool` keeps a few long-lived worker processes (each with the default world loaded and
its baseline solved), a queue with a length limit, a per-job time limit and a results cache:

- ``submit(kind, payload)`` returns at once. A job whose canonical key is in the cache is done
  immediately; one identical to a job already queued or running joins it; a full queue raises
  :class:`Busy` (the caller shows "try again in a moment").
- Each worker sends progress messages (``stage``) while it works; a page polls :meth:`JobPool.get`.
- A job that runs past the time limit has its worker process killed (a real limit: the solver is
  stopped, not abandoned) and a fresh worker takes its place; a job that raises returns the
  message of the error, never a traceback.
- File jobs (a results table as CSV/Parquet, the HTML report of results already in the cache)
  run on two threads of this process instead, so a download never waits behind the solves.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import secrets
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("tradeshock.app")


class Busy(Exception):
    """The queue is full; the request should be retried later."""


@dataclass
class Job:
    """One unit of work and what is known about it (read by the pages while it runs)."""

    id: str
    key: str
    kind: str
    label: str
    payload: Any = field(repr=False)
    state: str = "queued"  # queued | running | done | failed
    stage: str = "waiting for a free solver"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    cached: bool = False
    result: Any = field(default=None, repr=False)
    done_event: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def elapsed(self) -> float:
        """Seconds since it started running (0 while queued)."""
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    def public(self, position: int | None = None) -> dict[str, Any]:
        """The job's state as plain JSON-able data (no result, no payload)."""
        return {
            "id": self.id,
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "state": self.state,
            "stage": self.stage,
            "position": position,
            "elapsed": round(self.elapsed, 2),
            "error": self.error,
            "cached": self.cached,
        }


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self, ctx: Any, warm: tuple[str, ...]) -> None:
        self.ctx, self.warm = ctx, warm
        self.proc: Any = None
        self.conn: Any = None
        self.starts = 0

    def start(self) -> None:
        from tradeshock.app.worker import worker_main

        self.starts += 1
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(
            target=worker_main, args=(child, self.warm), daemon=True, name="tradeshock-solver"
        )
        self.proc.start()
        child.close()
        self.conn = parent

    def ready(self, timeout: float = 300.0) -> bool:
        """Wait for the worker's start-up (world loaded, baseline solved) to finish."""
        end = time.time() + timeout
        conn = self.conn                  # the pool's close() may stop() the worker meanwhile
        try:
            while conn is not None and self.alive() and time.time() < end:
                if conn.poll(0.5):
                    kind, _ = conn.recv()
                    if kind == "ready":
                        return True
        except (EOFError, OSError):       # the pipe closed under us: not ready
            pass
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def stop(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = None


class JobPool:
    """Worker processes, a bounded queue, a per-job time limit and an LRU results cache.

    Parameters
    ----------
    workers
        Number of worker processes (each solves one job at a time).
    queue_limit
        Most jobs waiting for a worker; beyond it :meth:`submit` raises :class:`Busy`.
    time_limit
        Seconds a job may run before its worker is killed and the job fails.
    cache_size
        Results kept in memory (least recently used dropped first); files (report, tables)
        have their own cache of ``file_cache_size``.
    warm
        Worlds each worker loads and solves at start, so the first run is fast.

    """

    def __init__(
        self,
        workers: int = 1,
        queue_limit: int = 32,
        time_limit: float = 180.0,
        cache_size: int = 16,
        file_cache_size: int = 16,
        warm: tuple[str, ...] = ("default",),
    ) -> None:
        if workers < 1 or queue_limit < 1 or time_limit <= 0:
            raise ValueError("workers and queue_limit must be at least 1 and time_limit positive")
        self.time_limit = float(time_limit)
        self.queue_limit = int(queue_limit)
        self._ctx = mp.get_context("spawn")
        self._cond = threading.Condition()
        self._pending: deque[Job] = deque()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._inflight: dict[str, Job] = {}
        self._caches: dict[str, OrderedDict[str, Any]] = {"result": OrderedDict(), "file": OrderedDict()}
        self._sizes = {"result": int(cache_size), "file": int(file_cache_size)}
        self._closed = False
        self._files = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tradeshock-files")
        self.stats = {
            "submitted": 0,
            "cache_hits": 0,
            "joined": 0,
            "rejected": 0,
            "done": 0,
            "failed": 0,
            "timeouts": 0,
        }
        self._workers = [_Worker(self._ctx, warm) for _ in range(workers)]
        self._threads = []
        for k, w in enumerate(self._workers):
            t = threading.Thread(target=self._loop, args=(w,), name=f"tradeshock-slot-{k}", daemon=True)
            t.start()
            self._threads.append(t)

    # ------------------------------------------------------------ public
    def submit(self, kind: str, payload: Any, key: str, label: str = "", cache: str = "result") -> Job:
        """Queue a job (or answer it from the cache, or join an identical one in flight)."""
        with self._cond:
            if self._closed:
                raise Busy("the server is shutting down")
            self.stats["submitted"] += 1
            store = self._caches[cache]
            if key in store:
                store.move_to_end(key)
                self.stats["cache_hits"] += 1
                job = Job(
                    _new_id(),
                    key,
                    kind,
                    label,
                    None,
                    state="done",
                    stage="from the cache",
                    cached=True,
                    result=store[key],
                )
                job.started = job.finished = time.time()
                job.done_event.set()
                self._remember(job)
                return job
            if key in self._inflight:
                self.stats["joined"] += 1
                return self._inflight[key]
            if len(self._pending) >= self.queue_limit:
                self.stats["rejected"] += 1
                raise Busy(
                    f"the server is busy ({len(self._pending)} jobs are waiting, the limit); "
                    "try again in a moment"
                )
            job = Job(_new_id(), key, kind, label, payload)
            job.cache = cache  # type: ignore[attr-defined]
            self._inflight[key] = job
            self._remember(job)
            if cache == "file":  # downloads: threads here, not behind the solves
                job.state, job.started, job.stage = "running", time.time(), "writing the file"
                self._files.submit(self._run_here, job)
                return job
            self._pending.append(job)
            self._cond.notify()
            return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id (None if unknown or forgotten)."""
        with self._cond:
            return self._jobs.get(job_id)

    def position(self, job: Job) -> int | None:
        """How many jobs are ahead of a queued job (None once it runs)."""
        with self._cond:
            try:
                return self._pending.index(job)
            except ValueError:
                return None

    def cached(self, key: str, cache: str = "result") -> Any | None:
        """A cached result by key (None if absent); marks it recently used."""
        with self._cond:
            store = self._caches[cache]
            if key in store:
                store.move_to_end(key)
                return store[key]
            return None

    def wait(self, job: Job, timeout: float | None = None) -> Job:
        """Block until the job is done or failed (or ``timeout`` passes); returns it."""
        job.done_event.wait(timeout if timeout is not None else self.time_limit + 30)
        return job

    def run(self, kind: str, payload: Any, key: str, label: str = "", cache: str = "result") -> Any:
        """Submit and wait; the result, or :class:`JobFailed` with the job's message."""
        job = self.wait(self.submit(kind, payload, key, label, cache))
        if job.state != "done":
            raise JobFailed(job.error or "the job did not finish in time")
        return job.result

    def info(self) -> dict[str, Any]:
        """Queue length, workers alive, cache sizes and counters (for /healthz and the load test)."""
        with self._cond:
            return {
                "queued": len(self._pending),
                "running": sum(j.state == "running" for j in self._inflight.values()),
                "workers": len(self._workers),
                "alive": sum(w.alive() for w in self._workers),
                "cached_results": len(self._caches["result"]),
                "cached_files": len(self._caches["file"]),
                "time_limit": self.time_limit,
                "queue_limit": self.queue_limit,
                "restarts": sum(max(0, w.starts - 1) for w in self._workers),
                **self.stats,
            }

    def close(self) -> None:
        """Stop accepting jobs, fail the queued ones and stop the worker processes."""
        with self._cond:
            self._closed = True
            while self._pending:
                self._finish(self._pending.popleft(), error="the server is shutting down")
            self._cond.notify_all()
        for w in self._workers:
            w.stop()
        self._files.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------ internals
    def _run_here(self, job: Job) -> None:
        """A file job (a table or the report of cached results), on one of the file threads."""
        from tradeshock.app.worker import TASKS, error_message

        try:
            out, err = TASKS[job.kind](job.payload, lambda text: setattr(job, "stage", text)), None
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            out, err = None, error_message(exc)
        with self._cond:
            self._finish(job, out, err)

    def _remember(self, job: Job) -> None:
        self._jobs[job.id] = job
        while len(self._jobs) > 2000:  # forget the oldest finished jobs
            old = next(iter(self._jobs.values()))
            if old.state in ("queued", "running"):
                break
            self._jobs.popitem(last=False)

    def _finish(self, job: Job, result: Any = None, error: str | None = None) -> None:
        """Record the outcome (caller holds the lock)."""
        job.finished = time.time()
        if error is None:
            job.state, job.stage, job.result = "done", "done", result
            store = self._caches[getattr(job, "cache", "result")]
            store[job.key] = result
            store.move_to_end(job.key)
            while len(store) > self._sizes[getattr(job, "cache", "result")]:
                store.popitem(last=False)
            self.stats["done"] += 1
        else:
            job.state, job.stage, job.error = "failed", "failed", error
            self.stats["failed"] += 1
        job.payload = None
        self._inflight.pop(job.key, None)
        job.done_event.set()

    def _loop(self, worker: _Worker) -> None:
        while True:
            if not worker.alive() and not self._closed and not self._restart(worker):
                if self._closed:
                    return
                log.error("a solver process could not start; retrying in 2 s")
                with self._cond:
                    while self._pending:
                        self._finish(
                            self._pending.popleft(),
                            error="the solver process could not start; see the server log",
                        )
                time.sleep(2)
                continue
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = self._pending.popleft()
                job.state, job.started, job.stage = "running", time.time(), "starting"
            result, error = self._execute(worker, job)
            with self._cond:
                if self._closed:
                    return
                self._finish(job, result, error)

    def _restart(self, worker: _Worker) -> bool:
        """(Re)start a worker process and wait until it has warmed up; False if it failed."""
        worker.stop()
        worker.start()
        return worker.ready()

    def _execute(self, worker: _Worker, job: Job) -> tuple[Any, str | None]:
        deadline = job.started + self.time_limit  # type: ignore[operator]
        try:
            if not worker.alive():
                raise EOFError
            worker.conn.send((job.kind, job.payload))
            while True:
                left = deadline - time.time()
                if left <= 0:
                    self.stats["timeouts"] += 1
                    log.warning(
                        "job %s (%s) passed the %.0f s limit; restarting its worker",
                        job.id,
                        job.label,
                        self.time_limit,
                    )
                    worker.stop()
                    return None, (
                        f"stopped after {self.time_limit:.0f} seconds, the time limit for "
                        "one job; try fewer measures or a smaller question"
                    )
                if worker.conn.poll(min(left, 0.5)):
                    kind, body = worker.conn.recv()
                    if kind == "stage":
                        job.stage = str(body)
                    elif kind == "ready":
                        continue
                    elif kind == "done":
                        return body, None
                    else:
                        return None, str(body)
                elif not worker.alive():
                    raise EOFError
        except (EOFError, OSError, BrokenPipeError):
            log.error("solver process for job %s (%s) stopped unexpectedly; restarting it", job.id, job.label)
            worker.stop()
            return None, (
                "the solver process stopped unexpectedly (out of memory?); it has been restarted; try again"
            )


class JobFailed(Exception):
    """A job ended with an error; the message is the job's (one line, no traceback)."""


def _new_id() -> str:
    return secrets.token_hex(8)


__all__ = ["JobPool", "Job", "Busy", "JobFailed"]
