"""Measures → effective importer × exporter × sector tariffs, as of a date.

Product-level measures (HS codes, HTS lists) reach the sector model through 2024 import weights:
for each importer–exporter pair a *product mix* (HS6 rows with their 2024 import value and sector)
says how much of a sector's trade each product carries. The US has its own mix for 8 partners
(Census HS10 files aggregated to HS6); other pairs use a documented proxy (the US import mix from
the same exporter, or from all 8 partners) — see ``docs/measures.md``.

For every product the measures in force are combined by their stacking rules:

1. coverage ``c_m(p)`` in [0, 1]: the scope (HS prefix, packaged list share, sector), times
   ``1 − usmca_share(p)`` for CUSMA-exempt measures on US imports from Canada/Mexico;
2. within a stacking group measures do not stack: sorted by rate, each adds its rate on the
   coverage not already taken by a higher-rate member (nested scopes);
3. a measure ``excluded_by`` other groups applies on ``c_m(p) · (1 − cov_excl(p))`` (independence);
4. groups add up; ``mode: replaces`` measures contribute ``rate − base`` (e.g. MFN on termination)
   and form one layer of their own: two that set the rate of the same goods do not add up, the
   one listed last (a scenario's own entries after its base's and the ``as_of`` measures) sets it;
   ``mode: top_up`` measures contribute ``max(0, rate − MFN)`` (a total of MFN plus the measure).

Measures flagged ``unquantified`` (in force, but their coverage cannot be identified in trade data)
are left out of the rates and named in ``Compiled.notes``.

The sector's additional rate is the import-weighted mean over its products; the full applied
rate is the world's 2024 baseline plus that addition. Measures with a cited ``affected_trade``
value (on importers without product data) add ``rate × min(1, value / flow)`` at sector level.
A quota uses its marginal rate at baseline volumes (over-quota if binding) and records its rent;
a quota on a cited sector share is also listed in ``Compiled.quotas`` so that
:func:`tradeshock.quotas.solve_with_quotas` can decide its marginal rate on counterfactual volumes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tradeshock.errors import ScenarioError, unknown
from tradeshock.measures.library import WEIGHTS_DIR, as_date, load_library, product_list, resolve_supersedes
from tradeshock.measures.schema import GROUPS, SECTORS, Measure, expand

#: Canadian dollars per US dollar, 2024 annual average (CIA World Factbook estimate, as compiled
#: in shared/data/macro2024/margins.csv; the Bank of Canada average is of the same order, ~1.37).
CAD_PER_USD = 1.369

#: Sectors whose trade is goods (tariffs apply); WIOD c1–c17 (utilities: electricity, HS 2716).
GOODS = SECTORS[:17]

#: Partners with their own US import data (``EU27`` stands for each EU member).
US_PARTNERS = ("CAN", "MEX", "CHN", "JPN", "KOR", "GBR", "IND", "EU27")

#: Country whose baseline tariffs stand for a non-US importer's MFN rates (no FTA with CAN, MEX,
#: USA): used for ``rate: mfn`` on importers without a packaged MFN schedule.
MFN_PROXY = "CHN"

CONCORDANCE = Path(__file__).parent / "data" / "concordances" / "hs6_wiod.parquet"


# ------------------------------------------------------------------ packaged data
@lru_cache(maxsize=1)
def _imports() -> pd.DataFrame:
    return pd.read_parquet(WEIGHTS_DIR / "us_imports_hs6.parquet")


@lru_cache(maxsize=1)
def _mfn() -> pd.Series:
    m = pd.read_parquet(WEIGHTS_DIR / "us_mfn_hs6.parquet")
    return m.set_index("hs6")["mfn_rate"]


@lru_cache(maxsize=1)
def _concordance() -> pd.Series:
    c = pd.read_parquet(CONCORDANCE, columns=["hs6", "sector"])
    return c.drop_duplicates("hs6").set_index("hs6")["sector"]


def mix_source(importer: str, exporter: str) -> tuple[str, str]:
    """Which US import data stands for the pair's product mix: (partner code, description)."""
    src = exporter if exporter in US_PARTNERS else ("EU27" if exporter in GROUPS["EU27"] else "ALL")
    if importer == "USA":
        what = ("US 2024 imports from " + src) if src != "ALL" else "US 2024 imports from 8 partners (proxy)"
    else:
        what = ("proxy: US 2024 imports from " + src) if src != "ALL" else \
            "proxy: US 2024 imports from 8 partners"
    return src, what


