"""Welfare measures of a solved equilibrium: exact real income and the Caliendo–Parro decomposition.

All functions return fractions per country, (N,) (0.01 = +1%).

* :func:`real_income` — exact: Ŵ_n − 1 with Ŵ_n = Î_n / Π_j (P̂_n^j)^{α_n^j}.
* :func:`cp_decomposition` — the decomposition Caliendo & Parro (2015) report, evaluated once
  at baseline values with every "dln x" taken as x̂ − 1 (first order, as in the paper):
  terms of trade  (1/I_n) Σ_j Σ_i [E_ni^j dln c_n^j − M_ni^j dln c_i^j],
  volume of trade (1/I_n) Σ_j Σ_i τ_ni^j M_ni^j (dln M_ni^j − dln c_i^j),
  where M_ni^j are n's imports from i and E_ni^j = M_in^j n's exports to i (producer prices).
  It approximates the exact change only for small shocks.
"""

from __future__ import annotations

import numpy as np

from tradeshock.model.baseline import Baseline
from tradeshock.model.equations import flows
from tradeshock.model.solver import Equilibrium

__all__ = ["consumer_price", "real_income", "real_wage", "cp_decomposition"]


def consumer_price(base: Baseline, eq: Equilibrium) -> np.ndarray:
    """Change in the consumer price index Π_j (P̂_n^j)^{α_n^j} minus one, (N,)."""
    return np.exp((base.final_share * np.log(eq.P_hat)).sum(axis=1)) - 1.0


def real_income(base: Baseline, eq: Equilibrium) -> np.ndarray:
    """Exact welfare change Î_n / Π_j (P̂_n^j)^{α_n^j} − 1, (N,)."""
    return eq.I_new / base.income / (1.0 + consumer_price(base, eq)) - 1.0


def real_wage(base: Baseline, eq: Equilibrium) -> np.ndarray:
    """Real wage change ŵ_n / Π_j (P̂_n^j)^{α_n^j} − 1, (N,)."""
    return eq.w_hat / (1.0 + consumer_price(base, eq)) - 1.0


def cp_decomposition(base: Baseline, eq: Equilibrium) -> tuple[np.ndarray, np.ndarray]:
    """Caliendo–Parro terms-of-trade and volume-of-trade effects (first order), each (N,).

    Evaluated at the baseline's E, M, τ and I, with dln c = ĉ − 1 and dln M = M̂ − 1 (a flow
    stopped by an embargo has dln M = −1). Domestic terms cancel and are left out.
    """
    m0 = base.flows
    m1 = flows(eq.pi_new, eq.X_new, eq.tariffs_new)
    n = m0.shape[0]
    foreign = ~np.eye(n, dtype=bool)[:, :, None]
    m0 = np.where(foreign, m0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dlnM = np.where(m0 > 0, m1 / m0 - 1.0, 0.0)
    dlnc = eq.c_hat - 1.0                                               # (i, j)
    exports = m0.transpose(1, 0, 2)                                     # E[n, i, j] = M[i, n, j]
    tot = (np.einsum("nij,nj->n", exports, dlnc) - np.einsum("nij,ij->n", m0, dlnc))
    vot = np.einsum("nij,nij,nij->n", base.tariffs, m0, dlnM - dlnc[None, :, :])
    income = base.income
    return tot / income, vot / income
