"""Canada's results by province and territory: the national sector results split by province.

Baseline: each province's share of a sector, from Statistics Canada GDP by industry and province
(2021), refined with canola production shares for the canola-seed part of agriculture. Changes:
a sector hit by measures has its change located where the hit products are made (the HS lines
the measures hit, weighted by trade times the additional rate, each cited product by its
provincial production or export shares: :func:`shock_hits`, :func:`change_split`); other
sectors keep the GDP shares. Real income by province (:func:`province_income`) is deflated like
Canada's and adds up to it. See ``docs/provinces.md`` and ``data/provinces``.

This is an accounting split, not a provincial general-equilibrium model (no provincial prices,
wages or interprovincial trade). Provinces add up exactly to the national result.

Examples
--------
>>> res = simulate(load_world("default"), shock)                          # doctest: +SKIP
>>> res.provinces().head()                                                # doctest: +SKIP
>>> province_summary(res)                                                 # doctest: +SKIP
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradeshock.errors import DataError

if TYPE_CHECKING:
    from tradeshock.result import Result
    from tradeshock.world import World

#: Folder of the packaged provincial data (built by ``tradeshock.build.provinces``).
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "provinces"

#: Province codes in display order (west to east, then the territories).
PROVINCES: tuple[str, ...] = ("BC", "AB", "SK", "MB", "ON", "QC", "NB", "NS", "PE", "NL",
                              "YT", "NT", "NU")

#: Destination groups of provincial exports.
DESTINATIONS: tuple[str, ...] = ("USA", "CHN", "other")

UNIT = "C$ million (converted from US$ million of the world's base year)"


@dataclass(frozen=True)
class ProvinceData:
    """The packaged provincial tables.

    Attributes
    ----------
    shares
        sector × province (13 columns) share of the national sector; rows sum to one.
    canola
        province → share of canola-seed production (mean of the StatCan 32-10-0359 years).
    products
        product × province shares of the products the measures hit (canola, pork, lobster,
        crab, autos, steel, aluminium, lumber, crude oil, natural gas, peas), with their HS
        prefixes in ``product_hs``.
    provinces
        One row per province: name, 2021 GDP (C$ million), tile-map column and row.
    concordance
        WIOD sector → StatCan groups and the rule used.
    provenance
        Sources, method notes, exchange rate and canola figures.
    """

    shares: pd.DataFrame
    canola: pd.Series
    provinces: pd.DataFrame
    concordance: pd.DataFrame
    provenance: dict[str, Any]
    products: pd.DataFrame | None = None
    product_hs: dict[str, tuple[str, ...]] | None = None

    @property
    def cad_per_usd(self) -> float:
        """The CAD per USD rate used to express results in Canadian dollars."""
        return float(self.provenance["exchange_rate"]["value"])


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"provincial data file missing: {path}; rebuild it with "
                        "tradeshock.build.provinces.build_provinces(shared/data/provinces, "
                        f"{DATA_DIR})")
    return pd.read_parquet(path)


@lru_cache(maxsize=4)
def load_province_data(folder: str | None = None) -> ProvinceData:
    """Load the provincial split tables (cached); ``folder`` defaults to the packaged data."""
    base = Path(folder) if folder else DATA_DIR
    shares = _read(base / "sector_shares.parquet").pivot(index="sector", columns="province",
                                                         values="share")
    shares = shares.reindex(columns=list(PROVINCES)).fillna(0.0)
    prod = _read(base / "products.parquet")
    canola = (prod[prod["product"] == "canola_seed"].set_index("province")["share"]
              .reindex(list(PROVINCES)).fillna(0.0))
    provinces = _read(base / "provinces.parquet").set_index("province")
    concordance = _read(base / "concordance.parquet")
    prov_path = base / "provenance.json"
    if not prov_path.exists():
        raise DataError(f"provincial data file missing: {prov_path}")
    provenance = json.loads(prov_path.read_text(encoding="utf-8"))
    products = (prod.pivot(index="product", columns="province", values="share")
                .reindex(columns=list(PROVINCES)).fillna(0.0))
    product_hs = ({r.product: tuple(str(r.hs).split()) for r in
                   prod.drop_duplicates("product").itertuples()} if "hs" in prod.columns else {})
    return ProvinceData(shares, canola, provinces, concordance, provenance, products, product_hs)


# ------------------------------------------------------------------------------ shares
def _canola_weights(world: World, data: ProvinceData, country: str) -> dict[str, float]:
    """Canola seed's weight in Canada's agriculture: in output and in exports by destination.

    Uses the Canola Council 2024 values (C$, converted at the packaged rate) against the world's
    own Canadian agriculture gross output and exports; weights are capped at one.
    """
    if "agriculture" not in world.sectors or country != "CAN":
        return {}
    c = data.provenance.get("canola_2024", {})
    fx = data.cad_per_usd
    n = world.countries.index(country)
    j = world.sectors.index("agriculture")
    out = float(world.gross_output[n, j])
    flows = np.asarray(world.flows[:, n, j], dtype=float).copy()
    flows[n] = 0.0
    weights = {"output": min(1.0, c.get("production_value_cad_mn", 0.0) / fx / out) if out > 0 else 0.0}
    seed_china = c.get("seed_exports_to_china_cad_mn", 0.0) / fx
    seed_other = (c.get("seed_exports_cad_mn", 0.0) - c.get("seed_exports_to_china_cad_mn", 0.0)) / fx
    if "CHN" in world.countries:
        k = world.countries.index("CHN")
        to_china = float(flows[k])
        weights["CHN"] = min(1.0, seed_china / to_china) if to_china > 0 else 0.0
        other = float(flows.sum() - to_china)
    else:
        other = float(flows.sum())
        seed_other += seed_china
    weights["other"] = min(1.0, seed_other / other) if other > 0 else 0.0
    return weights


def province_shares(world: World, country: str = "CAN", destination: str | None = None,
                    data: ProvinceData | None = None) -> pd.DataFrame:
    """Sector × province shares used for ``world`` (rows sum to one).

    Parameters
    ----------
    world
        The world of the result (its sector codes and, for the canola weight, its Canadian
        agriculture output and exports).
    country
        The country whose agriculture gets the canola-seed weight (only ``"CAN"`` does;
        any other code leaves the packaged shares as they are).
    destination
        ``None`` for value added and employment; a partner code for that destination's exports
        (only agriculture differs: the canola-seed weight depends on the destination).
    data
        Provincial tables to use; ``None`` loads the packaged ones (:func:`load_province_data`).
    """
    data = data or load_province_data()
    missing = [s for s in world.sectors if s not in data.shares.index]
    if missing:
        raise DataError(f"provincial shares cover the 35 WIOD sectors; world {world.name!r} has "
                        f"sectors {missing[:5]} without a provincial split (use the default or "
                        "wiod2011 world)")
    shares = data.shares.loc[list(world.sectors)].copy()
    w = _canola_weights(world, data, country)
    if w:
        key = "output" if destination is None else ("CHN" if destination == "CHN" else "other")
        wt = w.get(key, 0.0)
        shares.loc["agriculture"] = wt * data.canola + (1.0 - wt) * shares.loc["agriculture"]
    return shares.div(shares.sum(axis=1), axis=0)


# ------------------------------------------------------------------------------ where changes land
def _product_of(codes: Any, product_hs: dict[str, tuple[str, ...]]) -> np.ndarray:
    """The product of each HS code (``""`` when none).

    A code inside a product's prefixes is that product; a broader code (e.g. a measure on
    ``0206``) is the product only if it contains the prefixes of exactly one product (``03``, all
    seafood, contains lobster and crab: no product).
    """
    codes = pd.Series(np.asarray(codes, dtype=object)).astype(str)
    out = np.full(len(codes), "", dtype=object)
    for prod, prefixes in product_hs.items():
        mask = np.zeros(len(codes), bool)
        for pre in prefixes:
            mask |= codes.str.startswith(pre).to_numpy()
        out[mask & (out == "")] = prod
    for k, c in enumerate(codes):
        if out[k] == "":
            inside = {p for p, pres in product_hs.items() if any(pre.startswith(c) for pre in pres)}
            if len(inside) == 1:
                out[k] = inside.pop()
    return out


@lru_cache(maxsize=64)
def _mix_products(importer: str, exporter: str, key: str) -> np.ndarray:
    """The provincial product of each HS6 line of the pair's product mix (``key``: the products' names)."""
    from tradeshock import rates

    data = load_province_data()
    return _product_of(rates.product_mix(importer, exporter)["hs6"].to_numpy(), data.product_hs or {})


def shock_hits(result: Result, country: str = "CAN", data: ProvinceData | None = None) -> pd.DataFrame:
    """Money at stake on ``country``'s exports, by partner, sector and product (US$ million).

    For every partner whose measures in the result's scenario hit ``country``: the trade of each HS
    line (the sector flow times the line's share in the pair's product mix, or a measure's cited
    covered value) times the additional rate, in absolute value. ``product`` is the product of
    ``products.parquet`` the line belongs to, ``""`` for lines without a sourced provincial split.
    Empty for results without a scenario (a hand-built Shock).
    """
    from tradeshock import rates

    cols = ["partner", "sector", "product", "hit"]
    sc = getattr(result, "scenario", None)
    if sc is None or not hasattr(sc, "tariff_measures"):
        return pd.DataFrame(columns=cols)
    data = data or load_province_data()
    world = result.world
    measures = rates.resolve_supersedes(sc.tariff_measures())
    countries = list(world.countries)
    if not measures or country not in countries:
        return pd.DataFrame(columns=cols)
    sidx = {s: k for k, s in enumerate(world.sectors)}
    rows: list[dict[str, Any]] = []
    i = countries.index(country)
    cusma = bool(getattr(sc, "cusma_in_force", True))
    for (imp, exp), ms in rates.measures_by_pair(measures, countries).items():
        if exp != country:
            continue
        n = countries.index(imp)
        lines = rates.pair_products(ms, imp, exp, world, cusma)
        if len(lines) and lines["add"].to_numpy().any():
            lines["product"] = _mix_products(imp, exp, ",".join(sorted(data.product_hs or {})))
            flows = pd.Series(world.flows[n, i], index=list(world.sectors))
            share = lines["weight"] / lines.groupby("sector")["weight"].transform("sum")
            lines["hit"] = lines["sector"].map(flows).fillna(0.0) * share.fillna(0.0) * lines["add"].abs()
            df = lines[lines["hit"] > 0].groupby(["sector", "product"], as_index=False)["hit"].sum()
            rows += [{"partner": imp, **r} for r in df.to_dict("records")]
        if imp == "USA":
            continue
        cited: dict[str, list[tuple[Any, float]]] = {}
        for m in ms:
            for a in m.affected_trade or ():
                if a.sector in sidx:
                    cited.setdefault(a.sector, []).append((m, a.usd_million(rates.CAD_PER_USD)))
        for sector, items in cited.items():
            flow_j = float(world.flows[n, i, sidx[sector]])
            total = sum(v for _, v in items)
            if flow_j <= 0 or total <= 0:
                continue
            f = min(1.0, flow_j / total)
            for m, usd in items:
                r = rates.partner_rate(m, exp)
                if r == "mfn":
                    continue
                prods = _product_of(list(m.products.hs) or [""], data.product_hs or {})
                prod = prods[0] if len(set(prods)) == 1 else ""
                rows.append({"partner": imp, "sector": sector, "product": prod,
                             "hit": abs(float(r)) * usd * f})
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).groupby(["partner", "sector", "product"], as_index=False)["hit"].sum()
    out.attrs["unit"] = "US$ million of trade times additional rate (money at stake)"
    return out


@dataclass(frozen=True)
class ChangeSplit:
    """Where a result's sector changes land: the split of each sector's change across provinces.

    Attributes
    ----------
    sector
        sector × province split of the national value-added change (rows sum to one).
    partner
        (partner, sector) → province split of the export change to that partner (a partner whose
        measures hit the sector; its change is located by the products hit).
    direct
        sector → weight δ of the located part: ``min(1, |ΔX_direct| / |ΔY|)``, the export change to
        the hitting partners over the sector's output change (0 for sectors not hit).
    """

    sector: pd.DataFrame
    partner: dict[tuple[str, str], np.ndarray]
    direct: pd.Series


_SPLITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def change_split(result: Result, country: str = "CAN", base: pd.DataFrame | None = None,
                 data: ProvinceData | None = None) -> ChangeSplit:
    """Split of each sector's change across provinces by the product composition of the shock.

    A sector whose exports are hit by measures has its change located, with weight δ (see
    :class:`ChangeSplit`), where the hit products are made: each HS line's money at stake
    (:func:`shock_hits`) goes to the provinces by that product's shares (``products.parquet``),
    lines without a sourced split by the sector's GDP shares. The rest of the change (1 − δ),
    and every sector not hit, uses the baseline split ``base`` (default :func:`province_shares`).
    """
    data = data or load_province_data()
    world = result.world
    base = province_shares(world, country, data=data) if base is None else base
    key = (country, pd.util.hash_pandas_object(base).sum())
    try:
        hit = _SPLITS.get(result, {}).get(key)
    except TypeError:                      # an object without weak references: no cache
        hit = None
    if hit is not None:
        return hit
    cs = _change_split(result, country, base, data)
    try:
        _SPLITS.setdefault(result, {})[key] = cs
    except TypeError:
        pass
    return cs


def _change_split(result: Result, country: str, base: pd.DataFrame, data: ProvinceData) -> ChangeSplit:
    split = base.copy()
    direct = pd.Series(0.0, index=base.index)
    hits = shock_hits(result, country, data)
    partner: dict[tuple[str, str], np.ndarray] = {}
    if hits.empty:
        return ChangeSplit(split, partner, direct)
    products = data.products if data.products is not None else pd.DataFrame(columns=list(PROVINCES))
    for (imp, sector), g in hits.groupby(["partner", "sector"]):
        if sector not in base.index:
            continue
        rest = data.shares.loc[sector].to_numpy(float) if sector in data.shares.index \
            else base.loc[sector].to_numpy(float)
        loc = np.zeros(len(PROVINCES))
        for r in g.itertuples():
            sh = products.loc[r.product].to_numpy(float) if r.product in products.index else rest
            loc += r.hit * sh
        tot = loc.sum()
        if tot > 0:
            partner[(imp, sector)] = loc / tot
    countries, sectors = list(result.world.countries), list(result.world.sectors)
    i = countries.index(country)
    moved = result.flows_cf[:, i, :] - result.flows_base[:, i, :]        # exports [importer, sector]
    dx = {k: float(moved[countries.index(k[0]), sectors.index(k[1])]) for k in partner
          if k[0] in countries and k[0] != country and k[1] in sectors}
    out = _national_output(result, country)
    dy = out["gross_output_cf"] - out["gross_output_base"] if "gross_output_cf" in out.columns \
        else out["value_added_cf"] - out["value_added_base"]
    for sector in base.index:
        keys = [k for k in partner if k[1] == sector]
        if not keys:
            continue
        d = np.array([float(dx.get(k, 0.0)) for k in keys])
        w = np.abs(d) if np.abs(d).sum() > 0 else np.array(
            [float(hits[(hits["partner"] == k[0]) & (hits["sector"] == sector)]["hit"].sum())
             for k in keys])
        loc = sum(wk * partner[k] for wk, k in zip(w, keys, strict=True)) / w.sum()
        change = abs(float(dy.get(sector, 0.0)))
        delta = 1.0 if change == 0 else min(1.0, abs(float(d.sum())) / change)
        if np.abs(d).sum() == 0:
            delta = 1.0
        direct[sector] = delta
        split.loc[sector] = delta * loc + (1.0 - delta) * base.loc[sector].to_numpy(float)
    return ChangeSplit(split.div(split.sum(axis=1), axis=0), partner, direct)


# ------------------------------------------------------------------------------ results
def _national_output(result: Result, country: str) -> pd.DataFrame:
    out = result.output()
    out = out[out["country"] == country] if "country" in out.columns else out.loc[country]
    if len(out) == 0:
        raise DataError(f"the result has no rows for {country!r}: provinces need a world with Canada")
    return out.set_index("sector")


def province_results(result: Result, shares: pd.DataFrame | None = None,
                     country: str = "CAN") -> pd.DataFrame:
    """Split Canada's sector value added and employment across provinces (tidy).

    Parameters
    ----------
    result
        A :class:`tradeshock.result.Result` of a world containing CAN.
    shares
        Optional sector × province share table to use instead of the packaged one (e.g. a
        richer provincial table); rows must sum to one.
    country
        Code of the country split across provinces (the world must contain it; the provinces
        and the exchange rate are Canada's).

    Returns
    -------
    pandas.DataFrame
        Columns ``province, province_name, sector, share`` (baseline split), ``change_share``
        (split of the sector's change: by the products hit where the sector is hit, else equal to
        ``share``), ``value_added_base, value_added_cf, value_added_change`` (C$ million, nominal
        in the numéraire), ``value_added_change_pct`` (percent) and ``employment_change_pct``
        (the national sector's). ``df.attrs`` records the unit, the exchange rate and its
        source, the method and the price basis.
    """
    data = load_province_data()
    world = result.world
    if country not in world.countries:
        raise DataError(f"world {world.name!r} has no {country}: provincial results need Canada")
    sh = province_shares(world, country, data=data) if shares is None else _check_shares(shares, world)
    cs = change_split(result, country, base=sh, data=data).sector.reindex(sh.index)
    nat = _national_output(result, country).reindex(sh.index)
    fx = data.cad_per_usd
    base = nat["value_added_base"].to_numpy(float) * fx
    cf = nat["value_added_cf"].to_numpy(float) * fx
    s = sh.to_numpy(float)                          # (J, P) baseline split
    c = cs.to_numpy(float)                          # (J, P) split of the change
    n_sec, n_prov = s.shape
    va0 = (base[:, None] * s).ravel()
    dva = ((cf - base)[:, None] * c).ravel()
    nat_pct = np.repeat(nat["value_added_change_pct"].to_numpy(float), n_prov)
    with np.errstate(invalid="ignore", divide="ignore"):
        # a sector split like its baseline moves by the national percentage in every province
        pct = np.where(c.ravel() == s.ravel(), nat_pct,
                       np.where(va0 > 0, 100 * dva / va0, np.nan))
    df = pd.DataFrame({
        "province": np.tile(np.asarray(sh.columns), n_sec),
        "sector": np.repeat(np.asarray(sh.index), n_prov),
        "share": s.ravel(),
        "change_share": c.ravel(),
        "value_added_base": va0,
        "value_added_cf": va0 + dva,
        "value_added_change": dva,
        "value_added_change_pct": pct,
        "employment_change_pct": np.repeat(nat["employment_change_pct"].to_numpy(float), n_prov),
    })
    names = data.provinces["name"].to_dict()
    df.insert(1, "province_name", df["province"].map(names))
    df.attrs.update(_attrs(data, world))
    meta = getattr(result, "meta", None)
    if isinstance(meta, dict):
        meta.setdefault("cad_per_usd", df.attrs["cad_per_usd"])
    return df


def _attrs(data: ProvinceData, world: World) -> dict[str, Any]:
    fx = data.provenance["exchange_rate"]
    note = ""
    if getattr(world, "year", 2024) != fx.get("year"):
        note = (f"world base year {world.year} differs from the exchange-rate year {fx.get('year')}: "
                "C$ figures are indicative")
    return {
        "unit": UNIT, "cad_per_usd": float(fx["value"]), "exchange_rate_year": fx.get("year"),
        "exchange_rate_source": f"{fx.get('source_title')} ({fx.get('source_url')})",
        "exchange_rate_note": note,
        "method": "split of national sector results: baseline by StatCan 2021 GDP-by-industry "
                  "shares (canola seed by canola production shares); changes of sectors hit by "
                  "measures located by the products hit (where each is made); not a provincial "
                  "GE model",
        "price_basis": "nominal, numéraire units (world value added fixed); real income: "
                       "province_summary's real_income_change_pct",
    }


def _check_shares(shares: pd.DataFrame, world: World) -> pd.DataFrame:
    missing = [s for s in world.sectors if s not in shares.index]
    if missing:
        raise DataError(f"share table lacks sectors {missing[:5]}")
    sh = shares.loc[list(world.sectors)].astype(float)
    bad = sh.index[~np.isclose(sh.sum(axis=1), 1.0, atol=1e-9)]
    if len(bad):
        raise DataError(f"share table rows must sum to 1; sector {bad[0]!r} sums to "
                        f"{sh.loc[bad[0]].sum():.6f}")
    return sh


def province_exports(result: Result, country: str = "CAN") -> pd.DataFrame:
    """Provincial exports by destination group (USA, CHN, other) and sector (tidy, C$ million).

    Columns ``province, destination, sector, baseline, counterfactual, change, change_pct``.
    Baseline exports of each sector to each destination are split with the province shares of
    that sector (agriculture uses the destination's canola-seed weight). Changes follow
    :func:`change_split`: the change in exports to a partner whose measures hit the sector lands
    where the hit products are made; other changes in a hit sector use the sector's split of the
    change, and sectors not hit the baseline shares.
    """
    data = load_province_data()
    world = result.world
    countries, sectors = list(world.countries), list(world.sectors)
    i = countries.index(country)
    flows0, flows1 = result.flows_base[:, i, :], result.flows_cf[:, i, :]   # [importer, sector]
    cs = change_split(result, country, data=data) if "CAN" in world.countries else None
    hit_sectors = set(cs.direct.index[cs.direct > 0]) if cs is not None else set()
    fx = data.cad_per_usd
    frames = []
    for dest in DESTINATIONS:
        buyers = [n for n, c in enumerate(countries) if c != country
                  and (c == dest if dest != "other" else c not in ("USA", "CHN"))]
        if not buyers:
            continue
        sh = province_shares(world, country, destination=dest, data=data)
        base = pd.Series(flows0[buyers].sum(axis=0), index=sectors).reindex(sh.index).fillna(0.0)
        base = base.to_numpy() * fx
        moved = flows1[buyers] - flows0[buyers]                               # [buyer, sector]
        change = np.zeros(sh.shape)
        for k, sector in enumerate(sh.index):
            if sector not in sectors:
                continue
            col = moved[:, sectors.index(sector)]
            rest = 0.0                     # changes without a partner-specific split, summed
            for b, n in enumerate(buyers):
                key = (countries[n], sector)
                if cs is not None and key in cs.partner:
                    change[k] += col[b] * fx * cs.partner[key]
                else:
                    rest += col[b]
            if rest:
                split = (cs.sector.loc[sector] if cs is not None and sector in hit_sectors
                         else sh.iloc[k])
                change[k] += rest * fx * split.to_numpy(float)
        s = sh.to_numpy(float)
        n_sec, n_prov = s.shape
        b = (base[:, None] * s).ravel()
        frames.append(pd.DataFrame({
            "province": np.tile(np.asarray(sh.columns), n_sec),
            "destination": dest,
            "sector": np.repeat(np.asarray(sh.index), n_prov),
            "baseline": b,
            "counterfactual": b + change.ravel(),
        }))
    if not frames:
        return pd.DataFrame(columns=["province", "destination", "sector", "baseline",
                                     "counterfactual", "change", "change_pct"])
    df = pd.concat(frames, ignore_index=True)
    df["change"] = df["counterfactual"] - df["baseline"]
    with np.errstate(invalid="ignore", divide="ignore"):
        df["change_pct"] = np.where(df["baseline"] > 0, 100 * df["change"] / df["baseline"], np.nan)
    df.attrs.update(_attrs(data, world))
    return df


def province_income(result: Result, va: pd.Series, country: str = "CAN") -> pd.DataFrame | None:
    """Real income by province, deflated like Canada's real income so provinces add up to it.

    Canada's income is value added + tariff revenue + trade deficit, deflated by its consumer
    price index (``welfare()["real_income"]``). A province's income is its value added plus a
    share of the national revenue and deficit equal to its share of baseline value added (there
    are no provincial accounts for either), deflated by the same national price index (one
    consumer price for Canada: the model has no provincial prices). So the income-weighted mean
    of the provincial real changes is Canada's real income change exactly.

    ``va`` is the province × (``value_added_base``, ``value_added_change``) frame in C$ million.
    Returns ``income_base, income_cf, real_income_change_pct`` by province, or None when the
    result carries no equilibrium (a stand-in without income accounts).
    """
    base_eq, eq = getattr(result, "baseline", None), getattr(result, "equilibrium", None)
    if base_eq is None or eq is None or not hasattr(base_eq, "income"):
        return None
    n = list(result.world.countries).index(country)
    fx = load_province_data().cad_per_usd
    cpi = float(result.welfare().loc[country, "price_index"]) / 100.0
    va0 = va["value_added_base"].astype(float)
    va1 = va0 + va["value_added_change"].astype(float)
    other0 = float(base_eq.income[n]) * fx - float(va0.sum())   # revenue + deficit, base
    other1 = float(eq.I_new[n]) * fx - float(va1.sum())          # revenue + deficit, scenario
    rho = va0 / va0.sum()
    inc0 = va0 + rho * other0
    inc1 = va1 + rho * other1
    return pd.DataFrame({"income_base": inc0, "income_cf": inc1,
                         "real_income_change_pct": 100 * (inc1 / (1.0 + cpi) / inc0 - 1.0)})


def _value_added(by_province: Any) -> pd.DataFrame:
    """``value_added_base, value_added_change`` by province from :func:`province_results` rows."""
    return pd.DataFrame({"value_added_base": by_province["value_added_base"].sum(),
                         "value_added_change": by_province["value_added_change"].sum()})


def province_real_income(result: Result, country: str = "CAN") -> pd.DataFrame:
    """Real income change by province (percent), the ``real_income_change_pct`` of the summary.

    Columns ``name, real_income_change_pct``, indexed by province code in :data:`PROVINCES`
    order; for callers that need only this (the timeline), without the summary's exports and
    drivers.
    """
    va = _value_added(province_results(result, country=country).groupby("province", sort=False))
    inc = province_income(result, va, country)
    out = pd.DataFrame({"name": load_province_data().provinces["name"].reindex(va.index),
                        "real_income_change_pct": inc["real_income_change_pct"] if inc is not None
                        else np.nan}, index=va.index)
    return out.reindex(list(PROVINCES))


def province_summary(result: Result, top: int = 3, country: str = "CAN") -> pd.DataFrame:
    """One row per province: real income, value added (nominal), employment, exports, drivers.

    Columns ``province, name, real_income_change_pct`` (percent, deflated by Canada's consumer
    price index, adding up to Canada's real income change: :func:`province_income`),
    ``value_added_base, value_added_change`` (C$ million, nominal in the numéraire),
    ``value_added_change_pct`` (nominal percent), ``employment_change_pct`` (weighted by baseline
    value added: provincial employment by sector is not in the data), ``exports_usa_change,
    exports_chn_change, exports_other_change`` (C$ million) and ``drivers`` (the ``top`` sectors
    with the largest value-added moves). ``attrs["price_basis"]`` says which columns are real.
    """
    pr = province_results(result, country=country)
    pr["emp_w"] = pr["employment_change_pct"] * pr["value_added_base"]
    g = pr.groupby("province", sort=False)
    out = _value_added(g)
    out["employment_change_pct"] = g["emp_w"].sum() / g["value_added_base"].sum()
    out["value_added_change_pct"] = 100 * out["value_added_change"] / out["value_added_base"]
    inc = province_income(result, out, country)
    out["real_income_change_pct"] = inc["real_income_change_pct"] if inc is not None else np.nan
    drivers = {}
    for p, grp in g:
        big = grp.reindex(grp["value_added_change"].abs().sort_values(ascending=False).index).head(top)
        drivers[p] = "; ".join(f"{r.sector} {r.value_added_change:+,.0f}" for r in big.itertuples()
                               if r.value_added_change != 0)
    out["drivers"] = pd.Series(drivers)
    try:
        ex = province_exports(result, country=country)
        exs = ex.groupby(["province", "destination"])["change"].sum().unstack()
        for d in DESTINATIONS:
            out[f"exports_{d.lower()}_change"] = exs[d] if d in exs else 0.0
    except AttributeError:  # a result without flows (a stand-in with output() only)
        pass
    data = load_province_data()
    out.insert(0, "name", data.provinces["name"].reindex(out.index))
    out = out.reindex(list(PROVINCES)).reset_index().rename(columns={"index": "province"})
    out = out[["province", "name", "real_income_change_pct", "value_added_base", "value_added_change",
               "value_added_change_pct", "employment_change_pct"]
              + [c for c in out.columns if c.startswith("exports_")] + ["drivers"]]
    out.attrs.update(pr.attrs)
    out.attrs["price_basis"] = ("real_income_change_pct: real (deflated by Canada's consumer price "
                                "index, adds up to Canada's real income change); value_added_* and "
                                "exports_*: nominal, numéraire units (world value added fixed)")
    return out


@lru_cache(maxsize=1)
def load_canada_map() -> dict[str, Any]:
    """Simplified province outlines (CC BY 4.0, ``@svg-maps/canada``) for the report's map.

    Returns ``{"provinces": {code: [[xs, ys], ...]}, "source": {...}, "viewBox": [...]}`` in
    the SVG's own planar units (y up); DataError if the file is missing.
    """
    path = DATA_DIR / "canada_map.json"
    if not path.exists():
        raise DataError(f"map file missing: {path}; rebuild it with "
                        "tradeshock.build.provinces.convert_svg_map")
    return json.loads(path.read_text(encoding="utf-8"))
