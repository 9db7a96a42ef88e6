"""Shocks to a world: new tariffs, iceberg trade-cost changes and embargoes, built by label.

A :class:`Shock` is a frozen value: the counterfactual applied tariffs τ' and the proportional
change in iceberg costs d̂ for every importer × exporter × sector, in the world's array order,
plus the tariff-rate quotas to be decided on counterfactual volumes (:class:`Quota`), the static
quota rents (:class:`QuotaRent`) and the compiler's notes. Each verb returns a *new* shock (the
arrays are read-only), so a shock can be branched freely and never changes under a caller. An
embargo is d̂ = ∞ and the engine treats it exactly (π' = 0), never as a large finite number.

Examples
--------
>>> w = load_world("default")                                             # doctest: +SKIP
>>> s = (Shock(w).tariff(imposer="USA", target="CAN", rate=0.25)          # doctest: +SKIP
...      .embargo(imposer="CHN", target="CAN", sectors=["agriculture"]))

"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradeshock.errors import DataError, ShockError
from tradeshock.world import World

Codes = str | Iterable[str] | None


@dataclass(frozen=True)
class Quota:
    """A tariff-rate quota on ``importer`` ← ``exporter`` whose marginal rate is decided on volumes.

    ``cells`` are ``(sector, share)`` pairs: the share of the sector flow the quota products
    cover. ``compiled_rate`` is the rate the static compile put into τ' (the in-quota rate, or
    the over-quota rate when the quota binds at baseline volumes); volumes are in ``unit``.
    """

    measure: str
    importer: str
    exporter: str
    cells: tuple[tuple[str, float], ...]
    in_rate: float
    over_rate: float
    compiled_rate: float
    baseline_volume: float
    volume: float
    unit: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", tuple((str(s), float(x)) for s, x in self.cells))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> Quota:
        """A Quota from a compiled record (``tradeshock.rates.Compiled.quotas``)."""
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d})

    def key(self) -> tuple[str, str, str]:
        """``(measure, importer, exporter)``: the flow this quota applies to."""
        return (self.measure, self.importer, self.exporter)


@dataclass(frozen=True)
class QuotaRent:
    """The static rent of a quota binding at baseline volumes (base-year US$ million)."""

    measure: str
    importer: str
    exporter: str
    covered_flow: float
    fill: float
    rent: float
    unit: str = "US$ million, base year"

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> QuotaRent:
        """A QuotaRent from a compiled record (``tradeshock.rates.Compiled.quota_rents``)."""
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d})

    def key(self) -> tuple[str, str, str]:
        """``(measure, importer, exporter)``: the flow this rent arises on."""
        return (self.measure, self.importer, self.exporter)

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain mapping (for ``Result.meta`` and ``run.json``)."""
        return dataclasses.asdict(self)


