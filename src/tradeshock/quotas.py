"""Tariff-rate quotas that bind on counterfactual volumes: the quota premium as a fixed point.

A tariff-rate quota charges ``in_rate`` on imports up to the quota volume and ``over_rate``
beyond it. Which rate is marginal depends on the counterfactual volume, which depends on the
rate, so the premium is a fixed point. The algorithm is in :mod:`tradeshock.model.quotas` (on
plain arrays); this module maps the labelled :class:`~tradeshock.shock.Quota` records of a
shock onto it (covered share of the sector flow = cited value / flow) and writes the report
records. The steps (in-quota solve, volume check, premium by ``brentq``, Gauss–Seidel over
several quotas) are documented once, in :mod:`tradeshock.model.quotas`.

The premium is a tariff-equivalent: the rent ``p × (value of in-quota imports at counterfactual
producer prices)`` goes to the importing country (licences held by its importers), so it is
already inside the importer's tariff revenue and real income in the :class:`Result`; it is listed
in ``result.meta["quotas"]`` for reporting, not added again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradeshock.model import Baseline, Equilibrium
from tradeshock.model import equations as eqs
from tradeshock.model.quotas import QuotaSpec, covered_value, solve_quotas
from tradeshock.model.quotas import quota_volume as _volume
from tradeshock.shock import Quota, Shock
from tradeshock.world import World

__all__ = ["solve_with_quotas", "quota_volume", "quota_spec", "NOTE"]

#: How the premium is recorded in ``Result.meta["quotas_note"]``.
NOTE = ("tariff-rate quotas solved on counterfactual volumes (tradeshock.quotas): premium = the "
        "tariff-equivalent above the in-quota rate that holds the volume at the quota (0 if the "
        "quota is slack, over - in if imports exceed it even at the over-quota rate); rent = "
        "premium x in-quota imports at counterfactual producer prices (US$ million, numeraire "
        "units), accruing to the importer and already inside its tariff revenue and real income")


def quota_spec(world: World, q: Quota) -> QuotaSpec:
    """The array form of quota ``q`` on ``world`` (labels to indices)."""
    n, i = world.countries.index(q.importer), world.countries.index(q.exporter)
    cells = tuple((n, i, world.sectors.index(s), float(share)) for s, share in q.cells)
    return QuotaSpec(cells=cells, in_rate=q.in_rate, over_rate=q.over_rate,
                     compiled_rate=q.compiled_rate, baseline_volume=q.baseline_volume, volume=q.volume)


def quota_volume(res, q: Quota) -> float:
    """Counterfactual volume of quota ``q`` in ``res`` (:func:`tradeshock.model.quotas.quota_volume`)."""
    return _volume(quota_spec(res.world, q), res.flows_base, res.flows_cf, res.c_hat)


def solve_with_quotas(world: World, shock: Shock, base: Baseline, *, tol: float = 1e-10,
                      max_iter: int = 1000, xtol: float = 1e-10, max_rounds: int = 20
                      ) -> tuple[Shock, Equilibrium, list[dict]]:
    """Solve ``shock`` with its ``shock.quotas`` binding on counterfactual volumes (module docstring).

    ``base`` is the re-solved baseline. Returns the applied shock (tariffs with the premia, no
    quotas left, the static rents of the solved quotas dropped, a ``quota_premia`` log entry),
    the equilibrium at the fixed point, and one record per quota: ``premium``,
    ``marginal_rate`` (in + premium), ``status`` (slack / binding / over-quota), ``volume``,
    ``quota``, ``fill`` (in-quota volume / quota) and ``rent``.

    Raises
    ------
    ConvergenceError
        The premia of several quotas still move after ``max_rounds`` rounds.
    """
    quotas: Sequence[Quota] = shock.quotas
    specs = [quota_spec(world, q) for q in quotas]
    sol = solve_quotas(base, np.asarray(shock.tariffs), np.asarray(shock.trade_cost_hat), base.deficit,
                       specs, tol=tol, max_iter=max_iter, xtol=xtol, max_rounds=max_rounds,
                       labels=(world.countries, world.sectors), names=[q.measure for q in quotas])
    prem = sol.premia
    solved = {q.key() for q in quotas}
    # the static (baseline-volume) rent of these quotas is replaced by the solved records
    applied = shock.replace(
        tariffs=sol.tariffs, quotas=(),
        quota_rents=tuple(r for r in shock.quota_rents if r.key() not in solved),
        log=shock.log + ({"verb": "quota_premia", "label": "quota premia",
                          "premia": {q.measure: float(p) for q, p in zip(quotas, prem, strict=True)}},))
    eq = sol.equilibrium
    flows_cf = eqs.flows(eq.pi_new, eq.X_new, eq.tariffs_new)
    records = []
    for k, (q, spec) in enumerate(zip(quotas, specs, strict=True)):
        vol = _volume(spec, base.flows, flows_cf, eq.c_hat)
        hi = spec.headroom
        status = "slack" if prem[k] == 0 else ("over-quota" if prem[k] >= hi else "binding")
        in_quota = min(vol, q.volume)
        covered = covered_value(spec, flows_cf)
        rent = prem[k] * covered * (in_quota / vol if vol > 0 else 0.0)
        records.append({
            "measure": q.measure, "importer": q.importer, "exporter": q.exporter,
            "sectors": [s for s, _ in q.cells], "share": [float(x) for _, x in q.cells],
            "in_rate": q.in_rate, "over_rate": q.over_rate, "premium": float(prem[k]),
            "marginal_rate": float(q.in_rate + prem[k]), "status": status,
            "volume": float(vol), "quota": q.volume, "baseline_volume": q.baseline_volume,
            "unit": q.unit, "fill": float(in_quota / q.volume) if q.volume > 0 else 1.0,
            "covered_value": covered, "rent": float(rent), "rounds": sol.rounds})
    return applied, eq, records
