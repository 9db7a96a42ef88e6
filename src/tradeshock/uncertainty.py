"""Uncertainty bands from the trade elasticities: θ as distributions, draws, bands, tornado.

Each sector's θ gets a distribution (:class:`ThetaDistribution`: lognormal, normal truncated to
θ > 0, uniform, or fixed). The default comes from the world's provenance
(``elasticity_uncertainty``: lognormal, median = the world's θ, 90% interval ×/÷ 2, see
docs/elasticities.md); a scenario file's ``settings.uncertainty`` or a Python mapping overrides
it per sector. :func:`draw_thetas` draws ``[draw, sector]`` by inverse CDF from one seeded
NumPy generator, so the same seed gives the same draws on any machine and backend.

:func:`run_draws` solves the shock once at the point estimates (the ordinary result) and once
per draw (:func:`tradeshock.parallel.solve_draws`: baseline re-solved with the draw's θ, then
the counterfactual), and returns an :class:`Uncertainty`: every results table with
``<column>_p05 / _p50 / _p95`` beside the point value, the draws themselves, and the failed
draws (index, error, message) — never dropped silently. :func:`tornado` moves one sector's θ
at a time to its p05 and p95 and records one country's headline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from tradeshock.errors import ScenarioError, did_you_mean
from tradeshock.world import World

if TYPE_CHECKING:
    from tradeshock.parallel import Backend

__all__ = ["SHAPES", "ThetaDistribution", "Elasticities", "default_distributions",
           "parse_distributions", "draw_thetas", "run_draws", "Uncertainty", "tornado",
           "over_draws", "check_draws", "QUANTILES", "BAND_COLUMNS"]

#: Distribution shapes a user may give.
SHAPES: tuple[str, ...] = ("lognormal", "normal", "uniform", "fixed")
#: The band quantiles every table reports.
QUANTILES: tuple[float, float, float] = (0.05, 0.50, 0.95)
_Z95 = float(ndtri(0.95))

#: Columns of each results table that get bands (the others are labels or baseline values).
BAND_COLUMNS: dict[str, tuple[str, ...]] = {
    "welfare": ("real_income", "welfare_cp", "terms_of_trade", "volume_of_trade", "real_wage",
                "price_index"),
    "exports": ("change", "change_pct"),
    "imports": ("change", "change_pct"),
    "output": ("gross_output_change_pct", "value_added_change_pct", "employment_change_pct"),
    "revenue": ("change",),
    "trade": ("change_pct",),
    "provinces": ("value_added_change", "value_added_change_pct", "employment_change_pct"),
}


# ------------------------------------------------------------------ distributions
@dataclasses.dataclass(frozen=True)
class ThetaDistribution:
    """One sector's θ distribution.

    ``lognormal``: ``a`` = median, ``b`` = σ of log θ. ``normal``: mean ``a``, sd ``b``,
    truncated to θ > 0. ``uniform``: on [``a``, ``b``]. ``fixed``: always ``a``.
    """

    shape: str
    a: float
    b: float = 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF at probabilities ``u`` (the draws are ``ppf`` of uniform numbers)."""
        u = np.asarray(u, dtype=float)
        if self.shape == "fixed" or self.b == 0.0 and self.shape != "uniform":
            return np.full(u.shape, self.a)
        if self.shape == "lognormal":
            return self.a * np.exp(self.b * ndtri(u))
        if self.shape == "normal":
            lo = ndtr(-self.a / self.b)                 # truncation at θ = 0
            return self.a + self.b * ndtri(lo + u * (1.0 - lo))
        return self.a + u * (self.b - self.a)           # uniform

    def quantile(self, q: float) -> float:
        """The ``q`` quantile."""
        return float(self.ppf(np.array([q]))[0])

    @property
    def width(self) -> float:
        """p95 − p05: zero for a point mass."""
        return self.quantile(0.95) - self.quantile(0.05)

    def describe(self) -> str:
        """A short human description (for reports)."""
        if self.shape == "fixed" or self.width == 0:
            return f"fixed {self.a:g}"
        return f"{self.shape} 90% [{self.quantile(0.05):.3g}, {self.quantile(0.95):.3g}]"


