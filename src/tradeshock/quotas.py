"""Tariff-rate quotas that bind on counterfactual volumes: the quota premium as a fixed point.

A tariff-rate quota charges ``in_rate`` on imports up to the quota volume and ``over_rate``
beyond it. Which rate is marginal depends on the counterfactual volume, which depends on the
rate, so :func:`solve_with_quotas` solves for it:

1. solve with every quota at its in-quota rate;
2. the quota products' counterfactual volume is ``baseline_volume × q̂``, with q̂ the quantity
   index of the covered importer–exporter–sector flow, ``(X'_ni^j / X_ni^j) / ĉ_i^j`` (flows at
   producer prices over the exporter's producer-price change): the quota products are assumed to
   move with their sector;
3. if that volume exceeds the quota, the quota binds: the premium ``p ∈ [0, over − in]`` that
   brings the volume down to the quota is found by ``scipy.optimize.brentq``, each evaluation a
   full solve with the sector tariff raised by ``s · p`` (``s`` = the covered share of the sector
   flow, cited value / flow); if even the over-quota rate leaves the volume above the quota, the
   over-quota rate is marginal (``p = over − in``) and the quota is filled;
4. several quotas are solved one after another, each given the others' premia (Gauss–Seidel),
   until no premium moves by more than ``xtol`` (at most ``max_rounds`` rounds).

The premium is a tariff-equivalent: the rent ``p × (value of in-quota imports at counterfactual
producer prices)`` goes to the importing country (licences held by its importers), so it is
already inside the importer's tariff revenue and real income in the :class:`Result`; it is listed
in ``result.meta["quotas"]`` for reporting, not added again.
"""

from __future__ import annotations

import copy

import numpy as np
from scipy.optimize import brentq

from tradeshock.errors import ConvergenceError

__all__ = ["solve_with_quotas", "quota_volume"]

#: How the premium is recorded in ``Result.meta["quotas_note"]``.
NOTE = ("tariff-rate quotas solved on counterfactual volumes (tradeshock.quotas): premium = the "
        "tariff-equivalent above the in-quota rate that holds the volume at the quota (0 if the "
        "quota is slack, over - in if imports exceed it even at the over-quota rate); rent = "
        "premium x in-quota imports at counterfactual producer prices (US$ million, numeraire "
        "units), accruing to the importer and already inside its tariff revenue and real income")


def _cells(world, q: dict) -> list[tuple[int, int, int, float]]:
    n, i = world.countries.index(q["importer"]), world.countries.index(q["exporter"])
    return [(n, i, world.sectors.index(s), float(share)) for s, share in q["cells"]]


def _covered(res, cells, cf: bool) -> float:
    flows = res.flows_cf if cf else res.flows_base
    return float(sum(s * flows[n, i, j] for n, i, j, s in cells))


def quota_volume(res, q: dict) -> float:
    """Counterfactual volume of quota ``q`` in ``res``: baseline volume × the flow's quantity index.

    The quantity index of a cell is (counterfactual / baseline flow at producer prices) over the
    exporter's producer-price change ĉ; several cells are weighted by baseline covered value.
    """
    cells = _cells(res.world, q)
    num = den = 0.0
    for n, i, j, s in cells:
        base = s * res.flows_base[n, i, j]
        qhat = (res.flows_cf[n, i, j] / res.flows_base[n, i, j]) / res.c_hat[i, j]
        num += base * qhat
        den += base
    return q["baseline_volume"] * (num / den if den > 0 else 1.0)


def _tariffs(t0: np.ndarray, cells: list, prem: np.ndarray) -> np.ndarray:
    t = t0.copy()
    for k, cs in enumerate(cells):
        for n, i, j, s in cs:
            t[n, i, j] += s * prem[k]
    return t


