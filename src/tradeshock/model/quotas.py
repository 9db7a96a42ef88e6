"""Tariff-rate quotas that bind on counterfactual volumes: the premium fixed point, on plain arrays.

A tariff-rate quota charges ``in_rate`` on imports up to the quota volume and ``over_rate``
beyond it. Which rate is marginal depends on the counterfactual volume, which depends on the
rate, so :func:`solve_quotas` solves for it:

1. solve with every quota at its in-quota rate;
2. the quota products' counterfactual volume is ``baseline_volume × q̂``, with q̂ the quantity
   index of the covered importer–exporter–sector flow, ``(X'_ni^j / X_ni^j) / ĉ_i^j`` (flows at
   producer prices over the exporter's producer-price change): the quota products are assumed to
   move with their sector;
3. if that volume exceeds the quota, the quota binds: the premium ``p ∈ [0, over − in]`` that
   brings the volume down to the quota is found by ``scipy.optimize.brentq``, each evaluation a
   full solve with the sector tariff raised by ``s · p`` (``s`` = the covered share of the sector
   flow); if even the over-quota rate leaves the volume above the quota, the over-quota rate is
   marginal (``p = over − in``) and the quota is filled;
4. several quotas are solved one after another, each given the others' premia (Gauss–Seidel),
   until no premium moves by more than ``xtol`` (at most ``max_rounds`` rounds).

Everything here is indices and arrays (no labels, no pandas); :mod:`tradeshock.quotas` maps the
labelled :class:`~tradeshock.shock.Quota` records onto :class:`QuotaSpec` and reports the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from tradeshock.errors import ConvergenceError
from tradeshock.model import equations as eqs
from tradeshock.model.baseline import Baseline
from tradeshock.model.solver import Equilibrium, solve

__all__ = ["QuotaSpec", "QuotaSolution", "solve_quotas", "quota_volume", "covered_value"]


@dataclass(frozen=True, eq=False)
class QuotaSpec:
    """One quota on arrays: covered cells ``(n, i, j)`` with shares, rates and volumes."""

    cells: tuple[tuple[int, int, int, float], ...]
    in_rate: float
    over_rate: float
    compiled_rate: float
    baseline_volume: float
    volume: float

    @property
    def headroom(self) -> float:
        """The largest premium: over-quota minus in-quota rate."""
        return self.over_rate - self.in_rate


@dataclass(frozen=True, eq=False)
class QuotaSolution:
    """The equilibrium at the quota fixed point, the premia and the tariffs that include them."""

    equilibrium: Equilibrium
    premia: np.ndarray
    tariffs: np.ndarray
    rounds: int


def covered_value(spec: QuotaSpec, flows: np.ndarray) -> float:
    """Value of the flows a quota covers: Σ share × flow over its cells."""
    return float(sum(s * flows[n, i, j] for n, i, j, s in spec.cells))


def quota_volume(spec: QuotaSpec, flows_base: np.ndarray, flows_cf: np.ndarray, c_hat: np.ndarray) -> float:
    """Counterfactual volume of a quota: baseline volume × the covered flow's quantity index.

    The quantity index of a cell is (counterfactual / baseline flow at producer prices) over the
    exporter's producer-price change ĉ; several cells are weighted by baseline covered value.
    """
    num = den = 0.0
    for n, i, j, s in spec.cells:
        base = s * flows_base[n, i, j]
        qhat = (flows_cf[n, i, j] / flows_base[n, i, j]) / c_hat[i, j]
        num += base * qhat
        den += base
    return spec.baseline_volume * (num / den if den > 0 else 1.0)


def _with_premia(t0: np.ndarray, specs: Sequence[QuotaSpec], prem: np.ndarray) -> np.ndarray:
    t = t0.copy()
    for k, spec in enumerate(specs):
        for n, i, j, s in spec.cells:
            t[n, i, j] += s * prem[k]
    return t


def in_quota_tariffs(tariffs: np.ndarray, specs: Sequence[QuotaSpec]) -> np.ndarray:
    """The tariffs with every quota at its in-quota rate (undoing the static compiled choice)."""
    t0 = np.array(tariffs, dtype=float)
    for spec in specs:
        for n, i, j, s in spec.cells:
            t0[n, i, j] -= s * (spec.compiled_rate - spec.in_rate)
    return t0


def solve_quotas(base: Baseline, tariffs: np.ndarray, trade_cost_hat: np.ndarray, deficit: np.ndarray,
                 specs: Sequence[QuotaSpec], *, tol: float = 1e-10, max_iter: int = 1000,
                 xtol: float = 1e-10, max_rounds: int = 20,
                 labels: tuple[Sequence[str], Sequence[str]] | None = None,
                 names: Sequence[str] = ()) -> QuotaSolution:
    """Solve the equilibrium with ``specs`` binding on counterfactual volumes (module docstring).

    ``tariffs`` are the compiled τ' (each quota at its ``compiled_rate``); ``names`` label the
    quotas in the error message.

    Raises
    ------
    ConvergenceError
        The premia of several quotas still move after ``max_rounds`` rounds (or a solve fails).
    """
    t0 = in_quota_tariffs(tariffs, specs)
    flows_base = base.flows

    def run(prem: np.ndarray, start: Equilibrium | None = None) -> Equilibrium:
        # trial premia start from the last trial's solution, solved 100x tighter so that the
        # root brentq finds does not depend on the path; the premia found are then solved cold
        return solve(base, _with_premia(t0, specs, prem), trade_cost_hat, deficit,
                     tol=tol if start is None else 1e-2 * tol, max_iter=max_iter, labels=labels,
                     start=start)

    def volume(eq: Equilibrium, spec: QuotaSpec) -> float:
        cf = eqs.flows(eq.pi_new, eq.X_new, eq.tariffs_new)
        return quota_volume(spec, flows_base, cf, eq.c_hat)

    prem = np.zeros(len(specs))
    eq = run(prem)
    last: dict[str, Equilibrium] = {"eq": eq}
    rounds = 0
    moved = 0.0
    for rounds in range(1, max_rounds + 1):  # noqa: B007
        moved = 0.0
        for k, spec in enumerate(specs):
            hi = spec.headroom

            def excess(p: float, k: int = k, spec: QuotaSpec = spec) -> float:
                trial = prem.copy()
                trial[k] = p
                last["eq"] = run(trial, last["eq"])
                return volume(last["eq"], spec) - spec.volume

            f0 = volume(eq, spec) - spec.volume if prem[k] == 0 else excess(0.0)
            if f0 <= 0 or hi <= 0:
                new = 0.0
            elif excess(hi) >= 0:
                new = hi
            else:
                new = float(brentq(excess, 0.0, hi, xtol=xtol))
            moved = max(moved, abs(new - prem[k]))
            prem[k] = new
        eq = run(prem)
        if len(specs) <= 1 or moved <= xtol:
            break
    else:
        raise ConvergenceError(f"quota premia still moving by {moved:.2e} after {max_rounds} rounds "
                               f"({', '.join(names)}); raise max_rounds")
    return QuotaSolution(equilibrium=eq, premia=prem, tariffs=_with_premia(t0, specs, prem), rounds=rounds)