@dataclasses.dataclass(frozen=True)
class Elasticities:
    """A θ distribution for every sector of a world, plus the point values (the world's θ)."""

    sectors: tuple[str, ...]
    point: np.ndarray
    dists: tuple[ThetaDistribution, ...]
    source: str = ""

    def table(self) -> pd.DataFrame:
        """``sector, theta, shape, p05, p50, p95`` (the distribution of each sector)."""
        return pd.DataFrame({
            "sector": list(self.sectors), "theta": self.point,
            "shape": [d.shape for d in self.dists],
            "p05": [d.quantile(0.05) for d in self.dists],
            "p50": [d.quantile(0.50) for d in self.dists],
            "p95": [d.quantile(0.95) for d in self.dists]})

    def quantiles(self, q: float) -> np.ndarray:
        """(J,) the ``q`` quantile of every sector."""
        return np.array([d.quantile(q) for d in self.dists])


def _lognormal(median: float, factor: float) -> ThetaDistribution:
    return ThetaDistribution("lognormal", float(median), math.log(factor) / _Z95)


def default_distributions(world: World, factor: float | None = None) -> Elasticities:
    """Lognormal θ by sector: median = the world's θ, 90% interval [θ/f, θ·f].

    ``f`` is ``provenance["elasticity_uncertainty"]["p95_factor"]`` (2 for the WIOD worlds), or
    2 when the world records none; pass ``factor`` to override (1 gives zero-width bands).
    """
    rec = dict(world.provenance.get("elasticity_uncertainty") or {})
    f = float(factor if factor is not None else rec.get("p95_factor", 2.0))
    if not f >= 1.0:
        raise ScenarioError(f"uncertainty: spread factor {f!r} must be at least 1 (1 = no spread)")
    theta = np.asarray(world.theta, dtype=float)
    src = (f"lognormal, median = θ of set {world.provenance.get('elasticity_set', '?')!r}, "
           f"90% interval ×/÷ {f:g} ({'world provenance' if rec else 'tradeshock default'})")
    return Elasticities(tuple(world.sectors), theta, tuple(_lognormal(t, f) for t in theta), src)


def _num(spec: Mapping[str, Any], key: str, where: str, *, positive: bool = False,
         low: float | None = None) -> float:
    v = spec.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ScenarioError(f"{where}.{key}: {v!r} is not a number")
    if positive and v <= 0:
        raise ScenarioError(f"{where}.{key}: {v!r}; a trade elasticity must be positive (θ > 0)")
    if low is not None and v < low:
        raise ScenarioError(f"{where}.{key}: {v!r} must be at least {low:g}")
    return float(v)


_KEYS = {"lognormal": {"median", "spread", "p05", "p95"}, "normal": {"mean", "sd"},
         "uniform": {"low", "high"}, "fixed": {"value"}}


