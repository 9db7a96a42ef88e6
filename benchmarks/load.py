"""Load test of the dashboard: simulated users against `tradeshock serve` on a loopback port.

Starts the real server (waitress, worker processes) as a subprocess on 127.0.0.1, warms the
cache with four shipped scenarios, then runs USERS simulated users for SECONDS seconds. Each
user loops: load the page (``/`` and Dash's ``/_dash-layout``), ask for a run — a shipped
scenario already in the cache (70%) or a new custom move no one asked before (30%: a Canadian
tariff on one US goods sector at a random rate, so it is never cached) — poll the job until it is
done, then download the welfare table. Every request is timed; a failed request is any non-2xx
answer, a connection error or a failed job. Stops by itself, stops the server, prints a table
and, with ``--write``, records it in benchmarks/load.json and docs/performance.md.

    python benchmarks/load.py [--users 20] [--seconds 60] [--workers N] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHED = ("us-universal-10", "asia-energy-pivot", "china-canola-retaliation-2025", "cusma-termination")
SECTORS = (
    "agriculture",
    "mining",
    "food",
    "textiles",
    "wood",
    "paper",
    "chemicals",
    "metals",
    "machinery",
    "electrical",
    "transport_equipment",
    "minerals",
)
START, END = "<!-- dashboard-load:start -->", "<!-- dashboard-load:end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """Timed HTTP calls to one loopback server; records (kind, seconds, ok)."""

    def __init__(self, base: str, log: list, lock: threading.Lock) -> None:
        self.base, self.log, self.lock = base, log, lock

    def call(self, kind: str, path: str, body: object | None = None) -> tuple[bool, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, headers={"Content-Type": "application/json"} if data else {}
        )
        t0 = time.perf_counter()
        ok, raw = False, b""
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                raw = r.read()
                ok = 200 <= r.status < 300
        except (urllib.error.URLError, OSError) as exc:
            raw = str(exc).encode()
        with self.lock:
            self.log.append((kind, time.perf_counter() - t0, ok))
        return ok, raw


def user(client: Client, stop: float, seed: int, results: dict, lock: threading.Lock) -> None:
    """One simulated user until ``stop``."""
    rng = random.Random(seed)
    while time.time() < stop:
        client.call("page /", "/")
        client.call("page /_dash-layout", "/_dash-layout")
        cached = rng.random() < 0.7
        if cached:
            spec = {"base": rng.choice(CACHED)}
        else:
            spec = {
                "name": f"load-{seed}-{rng.randrange(10**9)}",
                "moves": [
                    {
                        "kind": "tariff",
                        "imposer": "CAN",
                        "targets": ["USA"],
                        "sectors": [rng.choice(SECTORS)],
                        "add": round(rng.uniform(0.01, 0.40), 6),
                    }
                ],
            }
        t0 = time.perf_counter()
        ok, raw = client.call("run: submit " + ("cached" if cached else "new"), "/api/run", spec)
        if not ok:
            continue
        job = json.loads(raw)
        while job["state"] in ("queued", "running"):
            time.sleep(0.3)
            ok, raw = client.call("job status", f"/api/jobs/{job['id']}")
            if not ok:
                break
            job = json.loads(raw)
        done = job["state"] == "done"
        with lock:
            results["jobs"].append(("cached" if cached else "new", time.perf_counter() - t0, done))
            if not done:
                results["failed_jobs"].append(job.get("error"))
        if done:
            client.call("download welfare.csv", f"/api/runs/{job['key']}/welfare.csv")


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [
        sys.executable,
        "-c",
        "from tradeshock.cli import main; main()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        "16",
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(base: str, timeout: float = 240) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
                info = json.loads(r.read())
                if info.get("alive") == info.get("workers"):
                    return info
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start")


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=None, help="solver processes (default: the serve default)")
    ap.add_argument(
        "--write", action="store_true", help="record in benchmarks/load.json and docs/performance.md"
    )
    a = ap.parse_args()
    from tradeshock.cli.serve import _default_workers

    workers = a.workers or _default_workers()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, workers)
    try:
        t_start = time.time()
        wait_ready(base)
        ready = time.time() - t_start
        log: list = []
        lock = threading.Lock()
        warm = Client(base, [], lock)
        for name in CACHED:  # the cached half of the mix
            ok, raw = warm.call("warm", "/api/run", {"base": name})
            job = json.loads(raw)
            while job["state"] in ("queued", "running"):
                time.sleep(0.3)
                job = json.loads(warm.call("warm", f"/api/jobs/{job['id']}")[1])
            if job["state"] != "done":
                raise SystemExit(f"warm-up of {name} failed: {job.get('error')}")
        results: dict = {"jobs": [], "failed_jobs": []}
        stop = time.time() + a.seconds
        threads = [
            threading.Thread(target=user, args=(Client(base, log, lock), stop, k, results, lock))
            for k in range(a.users)
        ]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - t0
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            health = json.loads(r.read())
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    kinds = sorted({k for k, _, _ in log})
    rows = []
    for k in kinds:
        ts = [t for kk, t, _ in log if kk == k]
        rows.append(
            {
                "request": k,
                "n": len(ts),
                "failed": sum(1 for kk, _, ok in log if kk == k and not ok),
                "p50_ms": 1000 * pct(ts, 50),
                "p95_ms": 1000 * pct(ts, 95),
                "max_ms": 1000 * max(ts),
            }
        )
    allt = [t for _, t, _ in log]
    jobs = {}
    for kind in ("cached", "new"):
        ts = [t for k, t, ok in results["jobs"] if k == kind]
        jobs[kind] = {"n": len(ts), "p50_s": pct(ts, 50), "p95_s": pct(ts, 95)}
    rec = {
        "users": a.users,
        "seconds": a.seconds,
        "wall_s": wall,
        "workers": workers,
        "server_ready_s": ready,
        "requests": len(log),
        "failed_requests": sum(1 for _, _, ok in log if not ok),
        "failed_jobs": len(results["failed_jobs"]),
        "p50_ms": 1000 * pct(allt, 50),
        "p95_ms": 1000 * pct(allt, 95),
        "by_request": rows,
        "time_to_result": jobs,
        "server": {
            k: health.get(k)
            for k in (
                "submitted",
                "cache_hits",
                "joined",
                "rejected",
                "done",
                "failed",
                "timeouts",
                "restarts",
            )
        },
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    text = report(rec)
    print(text)
    if a.write:
        (ROOT / "benchmarks" / "load.json").write_text(json.dumps(rec, indent=2) + "\n")
        perf = ROOT / "docs" / "performance.md"
        doc = perf.read_text(encoding="utf-8") if perf.exists() else ""
        block = f"{START}\n{text}\n{END}"
        if START in doc and END in doc:
            doc = doc[: doc.index(START)] + block + doc[doc.index(END) + len(END) :]
        else:
            doc = doc.rstrip() + "\n\n## The dashboard under load\n\n" + block + "\n"
        perf.write_text(doc, encoding="utf-8")
    if rec["failed_requests"] or rec["failed_jobs"]:
        sys.exit(1)


def report(r: dict) -> str:
    lines = [
        f"Run of {r['date']} (`make load`): {r['users']} simulated users for {r['seconds']:.0f} s against "
        f"`tradeshock serve` on 127.0.0.1 ({r['workers']} solver process{'es' if r['workers'] > 1 else ''}, "
        f"{r['cpus']} cores shared with other work, so timings are indicative). "
        f"{r['requests']:,} requests, **{r['failed_requests']} failed**, {r['failed_jobs']} failed jobs; "
        f"all requests: p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms.",
        "",
        "| request | n | failed | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in r["by_request"]:
        lines.append(
            f"| {row['request']} | {row['n']:,} | {row['failed']} | {row['p50_ms']:.0f} | "
            f"{row['p95_ms']:.0f} | {row['max_ms']:.0f} |"
        )
    j = r["time_to_result"]
    lines += [
        "",
        f"Time from asking to having the result: cached scenarios p50 {1000 * j['cached']['p50_s']:.0f} ms, "
        f"p95 {1000 * j['cached']['p95_s']:.0f} ms ({j['cached']['n']} runs); new custom moves (a full "
        f"solve in the queue) p50 {j['new']['p50_s']:.1f} s, p95 {j['new']['p95_s']:.1f} s "
        f"({j['new']['n']} runs). Server counters: {r['server']}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
