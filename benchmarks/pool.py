"""What the process pool of ``solve_many`` buys on this machine, side by side in one run.

For batches of 40, 160 and 640 cut-off shocks on ``default`` (Canada loses each of its largest
(supplier, sector) imports, the list repeated to the batch size), wall time of
:func:`tradeshock.parallel.solve_many` with

* ``serial`` (lockstep in this process: the reference);
* ``processes`` with the ``fork`` start method (2 workers; π' written to shared memory);
* ``processes`` with ``forkserver`` (2 workers; π' pickled back through the result pipe, as on
  platforms without fork or with other threads running);

and two controls measured in the same run: the speed-up a pure-Python loop gets on a 2-process
pool (what the cores offer to CPU-bound Python), and the time of one process solving 320
cut-offs alone against two processes solving 320 each at the same moment (what the cores offer
to this engine's arithmetic: if the two slow each other down, no pool can give 2×).

Each configuration runs ``--repeat`` times, alternated; the minimum wall time is kept.
Results go to ``benchmarks/results_pool.json`` and the block
``<!-- pool:start -->…<!-- pool:end -->`` of docs/performance.md.

Usage: ``python benchmarks/pool.py [--sizes 40,160,640] [--repeat 3] [--no-docs]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402
from measure import control_speedup  # noqa: E402
from run import write_doc  # noqa: E402

START, END = "<!-- pool:start -->", "<!-- pool:end -->"
ROUTES = (("serial", "serial", None), ("fork", "processes", "fork"),
          ("forkserver", "processes", "forkserver"))


def _warm_world() -> tuple:
    """``default``, its 40 cut-off shocks, and ``solve_many`` warmed (baseline, Jacobian, kernels)."""
    from tradeshock.parallel import solve_many
    from tradeshock.world import load_world

    world = load_world("default")
    base = cases.cutoff_shocks(world)
    solve_many(world, base[:2], backend="serial")
    return world, base, solve_many


def _repeated(base: list, count: int) -> list:
    """``count`` shocks: the cut-off list repeated."""
    return (base * (count // len(base) + 1))[:count]


def alone(count: int, at: float = 0.0) -> float:
    """Wall time of ``count`` cut-off solves in this process, started at time ``at`` (epoch s)."""
    world, base, solve_many = _warm_world()
    shocks = _repeated(base, count)
    time.sleep(max(0.0, at - time.time()))
    t0 = time.perf_counter()
    solve_many(world, shocks, backend="serial")
    return time.perf_counter() - t0


def _alone_in(count: int, at: float = 0.0) -> subprocess.Popen:
    """:func:`alone` in a fresh process (its time printed on the last line)."""
    return subprocess.Popen([sys.executable, __file__, "--alone", str(count), "--at", repr(at)],
                            stdout=subprocess.PIPE, text=True)


def contention(count: int = 320) -> dict:
    """One process alone against two processes at once, each solving ``count`` cut-offs."""
    def seconds(proc: subprocess.Popen) -> float:
        return float(proc.communicate()[0].strip().splitlines()[-1])

    alone_s = seconds(_alone_in(count))
    at = time.time() + 8.0                     # both start together, after their set-up
    pair = [seconds(p) for p in [_alone_in(count, at), _alone_in(count, at)]]
    return {"shocks": count, "alone_s": alone_s, "two_at_once_s": pair,
            "slowdown": max(pair) / alone_s}


def batches(sizes: list[int], repeat: int) -> list[dict]:
    """Minimum wall time of each route at each batch size, routes alternated."""
    world, base, solve_many = _warm_world()
    out = []
    for size in sizes:
        shocks = _repeated(base, size)
        times: dict[str, list[float]] = {k: [] for k, _, _ in ROUTES}
        for _ in range(repeat):
            for key, backend, ctx in ROUTES:
                t0 = time.perf_counter()
                solve_many(world, shocks, backend=backend, workers=2, mp_context=ctx)
                times[key].append(time.perf_counter() - t0)
        best = {k: min(v) for k, v in times.items()}
        out.append({"shocks": size, "wall_seconds": times, "min_wall_seconds": best,
                    "speedup": {k: best["serial"] / best[k] for k in best}})
    return out


def table(rec: dict) -> str:
    """The markdown block that goes between the pool markers."""
    rows = [f"| {r['shocks']} | {r['min_wall_seconds']['serial']:.2f} "
            f"| {r['min_wall_seconds']['fork']:.2f} ({r['speedup']['fork']:.2f}×) "
            f"| {r['min_wall_seconds']['forkserver']:.2f} ({r['speedup']['forkserver']:.2f}×) |"
            for r in rec["batches"]]
    c, m = rec["contention"], rec["machine"]
    return ("| cut-off shocks on `default` | serial s | processes, fork s (vs serial) "
            "| processes, forkserver s (vs serial) |\n|---:|---:|---:|---:|\n" + "\n".join(rows)
            + f"\n\nControls, same run: a pure-Python loop runs {rec['control_speedup']:.2f}× faster "
            f"on a 2-process pool; {c['shocks']} cut-off solves take {c['alone_s']:.2f} s in one "
            f"process alone and {min(c['two_at_once_s']):.2f}–{max(c['two_at_once_s']):.2f} s in "
            f"each of two processes at once ({c['slowdown']:.2f}× slower). Minimum wall time of "
            f"{rec['repeat']} alternated repeats; {m['cores']} cores; {m['date']}; load average "
            f"{m['load_start']:.1f} at the start, {m['load_end']:.1f} at the end.\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="40,160,640")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--alone", type=int, help=argparse.SUPPRESS)   # one contention process
    ap.add_argument("--at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.alone:
        print(alone(args.alone, args.at))
        return
    load0 = os.getloadavg()[0]
    rec = {"batches": batches([int(s) for s in args.sizes.split(",")], args.repeat),
           "control_speedup": control_speedup(), "contention": contention(),
           "repeat": args.repeat}
    rec["machine"] = {"cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "load_start": load0, "load_end": os.getloadavg()[0]}
    (HERE / "results_pool.json").write_text(json.dumps(rec, indent=2) + "\n")
    text = table(rec)
    print(text)
    if not args.no_docs:
        write_doc(text, START, END)

if __name__ == "__main__":
    main()