def _one(spec: Any, point: float, where: str) -> ThetaDistribution:
    """Parse one sector's spec (see :func:`parse_distributions`)."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return ThetaDistribution("fixed", _num({"value": spec}, "value", where, positive=True))
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"{where}: expected a mapping such as {{shape: lognormal, spread: 2}}, "
                            f"got {spec!r}")
    shape = spec.get("shape")
    if shape not in SHAPES:
        raise ScenarioError(f"{where}.shape: {shape!r} is not a distribution shape; use one of "
                            f"{', '.join(SHAPES)}" + did_you_mean(str(shape), SHAPES))
    extra = set(spec) - _KEYS[shape] - {"shape"}
    if extra:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(extra))} for shape "
                            f"{shape!r}; allowed: {', '.join(sorted(_KEYS[shape]))}")
    if shape == "fixed":
        v = _num(spec, "value", where, positive=True) if "value" in spec else point
        return ThetaDistribution("fixed", v)
    if shape == "lognormal":
        med = _num(spec, "median", where, positive=True) if "median" in spec else point
        if "spread" in spec:
            return _lognormal(med, _num(spec, "spread", where, low=1.0))
        if "p95" in spec:
            p95 = _num(spec, "p95", where, positive=True)
            if p95 < med:
                raise ScenarioError(f"{where}.p95: {p95:g} is below the median {med:g}")
            return _lognormal(med, p95 / med)
        if "p05" in spec:
            p05 = _num(spec, "p05", where, positive=True)
            if p05 > med:
                raise ScenarioError(f"{where}.p05: {p05:g} is above the median {med:g}")
            return _lognormal(med, med / p05)
        raise ScenarioError(f"{where}: a lognormal needs spread (p95/median, e.g. 2) or p05/p95")
    if shape == "normal":
        mean = _num(spec, "mean", where, positive=True) if "mean" in spec else point
        return ThetaDistribution("normal", mean, _num(spec, "sd", where, low=0.0))
    lo, hi = _num(spec, "low", where, positive=True), _num(spec, "high", where, positive=True)
    if hi < lo:
        raise ScenarioError(f"{where}: high {hi:g} is below low {lo:g}")
    return ThetaDistribution("uniform", lo, hi)


def parse_distributions(spec: Mapping[str, Any] | None, world: World,
                        where: str = "settings.uncertainty.theta") -> Elasticities:
    """θ distributions from a user mapping, starting from :func:`default_distributions`.

    Keys are sector codes, or ``all`` for every sector; values are a number (fixed θ) or a
    mapping with ``shape`` and its fields: ``lognormal`` (``median``, default the world's θ;
    ``spread`` = p95/median, or ``p05``/``p95``), ``normal`` (``mean``, ``sd``; truncated at 0),
    ``uniform`` (``low``, ``high``), ``fixed`` (``value``). ``all`` applies first, sectors
    after. Errors name the field, e.g. ``settings.uncertainty.theta.mining.shape``.

    Examples
    --------
    >>> parse_distributions({"all": {"shape": "lognormal", "spread": 1.5},
    ...                      "petroleum": {"shape": "uniform", "low": 2, "high": 10}}, w)  # doctest: +SKIP
    """
    base = default_distributions(world)
    if not spec:
        return base
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"{where}: expected a mapping of sector -> distribution, got {spec!r}")
    dists = list(base.dists)
    theta = base.point
    if "all" in spec:
        dists = [_one(spec["all"], float(t), f"{where}.all") for t in theta]
    for key, val in spec.items():
        if key == "all":
            continue
        if key not in world.sectors:
            raise ScenarioError(f"{where}: {key!r} is not a sector of world {world.name!r}"
                                + did_you_mean(str(key), world.sectors))
        k = world.sectors.index(key)
        dists[k] = _one(val, float(theta[k]), f"{where}.{key}")
    return Elasticities(base.sectors, theta, tuple(dists), "user-given (" + where + ")")


def check_draws(draws: Any, where: str = "draws") -> int:
    """A positive integer number of draws, or :class:`ScenarioError` naming ``where``."""
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or int(draws) <= 0:
        raise ScenarioError(f"{where}: {draws!r}; the number of draws must be a positive integer "
                            "(e.g. --draws 200)")
    return int(draws)


def draw_thetas(dist: Elasticities, draws: int, seed: int = 0) -> np.ndarray:
    """``[draw, sector]`` θ draws by inverse CDF from ``numpy.random.default_rng(seed)``."""
    n = check_draws(draws)
    u = np.random.default_rng(int(seed)).random((n, len(dist.sectors)))
    return np.column_stack([d.ppf(u[:, k]) for k, d in enumerate(dist.dists)])


# ------------------------------------------------------------------ per-draw reduction
class TableReducer:
    """What a worker keeps of each draw: the banded columns of every results table, as arrays."""

    def __init__(self, world: World, shock: Any, deficits: str) -> None:
        self.world, self.shock, self.deficits = world, shock, deficits

    def __call__(self, theta: np.ndarray, base: Any, eq0: Any, eq: Any) -> dict[str, np.ndarray]:
        from tradeshock.result import Result, _pct

        w = self.world.replace(theta=np.asarray(theta, dtype=float))
        r = Result(world=w, shock=self.shock, scenario=None, deficits=self.deficits,
                   baseline=base, equilibrium=eq, baseline_solve=eq0)
        out = {"welfare": r.welfare().to_numpy(dtype=float),
               "exports": r.exports()[list(BAND_COLUMNS["exports"])].to_numpy(dtype=float),
               "imports": r.imports()[list(BAND_COLUMNS["imports"])].to_numpy(dtype=float),
               "output": r.output()[list(BAND_COLUMNS["output"])].to_numpy(dtype=float),
               "revenue": r.revenue()[list(BAND_COLUMNS["revenue"])].to_numpy(dtype=float),
               "trade": _pct(r.flows_cf, r.flows_base).astype(np.float32).reshape(-1, 1)}
        return out


class HeadlineReducer:
    """Keep one country's welfare row (all six measures) per draw: for the tornado."""

    def __init__(self, world: World, shock: Any, deficits: str, country: str) -> None:
        self.world, self.shock, self.deficits = world, shock, deficits
        self.k = world.country_index(country, where="tornado(country=)")

    def __call__(self, theta: np.ndarray, base: Any, eq0: Any, eq: Any) -> np.ndarray:
        from tradeshock.result import Result

        w = self.world.replace(theta=np.asarray(theta, dtype=float))
        r = Result(world=w, shock=self.shock, scenario=None, deficits=self.deficits,
                   baseline=base, equilibrium=eq, baseline_solve=eq0)
        return r.welfare().to_numpy(dtype=float)[self.k]