def product_mix(importer: str, exporter: str) -> pd.DataFrame:
    """HS6 rows for a pair: ``hs6, sector, weight, usmca_share, base, mfn`` (weight in US$ million).

    ``base`` is the product's 2024 US duty rate (duty/imports) on US imports, else NaN.
    """
    src, _ = mix_source(importer, exporter)
    mix = _mix_by_src(src)
    if importer != "USA":
        mix = mix.assign(base=np.nan)
    return mix


@lru_cache(maxsize=16)
def _mix_by_src(src: str) -> pd.DataFrame:
    imp = _imports()
    if src == "ALL":
        df = imp.groupby("hs6", as_index=False)[["imports", "duty"]].sum()
        df["usmca_share"] = np.nan
    else:
        df = imp[imp["exporter"] == src][["hs6", "imports", "duty", "usmca_share"]].copy()
    df["sector"] = df["hs6"].map(_concordance())
    df = df[df["sector"].isin(GOODS) & (df["imports"] > 0)]
    out = pd.DataFrame({
        "hs6": df["hs6"].astype(object).to_numpy(), "sector": df["sector"].to_numpy(),
        "weight": df["imports"].to_numpy(float),
        "usmca_share": df["usmca_share"].fillna(0.0).to_numpy(float),
        "base": (df["duty"] / df["imports"]).to_numpy(float),
        "mfn": df["hs6"].map(_mfn()).fillna(0.0).to_numpy(float),
    })
    return out.sort_values(["sector", "hs6"]).reset_index(drop=True)


@dataclass(frozen=True)
class _Arrays:
    """A product mix as plain arrays (fast path for compiling many pairs)."""

    sec: np.ndarray      # index into SECTORS
    weight: np.ndarray
    usmca: np.ndarray
    base: np.ndarray     # 2024 US duty rate of the product
    mfn: np.ndarray


@lru_cache(maxsize=16)
def _arrays(src: str) -> _Arrays:
    mix = _mix_by_src(src)
    pos = {s: k for k, s in enumerate(SECTORS)}
    return _Arrays(sec=np.array([pos[x] for x in mix["sector"]], dtype=int),
                   weight=mix["weight"].to_numpy(float), usmca=mix["usmca_share"].to_numpy(float),
                   base=np.nan_to_num(mix["base"].to_numpy(float), nan=0.0), mfn=mix["mfn"].to_numpy(float))


# ------------------------------------------------------------------ coverage of one measure
def _prefix_mask(mix: pd.DataFrame, codes: Sequence[str]) -> np.ndarray:
    mask = np.zeros(len(mix), bool)
    by_len: dict[int, list[str]] = {}
    for c in codes:
        by_len.setdefault(min(len(c), 6), []).append(c[:6])
    for k, cs in by_len.items():
        mask |= mix["hs6"].str[:k].isin(cs).to_numpy()
    return mask


@lru_cache(maxsize=512)
def _list_share(src: str, name: str) -> np.ndarray:
    mix = _mix_by_src(src)
    lst = product_list(name).set_index("hs6")["share"]
    return mix["hs6"].map(lst).fillna(0.0).to_numpy(float)


@lru_cache(maxsize=4096)
def _scope(products_json: str, src: str) -> np.ndarray:
    from tradeshock.measures.schema import Products

    p = Products.model_validate_json(products_json)
    mix = _mix_by_src(src)
    if p.everything:
        c = np.ones(len(mix))
    else:
        c = np.zeros(len(mix))
        if p.hs:
            c = np.maximum(c, _prefix_mask(mix, p.hs).astype(float))
        for name in p.lists:
            c = np.maximum(c, _list_share(src, name))
        if p.sectors:
            c = np.maximum(c, mix["sector"].isin(p.sectors).to_numpy(float))
    if p.only_hs:
        c = c * _prefix_mask(mix, p.only_hs)
    if p.exclude_hs:
        c = c * ~_prefix_mask(mix, p.exclude_hs)
    for name in p.exclude_lists:
        c = c * (1.0 - _list_share(src, name))
    c = np.clip(c, 0.0, 1.0)
    c.setflags(write=False)
    return c


