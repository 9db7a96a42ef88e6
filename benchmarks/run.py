"""Benchmark the engine against the reference algorithm and time batch solving: ``make bench``.

One command, one table. Every (problem, solver) pair runs in its own fresh subprocess
(``measure.py``) so that its peak memory is its own; this script collects the records, prints
the table, saves ``benchmarks/results.json`` and rewrites the table in ``docs/performance.md``
(between the ``bench:start`` / ``bench:end`` markers).

Usage: ``python benchmarks/run.py [--cases a,b] [--no-reference a,b] [--batch 40] [--no-docs]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
KSTART, KEND = "<!-- kernels:start -->", "<!-- kernels:end -->"


def machine() -> dict:
    """CPU, cores, memory, Python/NumPy/SciPy versions, BLAS and load at the time of the run."""
    import numpy as np
    import scipy

    info = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "cores": os.cpu_count(), "platform": platform.platform(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        cpu = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
               if ln.startswith("model name")]
        info["cpu"] = cpu[0] if cpu else platform.processor()
        mem = [ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")]
        info["memory_gb"] = round(int(mem[0].split()[1]) / 1024**2, 1)
    except OSError:
        info["cpu"] = platform.processor()
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - informative only
        info["blas"] = "unknown"
    info["load_start"] = list(os.getloadavg())
    return info


def measure(*args: str, timeout: float = 3600, one_thread: bool = False) -> dict:
    """Run ``measure.py`` with ``args`` in a fresh interpreter; return its JSON record.

    ``one_thread``: BLAS and Numba limited to one thread per process (the kernel timings).
    """
    cmd = [sys.executable, str(HERE / "measure.py"), *args]
    env = dict(os.environ)
    if one_thread:
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   NUMBA_NUM_THREADS="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rel_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x / y - 1.0) for x, y in zip(a, b, strict=True))


def table(records: dict, batch: dict | None, info: dict) -> str:
    """The markdown table (plus the batch table and the machine line)."""
    rows = ["| problem | engine s | target s | engine iter. | reference s | ref. iter. | speed-up "
            "| engine peak MB | ref. peak MB | max rel. diff ŵ | baseline re-solve s (engine / ref.) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for case in cases.CASES:
        rec = records.get(case.name)
        if rec is None:
            continue
        e, r = rec["engine"], rec.get("reference")
        tgt = "" if case.target_seconds is None else f"{case.target_seconds:g}"
        if case.target_mb is not None:
            tgt += f" / {case.target_mb:g} MB"
        ok = "" if case.target_seconds is None else (" ✓" if e["seconds"] <= case.target_seconds
                                                      else " ✗")
        cells = [case.title, f"{e['seconds']:.3f}{ok}", tgt, f"{e['iterations']}"]
        if r is not None:
            cells += [f"{r['seconds']:.2f}", f"{r['iterations']}", f"{r['seconds'] / e['seconds']:.0f}×",
                      f"{e['peak_mb']:.0f}", f"{r['peak_mb']:.0f}",
                      f"{_rel_diff(e['w_hat'], r['w_hat']):.1e}",
                      f"{e['baseline_seconds']:.2f} / {r['baseline_seconds']:.1f}"]
        else:
            cells += ["—", "—", "—", f"{e['peak_mb']:.0f}", "—", "—", f"{e['baseline_seconds']:.2f} / —"]
        rows.append("| " + " | ".join(cells) + " |")
    out = "\n".join(rows) + "\n"
    if batch is not None:
        s = batch["serial"]
        out += ("\n| batch: `solve_many`, " + batch["case"] + f" ({batch['workers']} workers) "
                "| serial s | processes s | dask, cold s | dask, warm s | speed-up processes "
                "| speed-up dask warm | max rel. diff ŵ vs serial | ideal speed-up now (control) |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                f"| mean {batch['iterations_mean']:.0f} outer iterations per solve | {s:.2f} "
                f"| {batch['processes']:.2f} | {batch['dask_cold']:.2f} | {batch['dask_warm']:.2f} "
                f"| {s / batch['processes']:.2f}× | {s / batch['dask_warm']:.2f}× "
                f"| {batch['max_diff_vs_serial']:.0e} | {batch['control_speedup']:.2f}× |\n")
    out += (f"\nMachine: {info.get('cpu')}, {info['cores']} cores, {info.get('memory_gb')} GB RAM; "
            f"Python {info['python']}, NumPy {info['numpy']}, SciPy {info['scipy']}, BLAS "
            f"{info['blas']}; {info['date_utc']}; load average at start "
            f"{info['load_start'][0]:.1f}, at end {info.get('load_end', [float('nan')])[0]:.1f}.\n")
    return out


KERNEL_TITLES = {"us25_default": "default 41 x 35, US 25% on CAN, MEX",
                 "nafta_cp1993": "cp1993 31 x 40, NAFTA (deficits zero)",
                 "synthetic_80x50": "synthetic 80 x 50, +25 pts",
                 "engine:160:60": "generated 160 x 60, +25 pts"}


def _earlier_references(records: dict) -> tuple[dict, str]:
    """Reference records of the last full run (``results.json``) for cases not run now."""
    path = HERE / "results.json"
    if not path.exists():
        return {}, ""
    saved = json.loads(path.read_text(encoding="utf-8"))
    refs = {k: v["reference"] for k, v in saved.get("cases", {}).items()
            if k not in records and v.get("reference")}
    return refs, saved.get("machine", {}).get("date_utc", "")


def kernel_table(recs: list[dict], records: dict, scaling: dict | None, draws: dict | None) -> str:
    """Fused vs NumPy engine paths, Newton vs fixed point, the textbook reference; fit; draws."""
    import kernels

    labels = [v[0] for v in kernels.VARIANTS]
    earlier, earlier_date = _earlier_references(records)
    out = ("| problem (one thread; min of repeats, CPU s / wall s) | "
           + " | ".join(labels) + " | fused vs NumPy (Newton) | fused Newton vs NumPy fixed point "
           "| textbook reference s | outer iter. (fused Newton / fixed point / textbook) "
           "| first solve s (wage Jacobian) | max rel. diff ŵ |\n"
           "|---|" + "---:|" * (len(labels) + 6) + "\n")
    for r in recs:
        v = r["variants"]
        cells = [KERNEL_TITLES.get(r["case"], r["case"])]
        cells += [f"{v[k]['cpu_seconds'] * 1e3:.1f} ms / {v[k]['seconds'] * 1e3:.1f} ms" for k in labels]
        cells.append(f"{v[labels[1]]['cpu_seconds'] / v[labels[0]]['cpu_seconds']:.1f}×")
        cells.append(f"{v[labels[3]]['cpu_seconds'] / v[labels[0]]['cpu_seconds']:.1f}×")
        ref = records.get(r["case"], {}).get("reference")
        mark = ""
        if ref is None and r["case"] in earlier:           # --only-kernels: the last full run's
            ref, mark = earlier[r["case"]], "†"
        cells.append(f"{ref['seconds']:.2f}{mark}" if ref else "— (dense (N·J)² LU infeasible)"
                     if r["case"].startswith("engine") else "—")
        cells.append(f"{v[labels[0]]['iterations']} / {v[labels[2]]['iterations']} / "
                     + (f"{ref['iterations']}" if ref else "—"))
        cells.append(f"{v[labels[0]]['first_s']:.3f}")
        cells.append(f"{max(x['max_rel_diff_w'] for x in v.values()):.1e}")
        out += "| " + " | ".join(cells) + " |\n"
    if any(r["case"] in earlier for r in recs):
        out += (f"\n† textbook reference from the last full run ({earlier_date}, "
                "`benchmarks/results.json`); this run timed the engine variants only.\n")
    if scaling is not None:
        out += ("\n| N × J | " + " | ".join(f"{x['n']}×{x['j']}" for x in scaling["rows"]) + " |\n|---|"
                + "---:|" * len(scaling["rows"]) + "\n")
        for k in labels[:2]:
            out += (f"| {k} CPU ms | "
                    + " | ".join(f"{x[k]['cpu_seconds'] * 1e3:.1f}" for x in scaling["rows"]) + " |\n")
        out += ("| outer iter. (fused) | "
                + " | ".join(str(x[labels[0]]["iterations"]) for x in scaling["rows"]) + " |\n")
        for k, f in scaling["fits"].items():
            out += (f"\nScaling fit, {k}: t ≈ {f['c']:.2e} s · N^{f['n_exp']:.2f} · J^{f['j_exp']:.2f} "
                    "(least squares on log CPU time).")
        out += "\n"
    if draws is not None:
        lo, mid, hi = draws["can_real_income_pct"]
        out += (f"\nElasticity draws (`parallel.solve_draws`, default, US 25% on CAN and MEX, "
                f"θ·lognormal(0, 0.2)): {draws['n']} draws with re-solved baselines on "
                f"{draws['workers']} worker processes in **{draws['seconds']:.1f} s** (target 60 s); "
                f"{draws['per_draw_solve_s'] * 1e3:.0f} ms per draw in a worker (both solves), mean "
                f"outer iterations {draws['iterations_mean'][0]:.1f} (baseline) and "
                f"{draws['iterations_mean'][1]:.1f} (counterfactual), max residual "
                f"{draws['max_residual']:.1e}; Canada's real income 5/50/95%: {lo:.3f} / {mid:.3f} / "
                f"{hi:.3f}%. Load average at the end {draws['load_average'][0]:.1f}.\n")
    return out


def write_doc(text: str, start: str = START, end: str = END) -> None:
    """Replace the table between the markers in docs/performance.md (create the file if needed)."""
    block = f"{start}\n{text}{end}"
    if DOC.exists():
        doc = DOC.read_text(encoding="utf-8")
        if start in doc and end in doc:
            head, rest = doc.split(start, 1)
            tail = rest.split(end, 1)[1]
            DOC.write_text(head + block + tail, encoding="utf-8")
            return
        DOC.write_text(doc.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")
        return
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(f"# Performance\n\nReproduce with `make bench`.\n\n{block}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(c.name for c in cases.CASES))
    ap.add_argument("--no-reference", default="", help="cases to time without the reference")
    ap.add_argument("--batch", type=int, default=40, help="cut-off shocks in the batch (0: skip)")
    ap.add_argument("--repeat", type=int, default=5, help="engine solves per case (best is kept)")
    ap.add_argument("--kernels", default="us25_default,nafta_cp1993,synthetic_80x50,engine:160:60",
                    help="cases for the fused-vs-NumPy table ('' to skip)")
    ap.add_argument("--kernel-repeat", type=int, default=7)
    ap.add_argument("--scaling", type=int, default=3, help="repeats of the scaling grid (0: skip)")
    ap.add_argument("--draws", type=int, default=1000, help="elasticity draws (0: skip)")
    ap.add_argument("--only-kernels", action="store_true",
                    help="skip the engine/reference/batch table (keep it in the docs)")
    ap.add_argument("--no-docs", action="store_true",
                    help="do not rewrite docs/performance.md and results.json")
    args = ap.parse_args(argv)
    wanted = [c for c in args.cases.split(",") if c]
    skip_ref = {c for c in args.no_reference.split(",") if c}

    info = machine()
    folder = Path(tempfile.mkdtemp(prefix="tradeshock-bench-"))
    records: dict = {}
    batch = None
    kern_recs, scaling, draws = [], None, None
    if args.only_kernels:
        wanted, args.batch = [], 0
    try:
        measure("prepare", str(folder))                # in a subprocess: keeps this one small
        for name in [c for c in args.kernels.split(",") if c]:
            print(f"[bench] {name}: fused vs NumPy kernels ...", flush=True)
            kern_recs.append(measure("kernels", name, str(folder), str(args.kernel_repeat),
                                     one_thread=True))
        if args.scaling:
            print("[bench] scaling grid ...", flush=True)
            scaling = measure("scaling", str(args.scaling), one_thread=True)
        if args.draws:
            print(f"[bench] {args.draws} elasticity draws on 2 workers ...", flush=True)
            draws = measure("draws", str(args.draws), "2", one_thread=True)
        for name in wanted:
            print(f"[bench] {name}: engine ...", flush=True)
            records[name] = {"engine": measure("engine", name, str(folder), str(args.repeat))}
            if name not in skip_ref:
                print(f"[bench] {name}: reference ...", flush=True)
                records[name]["reference"] = measure("reference", name, str(folder))
        if args.batch:
            print(f"[bench] batch of {args.batch} cut-off shocks: serial, processes, dask ...", flush=True)
            batch = measure("batch", str(args.batch))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    info["load_end"] = list(os.getloadavg())
    ktext = kernel_table(kern_recs, records, scaling, draws) if kern_recs or scaling or draws else ""
    ktext += (f"\nMachine: {info.get('cpu')}, {info['cores']} cores; {info['date_utc']}; load average "
              f"at start {info['load_start'][0]:.1f}, at end {info['load_end'][0]:.1f}.\n")
    print()
    print(ktext)
    if kern_recs or scaling or draws:
        (HERE / "results_kernels.json").write_text(
            json.dumps({"machine": info, "kernels": kern_recs, "scaling": scaling, "draws": draws},
                       indent=1) + "\n", encoding="utf-8")
        if not args.no_docs:
            write_doc(ktext, KSTART, KEND)
    if args.only_kernels:
        return 0
    text = table(records, batch, info)
    print(text)
    if not args.no_docs:
        (HERE / "results.json").write_text(json.dumps({"machine": info, "cases": records, "batch": batch},
                                                      indent=1) + "\n", encoding="utf-8")
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