# ------------------------------------------------------------------ results
class Uncertainty:
    """Draws of one scenario: point result, θ draws, per-draw table values, failures, bands."""

    def __init__(self, point: Any, dist: Elasticities, thetas: np.ndarray, seed: int,
                 samples: dict[str, np.ndarray], ok: np.ndarray, failures: list[Any],
                 backend: str, seconds: float, tornado: pd.DataFrame | None = None) -> None:
        self.point, self.distributions, self.thetas, self.seed = point, dist, thetas, seed
        self.samples, self.ok, self.failures = samples, ok, failures
        self.backend, self.seconds, self.tornado = backend, seconds, tornado

    @property
    def draws(self) -> int:
        """Number of draws asked for."""
        return len(self.thetas)

    @property
    def n_ok(self) -> int:
        """Draws that solved."""
        return int(self.ok.sum())

    def failure_table(self) -> pd.DataFrame:
        """``draw, error, message`` of every failed draw (empty if none failed)."""
        return pd.DataFrame({"draw": [f.index for f in self.failures],
                             "error": [f.kind for f in self.failures],
                             "message": [f.message for f in self.failures]},
                            columns=["draw", "error", "message"])

    def theta_table(self) -> pd.DataFrame:
        """The θ draws, tidy: ``draw, sector, theta, solved``."""
        d, j = self.thetas.shape
        return pd.DataFrame({"draw": np.repeat(np.arange(d), j),
                             "sector": np.tile(np.asarray(self.distributions.sectors), d),
                             "theta": self.thetas.ravel(), "solved": np.repeat(self.ok, j)})

    def _point_tables(self) -> dict[str, pd.DataFrame]:
        """The point result's tables that get bands (the runner adds ``measures``)."""
        if not hasattr(self, "_point_cache"):
            r = self.point
            t = {"welfare": r.to_frame(), "trade": r.trade(), "exports": r.exports(),
                 "imports": r.imports(), "output": r.output(), "revenue": r.revenue()}
            if "CAN" in r.world.countries:
                try:
                    prov = r.provinces()
                except Exception:  # noqa: BLE001 - no province data: no province bands
                    prov = None
                if isinstance(prov, pd.DataFrame) and len(prov):
                    t["provinces"] = prov
            self._point_cache = t
        return self._point_cache

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every results table with ``<col>_p05, <col>_p50, <col>_p95`` after each banded column."""
        if not hasattr(self, "_band_cache"):
            out = {}
            for name, df in self._point_tables().items():
                arr = self.sample(name)
                if arr is None and self.n_ok == 0 and name in BAND_COLUMNS:
                    arr = np.empty((0, len(df), len(BAND_COLUMNS[name])))   # all NaN bands
                out[name] = df if arr is None else _with_bands(df, BAND_COLUMNS[name], arr)
            self._band_cache = out
        return {k: v.copy() for k, v in self._band_cache.items()}

    def sample(self, name: str) -> np.ndarray | None:
        """``[draw, row, column]`` values of table ``name`` over the solved draws (None if not drawn)."""
        if name == "provinces":
            return self._province_samples()
        arr = self.samples.get(name)
        if arr is None:
            return None
        if name == "welfare":
            cols = list(self.point.welfare().columns)
            return arr[:, :, [cols.index(c) for c in BAND_COLUMNS["welfare"]]]
        return arr

    def _province_samples(self) -> np.ndarray | None:
        """Province rows follow Canada's national sector changes (``analysis.provinces``).

        Each sector's national change is split across provinces with the point result's
        ``change_share`` (where the hit products are made; it depends on the measures, not on
        θ); employment follows the national sector's percentage.
        """
        prov = self._point_tables().get("provinces")
        out = self.samples.get("output")
        if prov is None or out is None or "CAN" not in self.point.world.countries:
            return None
        w = self.point.world
        k = w.countries.index("CAN")
        nat = out[:, k * w.n_sectors:(k + 1) * w.n_sectors, :]           # [draw, sector, 3]
        si = prov["sector"].map({s: j for j, s in enumerate(w.sectors)}).to_numpy()
        base = prov["value_added_base"].to_numpy(float)
        split = prov["change_share" if "change_share" in prov else "share"].to_numpy(float)
        nat_base = pd.Series(base).groupby(prov["sector"].to_numpy()).transform("sum").to_numpy()
        va_change = split[None, :] * nat_base[None, :] * nat[:, si, 1] / 100.0
        same = split == prov["share"].to_numpy(float)       # split like the baseline
        with np.errstate(divide="ignore", invalid="ignore"):
            va_pct = np.where(same[None, :], nat[:, si, 1],
                              np.where(base[None, :] > 0, 100.0 * va_change / base[None, :], np.nan))
        return np.stack([va_change, va_pct, nat[:, si, 2]], axis=2)

    def province_totals(self) -> pd.DataFrame | None:
        """Value added by province (all sectors): ``province, value_added_change_pct`` + bands."""
        prov = self._point_tables().get("provinces")
        arr = self._province_samples()
        if prov is None or arr is None:
            return None
        base = prov["value_added_base"].to_numpy(float)
        codes = prov["province"].to_numpy()
        names = list(dict.fromkeys(codes))
        rows, samples = [], []
        for p in names:
            m = codes == p
            tot = base[m].sum()
            rows.append({"province": p, "value_added_base": tot,
                         "value_added_change_pct": 100 * float(
                             (prov["value_added_change"].to_numpy(float)[m]).sum() / tot)})
            samples.append(100 * arr[:, m, 0].sum(axis=1) / tot)
        df = pd.DataFrame(rows)
        return _with_bands(df, ["value_added_change_pct"], np.stack(samples, axis=1)[:, :, None])

    def welfare(self) -> pd.DataFrame:
        """Welfare by country with bands (indexed by country)."""
        return self.tables()["welfare"].set_index("country")

    def band(self, table: str, column: str, **where: str) -> tuple[float, float, float, float]:
        """(point, p05, p50, p95) of one cell, e.g. ``band("welfare", "real_income", country="CAN")``."""
        df = self.tables()[table]
        mask = np.ones(len(df), dtype=bool)
        for k, v in where.items():
            mask &= (df[k] == v).to_numpy()
        if mask.sum() != 1:
            raise ScenarioError(f"band({table!r}, {column!r}, {where}): matches {int(mask.sum())} rows")
        row = df[mask].iloc[0]
        return (float(row[column]), float(row[f"{column}_p05"]), float(row[f"{column}_p50"]),
                float(row[f"{column}_p95"]))

    def record(self) -> dict[str, Any]:
        """For run.json: draws, seed, solved, failures, distributions, backend, seconds."""
        return {"draws": self.draws, "seed": self.seed, "solved": self.n_ok,
                "failed": [dataclasses.asdict(f) for f in self.failures],
                "distributions": self.distributions.source,
                "theta_distribution": self.distributions.table().to_dict(orient="records"),
                "quantiles": list(QUANTILES), "backend": self.backend,
                "seconds": round(self.seconds, 2)}

    def __repr__(self) -> str:
        return (f"<Uncertainty {self.n_ok}/{self.draws} draws solved, seed {self.seed}, "
                f"{len(self.failures)} failed>")


def _with_bands(df: pd.DataFrame, cols: Sequence[str], arr: np.ndarray) -> pd.DataFrame:
    """``df`` with p05/p50/p95 of ``arr[draw, row, k]`` after each column ``cols[k]``."""
    out = df.copy()
    if arr.shape[0] == 0:
        q = np.full((3,) + arr.shape[1:], np.nan)
    else:
        # rows with a zero baseline are NaN in every draw: plain quantile keeps them NaN
        q = np.quantile(arr.astype(float), QUANTILES, axis=0)             # [3, row, k]
    for k, c in enumerate(cols):
        pos = out.columns.get_loc(c) + 1
        for qi, tag in enumerate(("p05", "p50", "p95")):
            out.insert(pos + qi, f"{c}_{tag}", q[qi, :, k])
    out.attrs.update(df.attrs)
    return out


# ------------------------------------------------------------------ drivers
def _backend(backend: str | None, scheduler: str | None, client: Any) -> tuple[Backend, Any, bool]:
    """Backend name and Dask client; ``scheduler`` = a ``tcp://`` address to connect to."""
    if scheduler:
        from dask.distributed import Client

        try:
            return "dask", Client(scheduler, timeout="10s", set_as_default=False), True
        except OSError as exc:
            raise ScenarioError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler "
                                f"({exc}); start one with 'dask scheduler' or drop --scheduler") from None
    if client is not None:
        return "dask", client, False
    return cast("Backend", backend or "processes"), None, False


