"""Summary tables shared by the terminal output, the HTML report and the notebook view.

These pick and arrange rows of a :class:`~tradeshock.result.Result`'s tidy views (largest
movers, Canada's exports grouped by partner, sector gains and losses); they compute no
economics. Every frame carries ``attrs["unit"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.errors import TradeshockError
from tradeshock.report.context import FOCUS
from tradeshock.result import ResultSet


def money_unit(result: Any) -> str:
    """The money unit of a result's tables, e.g. ``"US$ million, 2024, producer prices"``."""
    return f"US$ million, {result.world.year}, producer prices"


def country_name(result: Any, code: str) -> str:
    """The country's name (its code when the world has none)."""
    return (getattr(result.world, "country_names", {}) or {}).get(code, code)


def sector_label(result: Any, code: str) -> str:
    """The sector's human label (its code when the world has none)."""
    return (getattr(result.world, "sector_labels", {}) or {}).get(code, code)


def scenario_name(result: Any) -> str:
    """A display name for the result's scenario (or its shock)."""
    sc = getattr(result, "scenario", None)
    if sc is not None:
        return str(getattr(sc, "name", None) or "scenario")
    return "custom shock"


#: A country is named in a headline only if it is a focus country or has at least this share of
#: world value added (the world's baseline), is not the rest of the world and has no flagged
#: (placeholder) GDP in the world's provenance: moves of tiny or ill-measured economies
#: (Luxembourg, Malta; Taiwan's placeholder GDP) are real model output but not news.
MATERIAL_VA_SHARE = 0.01


def material_countries(result: Any, focus: Sequence[str] = FOCUS,
                       min_share: float = MATERIAL_VA_SHARE) -> list[str]:
    """Countries a headline may name (see :data:`MATERIAL_VA_SHARE`), in the world's order."""
    w = result.world
    try:
        va = np.asarray(w.va_share * w.gross_output, dtype=float).sum(axis=1)
        share = va / va.sum()
    except (AttributeError, TypeError, ValueError):
        share = np.ones(len(w.countries))
    flagged = set()
    report = (getattr(w, "provenance", None) or {}).get("build_report", {}) or {}
    for t in report.get("gdp_targets", []) or []:
        if isinstance(t, dict) and t.get("flag") and t.get("country"):
            flagged.add(str(t["country"]))
    return [c for c, s in zip(w.countries, share, strict=True)
            if c != "ROW" and c not in flagged and (c in focus or s >= min_share)]


def welfare_movers(result: Any, n: int = 8, focus: Sequence[str] = FOCUS) -> pd.DataFrame:
    """Welfare by country for the ``n`` largest real-income moves plus the focus countries.

    Columns: ``country, name`` and the ``welfare()`` columns (percent); sorted by real-income
    change, largest gain first.
    """
    w = result.welfare().copy()
    present = [c for c in focus if c in w.index]
    top = w["real_income"].abs().sort_values(ascending=False).index[:n].tolist()
    keep = list(dict.fromkeys(present + top))
    out = w.loc[keep].sort_values("real_income", ascending=False)
    out.insert(0, "name", [country_name(result, c) for c in out.index])
    out = out.reset_index()
    out.attrs["unit"] = "percent change from the baseline"
    return out


def exports_by_partner(result: Any, home: str = "CAN",
                       partners: Sequence[str] = ("USA", "CHN"), reference: Any = None) -> pd.DataFrame:
    """``home``'s exports to each of ``partners``, to everyone else, and in total.

    Columns ``code`` (ISO3, ``others`` or ``total``), ``partner`` (label), ``baseline,
    counterfactual, change, change_pct`` (money in the world's unit, producer prices;
    ``change_pct`` in percent). With ``reference`` (another result on the same world),
    ``baseline`` is the reference's counterfactual: changes are measured against it.
    """
    if reference is not None:
        out = exports_by_partner(result, home, partners)
        ref = exports_by_partner(reference, home, partners).set_index("code")["counterfactual"]
        out["baseline"] = out["code"].map(ref).to_numpy()
        out["change"] = out["counterfactual"] - out["baseline"]
        out["change_pct"] = 100.0 * out["change"] / out["baseline"].where(out["baseline"] > 0)
        return out
    ex = result.exports(home)
    ex = ex[ex["partner"] != home]
    named = [p for p in partners if p in set(ex["partner"])]
    rows = []
    for p in named:
        r = ex[ex["partner"] == p][["baseline", "counterfactual"]].sum()
        rows.append({"code": p, "partner": f"{country_name(result, p)} ({p})", **r})
    rest = ex[~ex["partner"].isin(named)][["baseline", "counterfactual"]].sum()
    rows.append({"code": "others", "partner": "Everyone else", **rest})
    tot = ex[["baseline", "counterfactual"]].sum()
    rows.append({"code": "total", "partner": "Total", **tot})
    out = pd.DataFrame(rows)
    out["change"] = out["counterfactual"] - out["baseline"]
    out["change_pct"] = 100.0 * out["change"] / out["baseline"].where(out["baseline"] > 0)
    out.attrs["unit"] = money_unit(result)
    return out