def solve_with_quotas(world, shock, *, deficits: str = "fixed", tol: float = 1e-10,
                      max_iter: int = 1000, xtol: float = 1e-10, max_rounds: int = 20):
    """Solve ``shock`` with its ``shock.quotas`` binding on counterfactual volumes (module docstring).

    Returns the :class:`~tradeshock.result.Result` at the fixed point; its ``shock`` carries the
    applied tariffs with the premia, and ``meta["quotas"]`` one record per quota: ``premium``,
    ``marginal_rate`` (in + premium), ``status`` (slack / binding / over-quota), ``volume``,
    ``quota``, ``fill`` (in-quota volume / quota) and ``rent``.

    Raises
    ------
    ConvergenceError
        The premia of several quotas still move after ``max_rounds`` rounds.
    """
    from tradeshock.simulate import simulate

    quotas = list(getattr(shock, "quotas", None) or [])
    cells = [_cells(world, q) for q in quotas]
    # tariffs with every quota at its in-quota rate (the compiled tariffs hold the static choice)
    t0 = np.array(shock.tariffs, dtype=float)
    for q, cs in zip(quotas, cells, strict=True):
        for n, i, j, s in cs:
            t0[n, i, j] -= s * (q["compiled_rate"] - q["in_rate"])

    solved = {(q["measure"], q["importer"], q["exporter"]) for q in quotas}

    def run(prem: np.ndarray):
        trial = copy.copy(shock)
        trial.tariffs = _tariffs(t0, cells, prem)
        trial.quotas = []
        # the static (baseline-volume) rent of these quotas is replaced by meta["quotas"]
        trial.quota_rents = [x for x in getattr(shock, "quota_rents", None) or []
                             if (x["measure"], x["importer"], x["exporter"]) not in solved]
        trial.log = list(shock.log) + [{"verb": "quota_premia", "label": "quota premia",
                                        "premia": {q["measure"]: float(p)
                                                   for q, p in zip(quotas, prem, strict=True)}}]
        return simulate(world, trial, deficits, tol=tol, max_iter=max_iter)

    prem = np.zeros(len(quotas))
    res = run(prem)
    rounds = 0
    for rounds in range(1, max_rounds + 1):  # noqa: B007
        moved = 0.0
        for k, q in enumerate(quotas):
            hi = q["over_rate"] - q["in_rate"]

            def excess(p: float, k: int = k, q: dict = q) -> float:
                trial = prem.copy()
                trial[k] = p
                return quota_volume(run(trial), q) - q["volume"]

            f0 = quota_volume(res, q) - q["volume"] if prem[k] == 0 else excess(0.0)
            if f0 <= 0 or hi <= 0:
                new = 0.0
            elif excess(hi) >= 0:
                new = hi
            else:
                new = float(brentq(excess, 0.0, hi, xtol=xtol))
            moved = max(moved, abs(new - prem[k]))
            prem[k] = new
        res = run(prem)
        if len(quotas) <= 1 or moved <= xtol:
            break
    else:
        raise ConvergenceError(f"quota premia still moving by {moved:.2e} after {max_rounds} rounds "
                               f"({', '.join(q['measure'] for q in quotas)}); raise max_rounds")

    records = []
    for k, q in enumerate(quotas):
        vol = quota_volume(res, q)
        hi = q["over_rate"] - q["in_rate"]
        status = "slack" if prem[k] == 0 else ("over-quota" if prem[k] >= hi else "binding")
        in_quota = min(vol, q["volume"])
        covered = _covered(res, cells[k], cf=True)
        rent = prem[k] * covered * (in_quota / vol if vol > 0 else 0.0)
        records.append({
            "measure": q["measure"], "importer": q["importer"], "exporter": q["exporter"],
            "sectors": [s for s, _ in q["cells"]], "share": [float(x) for _, x in q["cells"]],
            "in_rate": q["in_rate"], "over_rate": q["over_rate"], "premium": float(prem[k]),
            "marginal_rate": float(q["in_rate"] + prem[k]), "status": status,
            "volume": float(vol), "quota": q["volume"], "baseline_volume": q["baseline_volume"],
            "unit": q["unit"], "fill": float(in_quota / q["volume"]) if q["volume"] > 0 else 1.0,
            "covered_value": covered, "rent": float(rent), "rounds": rounds})
    res.meta["quotas"] = records
    res.meta["quotas_note"] = NOTE
    return res
