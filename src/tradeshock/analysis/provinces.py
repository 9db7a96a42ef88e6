"""Canada's results by province and territory: a shift-share split of the national sector results.

Each national sector result (value added, employment, exports by destination) is split across
the 13 provinces and territories with each province's share of that sector, taken from
Statistics Canada GDP by industry and province (2021), refined with canola production shares for
the canola-seed part of agriculture (see ``docs/provinces.md`` and ``data/provinces``).

This is an accounting split, not a provincial general-equilibrium model: within a sector every
province moves by the same percentage, and provinces differ only through their sector mix.
Provinces add up exactly to the national result.

Examples
--------
>>> res = simulate(load_world("default"), shock)                          # doctest: +SKIP
>>> res.provinces().head()                                                # doctest: +SKIP
>>> province_summary(res)                                                 # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.errors import DataError

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
        province → share of canola-seed production (pooled StatCan 32-10-0359 years).
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
    return ProvinceData(shares, canola, provinces, concordance, provenance)


# ------------------------------------------------------------------------------ shares
def _canola_weights(world: Any, data: ProvinceData, country: str) -> dict[str, float]:
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


def province_shares(world: Any, country: str = "CAN", destination: str | None = None,
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


# ------------------------------------------------------------------------------ results
def _national_output(result: Any, country: str) -> pd.DataFrame:
    out = result.output()
    out = out[out["country"] == country] if "country" in out.columns else out.loc[country]
    if len(out) == 0:
        raise DataError(f"the result has no rows for {country!r}: provinces need a world with Canada")
    return out.set_index("sector")


def province_results(result: Any, shares: pd.DataFrame | None = None,
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
        Columns ``province, province_name, sector, share, value_added_base, value_added_cf,
        value_added_change`` (C$ million), ``value_added_change_pct, employment_change_pct``
        (percent, equal to the national sector's: a shift-share split). ``df.attrs`` records
        the unit, the exchange rate and its source, and the method.
    """
    data = load_province_data()
    world = result.world
    if country not in world.countries:
        raise DataError(f"world {world.name!r} has no {country}: provincial results need Canada")
    sh = province_shares(world, country, data=data) if shares is None else _check_shares(shares, world)
    nat = _national_output(result, country).reindex(sh.index)
    fx = data.cad_per_usd
    base = nat["value_added_base"].to_numpy(float) * fx
    cf = nat["value_added_cf"].to_numpy(float) * fx
    s = sh.to_numpy(float)                          # (J, P)
    n_sec, n_prov = s.shape
    df = pd.DataFrame({
        "province": np.tile(np.asarray(sh.columns), n_sec),
        "sector": np.repeat(np.asarray(sh.index), n_prov),
        "share": s.ravel(),
        "value_added_base": (base[:, None] * s).ravel(),
        "value_added_cf": (cf[:, None] * s).ravel(),
        "value_added_change": ((cf - base)[:, None] * s).ravel(),
        "value_added_change_pct": np.repeat(nat["value_added_change_pct"].to_numpy(float), n_prov),
        "employment_change_pct": np.repeat(nat["employment_change_pct"].to_numpy(float), n_prov),
    })
    names = data.provinces["name"].to_dict()
    df.insert(1, "province_name", df["province"].map(names))
    df.attrs.update(_attrs(data, world))
    meta = getattr(result, "meta", None)
    if isinstance(meta, dict):
        meta.setdefault("cad_per_usd", df.attrs["cad_per_usd"])
    return df


def _attrs(data: ProvinceData, world: Any) -> dict[str, Any]:
    fx = data.provenance["exchange_rate"]
    note = ""
    if getattr(world, "year", 2024) != fx.get("year"):
        note = (f"world base year {world.year} differs from the exchange-rate year {fx.get('year')}: "
                "C$ figures are indicative")
    return {
        "unit": UNIT, "cad_per_usd": float(fx["value"]), "exchange_rate_year": fx.get("year"),
        "exchange_rate_source": f"{fx.get('source_title')} ({fx.get('source_url')})",
        "exchange_rate_note": note,
        "method": "shift-share split of national sector results with StatCan 2021 GDP-by-industry "
                  "shares (canola seed by canola production shares); not a provincial GE model",
    }