def coverage(m: Measure, mix: pd.DataFrame | None, importer: str, exporter: str,
             cusma: bool = True) -> np.ndarray:
    """Share of each product of the pair's mix the measure covers, in [0, 1].

    ``cusma=False`` models CUSMA/USMCA no longer in force: ``cusma_exempt`` measures cover all goods.
    """
    src, _ = mix_source(importer, exporter)
    c = _scope(_scope_key(m), src)
    if cusma and m.cusma_exempt and importer == "USA" and exporter in ("CAN", "MEX"):
        c = c * (1.0 - _arrays(src).usmca)
    return c


_SCOPE_KEYS: dict[int, tuple[Measure, str]] = {}


def _scope_key(m: Measure) -> str:
    hit = _SCOPE_KEYS.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    key = m.products.model_dump_json()
    _SCOPE_KEYS[id(m)] = (m, key)
    return key


def partner_rate(m: Measure, exporter: str) -> float | str:
    """The rate ``m`` charges ``exporter`` (partner-specific, group-specific, or general)."""
    if exporter in m.partner_rates:
        return m.partner_rates[exporter]
    for g, members in GROUPS.items():
        if g in m.partner_rates and exporter in members:
            return m.partner_rates[g]
    return m.applied_rate()


def _rate_vector(m: Measure, exporter: str, base: np.ndarray, mfn: np.ndarray) -> np.ndarray:
    r = partner_rate(m, exporter)
    if r == "mfn":
        return mfn - base
    r = float(r)
    if m.mode == "replaces":
        return r - base
    if m.mode == "top_up":
        return np.maximum(0.0, r - mfn)
    return np.full(len(base), r)


#: The one stacking layer of all ``mode: replaces`` measures (see :func:`stack`).
_REPLACES = "\0replaces"


def stack(measures: Sequence[Measure], cov: Sequence[np.ndarray], rates: Sequence[np.ndarray]) -> np.ndarray:
    """Combine measures on products by their stacking rules (see module docstring)."""
    if not measures:
        return np.zeros(0)
    n = len(cov[0])
    groups: dict[str, list[int]] = {}
    for k, m in enumerate(measures):
        groups.setdefault(_REPLACES if m.mode == "replaces" else m.stacking.group, []).append(k)
    taken: dict[str, np.ndarray] = {}
    total = np.zeros(n)
    # groups nobody excludes first, then those with exclusions (one level of precedence)
    order = sorted(groups, key=lambda g: any(measures[k].stacking.excluded_by for k in groups[g]))
    for g in order:
        if g == _REPLACES:
            # measures that set the rate do not add up: the one listed last sets it where it
            # applies (a scenario's own entry after its base's, a later entry after an earlier)
            idx = groups[g][::-1]
        else:
            idx = sorted(groups[g], key=lambda k: -float(np.max(rates[k], initial=0.0)))
        so_far = np.zeros(n)
        for k in idx:
            c = cov[k]
            for ex in measures[k].stacking.excluded_by:
                if ex in taken:
                    c = c * (1.0 - taken[ex])
            new = np.clip(c - so_far, 0.0, 1.0)
            total += rates[k] * new
            so_far = np.maximum(so_far, c)
        taken[g] = so_far
    return total


# ------------------------------------------------------------------ the engine
@dataclass
class Compiled:
    """Measures compiled for a world: new applied tariffs and what went into them."""

    world: object
    tariffs: np.ndarray
    added: np.ndarray
    pairs: list[tuple[str, str]] = field(default_factory=list)
    quota_rents: list[dict] = field(default_factory=list)
    quotas: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _quota_record(m: Measure, imp: str, exp: str, cells: list[tuple[str, float]]) -> dict:
    """A quota for :func:`tradeshock.quotas.solve_with_quotas`: where it applies and its terms.

    ``cells`` are ``(sector, share)``: the cited covered value's share of the sector flow.
    ``compiled_rate`` is the rate compiled into the tariffs (the static baseline rule).
    """
    q = m.quota
    if q.volume_share is not None:
        base_vol, vol, unit = 1.0, float(q.volume_share), "share of baseline imports"
    else:
        base_vol, vol, unit = float(q.baseline_volume), float(q.volume), q.unit
    return {"measure": m.id, "importer": imp, "exporter": exp, "cells": cells,
            "in_rate": float(q.in_rate), "over_rate": float(q.over_rate),
            "compiled_rate": float(q.marginal_rate), "baseline_volume": base_vol,
            "volume": vol, "unit": unit}


