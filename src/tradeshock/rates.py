"""Measures → effective importer × exporter × sector tariffs, as of a date.

Product-level measures (HS codes, HTS lists) reach the sector model through 2024 import weights:
for each importer–exporter pair a *product mix* (HS6 rows with their 2024 import value and sector)
says how much of a sector's trade each product carries. The US has its own mix for 8 partners
(Census HS10 files aggregated to HS6); other pairs use a documented proxy (the US import mix from
the same exporter, or from all 8 partners) — see ``docs/measures.md``.

:func:`compile_measures` runs, for every importer–exporter pair the measures hit, these steps
(sectors are addressed by their labels, ``world.sectors``, until the final write into the
(N, N, J) array):

1. **calibration** (:func:`_calibrate`): measures with a cited ``scale_to`` total get a coverage
   factor, cited covered trade / covered trade implied by list × mix (reported in the notes);
2. **coverage** (:func:`_product_coverage`): ``c_m(p)`` in [0, 1] for each product: the scope (HS
   prefix, packaged list share, sector), times ``1 − usmca_share(p)`` for CUSMA-exempt measures on
   US imports from Canada/Mexico, times the calibration factor (capped at 100% of a product);
3. **stacking** (:func:`stack`, per product):

   - within a stacking group measures do not stack: sorted by rate, each adds its rate on the
     coverage not already taken by a higher-rate member (nested scopes);
   - a measure ``excluded_by`` other groups applies on ``c_m(p) · (1 − cov_excl(p))``
     (independence);
   - groups add up; ``mode: replaces`` measures contribute ``rate − base`` (e.g. MFN on
     termination) and form one layer of their own: two that set the rate of the same goods do not
     add up, the one listed last (a scenario's own entries after its base's and the ``as_of``
     measures) sets it; ``mode: top_up`` measures contribute ``max(0, rate − MFN)`` (a total of MFN
     plus the measure);
4. **sectors** (:func:`_to_sectors`): the sector's additional rate is the import-weighted mean over
   its products; goods sectors without products in the mix take only all-goods and sector-scoped
   measures (:func:`_sector_fallback`);
5. **cited trade** (:func:`_cited_shares`): measures with a cited ``affected_trade`` value (on
   importers without product data) add ``rate × value / flow`` at sector level; where a sector's
   cited values exceed the world's flow they are scaled down together (reported in the notes);
6. **quotas** (:func:`_quota_records`, :func:`_quota_rents`): a quota uses its marginal rate at
   baseline volumes (over-quota if binding) and records its rent; a quota on a cited sector share
   is also listed in ``Compiled.quotas`` so that :func:`tradeshock.quotas.solve_with_quotas` can
   decide its marginal rate on counterfactual volumes.

The full applied rate is the world's 2024 baseline plus the addition. Measures flagged
``unquantified`` (in force, but their coverage cannot be identified in trade data) are left out of
the rates and named in ``Compiled.notes``. Nothing is clipped silently: every cap is an economic
rule reported in ``Compiled.notes``, and a value the compiler cannot use raises
:class:`~tradeshock.errors.ScenarioError`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradeshock.errors import DataError, ScenarioError, unknown
from tradeshock.measures.library import (
    LISTS_DIR,
    WEIGHTS_DIR,
    Library,
    as_date,
    load_library,
    product_list,
    resolve_supersedes,
)
from tradeshock.measures.schema import GROUPS, SECTORS, Measure, Quota, expand

if TYPE_CHECKING:
    from tradeshock.world import World


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


#: The sector labels of the product mixes, in the order of their codes in :class:`_Arrays`
#: (object dtype: label look-ups on a few dozen labels are faster than on Arrow strings).
_SECTOR_INDEX = pd.Index(SECTORS, dtype=object)


@lru_cache(maxsize=8)
def _labels(sectors: tuple[str, ...]) -> pd.Index:
    """A world's sector labels as an index (built once per set of labels)."""
    return pd.Index(sectors, dtype=object)


@lru_cache(maxsize=8)
def _positions(labels: tuple[str, ...]) -> np.ndarray:
    """For each label of :data:`SECTORS`, its position in ``labels`` (−1 if absent)."""
    return pd.Index(labels, dtype=object).get_indexer(_SECTOR_INDEX)


