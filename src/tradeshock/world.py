"""The baseline world economy: countries, sectors, bilateral flows, input-output and demand shares.

A :class:`World` is the one data object every analysis starts from. It stores the calibrated
Caliendo–Parro baseline as labelled arrays (countries and sectors carry codes, never bare
positions in the public API) and derives everything else (expenditure, trade shares, gross
output, value added, deficits) from them, so the derived quantities can never disagree.

Array layout (engine order, documented once here):

==================  =================  ===================================================
attribute           shape              meaning (model.md symbol)
==================  =================  ===================================================
``flows``           (N, N, J)          goods from exporter i to importer n in sector j at
                                       producer prices (net of tariffs), US$ million;
                                       index ``[importer, exporter, sector]``; the diagonal
                                       ``[n, n, j]`` is domestic sales
``tariffs``         (N, N, J)          applied ad-valorem tariff τ_ni^j (0.25 = 25%) of
                                       importer n on exporter i; zero on the diagonal
``va_share``        (N, J)             value-added share of gross output γ_n^j
``io_share``        (N, J, J)          ``[n, k, j]`` share of sector-k inputs in sector j's
                                       costs γ_n^{k,j}; ``va_share + io_share.sum(1) == 1``
``final_share``     (N, J)             final-demand share α_n^j, rows sum to one
``theta``           (J,)               trade elasticity θ^j
``tradable``        (J,)               False for sectors traded only at home
==================  =================  ===================================================
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.errors import DataError, unknown

#: Folder holding the packaged worlds (one sub-folder per world, Parquet + provenance.json).
WORLDS_DIR = Path(__file__).parent / "data" / "worlds"

_FILES = ("countries.parquet", "sectors.parquet", "flows.parquet", "country_sector.parquet",
          "io.parquet", "provenance.json")


@dataclasses.dataclass(frozen=True, eq=False)
class World:
    """A calibrated baseline economy (see the module docstring for the array layout).

    Parameters
    ----------
    name, year
        Dataset name (``"default"``, ``"wiod2011"``, ...) and base year of the flows.
    countries, sectors
        ISO3 codes (plus ``"ROW"``) and snake_case sector codes, in array order.
    country_names, sector_labels
        Human-readable labels keyed by code.
    flows, tariffs, va_share, io_share, final_share, theta, tradable
        The calibrated arrays.
    provenance
        Sources (title, url, licence), build date and method notes of the dataset.
    elasticities
        Alternative trade-elasticity sets keyed by name, each a (J,) array; ``theta`` is the
        one in use (its name is ``provenance["elasticity_set"]`` when known).
    """

    name: str
    year: int
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    flows: np.ndarray
    tariffs: np.ndarray
    va_share: np.ndarray
    io_share: np.ndarray
    final_share: np.ndarray
    theta: np.ndarray
    tradable: np.ndarray
    country_names: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sector_labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    provenance: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    elasticities: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        n, j = len(self.countries), len(self.sectors)
        shapes = {"flows": (n, n, j), "tariffs": (n, n, j), "va_share": (n, j),
                  "io_share": (n, j, j), "final_share": (n, j), "theta": (j,), "tradable": (j,)}
        for field, shape in shapes.items():
            arr = np.asarray(getattr(self, field))
            if arr.shape != shape:
                raise DataError(f"world {self.name!r}: {field} has shape {arr.shape}, "
                                f"expected {shape} for {n} countries x {j} sectors")
            if field != "tradable" and not np.all(np.isfinite(arr)):
                raise DataError(f"world {self.name!r}: {field} contains NaN or infinite values")
        if len(set(self.countries)) != n or len(set(self.sectors)) != j:
            raise DataError(f"world {self.name!r}: duplicate country or sector codes")
        if np.any(self.flows < 0):
            raise DataError(f"world {self.name!r}: negative trade flows")
        if np.any(self.tariffs <= -1):
            raise DataError(f"world {self.name!r}: a tariff at or below -100%")

    # ------------------------------------------------------------------ labels
    @property
    def n_countries(self) -> int:
        """Number of countries N (including ROW)."""
        return len(self.countries)

    @property
    def n_sectors(self) -> int:
        """Number of sectors J."""
        return len(self.sectors)

    def country_index(self, code: str, where: str = "") -> int:
        """Position of a country code; raises :class:`DataError` naming valid codes."""
        try:
            return self.countries.index(code)
        except ValueError:
            raise DataError(unknown("country", code, self.countries, where)) from None

    def sector_index(self, code: str, where: str = "") -> int:
        """Position of a sector code; raises :class:`DataError` naming valid codes."""
        try:
            return self.sectors.index(code)
        except ValueError:
            raise DataError(unknown("sector", code, self.sectors, where)) from None

    @cached_property
    def goods(self) -> np.ndarray:
        """Boolean (J,): goods sectors, the ones tariffs apply to.

        Taken from ``provenance["goods_sectors"]`` (WIOD worlds: agriculture through utilities),
        else every tradable sector (the Caliendo–Parro tradables are all goods).
        """
        listed = self.provenance.get("goods_sectors")
        if not listed:
            return np.asarray(self.tradable, dtype=bool).copy()
        return np.array([s in set(listed) for s in self.sectors]) & np.asarray(self.tradable, bool)

    # ---------------------------------------------------------- derived values
    @cached_property
    def expenditure(self) -> np.ndarray:
        """X_n^j: tariff-inclusive spending of importer n on sector j, (N, J)."""
        return np.einsum("nij,nij->nj", self.flows, 1.0 + self.tariffs)

    @cached_property
    def trade_shares(self) -> np.ndarray:
        """π_ni^j: share of n's sector-j spending on goods from i, (N, N, J)."""
        x = self.expenditure[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            pi = np.where(x > 0, self.flows * (1.0 + self.tariffs) / x, 0.0)
        return pi

    @cached_property
    def gross_output(self) -> np.ndarray:
        """Y_i^j: gross output (sales to all destinations at producer prices), (N, J)."""
        return self.flows.sum(axis=0)

    @cached_property
    def value_added(self) -> np.ndarray:
        """w_n L_n: value added (labour income) by country, (N,)."""
        return (self.va_share * self.gross_output).sum(axis=1)

    @cached_property
    def exports(self) -> np.ndarray:
        """Exports by country (producer prices, excluding domestic sales), (N,)."""
        f = self.flows.sum(axis=2)
        return f.sum(axis=0) - np.diag(f)

    @cached_property
    def imports(self) -> np.ndarray:
        """Imports by country (producer prices, excluding domestic purchases), (N,)."""
        f = self.flows.sum(axis=2)
        return f.sum(axis=1) - np.diag(f)

    @cached_property
    def deficit(self) -> np.ndarray:
        """D_n = imports − exports (producer prices), (N,); sums to zero across countries."""
        return self.imports - self.exports

    @cached_property
    def tariff_revenue(self) -> np.ndarray:
        """R_n: baseline tariff revenue by country, (N,)."""
        return np.einsum("nij,nij->n", self.flows, self.tariffs)

    # ------------------------------------------------------------ tidy views
    def trade_flows(self) -> pd.DataFrame:
        """Bilateral flows as a tidy table ``exporter, importer, sector, value`` (US$ million).

        Producer prices (net of tariffs); domestic sales (exporter == importer) included.
        """
        n, j = self.n_countries, self.n_sectors
        imp, exp, sec = np.meshgrid(np.arange(n), np.arange(n), np.arange(j), indexing="ij")
        df = pd.DataFrame({
            "exporter": np.asarray(self.countries)[exp.ravel()],
            "importer": np.asarray(self.countries)[imp.ravel()],
            "sector": np.asarray(self.sectors)[sec.ravel()],
            "value": self.flows.ravel(),
        })
        df.attrs["unit"] = f"US$ million, {self.year}, producer prices"
        return df

    def tariff_table(self) -> pd.DataFrame:
        """Baseline applied tariffs as ``importer, exporter, sector, rate`` (fractions)."""
        n, j = self.n_countries, self.n_sectors
        imp, exp, sec = np.meshgrid(np.arange(n), np.arange(n), np.arange(j), indexing="ij")
        mask = (imp != exp).ravel()
        return pd.DataFrame({
            "importer": np.asarray(self.countries)[imp.ravel()][mask],
            "exporter": np.asarray(self.countries)[exp.ravel()][mask],
            "sector": np.asarray(self.sectors)[sec.ravel()][mask],
            "rate": self.tariffs.ravel()[mask],
        }).reset_index(drop=True)

    def sector_table(self) -> pd.DataFrame:
        """Sectors with label, tradability and trade elasticity θ, indexed by code."""
        return pd.DataFrame({
            "label": [self.sector_labels.get(s, s) for s in self.sectors],
            "tradable": self.tradable.astype(bool),
            "theta": self.theta,
        }, index=pd.Index(self.sectors, name="sector"))

    def summary(self) -> pd.DataFrame:
        """One row per country: GDP (value added), gross output, exports, imports, deficit."""
        df = pd.DataFrame({
            "name": [self.country_names.get(c, c) for c in self.countries],
            "value_added": self.value_added,
            "gross_output": self.gross_output.sum(axis=1),
            "exports": self.exports,
            "imports": self.imports,
            "deficit": self.deficit,
            "tariff_revenue": self.tariff_revenue,
        }, index=pd.Index(self.countries, name="country"))
        df.attrs["unit"] = f"US$ million, {self.year}"
        return df

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The dataset's sources (title, url, licence) from its provenance record."""
        return list(self.provenance.get("sources", []))

    def __repr__(self) -> str:
        return (f"<World {self.name!r} {self.year}: {self.n_countries} countries x "
                f"{self.n_sectors} sectors ({int(self.tradable.sum())} tradable)>")

    # ---------------------------------------------------------- transforms
    def replace(self, **changes: Any) -> World:
        """A copy with some fields replaced (derived values are recomputed)."""
        return dataclasses.replace(self, **changes)

    def to_xarray(self) -> Any:
        """The world as a labelled ``xarray.Dataset`` (:func:`tradeshock.xarrays.world_dataset`)."""
        from tradeshock.xarrays import world_dataset  # xarray loads only when asked for

        return world_dataset(self)

    def with_elasticities(self, name: str) -> World:
        """A copy using the named alternative trade-elasticity set."""
        if name not in self.elasticities:
            raise DataError(unknown("elasticity set", name, self.elasticities, f"world {self.name!r}"))
        prov = dict(self.provenance, elasticity_set=name)
        return self.replace(theta=np.asarray(self.elasticities[name], dtype=float), provenance=prov)

    def aggregate(self, regions: Mapping[str, Sequence[str]] | None = None,
                  sectors: Mapping[str, Sequence[str]] | None = None) -> World:
        """Merge countries into regions and/or sectors into groups, consistently.

        Flows are summed; tariffs are flow-weighted averages; value-added and input shares are
        output-weighted; final-demand shares are weighted by final spending; θ is the
        import-weighted average of its members. Codes not named keep their own row.

        Examples
        --------
        >>> w = load_world("default")                                      # doctest: +SKIP
        >>> w.aggregate(regions={"EU": ["DEU", "FRA", "ITA"]})             # doctest: +SKIP
        """
        from tradeshock.aggregate import aggregate_world

        return aggregate_world(self, regions or {}, sectors or {})

    # --------------------------------------------------------------- I/O
    def save(self, folder: str | Path) -> Path:
        """Write the world as Parquet tables plus ``provenance.json`` (deterministic bytes)."""
        from tradeshock.worldio import write_world

        return write_world(self, Path(folder))


def list_worlds() -> list[str]:
    """Names of the packaged worlds."""
    if not WORLDS_DIR.exists():
        return []
    return sorted(p.name for p in WORLDS_DIR.iterdir()
                  if p.is_dir() and (p / "provenance.json").exists())


def load_world(name: str = "default", folder: str | Path | None = None) -> World:
    """Load a packaged world by name (or a world folder written by :meth:`World.save`).

    Raises
    ------
    DataError
        If the name is unknown, or a file is missing or corrupt (the message names the file).
    """
    from tradeshock.worldio import read_world

    if folder is not None:
        return read_world(Path(folder), name)
    if isinstance(name, World):
        return name
    available = list_worlds()
    if name not in available:
        raise DataError(unknown("world", name, available))
    return read_world(WORLDS_DIR / name, name)


def provenance_json(prov: Mapping[str, Any]) -> str:
    """Canonical JSON text of a provenance record (sorted keys, stable across builds)."""
    return json.dumps(prov, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