def _pairs(measures: Iterable[Measure], countries: Sequence[str]) -> dict[tuple[str, str], list[Measure]]:
    out: dict[tuple[str, str], list[Measure]] = {}
    cset = set(countries)
    for m in measures:
        if m.imposer not in cset:
            continue
        exporters = countries if m.targets == "all" else [c for c in expand(m.targets) if c in cset]
        for e in exporters:
            if m.hits(e):
                out.setdefault((m.imposer, e), []).append(m)
    return out


def _sector_rates(world, importer: str, exporter: str) -> tuple[np.ndarray, np.ndarray]:
    """World baseline rate by SECTORS index for the pair, and the importer's MFN proxy (rate on China)."""
    base = np.zeros(len(SECTORS))
    mfn = np.zeros(len(SECTORS))
    if world is None:
        return base, mfn
    cs = list(world.countries)
    n, i = cs.index(importer), cs.index(exporter)
    ref = cs.index(MFN_PROXY) if MFN_PROXY in cs and importer != MFN_PROXY else i
    for k, sname in enumerate(SECTORS):
        if sname in world.sectors:
            j = world.sectors.index(sname)
            base[k] = world.tariffs[n, i, j]
            mfn[k] = world.tariffs[n, ref, j]
    return base, mfn


def _pair_add(measures: Sequence[Measure], importer: str, exporter: str, world=None,
              scale: dict[str, float] | None = None, cusma: bool = True) -> tuple[_Arrays, np.ndarray]:
    src, _ = mix_source(importer, exporter)
    arr = _arrays(src)
    if importer == "USA":
        base, mfn = arr.base, arr.mfn
    else:
        sb, sm = _sector_rates(world, importer, exporter)
        base, mfn = sb[arr.sec], sm[arr.sec]
    prod_ms = [m for m in measures if not m.unquantified
               and not (m.affected_trade and importer != "USA")]
    if not prod_ms:
        return arr, np.zeros(len(arr.sec))
    cov = [coverage(m, None, importer, exporter, cusma) for m in prod_ms]
    if scale:
        cov = [np.clip(c * scale.get(m.id, 1.0), 0.0, 1.0) for m, c in zip(prod_ms, cov, strict=True)]
    rates = [_rate_vector(m, exporter, base, mfn) for m in prod_ms]
    return arr, stack(prod_ms, cov, rates)


def _calibration(ms: Sequence[Measure], world, imp: str, exp: str, sidx: dict[str, int],
                 cad_per_usd: float, notes: list[str]) -> dict[str, float]:
    """Coverage factors for measures with ``scale_to``: cited covered trade / implied covered trade."""
    out: dict[str, float] = {}
    cs = list(world.countries)
    n, i = cs.index(imp), cs.index(exp)
    for m in ms:
        if m.scale_to is None:
            continue
        arr = _arrays(mix_source(imp, exp)[0])
        c = coverage(m, None, imp, exp)
        den = np.bincount(arr.sec, weights=arr.weight, minlength=len(SECTORS))
        num = np.bincount(arr.sec, weights=arr.weight * c, minlength=len(SECTORS))
        implied = sum(float(world.flows[n, i, sidx[SECTORS[k]]]) * num[k] / den[k]
                      for k in np.flatnonzero(den > 0) if SECTORS[k] in sidx)
        cited = m.scale_to.usd_million(cad_per_usd)
        if implied > 0:
            out[m.id] = cited / implied
            capped = ""
            if cited > implied and np.any(c * (cited / implied) > 1.0):
                capped = ("; a product's coverage cannot exceed 100%, so those products are capped "
                          "and the covered trade stays below the cited value")
            notes.append(f"{m.id}: coverage scaled by {cited / implied:.3f} so {imp}<-{exp} covered trade "
                         f"matches the cited US${cited:,.0f}M (list x mix implied US${implied:,.0f}M)"
                         + capped)
    return out


def pair_products(measures: Sequence[Measure], importer: str, exporter: str, world=None) -> pd.DataFrame:
    """Product-level additional rates of ``measures`` on one pair: ``hs6, sector, weight, add``.

    ``world`` supplies the baseline rates that ``mode: replaces`` measures replace for importers
    without product-level duty data, and the MFN proxy for ``rate: mfn`` on non-US importers.
    """
    mix = product_mix(importer, exporter)
    _, add = _pair_add(measures, importer, exporter, world)
    out = mix[["hs6", "sector", "weight"]].copy()
    out["add"] = add
    return out