def sector_moves(result: Any, country: str = "CAN", n: int = 5,
                 by: str = "gross_output_change_pct", reference: Any = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` sectors of ``country`` whose output gains most and loses most.

    Returns ``(gains, losses)``, each with ``sector, label, gross_output_base,
    gross_output_change, gross_output_change_pct, value_added_change, value_added_change_pct,
    employment_change_pct``. ``by`` ranks them: in percent (the default) a tiny sector can top
    the list; ``by="value_added_change"`` ranks by the money earned in the sector (value added:
    what a headline should rank; gross output also counts pass-through of inputs, which makes
    refining swing with crude prices). Sectors with no baseline output are left out. Gains only
    lists positive moves, losses only negative ones. With ``reference`` (another result on the
    same world) changes are measured from the reference's counterfactual.
    """
    out = result.output()
    if reference is not None:
        ref = reference.output().set_index(["country", "sector"])
        key = pd.MultiIndex.from_frame(out[["country", "sector"]])
        out = out.copy()
        for col in ("gross_output", "value_added"):
            out[f"{col}_base"] = ref[f"{col}_cf"].reindex(key).to_numpy()
            out[f"{col}_change_pct"] = 100 * (out[f"{col}_cf"] / out[f"{col}_base"] - 1)
        e0 = ref["employment_share_cf"].reindex(key).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["employment_change_pct"] = 100 * (out["employment_share_cf"] / e0 - 1)
    o = out[(out["country"] == country) & (out["gross_output_base"] > 0)].copy()
    o.insert(1, "label", [sector_label(result, s) for s in o["sector"]])
    o["gross_output_change"] = o["gross_output_cf"] - o["gross_output_base"]
    o["value_added_change"] = o["value_added_cf"] - o["value_added_base"]
    cols = ["sector", "label", "gross_output_base", "gross_output_change", "gross_output_change_pct",
            "value_added_change", "value_added_change_pct", "employment_change_pct"]
    cols = [c for c in cols if c in o.columns]
    gains = o[o[by] > 0].sort_values(by, ascending=False).head(n)[cols].reset_index(drop=True)
    losses = o[o[by] < 0].sort_values(by).head(n)[cols].reset_index(drop=True)
    for d in (gains, losses):
        d.attrs["unit"] = f"percent change; base output in {money_unit(result)}"
    return gains, losses


def bilateral_moves(result: Any, n: int = 15) -> pd.DataFrame:
    """The ``n`` largest changes in bilateral (cross-border) flows, summed over sectors."""
    t = result.trade()
    t = t[t["exporter"] != t["importer"]]
    g = t.groupby(["exporter", "importer"], as_index=False)[["baseline", "counterfactual"]].sum()
    g["change"] = g["counterfactual"] - g["baseline"]
    g["change_pct"] = 100.0 * g["change"] / g["baseline"].where(g["baseline"] > 0)
    g = g.reindex(g["change"].abs().sort_values(ascending=False).index).head(n)
    g = g.reset_index(drop=True)
    g.attrs["unit"] = money_unit(result)
    return g


def revenue_table(result: Any, focus: Sequence[str] = FOCUS, n: int = 8) -> pd.DataFrame:
    """Tariff revenue by country for the focus countries and the ``n`` largest changes."""
    r = result.revenue().copy()
    if "country" not in r.columns:
        r = r.reset_index()
    r = r.set_index("country")
    top = r["change"].abs().sort_values(ascending=False).index[:n].tolist()
    keep = list(dict.fromkeys([c for c in focus if c in r.index] + top))
    out = r.loc[keep].sort_values("change").reset_index()
    out.insert(1, "name", [country_name(result, c) for c in out["country"]])
    base = out["baseline"].where(out["baseline"] > 0)
    out["change_pct"] = 100.0 * out["change"] / base
    out.attrs["unit"] = money_unit(result)
    return out


def measures_table(result: Any) -> pd.DataFrame | None:
    """The scenario's applied measures (``Scenario.measures_table()``), or the shock's log."""
    sc = getattr(result, "scenario", None)
    if sc is not None and hasattr(sc, "measures_table"):
        df = sc.measures_table()
        return df if df is not None and len(df) else None
    log = getattr(getattr(result, "shock", None), "log", None)
    if log:
        df = pd.DataFrame([{k: fmt_codes(v, all_if_none=k in _CODE_KEYS) for k, v in rec.items()}
                           for rec in log])
        return df.dropna(axis=1, how="all")
    return None


#: Shock-log fields where None means "all countries / all tradable sectors".
_CODE_KEYS = ("imposer", "target", "importer", "exporter", "sectors")


def fmt_codes(v: object, all_if_none: bool = False) -> object:
    """Join a list of codes with commas; None becomes ``"all"`` where it means all countries."""
    if isinstance(v, (list, tuple, set)):
        return ", ".join(map(str, v))
    if v is None:
        return "all" if all_if_none else None
    return v


def short_codes(v: object, keep: int = 3) -> object:
    """Shorten a long list of codes to its first ``keep`` plus a count (``"CHL, PER, COL +20 more"``)."""
    text = fmt_codes(v) if isinstance(v, (list, tuple, set)) else v
    if not isinstance(text, str):
        return text
    codes = text.split(", ")
    return text if len(codes) <= keep + 1 else ", ".join(codes[:keep]) + f" +{len(codes) - keep} more"


def diagnostics_dict(result: Any) -> dict[str, Any]:
    """The solver diagnostics as a plain dict (whatever type the engine uses)."""
    return as_dict(getattr(result, "diagnostics", None))


def as_dict(obj: Any) -> dict[str, Any]:
    """A plain dict from a dict, dataclass, pydantic model or simple object (empty for None)."""
    import dataclasses

    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump())
    if hasattr(obj, "_asdict"):
        return dict(obj._asdict())
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    return {"value": obj}


# ------------------------------------------------------------- side by side
def scenario_labels(results: Sequence[Any]) -> list[str]:
    """Unique column labels for several results (scenario names, numbered when repeated)."""
    if isinstance(results, ResultSet):
        return list(results.names)
    names = [scenario_name(r) for r in results]
    return [f"{n} [{k + 1}]" if names.count(n) > 1 else n for k, n in enumerate(names)]


def compare_welfare(results: Sequence[Any], n: int = 10, focus: Sequence[str] = FOCUS,
                    column: str = "real_income") -> pd.DataFrame:
    """Real-income change (percent) by country, one column per scenario.

    Rows: the focus countries plus the ``n`` largest moves in any scenario.
    """
    labels = scenario_labels(results)
    wide = pd.concat([r.welfare()[column].rename(lab)
                      for r, lab in zip(results, labels, strict=True)], axis=1)
    top = wide.abs().max(axis=1).sort_values(ascending=False).index[:n].tolist()
    keep = list(dict.fromkeys([c for c in focus if c in wide.index] + top))
    out = wide.loc[keep]
    out.insert(0, "name", [country_name(results[0], c) for c in out.index])
    out.index.name = "country"
    out = out.reset_index()
    out.attrs["unit"] = f"{column}, percent change from the baseline"
    return out


def compare_exports(results: Sequence[Any], home: str = "CAN") -> pd.DataFrame:
    """``home``'s exports by partner group, one row per scenario after a ``baseline`` row.

    Columns: ``scenario``, then for each group (``USA``, ``CHN``, ``others``, ``total``) the
    level (money in the world's unit) and ``<group> %`` (percent change; empty for the baseline).
    """
    base = exports_by_partner(results[0], home)
    rows = [{"scenario": "baseline", **dict(zip(base["code"], base["baseline"], strict=True))}]
    for r, lab in zip(results, scenario_labels(results), strict=True):
        e = exports_by_partner(r, home)
        row: dict[str, Any] = {"scenario": lab}
        for code, level, pct in zip(e["code"], e["counterfactual"], e["change_pct"], strict=True):
            row[code] = level
            row[f"{code} %"] = pct
        rows.append(row)
    cols = ["scenario"] + [c for code in base["code"] for c in (code, f"{code} %")]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out.attrs["unit"] = money_unit(results[0])
    return out


def compare_sectors(results: Sequence[Any], country: str = "CAN", n: int = 12,
                    column: str = "gross_output_change_pct") -> pd.DataFrame:
    """``country``'s sector output change (percent), one column per scenario.

    Rows: the ``n`` sectors with the largest move in any scenario, largest first.
    """
    labels = scenario_labels(results)
    cols = []
    for r, lab in zip(results, labels, strict=True):
        o = r.output()
        o = o[o["country"] == country].set_index("sector")
        cols.append(o[column].rename(lab))
    wide = pd.concat(cols, axis=1)
    wide = wide.loc[wide.abs().max(axis=1).sort_values(ascending=False).index[:n]]
    wide.insert(0, "label", [sector_label(results[0], s) for s in wide.index])
    wide.index.name = "sector"
    out = wide.reset_index()
    out.attrs["unit"] = f"{column.replace('_', ' ')}"
    return out


def compare_provinces(results: Sequence[Any], home: str = "CAN") -> pd.DataFrame:
    """Winners and losers by province: real income change (%) per scenario, one row a province.

    Real income as in ``result.provinces.summary()`` (deflated by
    Canada's consumer price index; income-weighted, the provinces add up to Canada's real income
    change). Empty when the world has no provincial split (only Canada has one). Columns:
    ``province``, ``value_added_base`` (C$ million, the weights) and one column per scenario
    label; sorted by the first scenario's change.
    """
    if home != "CAN" or home not in results[0].world.countries:
        return pd.DataFrame()
    labels = scenario_labels(results)
    cols = {}
    base = None
    for res, lab in zip(results, labels, strict=True):
        try:
            s = res.provinces.summary(country=home)
        except TradeshockError:
            return pd.DataFrame()
        s = s.set_index("province")
        cols[lab] = s["real_income_change_pct"]
        base = s["value_added_base"] if base is None else base
    out = pd.DataFrame(cols)
    out.insert(0, "value_added_base", base)
    out = out.reset_index().sort_values(labels[0]).reset_index(drop=True)
    out.attrs["unit"] = "real income, percent change (deflated by Canada's consumer price index)"
    out.attrs["base_unit"] = "C$ million, 2024 value added (nominal)"
    return out


def against_welfare(results: Sequence[Any], focus: Sequence[str] = FOCUS) -> pd.DataFrame:
    """Real income against each result's reference (``result.reference``), in percentage points.

    One row per result that has a reference: ``scenario, reference`` and for each focus country
    ``<code>`` (difference of real income changes, pp) and ``<code> vs baseline`` (the change
    against the world's baseline, percent). Empty when no result has a reference.
    """
    rows = []
    for res, lab in zip(results, scenario_labels(results), strict=True):
        ref = getattr(res, "reference", None)
        if ref is None:
            continue
        wf, rw = res.welfare(), ref.welfare()
        row: dict[str, Any] = {"scenario": lab, "reference": scenario_name(ref)}
        for c in focus:
            if c in wf.index:
                row[c] = float(wf.loc[c, "real_income"]) - float(rw.loc[c, "real_income"])
        for c in focus:
            if c in wf.index:
                row[f"{c} vs baseline"] = float(wf.loc[c, "real_income"])
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["unit"] = ("country columns: difference from the reference, percentage points of "
                         "real income; 'vs baseline' columns: percent change from the baseline")
    return out


def quota_lines(result: Any) -> list[str]:
    """One plain sentence per tariff-rate quota solved with the result (``meta["quotas"]``)."""
    out = []
    for q in solved_quotas(result):
        unit = q.get("unit", "units")
        state = ("binding" if q.get("status") == "binding" else str(q.get("status", "not binding")))
        text = (f"Quota {q['measure']} ({q['importer']} on {q['exporter']}): {state}, "
                f"{q['volume']:,.0f} of {q['quota']:,.0f} {unit}")
        if q.get("premium"):
            text += (f"; shadow premium {100 * q['premium']:.2f}% on the quota products, rent "
                     f"US${q.get('rent', 0):,.0f} million to the importer (inside its tariff revenue)")
        out.append(text + "." + observed_text(q["measure"], state))
    return out


def observed_text(measure_id: str, state: str = "") -> str:
    """The library's observed quota fill for ``measure_id``, set against the model (or "")."""
    from tradeshock.measures import load_library

    lib = load_library()
    if measure_id not in lib:
        return ""
    quota = lib.get(measure_id).quota
    if quota is None or not quota.observed:
        return ""
    parts = []
    for o in quota.observed:
        of = f" of {o.quota:,.0f} ({100 * o.volume / o.quota:.1f}%)" if o.quota else ""
        parts.append(f"{o.volume:,.0f}{of} from {o.start} to {o.end}")
    contrast = (" The model's binding quota is the long-run demand of a static equilibrium; the "
                "observed fill is far below it (certification, OEM-only permits, shipping lead times)."
                if state == "binding" else "")
    return f" Observed under the quota: {'; '.join(parts)}.{contrast}"


def coverage_line(result: Any) -> str:
    """The measures library's coverage dates for a result's scenario (or "" without a scenario)."""
    sc = getattr(result, "scenario", None)
    note = getattr(getattr(result, "shock", None), "coverage_note", None)
    if note:
        return str(note)
    if sc is not None and hasattr(sc, "coverage_note"):
        return sc.coverage_note()
    return ""


def solved_quotas(result: Any) -> list[dict]:
    """The quota records of a result (empty when it solved none)."""
    meta = getattr(result, "meta", None) or {}
    return [q for q in (meta.get("quotas") or []) if isinstance(q, dict) and "measure" in q]