def _stack(outcomes: list, d: int) -> tuple[dict[str, np.ndarray], np.ndarray, list]:
    from tradeshock.parallel import DrawFailure

    ok = np.array([not isinstance(o, DrawFailure) for o in outcomes], dtype=bool)
    fails = [o for o in outcomes if isinstance(o, DrawFailure)]
    good = [o for o in outcomes if not isinstance(o, DrawFailure)]
    samples: dict[str, np.ndarray] = {}
    if good:
        for key in good[0]:
            samples[key] = np.stack([g[key] for g in good])
    return samples, ok, fails


def run_draws(world: World, scenario: Any, draws: int, seed: int = 0, *,
              distributions: Elasticities | Mapping[str, Any] | None = None,
              deficits: str | None = None, backend: str | None = None, workers: int | None = None,
              client: Any = None, scheduler: str | None = None, point: Any = None,
              tornado_country: str | None = None, **solver_kw: Any) -> Uncertainty:
    """Solve ``scenario`` at the point estimates and for ``draws`` θ draws; return the bands.

    Parameters
    ----------
    world, scenario
        The world (its θ are the point estimates) and a Scenario or Shock (no quotas).
    draws, seed
        Number of θ draws (> 0) and the seed of NumPy's default generator.
    distributions
        :class:`Elasticities` or a user mapping (:func:`parse_distributions`); default: the
        scenario's ``settings.uncertainty.theta`` if any, else :func:`default_distributions`.
    backend, workers, client, scheduler
        ``processes`` (default), ``serial`` or ``dask`` (an existing ``client``, or a
        ``scheduler`` address such as ``tcp://10.0.0.5:8786``; a LocalCluster otherwise).
    point
        The already-solved point result (saves one solve); solved here when None.
    tornado_country
        Also compute :func:`tornado` for this country's real income.

    """
    import time

    from tradeshock.parallel import solve_draws
    from tradeshock.resolve import as_shock as _as_shock
    from tradeshock.simulate import simulate

    draws = check_draws(draws)
    shock, sc, deficits = _as_shock(world, scenario, deficits)
    if getattr(shock, "quotas", None):
        raise ScenarioError(f"scenario {getattr(sc, 'name', '')!r} has tariff-rate quotas; "
                            "elasticity draws support tariff and trade-cost measures only "
                            "(drop --draws, or the quota)")
    dist = _distributions(world, sc, distributions)
    thetas = draw_thetas(dist, draws, seed)
    if point is None:
        point = simulate(world, scenario if sc is not None else shock, deficits)
    name, client, owned = _backend(backend, scheduler, client)
    t0 = time.perf_counter()
    try:
        outcomes = solve_draws(world, shock, thetas, deficits, name, workers, client=client,
                               reduce=TableReducer(world, shock, deficits), **solver_kw)
        tor = None
        if tornado_country and tornado_country in world.countries:
            tor = tornado(world, shock, dist, country=tornado_country, deficits=deficits,
                          backend=name, workers=workers, client=client, point=point, **solver_kw)
    finally:
        if owned:
            client.close()
    samples, ok, fails = _stack(outcomes, draws)
    return Uncertainty(point, dist, thetas, seed, samples, ok, fails, name,
                       time.perf_counter() - t0, tor)


