"""Model settings, trade elasticities and convergence diagnostics."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tradeshock.report import tables

TITLE = "Model settings and convergence"


def render(result: Any, ctx: Any) -> str:
    """Deficit treatment, numéraire, solver diagnostics, and θ by sector."""
    meta = tables.as_dict(getattr(result, "meta", None))
    diag = tables.diagnostics_dict(result)
    w = result.world
    settings = [
        ("World", f"{w.name} (base year {w.year}; {w.n_countries} countries × {w.n_sectors} sectors)"),
        ("Model", "Caliendo–Parro (2015) multi-sector general equilibrium with input-output links "
                  "and tariff revenue, solved in changes (exact hat algebra)"),
        ("Deficits", str(getattr(result, "deficits", meta.get("deficits", "")))),
        ("Numéraire", str(meta.get("numeraire", "world value added fixed"))),
        ("Elasticity set", str((w.provenance or {}).get("elasticity_set", "as packaged"))),
    ]
    for k, v in meta.items():
        if k not in _SHOWN and _simple(v) and v is not None:
            settings.append((_NAMES.get(k, k), str(v)))
    s_df = pd.DataFrame(settings, columns=["setting", "value"])
    d_df = pd.DataFrame([(k, _fmt(v)) for k, v in diag.items() if _simple(v)],
                        columns=["diagnostic", "value"])
    theta = w.sector_table().reset_index()[["sector", "label", "tradable", "theta"]]
    html = ctx.table(s_df, caption="Model settings", unit="text")
    if len(d_df):
        ok = diag.get("converged")
        badge = ('<p class="ok">Converged.</p>' if ok else
                 '<p class="warn">Not converged: do not use these numbers.</p>' if ok is False else "")
        html += badge + ctx.table(d_df, caption="Solver diagnostics",
                                  unit="max relative residuals of the price, expenditure and "
                                       "trade-balance equations; seconds of wall time")
    quotas = tables.quota_lines(result)
    if quotas:
        html += "<p>" + "</p><p>".join(ctx.esc(q) for q in quotas) + "</p>"
    html += ctx.table(theta, caption="Trade elasticities θ by sector", unit="dimensionless")
    versions = meta.get("versions")
    if isinstance(versions, dict) and versions:
        html += ctx.table(pd.DataFrame(sorted(versions.items()), columns=["package", "version"]),
                          caption="Software versions", unit="text")
    return html


#: Meta keys already shown above (or not settings).
_SHOWN = {"numeraire", "deficits", "versions", "units", "provenance", "world", "year",
          "elasticity_set", "baseline_resolve", "quotas"}
_NAMES = {"tol": "Solver tolerance", "baseline": "Baseline", "scenario_source": "Scenario file"}


def _simple(v: object) -> bool:
    return isinstance(v, (str, int, float, bool)) or v is None


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)