def _on_sectors(by_sector: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A value by sector label laid out on :data:`SECTORS`: values (0 where absent) and presence."""
    pos = _positions(tuple(by_sector.index))
    found = pos >= 0
    return np.where(found, by_sector.to_numpy(float)[pos], 0.0), found


@dataclass(frozen=True)
class _Arrays:
    """A product mix as plain arrays (fast path for compiling many pairs).

    ``sec`` codes each product's sector label (a position in :data:`SECTORS`); only
    the methods below read it, so everything else works with labels.
    """

    sec: np.ndarray
    weight: np.ndarray   # 2024 imports, US$ million
    usmca: np.ndarray
    base: np.ndarray     # 2024 US duty rate of the product
    mfn: np.ndarray
    present: np.ndarray  # (len(SECTORS),) True for the sectors with products in the mix
    sectors: pd.Index    # the labels of those sectors
    sector_weight: pd.Series  # 2024 imports by sector label (US$ million): the weights of sector means

    def sector_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of a per-product vector by sector, aligned with :attr:`sectors`."""
        return np.bincount(self.sec, weights=values, minlength=len(SECTORS))[self.present]

    def by_sector(self, values: np.ndarray) -> pd.Series:
        """Sum of a per-product vector by sector label, over the sectors with products."""
        return pd.Series(self.sector_sums(values), index=self.sectors)

    def per_product(self, by_sector: pd.Series) -> np.ndarray:
        """A value by sector label spread to the products of each sector (0 for sectors not given)."""
        return _on_sectors(by_sector)[0][self.sec]


@lru_cache(maxsize=16)
def _arrays(src: str) -> _Arrays:
    """The product mix of ``src`` (see :func:`mix_source`) as :class:`_Arrays`."""
    mix = _mix_by_src(src)
    weight = mix["weight"].to_numpy(float)
    sec = _SECTOR_INDEX.get_indexer(mix["sector"])
    tot = np.bincount(sec, weights=weight, minlength=len(SECTORS))
    present = tot > 0
    sectors = _SECTOR_INDEX[present]
    return _Arrays(sec=sec, weight=weight, usmca=mix["usmca_share"].to_numpy(float),
                   base=np.nan_to_num(mix["base"].to_numpy(float), nan=0.0),
                   mfn=mix["mfn"].to_numpy(float), present=present, sectors=sectors,
                   sector_weight=pd.Series(tot[present], index=sectors))


# ------------------------------------------------------------------ coverage of one measure
def _prefix_mask(mix: pd.DataFrame, codes: Sequence[str]) -> np.ndarray:
    """Products whose HS6 starts with one of ``codes`` (HS8/HS10 codes match their HS6)."""
    mask = np.zeros(len(mix), bool)
    by_len: dict[int, list[str]] = {}
    for c in codes:
        by_len.setdefault(min(len(c), 6), []).append(c[:6])
    for k, cs in by_len.items():
        mask |= mix["hs6"].str[:k].isin(cs).to_numpy()
    return mask


def _finer_than_hs6(measures: Iterable[Measure]) -> list[str]:
    """Notes for HS8/HS10 codes: the product mix is HS6, so such a code covers its whole HS6."""
    notes = []
    for m in measures:
        p = m.products
        fine = [c for c in (*p.hs, *p.only_hs, *p.exclude_hs) if len(c) > 6]
        if fine:
            notes.append(f"{m.id}: HS codes {', '.join(fine)} are finer than the HS6 product mix; "
                         "each is matched as its whole HS6")
    return notes


@lru_cache(maxsize=512)
def _list_share(src: str, name: str) -> np.ndarray:
    """Share of each product of the mix that the packaged list ``name`` covers, in [0, 1]."""
    mix = _mix_by_src(src)
    lst = product_list(name).set_index("hs6")["share"]
    bad = lst[~lst.between(0.0, 1.0)]
    if len(bad):
        raise DataError(f"{LISTS_DIR / (name + '.csv')}: field share: value {bad.iloc[0]!r} for "
                        f"HS6 {bad.index[0]} is not in [0, 1] (the share of the HS6's 2024 US "
                        "imports that the list covers); fix the list")
    return mix["hs6"].map(lst).fillna(0.0).to_numpy(float)


@lru_cache(maxsize=4096)
def _scope(products_json: str, src: str) -> np.ndarray:
    """Coverage of a product scope on the mix of ``src``, in [0, 1] (union, then restrictions).

    Every term is in [0, 1] (indicators and list shares checked by :func:`_list_share`), so their
    maximum, products and complements are too: nothing needs clipping.
    """
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
    """The measure's product scope as JSON (the cache key of :func:`_scope`), memoised by identity."""
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
    """What ``m`` adds to each product's applied rate where it applies, by its mode.

    ``rate: mfn`` gives ``mfn − base``; ``mode: replaces`` gives ``rate − base``; ``mode: top_up``
    gives ``max(0, rate − mfn)``, the definition of a top-up (the duty that brings MFN up to
    ``rate``; nothing where MFN is already higher); otherwise the rate itself (points added).
    """
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
    """Combine measures on products by their stacking rules (see the module docstring).

    Within a layer a measure adds its rate on ``max(0, c − taken)``, the part of its coverage no
    earlier member took (nested scopes), and the layer's taken coverage is the largest so far; these
    are the stacking rules themselves, not caps (coverages are in [0, 1]).
    """
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
            new = np.maximum(c - so_far, 0.0)
            total += rates[k] * new
            so_far = np.maximum(so_far, c)
        taken[g] = so_far
    return total


# ------------------------------------------------------------------ one pair, by sector label
@dataclass(frozen=True)
class PairBaseline:
    """One importer–exporter pair's baseline by sector label (the world's sectors).

    ``mfn`` is the importer's MFN proxy: its baseline tariff on :data:`MFN_PROXY` (no FTA with the
    US, Canada or Mexico), or its own rate on the exporter when the importer is the proxy.
    """

    importer: str
    exporter: str
    flows: pd.Series   # baseline flow, US$ million (producer prices)
    base: pd.Series    # baseline applied tariff (fraction)
    mfn: pd.Series


def pair_baseline(world: World | None, importer: str, exporter: str) -> PairBaseline:
    """The pair's baseline flows, applied tariffs and MFN proxy by sector (zeros without a world)."""
    if world is None:
        zero = pd.Series(0.0, index=_SECTOR_INDEX)
        return PairBaseline(importer, exporter, flows=zero, base=zero, mfn=zero)
    cs = list(world.countries)
    n, i = cs.index(importer), cs.index(exporter)
    ref = cs.index(MFN_PROXY) if MFN_PROXY in cs and importer != MFN_PROXY else i
    idx = _labels(tuple(world.sectors))
    return PairBaseline(importer, exporter, flows=pd.Series(world.flows[n, i], index=idx, copy=False),
                        base=pd.Series(world.tariffs[n, i], index=idx, copy=False),
                        mfn=pd.Series(world.tariffs[n, ref], index=idx, copy=False))


def _pair_arrays(pair: PairBaseline) -> _Arrays:
    """The product mix that stands for the pair (see :func:`mix_source`)."""
    return _arrays(mix_source(pair.importer, pair.exporter)[0])


def _covered_flow(cov: np.ndarray, pair: PairBaseline) -> float:
    """Baseline trade (US$ million) a product coverage covers: sector flow × covered import share."""
    arr = _pair_arrays(pair)
    flows, in_world = _on_sectors(pair.flows)
    inside = in_world[arr.present]        # mix sectors that the world has
    terms = flows[arr.present][inside] * arr.sector_sums(arr.weight * cov)[inside] \
        / arr.sector_weight.to_numpy()[inside]
    return float(sum(terms))              # added up in sector order


# ------------------------------------------------------------------ the steps of one pair
def _calibrate(measures: Sequence[Measure], pair: PairBaseline, cad_per_usd: float,
               notes: list[str]) -> dict[str, float]:
    """Coverage factors for measures with ``scale_to``: cited covered trade / list × mix implied.

    The list × mix gives the distribution over products and sectors, the cited total its level;
    each factor, and the 100% cap it meets on a product, is reported in ``notes``. Coverage is
    taken with CUSMA in force whatever the scenario says: the cited totals describe trade under
    it, so with ``cusma=False`` the same factor scales the wider, unexempted coverage.
    """
    out: dict[str, float] = {}
    imp, exp = pair.importer, pair.exporter
    for m in measures:
        if m.scale_to is None:
            continue
        c = coverage(m, None, imp, exp)
        implied = _covered_flow(c, pair)
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
        elif cited > 0:
            notes.append(f"{m.id}: the list x mix covers none of {imp}<-{exp} trade, so the cited "
                         f"US${cited:,.0f}M cannot be matched there; the measure adds nothing on the pair")
    return out


def _product_measures(measures: Sequence[Measure], importer: str) -> list[Measure]:
    """Measures that act product by product: all quantified ones but the cited-trade ones.

    On importers without product data a cited ``affected_trade`` value says what a measure
    covers; those act at sector level (:func:`_cited_shares`).
    """
    return [m for m in measures if not m.unquantified and not (m.affected_trade and importer != "USA")]


def _product_coverage(measures: Sequence[Measure], pair: PairBaseline, scale: dict[str, float] | None,
                      cusma: bool) -> list[np.ndarray]:
    """Each measure's coverage of the pair's products, times its calibration factor.

    A calibrated coverage is capped at 100% of a product (no product is more than fully
    covered); :func:`_calibrate` reports it in the notes when the cap binds.
    """
    cov = [coverage(m, None, pair.importer, pair.exporter, cusma) for m in measures]
    if scale:
        cov = [np.minimum(c * scale.get(m.id, 1.0), 1.0) for m, c in zip(measures, cov, strict=True)]
    return cov


def _stack_pair(measures: Sequence[Measure], pair: PairBaseline, scale: dict[str, float] | None = None,
                cusma: bool = True) -> tuple[_Arrays, np.ndarray]:
    """The pair's product mix and the additional rate on each of its products (coverage, stacking).

    ``base`` is the product's 2024 US duty rate on US imports, else the world's sector baseline;
    ``mfn`` the US MFN schedule on US imports, else the importer's MFN proxy.
    """
    arr = _pair_arrays(pair)
    ms = _product_measures(measures, pair.importer)
    if not ms:
        return arr, np.zeros(len(arr.sec))
    if pair.importer == "USA":
        base, mfn = arr.base, arr.mfn
    else:
        base, mfn = arr.per_product(pair.base), arr.per_product(pair.mfn)
    cov = _product_coverage(ms, pair, scale, cusma)
    rates = [_rate_vector(m, pair.exporter, base, mfn) for m in ms]
    return arr, stack(ms, cov, rates)


def _to_sectors(arr: _Arrays, add: np.ndarray) -> pd.Series:
    """Sector additional rate by label: the 2024-import-weighted mean over the sector's products."""
    return pd.Series(arr.sector_sums(arr.weight * add) / arr.sector_weight.to_numpy(), index=arr.sectors)


def _sector_fallback(measures: Sequence[Measure], pair: PairBaseline,
                     covered: Iterable[str]) -> dict[str, float]:
    """Additional rate of goods sectors with trade but no products in the mix, by label.

    Without products only all-goods and sector-scoped measures can be placed; they stack on the
    whole sector (coverage 1) against the world's sector baseline and MFN proxy.
    """
    out: dict[str, float] = {}
    have = set(covered)
    for s in GOODS:
        if s in have or s not in pair.flows.index or not pair.flows[s] > 0:
            continue
        sel = [m for m in measures if not m.affected_trade and
               (m.products.everything or s in m.products.sectors)]
        if not sel:
            continue
        base, mfn = np.array([float(pair.base[s])]), np.array([float(pair.mfn[s])])
        rates = [_rate_vector(m, pair.exporter, base, mfn) for m in sel]
        out[s] = float(stack(sel, [np.ones(1)] * len(sel), rates)[0])
    return out


@dataclass(frozen=True)
class CitedTrade:
    """A measure's cited covered value in one sector of a pair, against the sector's flow."""

    measure: Measure
    sector: str
    usd: float     # the cited value, US$ million
    flow: float    # the sector's baseline flow, US$ million
    scale: float   # 1, or flow / total cited when the sector's cited values exceed the flow

    def added(self, exporter: str) -> float:
        """The measure's addition to the sector rate: rate × covered share of the flow."""
        return float(partner_rate(self.measure, exporter)) * self.usd / self.flow * self.scale


@dataclass(frozen=True)
class CitedShares:
    """Cited affected trade on one pair: each measure's part, and each sector's scale factor."""

    items: list[CitedTrade] = field(default_factory=list)
    scale: dict[str, float] = field(default_factory=dict)


def _cited_shares(measures: Sequence[Measure], pair: PairBaseline, cad_per_usd: float,
                  notes: list[str]) -> CitedShares:
    """Sector shares covered by cited ``affected_trade`` values, on importers without product data.

    Each measure covers its cited value's share of the sector flow. If a sector's cited values
    exceed the world's flow, the shares are scaled down together so they sum to one (the world's
    flow is the binding total), and the scaling is reported in ``notes``. Sectors without
    baseline trade have nothing to cover.
    """
    if pair.importer == "USA":
        return CitedShares()
    by_sector: dict[str, list[tuple[Measure, float]]] = {}
    for m in measures:
        for a in m.affected_trade:
            if a.sector in pair.flows.index:
                by_sector.setdefault(a.sector, []).append((m, a.usd_million(cad_per_usd)))
    out = CitedShares()
    for s, entries in by_sector.items():
        flow = float(pair.flows[s])
        if flow <= 0:
            continue
        total = sum(v for _, v in entries)
        scale = min(1.0, flow / total) if total > 0 else 0.0
        if scale < 1.0:
            notes.append(f"{pair.importer}<-{pair.exporter} {s}: cited trade of "
                         f"{', '.join(m.id for m, _ in entries)} (US${total:,.0f}M) exceeds the "
                         f"world's flow (US${flow:,.0f}M); coverage scaled by {scale:.3f}")
        out.scale[s] = scale
        out.items.extend(CitedTrade(m, s, usd, flow, scale) for m, usd in entries)
    return out


def _pair_rates(measures: Sequence[Measure], pair: PairBaseline, cad_per_usd: float, cusma: bool,
                notes: list[str]) -> tuple[pd.Series, CitedShares]:
    """What the measures add to the pair's applied tariffs, by sector label, and the cited shares.

    Products → sectors first, then the sectors without products, then the cited-trade additions
    in the order listed (each added to what the sector already has).
    """
    scale = _calibrate(measures, pair, cad_per_usd, notes)
    arr, add = _stack_pair(measures, pair, scale, cusma)
    products = _to_sectors(arr, add)   # mix sectors are goods sectors, all in the world (_check_world)
    fallback = _sector_fallback(measures, pair, products.index)
    total = dict(zip(products.index, products.to_numpy(), strict=True)) | fallback
    cited = _cited_shares(measures, pair, cad_per_usd, notes)
    for c in cited.items:
        total[c.sector] = total.get(c.sector, 0.0) + c.added(pair.exporter)
    return pd.Series(list(total.values()), index=pd.Index(list(total), dtype=object), dtype=float), cited


# ------------------------------------------------------------------ quotas
def _quota_record(m: Measure, q: Quota, imp: str, exp: str, cells: list[tuple[str, float]]) -> dict[str, Any]:
    """A quota for :func:`tradeshock.quotas.solve_with_quotas`: where it applies and its terms.

    ``cells`` are ``(sector, share)``: the cited covered value's share of the sector flow.
    ``compiled_rate`` is the rate compiled into the tariffs (the static baseline rule).
    """
    if q.volume_share is not None:
        base_vol, vol, unit = 1.0, float(q.volume_share), "share of baseline imports"
    elif q.volume is not None and q.baseline_volume is not None:
        base_vol, vol, unit = float(q.baseline_volume), float(q.volume), q.unit
    else:  # the schema requires one of the two
        raise ScenarioError(f"measure {m.id!r}: quota needs volume_share, or volume with baseline_volume")
    return {"measure": m.id, "importer": imp, "exporter": exp, "cells": cells,
            "in_rate": float(q.in_rate), "over_rate": float(q.over_rate),
            "compiled_rate": float(q.marginal_rate), "baseline_volume": base_vol,
            "volume": vol, "unit": unit}


def _quota_records(measures: Sequence[Measure], pair: PairBaseline, cited: CitedShares,
                   cad_per_usd: float) -> list[dict[str, Any]]:
    """Quotas on cited sector shares, for :mod:`tradeshock.quotas` to solve on counterfactual volumes.

    A partner-specific rate (``partner_rates``) overrides the quota on that partner.
    """
    out: list[dict[str, Any]] = []
    if pair.importer == "USA":
        return out
    for m in measures:
        if m.quota is None or not m.affected_trade or pair.exporter in m.partner_rates:
            continue
        cells = [(a.sector, float(a.usd_million(cad_per_usd) / float(pair.flows[a.sector])
                                  * cited.scale[a.sector]))
                 for a in m.affected_trade if a.sector in cited.scale]
        if cells:
            out.append(_quota_record(m, m.quota, pair.importer, pair.exporter, cells))
    return out


def _cited_quota_value(m: Measure, pair: PairBaseline, cad_per_usd: float, notes: list[str]) -> float:
    """Cited covered trade of a quota (US$ million), each value capped at its sector's flow.

    The cap (the world's flow is all the trade there is) is reported in ``notes`` when it binds.
    """
    value = 0.0
    for a in m.affected_trade:
        if a.sector not in pair.flows.index:
            continue
        usd, flow = a.usd_million(cad_per_usd), float(pair.flows[a.sector])
        if usd > flow:
            notes.append(f"{m.id}: quota rent on {pair.importer}<-{pair.exporter} {a.sector} counts the "
                         f"world's flow (US${flow:,.0f}M), not the larger cited US${usd:,.0f}M")
        value += min(usd, flow)
    return value


def _quota_rents(measures: Sequence[Measure], pair: PairBaseline, cad_per_usd: float,
                 notes: list[str]) -> list[dict[str, Any]]:
    """Static rents of quotas binding at baseline volumes: (over − in) × fill × covered trade.

    The covered trade is the cited value on importers without product data, else the list ×
    mix coverage of the sector flows (the baseline rule; the rent is a transfer to the importer).
    """
    out: list[dict[str, Any]] = []
    for m in measures:
        q = m.quota
        if q is None or not q.binding:
            continue
        if m.affected_trade and pair.importer != "USA":
            value = _cited_quota_value(m, pair, cad_per_usd, notes)
        else:
            value = _covered_flow(coverage(m, None, pair.importer, pair.exporter), pair)
        rent = (q.over_rate - q.in_rate) * q.fill * value
        out.append({"measure": m.id, "importer": pair.importer, "exporter": pair.exporter,
                    "covered_flow": float(value), "fill": float(q.fill),
                    "rent": float(rent), "unit": "US$ million, base year"})
    return out


# ------------------------------------------------------------------ the pipeline
@dataclass
class Compiled:
    """Measures compiled for a world: new applied tariffs and what went into them."""

    world: World
    tariffs: np.ndarray
    added: np.ndarray
    pairs: list[tuple[str, str]] = field(default_factory=list)
    quota_rents: list[dict[str, Any]] = field(default_factory=list)
    quotas: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _PairCompiled:
    """What :func:`compile_measures` writes for one pair (kept by :func:`reusing_pairs`)."""

    added: pd.Series
    quotas: list[dict[str, Any]]
    quota_rents: list[dict[str, Any]]
    notes: list[str]
    held: tuple[Any, ...]        # the world and measures whose ids key the entry, kept alive


_REUSE: contextvars.ContextVar[dict[tuple, _PairCompiled] | None] = contextvars.ContextVar(
    "tradeshock_rates_reuse", default=None)


@contextmanager
def reusing_pairs() -> Iterator[None]:
    """Within the block, :func:`compile_measures` compiles each (pair, measures) once.

    For analyses that compile many subsets of one package on one world (attribution's
    coalitions, a game's move profiles): a pair hit by the same measure objects on the same
    world and settings gets the result compiled first, notes included. Measured on the 31
    measures in force on 2026-03-01: 10,980 pair compilations of 122 coalitions, 90 distinct.
    Entries are keyed by object identity, so do not modify a measure inside the block.
    """
    token = _REUSE.set({}) if _REUSE.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _REUSE.reset(token)


def _compile_pair(world: World, ms: list[Measure], imp: str, exp: str, cad_per_usd: float,
                  cusma: bool) -> _PairCompiled:
    """One pair's sector additions, quota records, quota rents and notes (reused where allowed)."""
    cache = _REUSE.get()
    key = (id(world), imp, exp, cad_per_usd, cusma, tuple(map(id, ms)))
    if cache is not None and key in cache:
        return cache[key]
    notes: list[str] = []
    pair = pair_baseline(world, imp, exp)
    added, cited = _pair_rates(ms, pair, cad_per_usd, cusma, notes)
    quotas = _quota_records(ms, pair, cited, cad_per_usd)
    rents = _quota_rents(ms, pair, cad_per_usd, notes)
    got = _PairCompiled(added, quotas, rents, notes, (world, *ms))
    if cache is not None:
        cache[key] = got
    return got


def measures_by_pair(measures: Iterable[Measure],
                     countries: Sequence[str]) -> dict[tuple[str, str], list[Measure]]:
    """The measures on each (importer, exporter) pair of ``countries``, in the order given."""
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


def _check_world(world: World, measures: Sequence[Measure]) -> None:
    """Raise unless ``world`` has the WIOD goods sectors the product mixes map to."""
    missing = [x for x in GOODS if x not in world.sectors]
    if measures and missing:
        raise ScenarioError(
            f"world {world.name!r} does not use the WIOD sectors (missing {', '.join(missing[:4])}"
            f"{', ...' if len(missing) > 4 else ''}); the measures library maps HS products to the WIOD "
            "sectors of the 'default' and 'wiod2011' worlds: use one of those, or build a Shock by hand")


def _check_values(measures: Sequence[Measure], cad_per_usd: float) -> None:
    """Raise (never clip) on values the compiler cannot use: negative amounts of trade or quota.

    Cited values and quota volumes are amounts (0 or more; a baseline volume is positive), and a
    cited ``affected_trade`` value on an importer without product data adds points, so its measure
    needs ``mode: additional``.
    """
    def bad(m: Measure, fld: str, value: object, need: str) -> ScenarioError:
        return ScenarioError(f"measure {m.id!r}: field {fld}: value {value!r} {need}")

    if not (math.isfinite(cad_per_usd) and cad_per_usd > 0):
        raise ScenarioError(f"cad_per_usd: value {cad_per_usd!r} must be a positive exchange rate")
    for m in measures:
        for k, a in enumerate(m.affected_trade):
            if not (math.isfinite(a.value) and a.value >= 0):
                raise bad(m, f"affected_trade[{k}].value", a.value,
                          "is not an amount of trade: give the cited covered value, 0 or more")
        if m.affected_trade and m.imposer != "USA" and m.mode != "additional":
            raise bad(m, "mode", m.mode, "cannot act through affected_trade: a cited covered value "
                      "adds points on its share of the sector flow, so use mode: additional")
        if m.scale_to is not None and not (math.isfinite(m.scale_to.value) and m.scale_to.value >= 0):
            raise bad(m, "scale_to.value", m.scale_to.value,
                      "is not an amount of trade: give the cited covered total, 0 or more")
        q = m.quota
        if q is None:
            continue
        for fld, v in (("volume", q.volume), ("volume_share", q.volume_share)):
            if v is not None and not (math.isfinite(v) and v >= 0):
                raise bad(m, f"quota.{fld}", v, "is not a quota amount: give 0 or more")
        if q.baseline_volume is not None and not (math.isfinite(q.baseline_volume) and q.baseline_volume > 0):
            raise bad(m, "quota.baseline_volume", q.baseline_volume,
                      "must be positive (the cited baseline imports the quota volume compares with)")


def compile_measures(world: World, measures: Iterable[Measure], *, cad_per_usd: float = CAD_PER_USD,
                     only_pairs: set[tuple[str, str]] | None = None, cusma: bool = True) -> Compiled:
    """Effective applied tariffs (N, N, J) of ``world`` with ``measures`` on top of its baseline.

    For each pair the measures hit: calibration, coverage and stacking on products, the sector
    means (with the fallback for sectors without products), cited trade, quotas (module docstring).
    ``only_pairs`` restricts the work to some (importer, exporter) pairs (others keep the baseline).
    ``cusma=False``: CUSMA/USMCA no longer in force, so ``cusma_exempt`` measures cover all goods.
    """
    measures = resolve_supersedes(measures)
    skipped = sorted(m.id for m in measures if m.unquantified)
    measures = [m for m in measures if not m.unquantified]
    _check_world(world, measures)
    _check_values(measures, cad_per_usd)
    comp = Compiled(world=world, tariffs=world.tariffs.copy(),
                    added=np.zeros_like(world.tariffs, dtype=float))
    if skipped:
        comp.notes.append("in force but not quantified (coverage not identifiable in trade data): "
                          + ", ".join(skipped))
    comp.notes += _finer_than_hs6(measures)
    countries = list(world.countries)
    column = {s: j for j, s in enumerate(world.sectors)}   # label → position, for the write only
    for (imp, exp), ms in measures_by_pair(measures, countries).items():
        if only_pairs is not None and (imp, exp) not in only_pairs:
            continue
        comp.pairs.append((imp, exp))
        got = _compile_pair(world, ms, imp, exp, cad_per_usd, cusma)
        n, i = countries.index(imp), countries.index(exp)
        comp.added[n, i, [column[s] for s in got.added.index]] = got.added.to_numpy()
        comp.quotas += [dict(q) for q in got.quotas]
        comp.quota_rents += [dict(r) for r in got.quota_rents]
        comp.notes += got.notes
    comp.tariffs = world.tariffs + comp.added
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


def pair_products(measures: Sequence[Measure], importer: str, exporter: str,
                  world: World | None = None, cusma: bool = True) -> pd.DataFrame:
    """Product-level additional rates of ``measures`` on one pair: ``hs6, sector, weight, add``.

    ``world`` supplies the baseline rates that ``mode: replaces`` measures replace for importers
    without product-level duty data, the MFN proxy for ``rate: mfn`` on non-US importers, and
    the pair's trade that ``scale_to`` coverage is calibrated to, so the rates are those that
    :func:`compile_measures` averages to sectors. Without a world nothing is calibrated.
    """
    mix = product_mix(importer, exporter)
    pair = pair_baseline(world, importer, exporter)
    scale = _calibrate(measures, pair, CAD_PER_USD, []) if world is not None else None
    _, add = _stack_pair(measures, pair, scale, cusma)
    out = mix[["hs6", "sector", "weight"]].copy()
    out["add"] = add
    return out


# ------------------------------------------------------------------ public API
def _world(world: World | str) -> World:
    """The world itself, or the packaged world of that name."""
    if isinstance(world, str):
        from tradeshock.world import load_world

        return load_world(world)
    return world


def _check_country(code: str | None, world: World, what: str) -> None:
    """Raise a clear error unless ``code`` is a country of ``world``."""
    if code is not None and code not in world.countries:
        raise ScenarioError(unknown("country", code, world.countries, what))


def measures_in_force(as_of: dt.date | str, library: Library | None = None) -> list[Measure]:
    """Library measures in force on ``as_of`` (threats excluded, supersedes applied)."""
    lib = library or load_library()
    return lib.in_force(as_date(as_of))


def effective_rates(as_of: dt.date | str, imposer: str | None = None, target: str | None = None,
                    world: World | str = "default") -> pd.DataFrame:
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


def tidy(w: World, tariffs: np.ndarray, imposer: str | None = None,
         target: str | None = None) -> pd.DataFrame:
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


def change_dates(imposer: str | None = None, target: str | None = None,
                 library: Library | None = None) -> list[dt.date]:
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


def rate_timeline(imposer: str, target: str, world: World | str = "default") -> pd.DataFrame:
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
