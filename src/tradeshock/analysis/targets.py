"""Diversification targets: how big a policy lever must be to reach an export goal.

The inverse problem behind "double Canada's non-US exports": given a *target* on one country's
exports (a multiple, an increase in money, or a share of exports going to one partner) and a
*lever* (a uniform cut in trade costs with chosen partners, tariff cuts by those partners, or
both sides' tariffs to zero in a free-trade agreement), find the lever size that reaches the
target in general equilibrium. Each evaluation of the lever is a full model solve; the scalar
map lever → outcome is monotone for these levers, so a bracket [0, max] plus Brent's method
finds the unique answer in a handful of solves. A target that the lever cannot reach is
reported as such, with the best attainable value (never silently clipped).

The forward question ("how much of the doubling does a scenario deliver?") is
:func:`target_progress`.

Examples
--------
>>> w = load_world("default")                                            # doctest: +SKIP
>>> t = solve_target(w, "CAN", "non_us_exports x2",
...                  lever=Lever("trade_cost", partners=("EU", "GBR", "JPN", "KOR", "IND", "ASEAN")))
>>> t.value, t.reached                                                   # doctest: +SKIP
(0.21..., True)

"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from tradeshock.errors import ConvergenceError, ScenarioError, ShockError, did_you_mean
from tradeshock.resolve import Deficits, check_deficits, scenario_deficits
from tradeshock.scenario import load_scenario
from tradeshock.shock import Shock
from tradeshock.world import World

#: Canadian dollars per US dollar, 2024 annual average, used to express C$ targets in the
#: model's US$. Source: CIA World Factbook 2024 estimate (via theworldcountries.com, Canada
#: economy facts, https://theworldcountries.com/geo/economy/facts/Canada), as recorded in
#: shared/data/macro2024/margins.csv; the Bank of Canada annual average is of the same order.
CAD_PER_USD_2024 = 1.369

#: Partner groups usable in a lever; members absent from a world are dropped (and reported).
GROUPS: dict[str, tuple[str, ...]] = {
    "EU": ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC",
           "HUN", "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK",
           "SVN", "ESP", "SWE"),
    "ASEAN": ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"),
    "CPTPP": ("AUS", "BRN", "CHL", "JPN", "MYS", "MEX", "NZL", "PER", "SGP", "VNM", "GBR"),
    "INDO_PACIFIC": ("CHN", "JPN", "KOR", "IND", "TWN", "AUS", "IDN", "BRN", "KHM", "LAO",
                     "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "NZL"),
}

Metric = Literal["non_us_exports", "exports", "exports_to", "us_share", "share_to"]
LeverKind = Literal["trade_cost", "tariff_cut", "fta"]

_METRICS = ("non_us_exports", "exports", "exports_to", "us_share", "share_to")
_LEVERS = ("trade_cost", "tariff_cut", "fta")


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    """An export goal for one country, measured against the world's (re-solved) baseline.

    Parameters
    ----------
    metric
        ``non_us_exports`` (exports to every partner but the USA), ``exports`` (total),
        ``exports_to`` (to ``partners``), ``us_share`` (share of exports going to the USA,
        a fraction) or ``share_to`` (share going to ``partners``).
    kind
        ``times`` (goal = baseline × value), ``increase`` (goal = baseline + value, US$ million)
        or ``level`` (goal = value; a fraction for shares, US$ million otherwise).
    value
        The number that goes with ``kind``.
    partners
        Partner codes or group names for ``exports_to`` / ``share_to``.
    text
        How the target was written (for reports).
    sectors
        Sector codes the metric counts (default: all sectors). A calibration to an observed
        product flow, such as crude-oil exports in ``mining``, counts only that sector.

    """

    metric: Metric
    kind: Literal["times", "increase", "level"]
    value: float
    partners: tuple[str, ...] = ()
    text: str = ""
    sectors: tuple[str, ...] = ()

    def goal(self, baseline: float) -> float:
        """The target level of the metric, given its baseline value."""
        if self.kind == "times":
            return baseline * self.value
        if self.kind == "increase":
            return baseline + self.value
        return self.value

    @property
    def is_share(self) -> bool:
        """True for share metrics (fractions), False for money metrics (US$ million)."""
        return self.metric in ("us_share", "share_to")

    def describe(self) -> str:
        """Plain-language statement of the target."""
        what = {"non_us_exports": "non-US exports", "exports": "total exports",
                "exports_to": f"exports to {'+'.join(self.partners)}",
                "us_share": "the US share of exports",
                "share_to": f"the share of exports going to {'+'.join(self.partners)}"}[self.metric]
        if self.sectors:
            what += f" in {', '.join(self.sectors)}"
        if self.kind == "times":
            return f"{what} x {self.value:g}"
        if self.kind == "increase":
            return f"{what} +US${self.value:,.0f} million"
        return f"{what} to {100 * self.value:.1f}%" if self.is_share else \
            f"{what} to US${self.value:,.0f} million"


_TARGET_RE = re.compile(
    r"^\s*(?P<metric>[a-z_]+)(?:\[(?P<partners>[A-Za-z0-9_,+ ]+)\])?\s*"
    r"(?P<op>x|\*|\+|=|<=|>=|to)?\s*"
    r"(?P<cur>C\$|CA\$|CAD|US\$|USD)?\s*(?P<num>[0-9]*\.?[0-9]+)\s*"
    r"(?P<unit>%|bn|b|billion|m|mn|million|tn)?\s*(?P<cur2>CAD|USD|C\$|US\$)?\s*$",
    re.IGNORECASE)

_ALIASES = {"double": "non_us_exports x2", "double-non-us": "non_us_exports x2",
            "double_non_us": "non_us_exports x2"}


def parse_target(spec: str | Mapping[str, Any] | Target, where: str = "target") -> Target:
    """Read a target written as text (CLI) or a mapping (files).

    Text forms: ``"non_us_exports x2"`` (a multiple), ``"non_us_exports +C$300bn"`` (an
    increase; C$ converted at :data:`CAD_PER_USD_2024`, US$ by default, plain numbers are
    US$ million), ``"us_share 60%"`` or ``"us_share=0.60"`` (a level), ``"exports_to[CHN,JPN]
    x1.5"``, ``"share_to[EU] 10%"``, and the alias ``"double"``.

    Raises
    ------
    ScenarioError
        If the text does not parse or names an unknown metric (the message shows valid forms).

    """
    if isinstance(spec, Target):
        return spec
    if isinstance(spec, Mapping):
        return _target_from_mapping(spec, where)
    text = _ALIASES.get(str(spec).strip().lower(), str(spec))
    m = _TARGET_RE.match(text)
    forms = ('"non_us_exports x2", "non_us_exports +C$300bn", "us_share 60%", '
             '"exports_to[CHN,JPN] x1.5"')
    if not m:
        raise ScenarioError(f"{where}: cannot read target {spec!r}; write it like {forms}")
    metric = m["metric"].lower()
    if metric not in _METRICS:
        raise ScenarioError(f"{where}: unknown target metric {metric!r}"
                            f"{did_you_mean(metric, _METRICS) or '; available: ' + ', '.join(_METRICS)}")
    partners = tuple(p.strip().upper() for p in re.split(r"[,+ ]+", m["partners"] or "") if p.strip())
    if metric in ("exports_to", "share_to") and not partners:
        raise ScenarioError(f"{where}: target {spec!r} needs partners, e.g. {metric}[CHN,JPN]")
    op = (m["op"] or "").lower()
    num = float(m["num"])
    unit = (m["unit"] or "").lower()
    cur = (m["cur"] or m["cur2"] or "").upper().replace("$", "")
    share = metric in ("us_share", "share_to")
    if share:
        if op in ("x", "*", "+"):
            raise ScenarioError(f"{where}: a share target is a level, e.g. 'us_share 60%'; "
                                f"got {spec!r}")
        val = num / 100 if unit == "%" or num > 1 else num
        if not 0 < val < 1:
            raise ScenarioError(f"{where}: share target {spec!r} must lie between 0 and 100%")
        return Target(metric, "level", val, partners, str(spec))  # type: ignore[arg-type]
    if op in ("x", "*"):
        if num <= 0:
            raise ScenarioError(f"{where}: multiple in {spec!r} must be positive")
        return Target(metric, "times", num, partners, str(spec))  # type: ignore[arg-type]
    scale = {"": 1.0, "m": 1.0, "mn": 1.0, "million": 1.0, "b": 1e3, "bn": 1e3,
             "billion": 1e3, "tn": 1e6}.get(unit)
    if scale is None:
        raise ScenarioError(f"{where}: unit {unit!r} not understood in {spec!r}; use bn or million")
    money = num * scale / (CAD_PER_USD_2024 if cur in ("C", "CA", "CAD") else 1.0)
    kind = "increase" if op == "+" else "level"
    return Target(metric, kind, money, partners, str(spec))  # type: ignore[arg-type]


def _target_from_mapping(d: Mapping[str, Any], where: str) -> Target:
    d = dict(d)
    metric = str(d.pop("metric", "non_us_exports"))
    if metric not in _METRICS:
        raise ScenarioError(f"{where}.metric: unknown metric {metric!r}{did_you_mean(metric, _METRICS)}")
    partners = tuple(str(p).upper() for p in d.pop("partners", ()) or ())
    sectors = d.pop("sectors", ()) or ()
    sectors = (sectors,) if isinstance(sectors, str) else tuple(str(x) for x in sectors)
    keys = [k for k in ("times", "increase", "level") if k in d]
    if len(keys) != 1:
        raise ScenarioError(f"{where}: give exactly one of times, increase (US$ million) or "
                            f"level; got {sorted(d)}")
    val = float(d[keys[0]])
    if d.get("currency", "USD").upper() in ("CAD", "C$") and keys[0] != "times":
        val /= CAD_PER_USD_2024
    return Target(metric, keys[0], val, partners, str(d), sectors)  # type: ignore[arg-type]


def expand_partners(world: World, codes: Iterable[str], exclude: Iterable[str] = (),
                    where: str = "partners") -> tuple[tuple[str, ...], list[str]]:
    """Resolve partner codes and group names (EU, ASEAN, ...) to the world's countries.

    Returns the codes in the world and a list of notes about group members the world does
    not have separately (they sit in ROW and are *not* included).
    """
    out: list[str] = []
    notes: list[str] = []
    skip = set(exclude)
    for code in codes:
        c = str(code).upper()
        if c in GROUPS:
            members = [m for m in GROUPS[c] if m in world.countries]
            missing = [m for m in GROUPS[c] if m not in world.countries]
            if not members:
                raise ShockError(f"{where}: no member of group {c} is a country of world "
                                 f"{world.name!r}")
            if missing:
                notes.append(f"{c}: {', '.join(missing)} not separate in world {world.name!r} "
                             "(inside ROW), not included")
            out.extend(members)
        elif c in world.countries:
            out.append(c)
        else:
            choices = list(world.countries) + list(GROUPS)
            hint = did_you_mean(c, choices) or "; groups: " + ", ".join(GROUPS)
            raise ShockError(f"{where}: unknown partner {c!r}{hint}")
    seen: list[str] = []
    for c in out:
        if c not in seen and c not in skip:
            seen.append(c)
    return tuple(seen), notes


# ---------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Lever:
    """A one-number policy lever applied to one country's trade with chosen partners.

    Parameters
    ----------
    kind
        ``trade_cost``: iceberg trade costs with the partners fall by the lever (0.23 = -23%),
        both directions unless ``one_way``; ``tariff_cut``: the partners' tariffs on the
        country fall by the lever as a fraction of their current level (1 = to zero);
        ``fta``: the same on both sides (1 = a full free-trade agreement, all tariffs zero).
    partners
        Country codes or groups (``EU``, ``ASEAN``, ``CPTPP``, ``INDO_PACIFIC``).
    sectors
        Sector codes the lever applies to (default: all tradable sectors).
    one_way
        For ``trade_cost``: cut only the costs of the country's exports to the partners.
    max_value
        Upper end of the search bracket (default 0.9 for trade costs, 1 for tariffs).

    """

    kind: LeverKind = "trade_cost"
    partners: tuple[str, ...] = ("EU", "GBR", "JPN", "KOR", "IND", "ASEAN")
    sectors: tuple[str, ...] | None = None
    one_way: bool = False
    max_value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in _LEVERS:
            raise ScenarioError(f"lever: unknown kind {self.kind!r}"
                                f"{did_you_mean(self.kind, _LEVERS) or '; available: ' + ', '.join(_LEVERS)}")
        hi = self.upper
        if not 0 < hi < 1 or (self.kind != "trade_cost" and hi > 1):
            if not (self.kind != "trade_cost" and hi == 1):
                raise ScenarioError(f"lever.max_value {hi} must be in (0, 1) for trade costs and "
                                    "(0, 1] for tariff cuts")

    @property
    def upper(self) -> float:
        """Upper end of the search bracket."""
        if self.max_value is not None:
            return float(self.max_value)
        return 0.9 if self.kind == "trade_cost" else 1.0

    def apply(self, shock: Shock, country: str, partners: Sequence[str], value: float) -> Shock:
        """``shock`` with the lever added at size ``value`` (a new Shock)."""
        sectors = list(self.sectors) if self.sectors else None
        if self.kind == "trade_cost":
            if value != 0:
                shock = shock.trade_cost(importer=list(partners), exporter=country, sectors=sectors,
                                         change=-value, symmetric=not self.one_way,
                                         label=f"lever trade_cost -{value:.4f}")
            return shock
        w = shock.world
        n = w.n_countries
        c = w.country_index(country)
        p = np.zeros(n, bool)
        p[[w.country_index(x) for x in partners]] = True
        sec = np.zeros(w.n_sectors, bool)
        if sectors:
            sec[[w.sector_index(s, where="lever.sectors") for s in sectors]] = True
        else:
            sec[:] = np.asarray(w.tradable, bool)
        mask = np.zeros((n, n, w.n_sectors), bool)
        mask[p, c, :] = sec                      # partners' tariffs on the country's goods
        if self.kind == "fta":
            mask[c, p, :] = sec                  # the country's tariffs on the partners' goods
        new = np.where(mask, shock.tariffs * (1.0 - value), shock.tariffs)
        return shock.set_tariffs(new, label=f"lever {self.kind} {value:.4f}")

    def describe(self, value: float, country: str, partners: Sequence[str],
                 all_sectors: Sequence[str] = ()) -> str:
        """Plain-language statement of the lever at a given size."""
        who = ", ".join(partners)
        scope = ""
        if self.sectors:
            left_out = [x for x in all_sectors if x not in self.sectors]
            if len(self.sectors) > 6 and all_sectors and len(left_out) <= 6:
                scope = f" in every sector but {', '.join(left_out)}"
            elif len(self.sectors) > 6:
                scope = f" in {len(self.sectors)} sectors"
            else:
                scope = f" in {', '.join(self.sectors)}"
        if self.kind == "trade_cost":
            way = "on its exports to" if self.one_way else "with"
            return f"{country}'s trade costs {way} {who}{scope} fall {100 * value:.1f}%"
        if self.kind == "tariff_cut":
            return f"tariffs of {who} on {country}{scope} fall {100 * value:.1f}% of their level"
        return (f"tariffs between {country} and {who}{scope} fall {100 * value:.1f}% of their "
                "level (100% = full FTA)")


def parse_lever(kind: str, partners: Iterable[str], sectors: Iterable[str] | None = None,
                one_way: bool = False, max_value: float | None = None) -> Lever:
    """Build a :class:`Lever` from CLI-style arguments (validates the kind)."""
    secs = tuple(sectors) if sectors else None
    return Lever(kind, tuple(p.upper() for p in partners), secs, one_way, max_value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- metrics
def _exports_by_partner(result: Any, country: str,
                        sectors: Sequence[str] = ()) -> pd.DataFrame:
    if sectors:     # flows are [importer, exporter, sector] at producer prices, like exports()
        w = result.world
        i = w.country_index(country, where="target country")
        j = [w.sector_index(s, where="target.sectors") for s in sectors]
        return pd.DataFrame({"baseline": result.flows_base[:, i, j].sum(axis=1),
                             "counterfactual": result.flows_cf[:, i, j].sum(axis=1)},
                            index=pd.Index(w.countries, name="partner"))
    df = result.exports(country)
    if "country" in df.columns:
        df = df[df["country"] == country]
    return df.set_index("partner")[["baseline", "counterfactual"]]


def metric_value(result: Any, country: str, target: Target, partners: Sequence[str] = (),
                 column: str = "counterfactual") -> float:
    """The target's metric in a result (``column`` = ``baseline`` or ``counterfactual``)."""
    ex = _exports_by_partner(result, country, target.sectors)[column]
    ex = ex[ex.index != country]
    total = float(ex.sum())
    if target.metric == "exports":
        return total
    if target.metric == "non_us_exports":
        return float(ex[ex.index != "USA"].sum())
    if target.metric == "us_share":
        return float(ex.get("USA", 0.0)) / total if total > 0 else float("nan")
    sel = float(ex[ex.index.isin(partners)].sum())
    if target.metric == "exports_to":
        return sel
    return sel / total if total > 0 else float("nan")