def compile_measures(world, measures: Iterable[Measure], *, cad_per_usd: float = CAD_PER_USD,
                     only_pairs: set[tuple[str, str]] | None = None, cusma: bool = True) -> Compiled:
    """Effective applied tariffs (N, N, J) of ``world`` with ``measures`` on top of its baseline.

    ``only_pairs`` restricts the work to some (importer, exporter) pairs (others keep the baseline).
    ``cusma=False``: CUSMA/USMCA no longer in force, so ``cusma_exempt`` measures cover all goods.
    """
    measures = resolve_supersedes(measures)
    skipped = sorted(m.id for m in measures if m.unquantified)
    measures = [m for m in measures if not m.unquantified]
    missing = [x for x in GOODS if x not in world.sectors]
    if measures and missing:
        raise ScenarioError(
            f"world {world.name!r} does not use the WIOD sectors (missing {', '.join(missing[:4])}"
            f"{', ...' if len(missing) > 4 else ''}); the measures library maps HS products to the WIOD "
            "sectors of the 'default' and 'wiod2011' worlds: use one of those, or build a Shock by hand")
    countries = list(world.countries)
    sectors = list(world.sectors)
    added = np.zeros_like(world.tariffs, dtype=float)
    comp = Compiled(world=world, tariffs=world.tariffs.copy(), added=added)
    if skipped:
        comp.notes.append("in force but not quantified (coverage not identifiable in trade data): "
                          + ", ".join(skipped))
    sidx = {s: k for k, s in enumerate(sectors)}
    for (imp, exp), ms in _pairs(measures, countries).items():
        if only_pairs is not None and (imp, exp) not in only_pairs:
            continue
        n, i = countries.index(imp), countries.index(exp)
        comp.pairs.append((imp, exp))
        scale = _calibration(ms, world, imp, exp, sidx, cad_per_usd, comp.notes)
        arr, add = _pair_add(ms, imp, exp, world, scale, cusma)
        den = np.bincount(arr.sec, weights=arr.weight, minlength=len(SECTORS))
        num = np.bincount(arr.sec, weights=arr.weight * add, minlength=len(SECTORS))
        covered = set()
        for k in np.flatnonzero(den > 0):
            sname = SECTORS[k]
            covered.add(sname)
            if sname in sidx:
                added[n, i, sidx[sname]] += num[k] / den[k]
        # goods sectors without product data: only all-goods and sector-scoped measures apply
        for s in GOODS:
            if s in sidx and s not in covered and world.flows[n, i, sidx[s]] > 0:
                sel = [m for m in ms if not m.affected_trade and
                       (m.products.everything or s in m.products.sectors)]
                if sel:
                    b0 = float(world.tariffs[n, i, sidx[s]])
                    _, sm = _sector_rates(world, imp, exp)
                    rv = []
                    for m in sel:
                        r = partner_rate(m, exp)
                        if r == "mfn":
                            rv.append(np.array([sm[SECTORS.index(s)] - b0]))
                        elif m.mode == "top_up":
                            rv.append(np.array([max(0.0, float(r) - sm[SECTORS.index(s)])]))
                        elif m.mode == "replaces":
                            rv.append(np.array([float(r) - b0]))
                        else:
                            rv.append(np.array([float(r)]))
                    add = stack(sel, [np.ones(1)] * len(sel), rv)
                    added[n, i, sidx[s]] += float(add[0])
        # cited affected trade on importers without product data: each measure covers its cited
        # value's share of the sector flow; if the cited values exceed the flow, shares are scaled
        # down together so they sum to one (the world's flow is the binding total)
        cited: dict[int, list[tuple[Measure, float]]] = {}
        cited_scale: dict[int, float] = {}
        for m in ms:
            if not m.affected_trade or imp == "USA":
                continue
            for a in m.affected_trade:
                j = sidx.get(a.sector)
                if j is not None:
                    cited.setdefault(j, []).append((m, a.usd_million(cad_per_usd)))
        for j, items in cited.items():
            flow = float(world.flows[n, i, j])
            if flow <= 0:
                continue
            total = sum(v for _, v in items)
            scale = min(1.0, flow / total) if total > 0 else 0.0
            if scale < 1.0:
                comp.notes.append(f"{imp}<-{exp} {sectors[j]}: cited trade of "
                                  f"{', '.join(m.id for m, _ in items)} (US${total:,.0f}M) exceeds the "
                                  f"world's flow (US${flow:,.0f}M); coverage scaled by {scale:.3f}")
            cited_scale[j] = scale
            for m, usd in items:
                added[n, i, j] += float(partner_rate(m, exp)) * usd / flow * scale
        # quotas on cited sector shares are listed for tradeshock.quotas, which decides their
        # marginal rate on counterfactual volumes; the static rent below is the baseline rule
        for m in ms:
            if m.quota is not None and m.affected_trade and imp != "USA" and exp not in m.partner_rates:
                cells = [(sectors[j], float(a.usd_million(cad_per_usd) / float(world.flows[n, i, j])
                                            * cited_scale[j]))
                         for a in m.affected_trade if (j := sidx.get(a.sector)) is not None
                         and j in cited_scale]
                if cells:
                    comp.quotas.append(_quota_record(m, imp, exp, cells))
            if m.quota is not None and m.quota.binding:
                if m.affected_trade and imp != "USA":
                    # cited covered trade, capped at the sector flow like its rate above
                    value = sum(min(a.usd_million(cad_per_usd), float(world.flows[n, i, sidx[a.sector]]))
                                for a in m.affected_trade if a.sector in sidx)
                else:
                    arr = _arrays(mix_source(imp, exp)[0])
                    c = coverage(m, None, imp, exp)
                    den = np.bincount(arr.sec, weights=arr.weight, minlength=len(SECTORS))
                    num = np.bincount(arr.sec, weights=arr.weight * c, minlength=len(SECTORS))
                    value = sum(float(world.flows[n, i, sidx[SECTORS[k]]]) * num[k] / den[k]
                                for k in np.flatnonzero(den > 0) if SECTORS[k] in sidx)
                rent = (m.quota.over_rate - m.quota.in_rate) * m.quota.fill * value
                comp.quota_rents.append({"measure": m.id, "importer": imp, "exporter": exp,
                                         "covered_flow": float(value), "fill": float(m.quota.fill),
                                         "rent": float(rent), "unit": "US$ million, base year"})
    eye = np.eye(len(countries), dtype=bool)[:, :, None]
    added = np.where(eye, 0.0, added)
    comp.added = added
    comp.tariffs = world.tariffs + added
    _check_floor(comp, measures)
    return comp


