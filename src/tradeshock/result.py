"""``Result``: one solved counterfactual as data with tidy, labelled views; ``ResultSet``: several.

A Result holds what was solved and the engine's arrays, and computes the labelled views
(``welfare()``, ``trade()``, ``exports()``, ``output()``, ``prices()``, ``revenue()``). Everything
built on top — the HTML report, the provinces, the notebook display — is an *accessor* registered
from its own package with :func:`register_result_accessor` (the xarray pattern), so this module
never imports ``report/`` or ``analysis/``: ``res.report(path)`` and ``res.provinces()`` work
because those packages register ``report`` and ``provinces`` on :class:`Result`. The built-in
accessor modules are listed by name in :data:`ACCESSOR_MODULES` and imported on the first
unknown attribute, so a caller need not import them first.

Every view compares the counterfactual with the *re-solved baseline* (the world solved with no
shock under the same deficit treatment; see :mod:`tradeshock.simulate`). Money is in US$
million of the world's base year at producer prices, in units of the numéraire (world value
added fixed: Σ ŵ_n w_n L_n = Σ w_n L_n). Percent columns end in ``_pct`` or are listed as
percent in ``df.attrs["unit"]``.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any, TypeVar, overload

import numpy as np
import pandas as pd

from tradeshock._version import __version__
from tradeshock.errors import TradeshockError, unknown
from tradeshock.model import Baseline, Equilibrium
from tradeshock.model import equations as eqs
from tradeshock.model import welfare as wf
from tradeshock.shock import Shock
from tradeshock.world import World

__all__ = ["Result", "ResultSet", "NUMERAIRE", "register_result_accessor",
           "register_resultset_accessor", "ACCESSOR_MODULES", "as_result_set"]

#: The normalisation every result uses (reported in ``Result.meta``).
NUMERAIRE = "world value added fixed: sum_n w_hat_n w_n L_n = sum_n w_n L_n"

#: Modules that register the built-in accessors (``report``, ``_repr_html_``, ``provinces``).
#: Imported by name on the first attribute a Result does not have, like plugin entry points.
ACCESSOR_MODULES: tuple[str, ...] = ("tradeshock.report.accessors", "tradeshock.analysis.accessors")

T = TypeVar("T")


class _Accessor:
    """Descriptor: ``obj.name`` is ``factory(obj)``, built once per object (xarray's pattern)."""

    def __init__(self, name: str, factory: Callable[[Any], Any]) -> None:
        self._name, self._factory = name, factory

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self._factory
        cache = obj.__dict__.setdefault("_accessors", {})
        if self._name not in cache:
            cache[self._name] = self._factory(obj)
        return cache[self._name]


def _register(target: type, name: str) -> Callable[[T], T]:
    def decorate(factory: T) -> T:
        existing = target.__dict__.get(name)
        if existing is not None and not isinstance(existing, _Accessor):
            warnings.warn(f"registering accessor {name!r} on {target.__name__} overrides an existing "
                          "attribute", stacklevel=3)
        setattr(target, name, _Accessor(name, factory))  # type: ignore[arg-type]
        return factory
    return decorate


def _load_accessors() -> None:
    for mod in ACCESSOR_MODULES:
        importlib.import_module(mod)


def _missing(obj: Any, name: str) -> Any:
    """Attribute fallback: load the built-in accessors once, then look ``name`` up again."""
    if name.startswith("__") or name in ("_accessors", "_ipython_canary_method_should_not_exist_"):
        raise AttributeError(name)
    cls = type(obj)
    if not cls.__dict__.get("_accessors_loaded", False):
        _load_accessors()
        cls._accessors_loaded = True
        if isinstance(cls.__dict__.get(name), _Accessor):
            return getattr(obj, name)
    raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")


def _pct(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(old != 0, (new / old - 1.0) * 100.0, np.nan)


def register_result_accessor(name: str) -> Callable[[T], T]:
    """Register ``factory(result)`` as ``Result.<name>`` (a class or function taking the Result).

    Examples
    --------
    >>> @register_result_accessor("summary")                               # doctest: +SKIP
    ... class Summary:
    ...     def __init__(self, result): self._r = result
    ...     def __call__(self): return self._r.welfare().loc["CAN"]

    """
    return _register(Result, name)


def register_resultset_accessor(name: str) -> Callable[[T], T]:
    """Register ``factory(result_set)`` as ``ResultSet.<name>``."""
    return _register(ResultSet, name)


class Result:
    """A solved counterfactual: inputs, certified diagnostics, labelled arrays and tidy views.

    Attributes
    ----------
    world, shock, scenario, deficits
        What was solved (``scenario`` is None when a plain Shock was given).
    diagnostics
        ``converged``, ``iterations``, ``inner_iterations``, ``residual_price``,
        ``residual_expenditure``, ``residual_trade_balance`` (max residuals of eqs. 2, 4, 5,
        relative; see :class:`~tradeshock.model.Equilibrium`), ``seconds``.
    meta
        Numéraire, units, baseline definition, tolerance, versions.
    reference
        The result this one is measured against besides the baseline (the status quo a package
        is added to, or ``--against``), set by :mod:`tradeshock.runner`; None otherwise.
    baseline, equilibrium
        The engine's re-solved :class:`~tradeshock.model.Baseline` and the counterfactual
        :class:`~tradeshock.model.Equilibrium` (hats relative to that baseline).
    countries, sectors
        Labels of the array axes below.
    w_hat (N,), P_hat (N, J), c_hat (N, J), flows_base (N, N, J), flows_cf (N, N, J)
        Arrays in world order ``[importer, exporter, sector]``; flows at producer prices.

    """

    def __init__(self, world: World, shock: Shock, scenario: Any, deficits: str,
                 baseline: Baseline, equilibrium: Equilibrium, baseline_solve: Equilibrium | None = None,
                 tol: float | None = None) -> None:
        self.world = world
        self.shock = shock
        self.scenario = scenario
        self.deficits = deficits
        self.baseline = baseline
        self.equilibrium = equilibrium
        self.reference: Result | None = None
        self.diagnostics: dict[str, Any] = dict(equilibrium.diagnostics)
        #: Elasticity draws (:class:`tradeshock.uncertainty.Uncertainty`) when asked for.
        self.uncertainty: Any = None
        gap = None
        if baseline_solve is not None:
            gap = {"w_hat_min": float(baseline_solve.w_hat.min()),
                   "w_hat_max": float(baseline_solve.w_hat.max()),
                   "iterations": int(baseline_solve.iterations),
                   "seconds": float(baseline_solve.seconds)}
        self.meta: dict[str, Any] = {
            "numeraire": NUMERAIRE,
            "units": f"US$ million of {world.year} at producer prices, numeraire units; "
                     "changes in percent",
            "baseline": f"world {world.name!r} re-solved with no shock, deficits {deficits!r}; "
                        "all changes are relative to it",
            "baseline_resolve": gap,
            "deficits": deficits,
            "tol": tol,
            "world": world.name,
            "year": world.year,
            "elasticity_set": world.provenance.get("elasticity_set"),
            "versions": {"tradeshock": __version__, "numpy": np.__version__,
                         "pandas": pd.__version__},
        }
        if shock.quota_rents:
            self.meta["quota_rents"] = [r.as_dict() for r in shock.quota_rents]
            self.meta["quota_rents_note"] = (
                "binding quotas are modelled at their marginal (over-quota) rate on all imports of "
                "the flow; the quota rent accrues to the importer, so revenue() and real_income "
                "already include it (listed here at base-year values)")

    def __getattr__(self, name: str) -> Any:
        return _missing(self, name)

    @property
    def name(self) -> str:
        """The scenario's name, or ``"custom shock"`` for a hand-built Shock."""
        sc = self.scenario
        if sc is not None:
            return str(getattr(sc, "name", None) or "scenario")
        return "custom shock"

    # ------------------------------------------------------------ arrays
    @property
    def countries(self) -> tuple[str, ...]:
        """Country codes in array order."""
        return self.world.countries

    @property
    def sectors(self) -> tuple[str, ...]:
        """Sector codes in array order."""
        return self.world.sectors

    @property
    def w_hat(self) -> np.ndarray:
        """ŵ_n, (N,)."""
        return self.equilibrium.w_hat

    @property
    def P_hat(self) -> np.ndarray:
        """P̂_n^j sectoral price indices, (N, J)."""
        return self.equilibrium.P_hat

    @property
    def c_hat(self) -> np.ndarray:
        """ĉ_n^j input-bundle costs, (N, J)."""
        return self.equilibrium.c_hat

    @cached_property
    def flows_base(self) -> np.ndarray:
        """Re-solved baseline flows π X / (1 + τ), (N, N, J), producer prices."""
        return self.baseline.flows

    @cached_property
    def flows_cf(self) -> np.ndarray:
        """Counterfactual flows π' X' / (1 + τ'), (N, N, J), producer prices."""
        e = self.equilibrium
        return eqs.flows(e.pi_new, e.X_new, e.tariffs_new)

    # ------------------------------------------------------------ views
    def welfare(self) -> pd.DataFrame:
        """Welfare and prices by country, all in percent change.

        Columns
        -------
        real_income
            EXACT welfare change: Î_n / Π_j (P̂_n^j)^{α_n^j} − 1 (real final absorption).
        welfare_cp
            Caliendo–Parro decomposition = terms_of_trade + volume_of_trade, evaluated once at
            baseline values with dln x = x̂ − 1: the first-order number the paper reports.
        terms_of_trade, volume_of_trade
            The two parts of ``welfare_cp``.
        real_wage
            ŵ_n / Π_j (P̂_n^j)^{α_n^j} − 1.
        price_index
            Consumer price index Π_j (P̂_n^j)^{α_n^j} − 1 (numéraire units).
        """
        b, e = self.baseline, self.equilibrium
        tot, vot = wf.cp_decomposition(b, e)
        df = pd.DataFrame({
            "real_income": wf.real_income(b, e) * 100,
            "welfare_cp": (tot + vot) * 100,
            "terms_of_trade": tot * 100,
            "volume_of_trade": vot * 100,
            "real_wage": wf.real_wage(b, e) * 100,
            "price_index": wf.consumer_price(b, e) * 100,
        }, index=pd.Index(self.countries, name="country"))
        df.attrs["unit"] = "percent change vs re-solved baseline"
        return df

    def to_xarray(self) -> Any:
        """The result as a labelled ``xarray.Dataset`` (:func:`tradeshock.xarrays.result_dataset`)."""
        from tradeshock.xarrays import result_dataset  # xarray loads only when asked for

        return result_dataset(self)

    def to_frame(self) -> pd.DataFrame:
        """:meth:`welfare` as a flat table, one row per country (``country`` a column)."""
        df = self.welfare().reset_index()
        df.attrs["unit"] = "percent change vs re-solved baseline"
        return df

    def trade(self) -> pd.DataFrame:
        """Bilateral flows by sector, domestic sales (exporter == importer) included.

        Columns ``exporter, importer, sector, baseline, counterfactual, change, change_pct``;
        producer prices.
        """
        n, j = len(self.countries), len(self.sectors)
        imp, exp, sec = np.meshgrid(np.arange(n), np.arange(n), np.arange(j), indexing="ij")
        c, s = np.asarray(self.countries), np.asarray(self.sectors)
        base, cf = self.flows_base.ravel(), self.flows_cf.ravel()
        df = pd.DataFrame({"exporter": c[exp.ravel()], "importer": c[imp.ravel()],
                           "sector": s[sec.ravel()], "baseline": base, "counterfactual": cf,
                           "change": cf - base, "change_pct": _pct(cf, base)})
        df.attrs["unit"] = self._money_unit()
        return df

    def _partner_table(self, country: str | None, direction: str) -> pd.DataFrame:
        base, cf = self.flows_base.sum(axis=2), self.flows_cf.sum(axis=2)   # [importer, exporter]
        if direction == "exports":
            base, cf = base.T, cf.T                                         # [exporter, importer]
        n = len(self.countries)
        row, col = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        keep = (row != col).ravel()
        c = np.asarray(self.countries)
        df = pd.DataFrame({"country": c[row.ravel()][keep], "partner": c[col.ravel()][keep],
                           "baseline": base.ravel()[keep], "counterfactual": cf.ravel()[keep]})
        df["change"] = df["counterfactual"] - df["baseline"]
        df["change_pct"] = _pct(df["counterfactual"].to_numpy(), df["baseline"].to_numpy())
        if country is not None:
            codes = [country] if isinstance(country, str) else list(country)
            for code in codes:
                self.world.country_index(code, where=f"Result.{direction}(country=)")
            df = df[df["country"].isin(codes)].reset_index(drop=True)
        df.attrs["unit"] = self._money_unit()
        return df

    def exports(self, country: str | None = None) -> pd.DataFrame:
        """Exports by partner, summed over sectors (domestic sales excluded).

        Columns ``country, partner, baseline, counterfactual, change, change_pct``.
        """
        return self._partner_table(country, "exports")

    def imports(self, country: str | None = None) -> pd.DataFrame:
        """Imports by partner, summed over sectors (domestic purchases excluded).

        Columns ``country, partner, baseline, counterfactual, change, change_pct``.
        """
        return self._partner_table(country, "imports")

    def output(self) -> pd.DataFrame:
        """Gross output, value added and employment by country and sector.

        Employment: labour is mobile across sectors within a country at one wage, so sector
        employment is proportional to sector value added; ``employment_share_*`` are fractions
        of the country's workforce and ``employment_change_pct`` the percent change in the
        sector's employment (total employment is fixed).
        """
        gam = self.baseline.va_share
        y0, y1 = self.flows_base.sum(axis=0), self.flows_cf.sum(axis=0)     # (i, j)
        v0, v1 = gam * y0, gam * y1
        with np.errstate(divide="ignore", invalid="ignore"):
            s0 = v0 / v0.sum(axis=1, keepdims=True)
            s1 = v1 / v1.sum(axis=1, keepdims=True)
        n, j = y0.shape
        ci, si = np.meshgrid(np.arange(n), np.arange(j), indexing="ij")
        df = pd.DataFrame({
            "country": np.asarray(self.countries)[ci.ravel()],
            "sector": np.asarray(self.sectors)[si.ravel()],
            "gross_output_base": y0.ravel(), "gross_output_cf": y1.ravel(),
            "gross_output_change_pct": _pct(y1, y0).ravel(),
            "value_added_base": v0.ravel(), "value_added_cf": v1.ravel(),
            "value_added_change_pct": _pct(v1, v0).ravel(),
            "employment_share_base": s0.ravel(), "employment_share_cf": s1.ravel(),
            "employment_change_pct": _pct(s1, s0).ravel(),
        })
        df.attrs["unit"] = (self._money_unit() + " (gross_output_*, value_added_*); employment "
                            "shares are fractions; *_pct in percent")
        return df

    def prices(self) -> pd.DataFrame:
        """Sector price indices and input costs: ``country, sector, price_change_pct, input_cost_change_pct``.

        P̂_n^j − 1 (the sector-j price index buyers in n face) and ĉ_n^j − 1 (the cost of n's
        input bundle in j, which moves its producer prices), in percent, numéraire units.
        """
        n, j = self.P_hat.shape
        ci, si = np.meshgrid(np.arange(n), np.arange(j), indexing="ij")
        df = pd.DataFrame({
            "country": np.asarray(self.countries)[ci.ravel()],
            "sector": np.asarray(self.sectors)[si.ravel()],
            "price_change_pct": (self.P_hat.ravel() - 1.0) * 100,
            "input_cost_change_pct": (self.c_hat.ravel() - 1.0) * 100,
        })
        df.attrs["unit"] = "percent change vs re-solved baseline (numeraire: world value added fixed)"
        return df

    def revenue(self) -> pd.DataFrame:
        """Tariff revenue by country: ``country, baseline, counterfactual, change``."""
        e = self.equilibrium
        r0 = self.baseline.revenue
        r1 = eqs.tariff_revenue(e.pi_new, e.X_new, e.tariffs_new)
        df = pd.DataFrame({"country": list(self.countries), "baseline": r0, "counterfactual": r1,
                           "change": r1 - r0})
        df.attrs["unit"] = self._money_unit()
        return df

    def _money_unit(self) -> str:
        return f"US$ million of {self.world.year}, producer prices (numeraire: world value added fixed)"

    def __repr__(self) -> str:
        d = self.diagnostics
        name = getattr(self.scenario, "name", None) or f"{len(self.shock.log)} shock verb(s)"
        return (f"<Result {self.world.name!r} {name}, deficits {self.deficits!r}: converged="
                f"{d['converged']} in {d['iterations']} iterations, {d['seconds']:.3f} s>")




class ResultSet(Sequence[Result]):
    """Several results indexed by scenario: ``rs["us-universal-10"]``, ``rs[0]``, ``for r in rs``.

    ``names`` are the scenario names, numbered (``name [2]``) when one is repeated, so they are
    unique labels for tables and reports. Accessors registered with
    :func:`register_resultset_accessor` (``report``) work on the whole set.
    """

    def __init__(self, results: Iterable[Result]) -> None:
        self._results = tuple(results)
        names = [r.name for r in self._results]
        self._names = tuple(f"{n} [{k + 1}]" if names.count(n) > 1 else n for k, n in enumerate(names))

    def __getattr__(self, name: str) -> Any:
        return _missing(self, name)

    @property
    def names(self) -> tuple[str, ...]:
        """Unique scenario labels, in order."""
        return self._names

    def __len__(self) -> int:
        return len(self._results)

    @overload
    def __getitem__(self, key: int | str) -> Result: ...
    @overload
    def __getitem__(self, key: slice) -> ResultSet: ...
    def __getitem__(self, key: int | str | slice) -> Result | ResultSet:
        if isinstance(key, str):
            if key not in self._names:
                raise TradeshockError(unknown("scenario", key, self._names, "ResultSet"))
            return self._results[self._names.index(key)]
        if isinstance(key, slice):
            return ResultSet(self._results[key])
        return self._results[key]

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results)

    def items(self) -> Iterator[tuple[str, Result]]:
        """``(name, result)`` pairs in order."""
        return zip(self._names, self._results, strict=True)

    def stack(self, view: str, **kw: Any) -> pd.DataFrame:
        """One tidy view of every result, stacked with a leading ``scenario`` column.

        ``view`` is a Result method name: ``"to_frame"`` (welfare), ``"trade"``, ``"exports"``,
        ``"imports"``, ``"output"``, ``"prices"``, ``"revenue"``.
        """
        parts = []
        for name, r in self.items():
            df = getattr(r, view)(**kw).copy()
            df.insert(0, "scenario", name)
            parts.append(df)
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if parts:
            out.attrs["unit"] = parts[0].attrs.get("unit", "")
        return out

    def welfare(self, column: str = "real_income") -> pd.DataFrame:
        """One welfare column (percent) by country (rows) and scenario (columns)."""
        return pd.DataFrame({name: r.welfare()[column] for name, r in self.items()})

    def __repr__(self) -> str:
        return f"<ResultSet of {len(self)}: {', '.join(self._names)}>"


def as_result_set(results: Result | Iterable[Result]) -> ResultSet:
    """``results`` as a ResultSet (one Result becomes a set of one)."""
    if isinstance(results, ResultSet):
        return results
    if isinstance(results, Result):
        return ResultSet([results])
    return ResultSet(results)