def _frozen_array(x: Any) -> np.ndarray:
    """A read-only float copy of ``x``."""
    a = np.array(x, dtype=float, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Shock:
    """Counterfactual tariffs and trade costs for a :class:`World`, a frozen value built by verbs.

    ``Shock(world)`` is the null shock; each verb returns a new Shock.

    Attributes
    ----------
    world
        The baseline the shock applies to.
    tariffs
        τ'_ni^j, (N, N, J): the new applied tariffs (default: the baseline's); read-only.
    trade_cost_hat
        d̂_ni^j, (N, N, J): proportional change in iceberg costs (1 = none, ∞ = embargo);
        read-only.
    log
        One record per verb applied (for reports and reproducibility).
    quotas
        Tariff-rate quotas decided on counterfactual volumes by ``simulate``.
    quota_rents
        Static rents of quotas binding at baseline volumes (reported in ``Result.meta``).
    notes
        What the measures compiler adjusted (coverage scaled to cited trade, ...).

    """

    world: World
    tariffs: np.ndarray = None  # type: ignore[assignment]
    trade_cost_hat: np.ndarray = None  # type: ignore[assignment]
    log: tuple[Mapping[str, Any], ...] = ()
    quotas: tuple[Quota, ...] = ()
    quota_rents: tuple[QuotaRent, ...] = ()
    notes: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        t = self.world.tariffs if self.tariffs is None else self.tariffs
        d = np.ones(np.shape(self.world.tariffs)) if self.trade_cost_hat is None else self.trade_cost_hat
        object.__setattr__(self, "tariffs", _frozen_array(t))
        object.__setattr__(self, "trade_cost_hat", _frozen_array(d))
        object.__setattr__(self, "log", tuple(dict(r) for r in self.log))
        object.__setattr__(self, "quotas", tuple(q if isinstance(q, Quota) else Quota.from_mapping(q)
                                                 for q in self.quotas))
        object.__setattr__(self, "quota_rents", tuple(
            r if isinstance(r, QuotaRent) else QuotaRent.from_mapping(r) for r in self.quota_rents))
        object.__setattr__(self, "notes", tuple(str(x) for x in self.notes))

    def replace(self, **changes: Any) -> Shock:
        """A new Shock with ``changes`` (``dataclasses.replace``; arrays are copied read-only)."""
        return dataclasses.replace(self, **changes)

    def _logged(self, record: dict[str, Any], **changes: Any) -> Shock:
        return dataclasses.replace(self, log=self.log + (record,), **changes)

    # ----------------------------------------------------------- selection
    def _countries(self, codes: Codes, what: str) -> np.ndarray:
        if codes is None or codes == "all":
            return np.arange(self.world.n_countries)
        if isinstance(codes, str):
            codes = [codes]
        try:
            return np.array([self.world.country_index(c, where=what) for c in codes], dtype=int)
        except DataError as exc:
            raise ShockError(str(exc)) from None

    def _sectors(self, codes: Codes, what: str) -> np.ndarray:
        if codes is None or codes == "all":
            # tariffs are levied on goods only; other verbs reach every traded sector
            mask = self.world.goods if what.startswith("tariff") else self.world.tradable
            return np.flatnonzero(mask)
        if isinstance(codes, str):
            codes = [codes]
        try:
            return np.array([self.world.sector_index(c, where=what) for c in codes], dtype=int)
        except DataError as exc:
            raise ShockError(str(exc)) from None

    def _mask(self, importer: Codes, exporter: Codes, sectors: Codes, verb: str) -> np.ndarray:
        """Boolean (N, N, J) selection of foreign pairs ``importer`` ← ``exporter`` in ``sectors``."""
        n, j = self.world.n_countries, self.world.n_sectors
        imp = np.zeros(n, bool)
        imp[self._countries(importer, f"{verb}.imposer")] = True
        exp = np.zeros(n, bool)
        exp[self._countries(exporter, f"{verb}.target")] = True
        sec = np.zeros(j, bool)
        sec[self._sectors(sectors, f"{verb}.sectors")] = True
        mask = imp[:, None, None] & exp[None, :, None] & sec[None, None, :]
        return mask & ~np.eye(n, dtype=bool)[:, :, None]

    @staticmethod
    def _number(value: Any, name: str, verb: str) -> float:
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise ShockError(f"{verb}.{name} must be a number, got {value!r}") from None
        if not math.isfinite(x):
            raise ShockError(f"{verb}.{name} must be finite, got {value!r}")
        return x

    # ---------------------------------------------------------------- verbs
    def tariff(self, imposer: Codes = None, target: Codes = None, sectors: Codes = None, *,
               rate: float | None = None, add: float | None = None, label: str = "") -> Shock:
        """Set the applied tariff of ``imposer`` on ``target`` to ``rate``, or raise it by ``add``.

        Rates are fractions (0.25 = 25%). Omitted ``imposer``/``target``/``sectors`` mean all
        countries / all goods sectors (:attr:`World.goods`; services carry no tariffs). Domestic
        pairs are never taxed.
        """
        if (rate is None) == (add is None):
            raise ShockError("tariff: give exactly one of rate= (new applied rate) or add= (points added)")
        if sectors is not None and sectors != "all":
            # one rule with scenario files: tariffs reach goods only (services cross no customs)
            for k in self._sectors(sectors, "tariff.sectors"):
                if not self.world.goods[k]:
                    from tradeshock.measures.library import services_message

                    raise ShockError(services_message(self.world.sectors[k], "tariff.sectors"))
        mask = self._mask(imposer, target, sectors, "tariff")
        if rate is not None:
            r = self._number(rate, "rate", "tariff")
            if r <= -1:
                raise ShockError(f"tariff.rate {r} is at or below -100%; rates are fractions (0.25 = 25%)")
            new = np.where(mask, r, self.tariffs)
        else:
            a = self._number(add, "add", "tariff")
            new = np.where(mask, self.tariffs + a, self.tariffs)
            if np.any(new <= -1):
                raise ShockError(f"tariff.add {a} takes a tariff to or below -100%")
        return self._logged({"verb": "tariff", "imposer": imposer, "target": target, "sectors": sectors,
                             "rate": rate, "add": add, "label": label}, tariffs=new)

    def set_tariffs(self, tariffs: np.ndarray, label: str = "") -> Shock:
        """Replace the whole (N, N, J) counterfactual tariff array (as compiled from measures)."""
        t = np.asarray(tariffs, dtype=float)
        if t.shape != self.tariffs.shape:
            raise ShockError(f"tariff array has shape {t.shape}, world needs {self.tariffs.shape}")
        if not np.all(np.isfinite(t)):
            raise ShockError("tariff array contains NaN or infinite values")
        if np.any(t <= -1):
            raise ShockError("tariff array has a rate at or below -100%")
        n = self.world.n_countries
        return self._logged({"verb": "set_tariffs", "label": label},
                            tariffs=np.where(np.eye(n, dtype=bool)[:, :, None], 0.0, t))

    def trade_cost(self, importer: Codes = None, exporter: Codes = None, sectors: Codes = None, *,
                   change: float, symmetric: bool = False, label: str = "") -> Shock:
        """Scale iceberg costs of goods shipped ``exporter`` → ``importer`` by ``1 + change``.

        ``change=-0.1`` cuts trade costs by 10%. ``symmetric=True`` applies the same change to
        the reverse direction. Changes compound with earlier ones.
        """
        c = self._number(change, "change", "trade_cost")
        if c <= -1:
            raise ShockError(f"trade_cost.change {c} would make trade costs zero or negative")
        mask = self._mask(importer, exporter, sectors, "trade_cost")
        if symmetric:
            mask = mask | mask.transpose(1, 0, 2)
        new = np.where(mask, self.trade_cost_hat * (1.0 + c), self.trade_cost_hat)
        return self._logged({"verb": "trade_cost", "importer": importer, "exporter": exporter,
                             "sectors": sectors, "change": c, "symmetric": symmetric, "label": label},
                            trade_cost_hat=new)

    def embargo(self, imposer: Codes = None, target: Codes = None, sectors: Codes = None, *,
                label: str = "") -> Shock:
        """Stop all imports of ``imposer`` from ``target`` in ``sectors`` (π' = 0 exactly)."""
        if imposer is not None and target is not None:
            imp = set(imposer) if not isinstance(imposer, str) else {imposer}
            tgt = set(target) if not isinstance(target, str) else {target}
            same = imp & tgt
            if same and len(imp) == 1 and len(tgt) == 1:
                raise ShockError(f"embargo: {same.pop()} cannot embargo its own domestic sales")
        mask = self._mask(imposer, target, sectors, "embargo")
        return self._logged({"verb": "embargo", "imposer": imposer, "target": target,
                             "sectors": sectors, "label": label},
                            trade_cost_hat=np.where(mask, np.inf, self.trade_cost_hat))

    def copy(self) -> Shock:
        """An equal, independent shock (every field kept, quotas included): ``dataclasses.replace``."""
        return dataclasses.replace(self)

    def check_fits(self, world: World) -> None:
        """Reject a shock built for another world, NaN entries or a domestic embargo, by label.

        Raises
        ------
        ShockError
            Names the importer, exporter and sector of the first bad entry.
        """
        shock = self
        sw = shock.world
        if sw is not world and (tuple(sw.countries) != tuple(world.countries)
                                or tuple(sw.sectors) != tuple(world.sectors)):
            raise ShockError(f"the shock was built for world {sw.name!r} "
                             f"({sw.n_countries} countries x {sw.n_sectors} sectors), not "
                             f"{world.name!r} ({world.n_countries} x {world.n_sectors}); "
                             "build it with Shock(world) on the world you simulate")
        shape = (world.n_countries, world.n_countries, world.n_sectors)

        def where(mask: np.ndarray) -> str:
            n, i, j = np.argwhere(mask)[0]
            return (f"importer {world.countries[n]}, exporter {world.countries[i]}, "
                    f"sector {world.sectors[j]}")

        for name in ("tariffs", "trade_cost_hat"):
            arr = np.asarray(getattr(shock, name), dtype=float)
            if arr.shape != shape:
                raise ShockError(f"shock.{name} has shape {arr.shape}, world {world.name!r} needs {shape}")
            if np.any(np.isnan(arr)):
                raise ShockError(f"shock.{name} is NaN at {where(np.isnan(arr))}")
        t = np.asarray(shock.tariffs, dtype=float)
        if np.any(np.isinf(t)):
            raise ShockError(f"shock.tariffs is infinite at {where(np.isinf(t))}; use an embargo instead")
        if np.any(t <= -1):
            raise ShockError(f"shock.tariffs is at or below -100% at {where(t <= -1)}")
        d = np.asarray(shock.trade_cost_hat, dtype=float)
        if np.any(d <= 0):
            raise ShockError(f"shock.trade_cost_hat is not positive at {where(d <= 0)}")
        n = world.n_countries
        dom = np.isinf(d[np.arange(n), np.arange(n), :])
        if np.any(dom):
            c, j = np.argwhere(dom)[0]
            raise ShockError(f"the shock embargoes {world.countries[c]}'s domestic sales of "
                             f"{world.sectors[j]}; a country cannot embargo itself")
        cut = np.all(np.isinf(d) | (world.trade_shares == 0), axis=1) & (world.expenditure > 0)
        if np.any(cut):
            c, j = np.argwhere(cut)[0]
            raise ShockError(f"the shock leaves {world.countries[c]} with no supplier of "
                             f"{world.sectors[j]} (all sources with a positive share are embargoed)")

    # ------------------------------------------------------------ inspection
    @property
    def embargoed(self) -> np.ndarray:
        """Boolean (N, N, J): flows stopped by an embargo."""
        return np.isinf(self.trade_cost_hat)

    @property
    def is_null(self) -> bool:
        """True when nothing changes relative to the baseline."""
        return bool(np.array_equal(self.tariffs, self.world.tariffs)
                    and np.all(self.trade_cost_hat == 1.0))

    def kappa_hat(self) -> np.ndarray:
        """κ̂ = (1 + τ')/(1 + τ) · d̂ for every importer × exporter × sector (∞ = embargo)."""
        return (1.0 + self.tariffs) / (1.0 + self.world.tariffs) * self.trade_cost_hat