#: The lowest applied rate the compiler accepts (a subsidy of 99%); below it is an input error.
RATE_FLOOR = -0.99


def _check_floor(comp: Compiled, measures: Sequence[Measure]) -> None:
    """Raise (never clip) when the measures take an applied tariff below :data:`RATE_FLOOR`."""
    low = comp.tariffs < RATE_FLOOR
    if not np.any(low):
        return
    w = comp.world
    n, i, j = np.argwhere(low)[0]
    imp, exp = w.countries[n], w.countries[i]
    ids = [m.id for m in measures if m.imposer == imp and m.hits(exp)]
    raise ScenarioError(f"the measures take {imp}'s applied tariff on {exp} {w.sectors[j]} to "
                        f"{comp.tariffs[n, i, j]:.1%} (below {RATE_FLOOR:.0%}; measures on the pair: "
                        f"{', '.join(ids) or 'none'}); check the signs of 'add' (points added, "
                        "0.25 = 25 points) and 'rate' (the new applied rate)")


# ------------------------------------------------------------------ public API
def _world(world):
    if isinstance(world, str):
        from tradeshock.world import load_world

        return load_world(world)
    return world


def _check_country(code: str | None, world, what: str) -> None:
    if code is not None and code not in world.countries:
        raise ScenarioError(unknown("country", code, world.countries, what))


def measures_in_force(as_of: dt.date | str, library=None) -> list[Measure]:
    """Library measures in force on ``as_of`` (threats excluded, supersedes applied)."""
    lib = library or load_library()
    return lib.in_force(as_date(as_of))