def _distributions(world: World, sc: Any, given: Any) -> Elasticities:
    if isinstance(given, Elasticities):
        if tuple(given.sectors) != tuple(world.sectors):
            raise ScenarioError("distributions were built for another world's sectors")
        return given
    if given is not None:
        return parse_distributions(given, world, "distributions")
    spec = getattr(getattr(sc, "settings", None), "uncertainty", None) or {}
    where = f"{getattr(sc, 'source', 'scenario')}: settings.uncertainty.theta"
    return parse_distributions(spec.get("theta") if isinstance(spec, Mapping) else None, world, where)


def tornado(world: World, shock: Any, distributions: Elasticities | None = None, *,
            country: str = "CAN", measure: str = "real_income", deficits: str | None = None,
            backend: str | None = "processes", workers: int | None = None, client: Any = None,
            point: Any = None, **solver_kw: Any) -> pd.DataFrame:
    """One-at-a-time sensitivity of ``country``'s ``measure`` to each sector's θ.

    Each sector with a non-degenerate distribution is moved alone to its p05 and then its p95
    (the others stay at the point estimates); 2 solves per sector (baseline re-solved each
    time). Returns ``sector, theta, theta_p05, theta_p95, value_at_p05, value_at_p95, point,
    swing`` sorted by ``swing`` = |value_at_p95 − value_at_p05| (percentage points), largest
    first, plus ``failed`` for a solve that did not converge.
    """
    from tradeshock.parallel import DrawFailure, solve_draws
    from tradeshock.resolve import as_shock as _as_shock
    from tradeshock.simulate import simulate

    shock, sc, deficits = _as_shock(world, shock, deficits)
    dist = distributions or default_distributions(world)
    cols = ["real_income", "welfare_cp", "terms_of_trade", "volume_of_trade", "real_wage",
            "price_index"]
    if measure not in cols:
        raise ScenarioError(f"tornado: measure {measure!r} is not a welfare column; use one of "
                            f"{', '.join(cols)}" + did_you_mean(measure, cols))
    reducer = HeadlineReducer(world, shock, deficits, country)
    if point is None:
        point = simulate(world, shock, deficits)
    p = float(point.welfare().loc[country, measure])
    lo, hi = dist.quantiles(0.05), dist.quantiles(0.95)
    idx = [k for k in range(len(dist.sectors)) if hi[k] > lo[k]]
    if not idx:
        return pd.DataFrame(columns=["sector", "theta", "theta_p05", "theta_p95", "value_at_p05",
                                     "value_at_p95", "point", "swing", "failed"])
    rows = []
    for k in idx:
        for v in (lo[k], hi[k]):
            t = np.array(dist.point, dtype=float)
            t[k] = v
            rows.append(t)
    out = solve_draws(world, shock, np.array(rows), deficits, cast("Backend", backend or "processes"),
                      workers,
                      client=client, reduce=reducer, **solver_kw)
    m = cols.index(measure)
    recs = []
    for n, k in enumerate(idx):
        a, b = out[2 * n], out[2 * n + 1]
        fa, fb = isinstance(a, DrawFailure), isinstance(b, DrawFailure)
        va = np.nan if fa else float(a[m])
        vb = np.nan if fb else float(b[m])
        recs.append({"sector": dist.sectors[k], "theta": float(dist.point[k]),
                     "theta_p05": float(lo[k]), "theta_p95": float(hi[k]),
                     "value_at_p05": va, "value_at_p95": vb, "point": p,
                     "swing": abs(vb - va), "failed": "; ".join(str(x) for x in (a, b)
                                                                if isinstance(x, DrawFailure))})
    df = pd.DataFrame(recs).sort_values("swing", ascending=False, na_position="last")
    df = df.reset_index(drop=True)
    df.attrs.update(country=country, measure=measure,
                    unit=f"{country} {measure}, percent change; θ one sector at a time")
    return df