def _check_shares(shares: pd.DataFrame, world: Any) -> pd.DataFrame:
    missing = [s for s in world.sectors if s not in shares.index]
    if missing:
        raise DataError(f"share table lacks sectors {missing[:5]}")
    sh = shares.loc[list(world.sectors)].astype(float)
    bad = sh.index[~np.isclose(sh.sum(axis=1), 1.0, atol=1e-9)]
    if len(bad):
        raise DataError(f"share table rows must sum to 1; sector {bad[0]!r} sums to "
                        f"{sh.loc[bad[0]].sum():.6f}")
    return sh


def province_exports(result: Any, country: str = "CAN") -> pd.DataFrame:
    """Provincial exports by destination group (USA, CHN, other) and sector (tidy, C$ million).

    Columns ``province, destination, sector, baseline, counterfactual, change, change_pct``.
    National exports of each sector to each destination are split with the province shares of
    that sector (agriculture uses the destination's canola-seed weight).
    """
    data = load_province_data()
    world = result.world
    tr = result.trade()
    tr = tr[(tr["exporter"] == country) & (tr["importer"] != country)].copy()
    tr["destination"] = np.where(tr["importer"].isin(["USA", "CHN"]), tr["importer"], "other")
    nat = tr.groupby(["destination", "sector"])[["baseline", "counterfactual"]].sum()
    fx = data.cad_per_usd
    frames = []
    for dest in DESTINATIONS:
        if dest not in nat.index.get_level_values(0):
            continue
        sh = province_shares(world, country, destination=dest if dest != "other" else "other",
                             data=data)
        d = nat.loc[dest].reindex(sh.index).fillna(0.0) * fx
        s = sh.to_numpy(float)
        n_sec, n_prov = s.shape
        frames.append(pd.DataFrame({
            "province": np.tile(np.asarray(sh.columns), n_sec),
            "destination": dest,
            "sector": np.repeat(np.asarray(sh.index), n_prov),
            "baseline": (d["baseline"].to_numpy()[:, None] * s).ravel(),
            "counterfactual": (d["counterfactual"].to_numpy()[:, None] * s).ravel(),
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


def province_summary(result: Any, top: int = 3, country: str = "CAN") -> pd.DataFrame:
    """One row per province: value added change (C$ million and %), employment, exports, drivers.

    Columns ``province, name, value_added_base, value_added_change, value_added_change_pct,
    employment_change_pct`` (weighted by baseline value added: provincial employment by sector
    is not in the data), ``exports_usa_change, exports_chn_change, exports_other_change``
    (C$ million) and ``drivers`` (the ``top`` sectors with the largest value-added moves).
    """
    pr = province_results(result, country=country)
    pr["emp_w"] = pr["employment_change_pct"] * pr["value_added_base"]
    g = pr.groupby("province", sort=False)
    out = pd.DataFrame({
        "value_added_base": g["value_added_base"].sum(),
        "value_added_change": g["value_added_change"].sum(),
        "employment_change_pct": g["emp_w"].sum() / g["value_added_base"].sum(),
    })
    out["value_added_change_pct"] = 100 * out["value_added_change"] / out["value_added_base"]
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
    except AttributeError:  # a result without a trade() view
        pass
    data = load_province_data()
    out.insert(0, "name", data.provinces["name"].reindex(out.index))
    out = out.reindex(list(PROVINCES)).reset_index().rename(columns={"index": "province"})
    out = out[["province", "name", "value_added_base", "value_added_change", "value_added_change_pct",
               "employment_change_pct"] + [c for c in out.columns if c.startswith("exports_")]
              + ["drivers"]]
    out.attrs.update(pr.attrs)
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