# ----------------------------------------------------------------------------- solve
@dataclass
class TargetResult:
    """The answer to a target question (see :func:`solve_target`).

    Attributes
    ----------
    value
        Lever size that reaches the target (fraction: 0.23 = 23%); when unreachable, the
        lever size giving the best attainable value (the bracket's end).
    reached
        Whether the target is met (to ``tol``) within the lever's range.
    achieved
        The metric at ``value`` (US$ million, or a fraction for shares).
    goal, baseline, start
        The target level, the metric in the world's baseline, and under the base scenario
        with the lever at zero.
    result
        The full :class:`~tradeshock.result.Result` at ``value``.
    evaluations
        Every solve: ``lever, metric, seconds`` (sorted by lever).
    monotone
        Whether the evaluated points were monotone in the lever (if not, the answer may not
        be unique and the message says so).

    """

    country: str
    target: Target
    lever: Lever
    partners: tuple[str, ...]
    value: float
    reached: bool
    achieved: float
    goal: float
    baseline: float
    start: float
    result: Any
    evaluations: pd.DataFrame
    monotone: bool
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def n_solves(self) -> int:
        """Number of general-equilibrium solves used."""
        return len(self.evaluations)

    @property
    def share_of_goal(self) -> float:
        """Fraction of the way from baseline to goal achieved at ``value`` (1 = reached)."""
        gap = self.goal - self.baseline
        return (self.achieved - self.baseline) / gap if gap else float("nan")

    def summary(self) -> str:
        """One or two sentences an analyst can quote."""
        unit = (lambda v: f"{100 * v:.1f}%") if self.target.is_share else \
            (lambda v: f"US${v / 1e3:,.1f} bn")
        spec = list(self.lever.partners)
        who = spec if len(self.partners) <= len(spec) else \
            [f"{', '.join(spec)} ({len(self.partners)} countries of this world)"]
        tradable = [x for x, t in zip(self.result.world.sectors, self.result.world.tradable,
                                      strict=True) if t]
        lev = self.lever.describe(self.value, self.country, who, tradable)
        if self.reached and self.value == 0:
            return (f"Target {self.target.describe()} for {self.country} is already met without "
                    f"the lever ({unit(self.start)} against a goal of {unit(self.goal)}).")
        if self.reached:
            return (f"To reach {self.target.describe()} for {self.country} "
                    f"({unit(self.baseline)} -> {unit(self.goal)}): {lev}.")
        if self.value == 0:
            return (f"Not reachable with this lever: it moves {self.target.describe()} away from "
                    f"the goal; the best is no lever at all ({unit(self.achieved)} against a goal "
                    f"of {unit(self.goal)}).")
        return (f"Not reachable with this lever: even when {lev} (the end of its range), "
                f"{self.country} gets {unit(self.achieved)} against a goal of {unit(self.goal)} "
                f"({100 * self.share_of_goal:.0f}% of the way from the baseline).")

    def side_effects(self) -> dict[str, pd.DataFrame]:
        """Welfare by country, the country's exports by partner, its sectors and provinces."""
        r = self.result
        out: dict[str, pd.DataFrame] = {"welfare": r.welfare()}
        out["exports"] = _exports_by_partner(r, self.country).assign(
            change=lambda d: d["counterfactual"] - d["baseline"],
            change_pct=lambda d: 100 * (d["counterfactual"] / d["baseline"] - 1)).reset_index()
        outp = r.output()
        out["sectors"] = outp[outp["country"] == self.country].reset_index(drop=True)
        if self.country == "CAN":
            try:
                out["provinces"] = r.provinces()
            except Exception as exc:  # provinces need the packaged shares; say why missing
                self.notes.append(f"provinces unavailable: {exc}")
        return out

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy summary (for exports and the CLI)."""
        return pd.DataFrame([{
            "country": self.country, "target": self.target.describe(), "lever": self.lever.kind,
            "partners": " ".join(self.lever.partners), "countries": " ".join(self.partners),
            "sectors": " ".join(self.lever.sectors) if self.lever.sectors else "all tradable",
            "value": self.value, "reached": self.reached, "baseline": self.baseline,
            "start": self.start, "goal": self.goal, "achieved": self.achieved,
            "share_of_goal": self.share_of_goal, "n_solves": self.n_solves,
            "seconds": self.seconds, "monotone": self.monotone}])


def _base_shock(world: World, base: Any, deficits: str | None) -> tuple[Shock, Deficits]:
    """The complete shock the lever is added to, and the deficit treatment to solve it with.

    The base Shock itself, or the base scenario compiled, kept whole (τ', d̂, the quotas
    decided on volumes, quota rents, notes and log; a frozen value, so the lever's verbs return
    new shocks); ``deficits`` or else the base scenario's ``settings.deficits`` (``fixed``).
    """
    if base is None or isinstance(base, Shock):
        shock = Shock(world) if base is None else base
        shock.check_fits(world)
        return shock, check_deficits(deficits or "fixed")
    scenario = load_scenario(base)
    compiled: Shock = scenario.to_shock(world)
    return compiled, check_deficits(deficits) if deficits else scenario_deficits(scenario)


def solve_target(world: World | str, country: str, target: str | Mapping[str, Any] | Target,
                 lever: Lever | str = "trade_cost", *, partners: Iterable[str] | None = None,
                 base: Any = None, deficits: str | None = None, tol: float = 1e-4,
                 max_solves: int = 40, simulate_fn: Callable[..., Any] | None = None,
                 **solver_kw: Any) -> TargetResult:
    """Find the lever size at which ``country`` reaches ``target`` (the inverse problem).

    Parameters
    ----------
    world
        A :class:`World` or the name of a packaged world.
    country
        Whose exports the target is about (e.g. ``"CAN"``).
    target
        A :class:`Target`, or text/mapping for :func:`parse_target` (``"non_us_exports x2"``).
    lever
        A :class:`Lever` or its kind (``trade_cost``, ``tariff_cut``, ``fta``) with
        ``partners``.
    partners
        Overrides the lever's partners (codes or groups).
    base
        Optional scenario (name, path, :class:`~tradeshock.scenario.Scenario`) or
        :class:`Shock` the lever is added on top of (e.g. the 2026 status quo). The goal is
        always measured from the world's baseline.
    deficits
        ``fixed`` or ``zero``; default: the base scenario's setting, else ``fixed``.
    tol
        Relative tolerance on the metric: the target is met when
        ``|achieved - goal| <= tol * |goal - baseline|`` (shares: absolute ``tol``).
    max_solves
        Stop (and raise :class:`ConvergenceError`) past this many solves.
    simulate_fn, **solver_kw
        The solve function (default :func:`tradeshock.simulate`) and its keyword arguments.

    Returns
    -------
    TargetResult
        ``value``, ``reached``, ``achieved``, ``result`` and the solve log.

    Notes
    -----
    The metric must move monotonically with the lever (it does for these levers in this
    model: cheaper access to a partner raises exports to it). Evaluations are checked for
    monotonicity and the result says if they were not. The root is found by Brent's method
    on [0, max] after checking that the bracket contains the target.

    """
    from tradeshock.world import load_world

    t0 = time.perf_counter()
    if isinstance(world, str):
        world = load_world(world)
    world.country_index(country, where="target country")
    target = parse_target(target)
    for s in target.sectors:
        world.sector_index(s, where="target.sectors")
    if isinstance(lever, str):
        lever = Lever(lever, tuple(partners) if partners else Lever.partners)  # type: ignore[arg-type]
    elif partners:
        lever = Lever(lever.kind, tuple(partners), lever.sectors, lever.one_way, lever.max_value)
    lever_partners, notes = expand_partners(world, lever.partners, exclude=(country,),
                                            where="lever.partners")
    tgt_partners: tuple[str, ...] = ()
    if target.partners:
        tgt_partners, more = expand_partners(world, target.partners, exclude=(country,),
                                             where="target.partners")
        notes += more
    from tradeshock.simulate import simulate

    solve = simulate if simulate_fn is None else simulate_fn
    base_shock, treatment = _base_shock(world, base, deficits)

    cache: dict[float, tuple[float, Any, float]] = {}

    def evaluate(s: float) -> float:
        s = float(min(max(s, 0.0), lever.upper))
        if s in cache:
            return cache[s][0]
        if len(cache) >= max_solves:
            raise ConvergenceError(f"target search for {target.describe()} used {max_solves} "
                                   "solves without meeting the tolerance; loosen tol= or check "
                                   "that the lever moves the metric")
        shock = lever.apply(base_shock, country, lever_partners, s)
        t = time.perf_counter()
        res = solve(world, shock, deficits=treatment, **solver_kw)
        m = metric_value(res, country, target, tgt_partners)
        cache[s] = (m, res, time.perf_counter() - t)
        return m

    m0 = evaluate(0.0)
    first = cache[0.0][1]
    baseline = metric_value(first, country, target, tgt_partners, column="baseline")
    goal = target.goal(baseline)
    scale = 1.0 if target.is_share else max(abs(goal - baseline), 1e-9 * max(abs(goal), 1.0))

    def ok(m: float) -> bool:
        return abs(m - goal) <= tol * scale

    # The goal is a level to reach from the baseline: "x2" means at least double, "us_share
    # 60%" from 63% means at most 60%. It is met at or beyond the goal in that direction.
    want_up = goal >= baseline

    def met(m: float) -> bool:
        return ok(m) or (m >= goal if want_up else m <= goal)

    if met(m0):
        value, reached = 0.0, True
        if not ok(m0):
            notes.append("the target is already met without the lever")
    else:
        value, reached = _search(evaluate, lever, target, m0, goal, met, ok, notes)
    achieved, result, _ = cache[float(min(max(value, 0.0), lever.upper))]
    ev = pd.DataFrame([(s, m, sec) for s, (m, _, sec) in sorted(cache.items())],
                      columns=["lever", "metric", "seconds"])
    d = np.diff(ev["metric"].to_numpy())
    monotone = bool(np.all(d >= -1e-9 * scale) or np.all(d <= 1e-9 * scale))
    if not monotone:
        notes.append("the metric was not monotone in the lever over the points evaluated; "
                     "another lever size may also reach the target")
    return TargetResult(country, target, lever, lever_partners, float(value), reached,
                        float(achieved), float(goal), float(baseline), float(m0), result, ev,
                        monotone, time.perf_counter() - t0, notes)


def _search(evaluate: Callable[[float], float], lever: Lever, target: Target, m0: float,
            goal: float, met: Callable[[float], bool], ok: Callable[[float], bool],
            notes: list[str]) -> tuple[float, bool]:
    """Bracket the goal by secant steps from zero, then close in with Brent's method.

    Works in coordinates where the map is close to linear: exports scale like
    (1 - cut)^(-theta), so log(metric) against -log(1 - cut) for trade costs. The secant steps
    overshoot the predicted root a little, so the first step past the goal usually lands
    close to it; the end of the range is solved only when the steps get there.
    Returns (lever value, reached).
    """
    hi = lever.upper
    cost = lever.kind == "trade_cost"
    x_hi = -math.log1p(-hi) if cost else hi

    def to_s(x: float) -> float:
        if x >= x_hi:
            return hi
        return 1.0 - math.exp(-x) if cost else x

    logm = not target.is_share and m0 > 0 and goal > 0

    def gap(m: float) -> float:
        return math.log(max(m, 1e-300) / goal) if logm else m - goal

    xa, ma = 0.0, m0
    xb = min(x_hi, -math.log1p(-0.05) if cost else 0.25)
    for _ in range(12):
        mb = evaluate(to_s(xb))
        if met(mb):
            break
        if xb >= x_hi:  # unreachable: report the better end of the range
            if abs(mb - goal) < abs(m0 - goal):
                return hi, False
            notes.append("the lever moves the metric away from the goal")
            return 0.0, False
        ga, gb = gap(ma), gap(mb)
        slope = (gb - ga) / (xb - xa)
        step = -gb / slope if slope != 0 else math.inf
        if not step > 0:  # flat or moving away: widen the search
            nxt = 4 * xb
        else:
            nxt = xb + 1.03 * step
        xa, ma = xb, mb
        xb = min(x_hi, nxt, 8 * xb)
    else:
        raise ConvergenceError(f"could not bracket the target {target.describe()}; check that the "
                               "lever moves the metric")

    def back(h: float) -> float:
        return goal * math.exp(h) if logm else h + goal

    x = _brent(lambda x: gap(evaluate(to_s(x))), xa, xb, gap(ma), gap(mb),
               ok=lambda h: ok(back(h)))
    return to_s(x), True


def _brent(f: Callable[[float], float], a: float, b: float, fa: float, fb: float,
           ok: Callable[[float], bool], max_iter: int = 60) -> float:
    """Brent's root finder on a bracket [a, b] with f(a), f(b) of opposite signs.

    Stops as soon as ``ok(f(x))`` (a tolerance on the *outcome*, which is what the user
    asked for), so a well-behaved lever needs only a few solves. Classic Brent (1973) with
    inverse quadratic interpolation, secant and bisection safeguards.
    """
    if ok(fa):
        return a
    if ok(fb):
        return b
    if fa * fb > 0:
        raise ValueError("bracket does not contain a root")
    c, fc = a, fa
    d = e = b - a
    for _ in range(max_iter):
        if fb * fc > 0:
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol1 = 2 * np.finfo(float).eps * abs(b) + 1e-12
        xm = 0.5 * (c - b)
        if abs(xm) <= tol1 or ok(fb):
            return b
        if abs(e) >= tol1 and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:
                p, q = 2 * xm * s, 1 - s
            else:
                q, r = fa / fc, fb / fc
                p = s * (2 * xm * q * (q - r) - (b - a) * (r - 1))
                q = (q - 1) * (r - 1) * (s - 1)
            if p > 0:
                q = -q
            p = abs(p)
            if 2 * p < min(3 * xm * q - abs(tol1 * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = xm
        else:
            d = e = xm
        a, fa = b, fb
        b = b + (d if abs(d) > tol1 else math.copysign(tol1, xm))
        fb = f(b)
    return b


# --------------------------------------------------------------------------- forward
def target_progress(world: World | str, country: str, target: str | Mapping[str, Any] | Target,
                    scenarios: Mapping[str, Any] | Sequence[Any], *, reference: Any = None,
                    deficits: str | None = None, backend: str = "serial",
                    **solver_kw: Any) -> pd.DataFrame:
    """How much of a target each scenario delivers (the forward question).

    Returns one row per scenario: ``scenario, baseline, goal, achieved, share_of_goal``
    (``share_of_goal`` = (achieved - baseline) / (goal - baseline); 1 = the target is met),
    e.g. "the energy MOU plus canola relief deliver 3% of the doubling". With a
    ``reference`` scenario (e.g. the status quo the others build on), also
    ``achieved_reference`` and ``share_vs_reference`` = (achieved - achieved_reference) /
    (goal - baseline): what each scenario adds on top of the reference. ``deficits``
    overrides the treatment; by default each scenario is solved with its own
    ``settings.deficits`` (as :func:`tradeshock.simulate` would) and a Shock with ``fixed``.
    """
    from tradeshock.analysis.attribution import solve_batch
    from tradeshock.world import load_world

    if isinstance(world, str):
        world = load_world(world)
    target = parse_target(target)
    for s in target.sectors:
        world.sector_index(s, where="target.sectors")
    tgt_partners: tuple[str, ...] = ()
    if target.partners:
        tgt_partners, _ = expand_partners(world, target.partners, exclude=(country,))
    items = scenarios.items() if isinstance(scenarios, Mapping) else \
        [(getattr(load_scenario(s), "name", str(s)), s) for s in scenarios]
    items = list(items)
    if reference is not None:
        items.append(("__reference__", reference))
    names, shocks, treatments = [], [], []
    for name, sc in items:
        if isinstance(sc, Shock):
            shocks.append(sc)
            treatments.append(check_deficits(deficits or "fixed"))
        else:
            loaded = load_scenario(sc)
            shocks.append(loaded.to_shock(world))
            treatments.append(check_deficits(deficits) if deficits else scenario_deficits(loaded))
        names.append(str(name))
    # each scenario is solved with its own deficit treatment, as simulate would (one batch each)
    results: list[Any] = [None] * len(shocks)
    for treatment in dict.fromkeys(treatments):
        idx = [k for k, t in enumerate(treatments) if t == treatment]
        for k, r in zip(idx, solve_batch(world, [shocks[k] for k in idx], deficits=treatment,
                                         backend=backend, **solver_kw), strict=True):
            results[k] = r
    rows = []
    for name, res in zip(names, results, strict=True):
        base = metric_value(res, country, target, tgt_partners, column="baseline")
        goal = target.goal(base)
        ach = metric_value(res, country, target, tgt_partners)
        rows.append({"scenario": name, "country": country, "target": target.describe(),
                     "baseline": base, "goal": goal, "achieved": ach,
                     "share_of_goal": (ach - base) / (goal - base) if goal != base else float("nan")})
    df = pd.DataFrame(rows)
    if reference is not None:
        ref = df[df["scenario"] == "__reference__"]["achieved"].item()
        df = df[df["scenario"] != "__reference__"].reset_index(drop=True)
        df["achieved_reference"] = ref
        df["share_vs_reference"] = (df["achieved"] - ref) / (df["goal"] - df["baseline"])
    df.attrs["unit"] = "fraction" if target.is_share else "US$ million, base year"
    return df