def check_uncertainty(spec: Any, world: World, where: str = "settings.uncertainty") -> None:
    """Check a scenario's ``settings.uncertainty`` block (``draws``, ``seed``, ``theta``)."""
    if not isinstance(spec, Mapping):
        raise ScenarioError(f"{where}: expected a mapping {{draws: N, seed: S, theta: ...}}, got {spec!r}")
    extra = set(spec) - {"draws", "seed", "theta"}
    if extra:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(map(str, extra)))}; "
                            "allowed: draws, seed, theta")
    if "draws" in spec:
        check_draws(spec["draws"], f"{where}.draws")
    if "seed" in spec and (isinstance(spec["seed"], bool) or not isinstance(spec["seed"], int)):
        raise ScenarioError(f"{where}.seed: {spec['seed']!r} is not an integer")
    parse_distributions(spec.get("theta"), world, f"{where}.theta")


def over_draws(fn: Any, world: World, draws: int, seed: int = 0,
               distributions: Elasticities | Mapping[str, Any] | None = None,
               keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Re-run a whole analysis per θ draw and add p05/p50/p95 to its numeric columns.

    ``fn(world) -> DataFrame`` is the analysis (``target``, ``attribute``, ``exposure``, ...):
    it runs once on ``world`` (the point estimates) and once per draw on
    ``world.replace(theta=θ_d)``; rows are matched by position, or by the ``keys`` columns when
    given. The analysis keeps its own parallelism; draws run one after another. A draw that
    raises is listed in ``df.attrs["failed_draws"]`` (index, error, message) and left out of
    the bands; ``df.attrs["draws"]``, ``["solved"]`` and ``["seed"]`` record the rest.
    """
    from tradeshock.parallel import DrawFailure

    n = check_draws(draws)
    dist = (distributions if isinstance(distributions, Elasticities)
            else parse_distributions(distributions, world, "distributions"))
    thetas = draw_thetas(dist, n, seed)
    point = fn(world)
    cols = [c for c in point.columns if pd.api.types.is_float_dtype(point[c])]
    samples, fails = [], []
    for d, theta in enumerate(thetas):
        try:
            df = fn(world.replace(theta=theta))
            if keys:
                df = df.set_index(list(keys)).reindex(point.set_index(list(keys)).index).reset_index()
            if len(df) != len(point):
                raise ScenarioError(f"draw {d}: the analysis returned {len(df)} rows, not "
                                    f"{len(point)}; pass keys= to match rows")
            samples.append(df[cols].to_numpy(dtype=float))
        except Exception as exc:  # noqa: BLE001 - reported, never dropped
            fails.append(DrawFailure(d, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else ""))
    arr = np.stack(samples) if samples else np.empty((0, len(point), len(cols)))
    out = _with_bands(point, cols, arr)
    out.attrs.update(point.attrs)
    out.attrs.update(draws=n, solved=len(samples), seed=int(seed), distributions=dist.source,
                     failed_draws=[dataclasses.asdict(f) for f in fails])
    return out
