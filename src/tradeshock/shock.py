"""Shocks to a world: new tariffs, iceberg trade-cost changes and embargoes, built by label.

A :class:`Shock` holds the counterfactual applied tariffs τ' and the proportional change in
iceberg costs d̂ for every importer × exporter × sector, in the world's array order. An embargo
is d̂ = ∞ and the engine treats it exactly (π' = 0), never as a large finite number.

Examples
--------
>>> w = load_world("default")                                             # doctest: +SKIP
>>> s = (Shock(w).tariff(imposer="USA", target="CAN", rate=0.25)          # doctest: +SKIP
...      .embargo(imposer="CHN", target="CAN", sectors=["agriculture"]))

"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradeshock.errors import DataError, ShockError
from tradeshock.world import World

Codes = str | Iterable[str] | None


@dataclass
class Shock:
    """Counterfactual tariffs and trade costs for a :class:`World`, built with chainable verbs.

    Attributes
    ----------
    world
        The baseline the shock applies to.
    tariffs
        τ'_ni^j, (N, N, J): the new applied tariffs (start: the baseline's).
    trade_cost
        d̂_ni^j, (N, N, J): proportional change in iceberg costs (1 = none, ∞ = embargo).
    log
        One record per verb applied (for reports and reproducibility).

    """

    world: World
    tariffs: np.ndarray = field(init=False)
    trade_cost_hat: np.ndarray = field(init=False)
    log: list[dict[str, Any]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.tariffs = np.array(self.world.tariffs, dtype=float, copy=True)
        self.trade_cost_hat = np.ones_like(self.tariffs)

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
    def _number(value: float, name: str, verb: str) -> float:
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
        mask = self._mask(imposer, target, sectors, "tariff")
        if rate is not None:
            r = self._number(rate, "rate", "tariff")
            if r <= -1:
                raise ShockError(f"tariff.rate {r} is at or below -100%; rates are fractions (0.25 = 25%)")
            self.tariffs = np.where(mask, r, self.tariffs)
        else:
            a = self._number(add, "add", "tariff")
            new = np.where(mask, self.tariffs + a, self.tariffs)
            if np.any(new <= -1):
                raise ShockError(f"tariff.add {a} takes a tariff to or below -100%")
            self.tariffs = new
        self.log.append({"verb": "tariff", "imposer": imposer, "target": target, "sectors": sectors,
                         "rate": rate, "add": add, "label": label})
        return self

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
        self.tariffs = np.where(np.eye(n, dtype=bool)[:, :, None], 0.0, t)
        self.log.append({"verb": "set_tariffs", "label": label})
        return self

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
        self.trade_cost_hat = np.where(mask, self.trade_cost_hat * (1.0 + c), self.trade_cost_hat)
        self.log.append({"verb": "trade_cost", "importer": importer, "exporter": exporter,
                         "sectors": sectors, "change": c, "symmetric": symmetric, "label": label})
        return self

    def embargo(self, imposer: Codes = None, target: Codes = None, sectors: Codes = None, *,
                label: str = "") -> Shock:
        """Stop all imports of ``imposer`` from ``target`` in ``sectors`` (π' = 0 exactly)."""
        if imposer is not None and target is not None:
            imp = set(np.atleast_1d(imposer)) if not isinstance(imposer, str) else {imposer}
            tgt = set(np.atleast_1d(target)) if not isinstance(target, str) else {target}
            same = imp & tgt
            if same and len(imp) == 1 and len(tgt) == 1:
                raise ShockError(f"embargo: {same.pop()} cannot embargo its own domestic sales")
        mask = self._mask(imposer, target, sectors, "embargo")
        self.trade_cost_hat = np.where(mask, np.inf, self.trade_cost_hat)
        self.log.append({"verb": "embargo", "imposer": imposer, "target": target,
                         "sectors": sectors, "label": label})
        return self

    def copy(self) -> Shock:
        """An independent copy (same world; arrays and log copied) to branch a shock."""
        new = Shock(self.world)
        new.tariffs = self.tariffs.copy()
        new.trade_cost_hat = self.trade_cost_hat.copy()
        new.log = [dict(entry) for entry in self.log]
        return new

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
