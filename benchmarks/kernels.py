"""Compiled kernels vs the plain-NumPy step, Newton vs fixed-point wages, scaling, draws.

Called by ``measure.py`` (kinds ``kernels``, ``scaling``, ``draws``), each in a fresh process.
Timings alternate the variants repeat by repeat in one process (so machine load hits all of
them alike) and keep the minimum, on the wall clock and on this thread's CPU clock (which
excludes time the scheduler gave to other jobs). BLAS is held to one thread by ``run.py``.
"""

from __future__ import annotations

import os
import time

import cases
import numpy as np

#: (label, kernels, method): the fused engine, the same algorithm in NumPy, and both with the
#: fixed-point wage loop (the engine before Newton steps on wages).
VARIANTS = (("fused, Newton", "numba", "auto"), ("NumPy, Newton", "numpy", "auto"),
            ("fused, fixed point", "numba", "anderson"), ("NumPy, fixed point", "numpy", "anderson"))


def engine_baseline(n: int, j: int, seed: int = 0):
    """A re-solved engine baseline of any size without a dense (N·J)² solve.

    Shares are drawn as in ``tradeshock.synthetic.random_world`` (home bias, IO links, tariffs,
    a quarter of sectors non-tradable), expenditure X from country size, and w L, D are the
    value added and trade deficits those flows imply; like real data this is not an exact
    equilibrium, so it is re-solved with no shock (as ``simulate`` does) and that is the
    baseline. ``random_world`` itself needs an (N·J)² LU, out of reach at 160 × 60.
    """
    from tradeshock.model import Baseline, solve

    rng = np.random.default_rng(seed)
    tradable = np.arange(j) < j - j // 4
    theta = rng.uniform(2.0, 12.0, size=j)
    va = rng.uniform(0.35, 0.65, size=(n, j))
    mix = rng.gamma(0.6, size=(n, j, j)) + 2.0 * np.eye(j)[None] * rng.uniform(0.2, 1.0, (n, 1, j))
    mix /= mix.sum(axis=1, keepdims=True)
    io = mix * (1.0 - va)[:, None, :]
    alpha = rng.gamma(1.5, size=(n, j)) + 0.05
    alpha /= alpha.sum(axis=1, keepdims=True)
    loc = rng.uniform(0.0, 1.0, size=(n, 2))
    dist = np.sqrt(((loc[:, None, :] - loc[None, :, :]) ** 2).sum(-1)) + 0.1
    size = rng.lognormal(0.0, 1.0, size=n)
    weight = size[None, :, None] * rng.lognormal(0.0, 0.5, size=(n, j))[None] / dist[:, :, None]
    weight[np.arange(n), np.arange(n), :] = 0.0
    weight /= weight.sum(axis=1, keepdims=True)
    home = rng.uniform(0.55, 0.92, size=(n, j))
    home[:, ~tradable] = 1.0
    pi = weight * (1.0 - home)[:, None, :]
    pi[np.arange(n), np.arange(n), :] = home
    tau = rng.uniform(0.0, 0.12, size=(n, n, j)) * (rng.uniform(size=(n, n)) >= 0.2)[:, :, None]
    tau[:, :, ~tradable] = 0.0
    tau[np.arange(n), np.arange(n), :] = 0.0
    X = 1e5 * size[:, None] * alpha * (1.0 + rng.uniform(0.5, 1.5, size=(n, j)))
    flows = pi * X[:, None, :] / (1.0 + tau)
    tot = flows.sum(axis=2)
    dom = np.diag(tot)
    deficit = (tot.sum(axis=1) - dom) - (tot.sum(axis=0) - dom)
    raw = Baseline(pi=pi, X=X, tariffs=tau, va_share=va, io_share=io, final_share=alpha,
                   theta=theta, value_added=(va * flows.sum(axis=0)).sum(axis=1), deficit=deficit)
    return raw.rebased(solve(raw, kernels="numba"))


def problem(name: str, folder):
    """(baseline, τ', d̂) of a benchmark case, or of ``engine:N:J`` (country 0 +25 points)."""
    if name.startswith("engine:"):
        _, n, j = name.split(":")
        base = engine_baseline(int(n), int(j))
        tau = np.array(base.tariffs, copy=True)
        tau[0, 1:, :] += 0.25
        return base, tau, np.ones_like(tau)
    from tradeshock.simulate import resolved_baseline

    case = next(c for c in cases.CASES if c.name == name)
    world = case.load(folder)
    shock = case.shock(world)
    base, _ = resolved_baseline(world, case.deficits)
    return base, np.asarray(shock.tariffs), np.asarray(shock.trade_cost_hat)