def effective_rates(as_of: dt.date | str, imposer: str | None = None, target: str | None = None,
                    world="default") -> pd.DataFrame:
    """Applied tariffs with every measure in force on ``as_of``.

    Returns a tidy DataFrame ``importer, exporter, sector, rate, base_rate, trade_weight``
    (fractions; ``rate`` = full applied rate, ``base_rate`` = the world's 2024 baseline,
    ``trade_weight`` = baseline flow, US$ million), foreign pairs and goods sectors only.
    """
    w = _world(world)
    _check_country(imposer, w, "imposer")
    _check_country(target, w, "target")
    comp = compile_measures(w, measures_in_force(as_of))
    df = tidy(w, comp.tariffs, imposer, target)
    df.attrs.update(as_of=str(as_date(as_of)), quota_rents=comp.quota_rents, notes=comp.notes,
                    unit="rates: fractions; trade_weight: US$ million, base year")
    return df


def tidy(w, tariffs: np.ndarray, imposer: str | None = None, target: str | None = None) -> pd.DataFrame:
    """(N, N, J) tariffs as ``importer, exporter, sector, rate, base_rate, trade_weight``."""
    cs, ss = list(w.countries), list(w.sectors)
    ni = [cs.index(imposer)] if imposer else range(len(cs))
    ei = [cs.index(target)] if target else range(len(cs))
    goods = [k for k, s in enumerate(ss) if s in GOODS]
    rows = []
    for n in ni:
        for i in ei:
            if n == i:
                continue
            for j in goods:
                rows.append((cs[n], cs[i], ss[j], tariffs[n, i, j], w.tariffs[n, i, j], w.flows[n, i, j]))
    return pd.DataFrame(rows, columns=["importer", "exporter", "sector", "rate", "base_rate", "trade_weight"])


def change_dates(imposer: str | None = None, target: str | None = None, library=None) -> list[dt.date]:
    """Dates on which a (non-threat) measure of ``imposer`` on ``target`` starts or ends."""
    lib = library or load_library()
    days: set[dt.date] = set()
    for m in lib:
        if m.threat or (imposer and m.imposer != imposer) or (target and not m.hits(target)):
            continue
        days.add(m.start)
        if m.end is not None:
            days.add(m.end)
    return sorted(days)


def rate_timeline(imposer: str, target: str, world="default") -> pd.DataFrame:
    """Trade-weighted rate of ``imposer`` on ``target`` at each date a measure starts or ends.

    Returns ``date, rate, base_rate`` (fractions; weights = the world's baseline flows over goods
    sectors). The first row is the day before the first change (the baseline).
    """
    w = _world(world)
    _check_country(imposer, w, "imposer")
    _check_country(target, w, "target")
    lib = load_library()
    days = change_dates(imposer, target, lib)
    n, i = w.countries.index(imposer), w.countries.index(target)
    flows = w.flows[n, i]
    goods = np.array([s in GOODS for s in w.sectors])
    wts = np.where(goods, flows, 0.0)
    tot = wts.sum()
    base = float((w.tariffs[n, i] * wts).sum() / tot) if tot > 0 else float("nan")
    rows = []
    if days:
        rows.append((days[0] - dt.timedelta(days=1), base, base))
    for d in days:
        ms = [m for m in lib.in_force(d) if m.imposer == imposer and m.hits(target)]
        comp = compile_measures(w, ms, only_pairs={(imposer, target)})
        rate = float((comp.tariffs[n, i] * wts).sum() / tot) if tot > 0 else float("nan")
        rows.append((d, rate, base))
    return pd.DataFrame(rows, columns=["date", "rate", "base_rate"])


def product_rates(as_of: dt.date | str, imposer: str, target: str,
                  measures: Sequence[Measure] | None = None) -> pd.DataFrame:
    """Additional rate by HS6 product for one pair: ``hs6, sector, weight, add`` (weights US$ million)."""
    ms = measures if measures is not None else [
        m for m in measures_in_force(as_of) if m.imposer == imposer and m.hits(target)]
    return pair_products(ms, imposer, target)


def product_weighted_rate(as_of: dt.date | str, imposer: str, target: str) -> float:
    """Additional rate over 2024 weighted by the pair's 2024 product mix (all goods, HS6 level).

    This is the tracker's definition (US import weights of 2024), independent of any world.
    """
    df = product_rates(as_of, imposer, target)
    return float((df["add"] * df["weight"]).sum() / df["weight"].sum())