def time_variants(base, tau, dhat, repeat: int, variants=VARIANTS) -> dict:
    """Min wall and CPU seconds of each variant (alternating), iterations, first-call costs."""
    from tradeshock.model import solve

    out = {}
    for label, kern, method in variants:                      # first calls: compile-cache load,
        t0, c0 = time.perf_counter(), time.thread_time()      # the wage Jacobian (Newton)
        eq = solve(base, tau, dhat, base.deficit, kernels=kern, method=method)
        out[label] = {"kernels": kern, "method": method, "first_s": time.perf_counter() - t0,
                      "first_cpu_s": time.thread_time() - c0, "iterations": eq.iterations,
                      "inner_iterations": eq.inner_iterations, "wall": [], "cpu": [],
                      "w_hat": eq.w_hat}
    for _ in range(repeat):
        for label, kern, method in variants:
            t0, c0 = time.perf_counter(), time.thread_time()
            solve(base, tau, dhat, base.deficit, kernels=kern, method=method)
            out[label]["wall"].append(time.perf_counter() - t0)
            out[label]["cpu"].append(time.thread_time() - c0)
    ref = out[variants[-1][0]]["w_hat"]
    for rec in out.values():
        rec["seconds"], rec["cpu_seconds"] = min(rec["wall"]), min(rec["cpu"])
        rec["max_rel_diff_w"] = float(np.max(np.abs(rec.pop("w_hat") / ref - 1.0)))
    return out


def kernels_case(name: str, folder, repeat: int = 7) -> dict:
    base, tau, dhat = problem(name, folder)
    n, _, j = base.pi.shape
    return {"kind": "kernels", "case": name, "size": [n, j], "repeat": repeat,
            "variants": time_variants(base, tau, dhat, repeat), "load_average": list(os.getloadavg())}


SCALING_N = (10, 20, 40, 80, 160)
SCALING_J = (10, 20, 40, 60)


def scaling(repeat: int = 3) -> dict:
    """Solve time of the fused engine and the NumPy path over N (J = 20) and J (N = 40)."""
    sizes = sorted({(n, 20) for n in SCALING_N} | {(40, j) for j in SCALING_J})
    rows = []
    for n, j in sizes:
        base, tau, dhat = problem(f"engine:{n}:{j}", None)
        rec = time_variants(base, tau, dhat, repeat, VARIANTS[:2])
        rows.append({"n": n, "j": j, **{k: {"seconds": v["seconds"], "cpu_seconds": v["cpu_seconds"],
                                            "iterations": v["iterations"]}
                                        for k, v in rec.items()}})
    fits = {}
    for label in (VARIANTS[0][0], VARIANTS[1][0]):
        t = np.array([r[label]["cpu_seconds"] for r in rows])
        a = np.column_stack([np.ones(len(rows)), np.log([r["n"] for r in rows]),
                             np.log([r["j"] for r in rows])])
        coef, *_ = np.linalg.lstsq(a, np.log(t), rcond=None)
        fits[label] = {"c": float(np.exp(coef[0])), "n_exp": float(coef[1]), "j_exp": float(coef[2])}
    return {"kind": "scaling", "rows": rows, "fits": fits, "load_average": list(os.getloadavg())}


def draws(n_draws: int = 1000, workers: int = 2, sd: float = 0.2) -> dict:
    """``parallel.solve_draws`` on ``default`` (US 25% on CAN, MEX): θ_d = θ·lognormal(0, sd)."""
    from tradeshock.parallel import solve_draws
    from tradeshock.world import load_world

    world = load_world("default")
    shock = cases._us25(world)
    rng = np.random.default_rng(0)
    thetas = np.asarray(world.theta)[None, :] * rng.lognormal(0.0, sd, (n_draws, world.n_sectors))
    t0 = time.perf_counter()
    got = solve_draws(world, shock, thetas, workers=workers)
    seconds = time.perf_counter() - t0
    it = np.array([d.iterations for d in got])
    can = world.country_index("CAN")
    ri = np.array([d.real_income[can] for d in got]) * 100
    return {"kind": "draws", "n": n_draws, "workers": workers, "seconds": seconds,
            "per_draw_solve_s": float(np.mean([d.seconds for d in got])),
            "iterations_mean": it.mean(axis=0).tolist(), "max_residual": max(d.residual for d in got),
            "can_real_income_pct": [float(np.percentile(ri, q)) for q in (5, 50, 95)],
            "load_average": list(os.getloadavg())}
