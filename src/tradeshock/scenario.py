"""Scenario files: which measures apply, on which world, compiled to a :class:`Shock`.

A scenario (YAML or TOML) names a ``world``, optionally takes every library measure in force on
``as_of``, ``extends`` another scenario (by name or path; cycles are an error), adds
``measures`` (library refs ``- ref: id`` and ad-hoc ``tariff``, ``quota``, ``trade_cost``,
``embargo`` entries), takes some out (``remove``) and sets ``settings`` (``deficits``,
``elasticities``). Every problem is a :class:`~tradeshock.errors.ScenarioError` naming the
file, line, field and value, with a suggestion.

Examples
--------
.. code-block:: yaml

    name: canada-china-deal-2026
    world: default
    as_of: 2026-02-01
    measures:
      - ref: ca-cn-ev-quota-2026
      - tariff: {imposer: CHN, target: CAN, hs: ["1514"], add: 1.0, label: canola-oil}
      - trade_cost: {importer: [CHN, JPN], exporter: CAN, sectors: [mining], change: -0.10}
    settings: {deficits: fixed}
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from tradeshock import shipped
from tradeshock.errors import ScenarioError, did_you_mean, unknown
from tradeshock.measures.library import (
    GOODS_SECTORS,
    MAX_RATE,
    _place,
    as_date,
    country_message,
    known_countries,
    line_of,
    load_library,
    measures_table,
    rate_message,
    read_toml,
    read_yaml,
    services_message,
    strip_lines,
    validate_measure,
)
from tradeshock.measures.schema import SECTORS, Measure, expand

#: Folder of the shipped scenario files (inside the package; see :mod:`tradeshock.shipped`).
SCENARIOS_DIR = shipped.shipped_dir("scenario")
_SUFFIXES = shipped.SUFFIXES
_KINDS = ("ref", "tariff", "quota", "trade_cost", "embargo")
_TOP = ("name", "description", "world", "as_of", "extends", "measures", "remove", "settings")
#: Start date given to ad-hoc measures (they apply whenever the scenario does).
_ADHOC_START = dt.date(2000, 1, 1)


class Settings(BaseModel):
    """Solver settings of a scenario: trade-balance closure, trade-elasticity set, uncertainty.

    ``uncertainty`` (optional): ``{draws: N, seed: S, theta: {sector | all: distribution}}``,
    checked by :func:`tradeshock.uncertainty.parse_distributions` against the world.
    """

    model_config = ConfigDict(extra="forbid")
    deficits: Literal["fixed", "zero"] = "fixed"
    elasticities: str | None = None
    uncertainty: dict[str, Any] | None = None
    #: False: CUSMA/USMCA no longer in force, so measures that exempt qualifying goods tax them too.
    cusma: bool = True


Codes = str | list[str] | None


class MeasureEntry(BaseModel):
    """A ``ref``, ``tariff`` or ``quota`` entry: a :class:`Measure` compiled by the rates engine."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")
    kind: Literal["ref", "tariff", "quota"]
    label: str
    measure: Measure

    @property
    def params(self) -> dict[str, Any]:
        """No direct shock parameters (the measure carries everything)."""
        return {}


class _CostEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    sectors: list[str] | None = None
    source: Any = None
    note: str | None = None

    @property
    def measure(self) -> None:
        """Cost entries act on the shock directly, not through a library measure."""
        return None

    @property
    def params(self) -> dict[str, Any]:
        """The entry's fields as a mapping (the verb's keyword arguments plus source/note)."""
        return self.model_dump(exclude={"kind", "label"}, exclude_none=True)


class TradeCostEntry(_CostEntry):
    """A ``trade_cost`` entry: iceberg costs ``exporter`` → ``importer`` scaled by ``1 + change``."""

    kind: Literal["trade_cost"] = "trade_cost"
    importer: Codes = None
    exporter: Codes = None
    change: float | None = None
    symmetric: bool = False
    uncertain: bool = False
    # a size taken from a stored gravity estimate instead of ``change`` (tradeshock.gravity)
    from_estimate: str | None = None
    direction: str | None = None
    share: float | None = None
    net_of_tariffs: bool | list[str] | None = None   # True, or the MFN measures to net out
    theta: float | None = None
    estimate: dict[str, Any] | None = None


class EmbargoEntry(_CostEntry):
    """An ``embargo`` entry: imports of ``imposer`` from ``target`` stopped (π' = 0 exactly)."""

    kind: Literal["embargo"] = "embargo"
    imposer: Codes = None
    target: Codes = None


#: One item of a scenario's ``measures`` list, validated: a union discriminated by ``kind``.
Entry = Annotated[MeasureEntry | TradeCostEntry | EmbargoEntry, Field(discriminator="kind")]


class Scenario(BaseModel):
    """A validated scenario (see the module docstring). Build with :meth:`load` or :meth:`from_dict`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    name: str
    description: str = ""
    world: str = "default"
    as_of: dt.date | None = None
    extends: str | None = None
    measures: list[Entry] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    settings: Settings = Field(default_factory=Settings)
    source: str = "<dict>"
    _base: Scenario | None = PrivateAttr(default=None)

    # ------------------------------------------------------------ construction
    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a YAML or TOML scenario file or shipped name (resolving ``extends``)."""
        p = Path(path)
        if not p.is_file() and p.suffix not in _SUFFIXES:
            p = find_scenario(str(path))
        return _load(p, chain=())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> Scenario:
        """Validate a scenario given as a mapping; ``source`` names it in error messages."""
        return _build(dict(data), source=source, chain=(), folder=Path.cwd())

    # ------------------------------------------------------------ queries
    @property
    def base(self) -> Scenario | None:
        """The scenario this one extends (resolved), or None."""
        return self._base

    @property
    def cusma_in_force(self) -> bool:
        """False if this scenario or a base sets ``settings.cusma: false``."""
        own = self.settings.cusma
        return own and (self._base.cusma_in_force if self._base is not None else True)

    @property
    def effective_as_of(self) -> dt.date | None:
        """The date whose measures the scenario takes (its own ``as_of``, else its base's)."""
        if self.as_of is not None:
            return self.as_of
        return self._base.effective_as_of if self._base is not None else None

    def coverage_note(self) -> str:
        """How far the measures library reaches, warning if the scenario's date is past it."""
        return load_library().coverage_note(self.effective_as_of)

    def measure_labels(self) -> list[str]:
        """Labels of the measures this scenario adds on top of its base (for attribution)."""
        return [e.label for e in self.measures]

    def tariff_measures(self, only: set[str] | None = None) -> list[Measure]:
        """Every tariff/quota measure the scenario applies (base, ``as_of``, own), after ``remove``."""
        out: dict[str, Measure] = {}
        if self._base is not None:
            for m in self._base.tariff_measures():
                out[m.id] = m
        if self.as_of is not None:
            for m in load_library().in_force(self.as_of):
                out[m.id] = m
        for e in self.measures:
            if e.measure is not None and (only is None or e.label in only):
                out[e.measure.id] = e.measure
        gone = set(self.remove)
        labels = self._all_labels()
        return [m for k, m in out.items() if k not in gone and labels.get(k) not in gone]

    def _all_labels(self) -> dict[str, str]:
        """Measure id -> label for this scenario's entries and its bases'."""
        out = self._base._all_labels() if self._base is not None else {}
        out.update({e.measure.id: e.label for e in self.measures if e.measure is not None})
        return out

    def cost_entries(self, only: set[str] | None = None) -> list[Entry]:
        """The trade-cost and embargo entries (base first), after ``remove``."""
        base = self._base.cost_entries() if self._base is not None else []
        own = [e for e in self.measures if e.kind in ("trade_cost", "embargo")
               and (only is None or e.label in only)]
        return [e for e in base + own if e.label not in set(self.remove)]

    def measures_table(self) -> pd.DataFrame:
        """The applied measures: id, title, imposer, targets, rate, start, end, source, flags."""
        df = measures_table(self.tariff_measures())
        rows = []
        for e in self.cost_entries():
            p = e.params
            rows.append({"id": e.label, "family": "scenario", "title": _cost_title(e),
                         "imposer": _codes(p.get("importer") or p.get("imposer")),
                         "targets": _codes(p.get("exporter") or p.get("target")),
                         "rate": (float("nan") if "from_estimate" in p
                                  else p.get("change", float("inf"))), "mode": e.kind,
                         "start": self.as_of, "end": None, "source": p.get("source", self.source),
                         "uncertain": bool(p.get("uncertain", False)), "threat": False})
        if rows:
            df = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
        return df

    # ------------------------------------------------------------ compile
    def to_shock(self, world: Any = None, only: set[str] | Iterable[str] | None = None):
        """Compile to a :class:`~tradeshock.shock.Shock` on ``world`` (default: the scenario's).

        ``only`` keeps just those of :meth:`measure_labels` active (the base stays on).
        The shock carries the compiled quota rents (``shock.quota_rents``), the quotas whose
        marginal rate is decided on counterfactual volumes (``shock.quotas``, typed
        :class:`~tradeshock.shock.Quota` records that ``simulate`` solves) and the compiler's
        ``notes``.
        """
        from tradeshock.rates import compile_measures
        from tradeshock.shock import Quota, QuotaRent, Shock
        from tradeshock.world import World, load_world

        w = world if isinstance(world, World) else load_world(world or self.world)
        keep = set(only) if only is not None else None
        if keep is not None:
            bad = keep - set(self.measure_labels())
            if bad:
                raise ScenarioError(f"{self.source}: "
                                    + unknown("measure label", sorted(bad)[0], self.measure_labels(), "only"))
        measures = self.tariff_measures(keep)
        _check_world(measures, w, self.source)
        comp = compile_measures(w, measures, cusma=self.cusma_in_force)
        shock = Shock(w).set_tariffs(comp.tariffs, label=f"scenario {self.name}")
        for e in self.cost_entries(keep):
            p = e.params
            try:
                if e.kind == "trade_cost" and "from_estimate" in p:
                    from tradeshock.gravity.counterfactual import apply_estimate

                    part = None
                    if isinstance(p.get("net_of_tariffs"), list):
                        part = self._tariffs_of(w, p["net_of_tariffs"], measures, e.label)
                    shock = apply_estimate(shock, p, label=e.label, tariffs_part=part)
                elif e.kind == "trade_cost":
                    shock = shock.trade_cost(importer=p.get("importer"), exporter=p.get("exporter"),
                                     sectors=p.get("sectors"), change=p["change"],
                                     symmetric=bool(p.get("symmetric", False)), label=e.label)
                else:
                    shock = shock.embargo(imposer=p.get("imposer"), target=p.get("target"),
                                  sectors=p.get("sectors"), label=e.label)
            except Exception as exc:  # ShockError: labels not in this world
                raise ScenarioError(f"{self.source}: measure {e.label!r}: {exc}") from None
        return shock.replace(quotas=tuple(Quota.from_mapping(q) for q in comp.quotas),
                             quota_rents=tuple(QuotaRent.from_mapping(r) for r in comp.quota_rents),
                             notes=tuple(comp.notes))

    def _tariffs_of(self, w: Any, labels: list[str], measures: list[Measure], entry: str) -> Any:
        """Tariffs with only the measures ``labels`` on the baseline (an estimate's tariff part)."""
        from tradeshock.rates import compile_measures

        ids = self._all_labels()
        chosen = [m for m in measures if m.id in labels or ids.get(m.id) in labels]
        found = {m.id for m in chosen} | {ids.get(m.id) for m in chosen}
        missing = [x for x in labels if x not in found]
        if missing:
            known = sorted(ids.values())
            raise ScenarioError(f"{self.source}: measure {entry!r}: net_of_tariffs: "
                                + unknown("tariff measure", missing[0], known, "net_of_tariffs"))
        return compile_measures(w, chosen, cusma=self.cusma_in_force).tariffs

    def __repr__(self) -> str:
        return (f"<Scenario {self.name!r} world={self.world} as_of={self.as_of} "
                f"extends={self.extends} measures={len(self.measures)}>")


# ------------------------------------------------------------------ helpers
def _codes(v: Any) -> str:
    if v is None:
        return "all"
    return v if isinstance(v, str) else ", ".join(map(str, v))


def _cost_title(e: Entry) -> str:
    p = e.params
    if e.kind == "embargo":
        return f"embargo by {_codes(p.get('imposer'))} on {_codes(p.get('target'))}"
    if "from_estimate" in p:
        est = p["estimate"]
        verb = "removed" if p["direction"] == "remove" else "added"
        return (f"estimated {p['from_estimate']} effect {verb}"
                f" (beta {est['estimate']:.3f}, s.e. {est['std_error']:.3f}; iceberg x exp(beta/theta))"
                f" on {_codes(p.get('exporter'))} -> {_codes(p.get('importer'))}"
                + (", net of tariff changes" if p.get("net_of_tariffs") else ""))
    pct = 100 * float(p.get("change", 0))
    return (f"trade-cost change {pct:+.1f}% on {_codes(p.get('exporter'))} -> {_codes(p.get('importer'))}"
            + (f" ({_codes(p.get('sectors'))})" if p.get("sectors") else ""))


def _check_world(measures: list[Measure], w: Any, source: str) -> None:
    """Every imposer and named target must be a country of the world (else a clear error)."""
    countries = set(w.countries)
    for m in measures:
        if m.imposer not in countries:
            raise ScenarioError(f"{source}: measure {m.id!r}: imposer {m.imposer!r} is not a country "
                                f"of world {w.name!r}{did_you_mean(m.imposer, w.countries)}")


def find_scenario(ref: str, folder: Path | None = None) -> Path:
    """Resolve a scenario name or path.

    Looked up relative to ``folder`` (the extending file's), the CWD, then by name in ``folder``,
    ``./scenarios/`` and the shipped scenarios (:mod:`tradeshock.shipped`).
    """
    if not isinstance(ref, str) or not ref.strip() or "\0" in ref or len(ref) > 1024 \
            or any(len(part) > 255 for part in Path(ref).parts):
        raise ScenarioError(f"extends: value {_short(ref)} is not a scenario name or a path to a "
                            ".yaml/.yml/.toml file")
    p = Path(ref)
    # only scenario files: a path must end in .yaml/.yml/.toml (never read /etc/... or other files)
    cands = [] if p.suffix not in _SUFFIXES else (
        [p] if p.is_absolute() else [(folder or Path.cwd()) / p, Path.cwd() / p])
    for d in [folder, *shipped.folders("scenario")]:
        if d is None:
            continue
        cands += [d / f"{ref}{s}" for s in _SUFFIXES]
    for c in cands:
        try:
            if c.is_file():
                return c.resolve()
        except OSError:                      # e.g. a name too long for the filesystem
            continue
    looks_like_path = p.is_absolute() or len(p.parts) > 1
    if (p.suffix and p.suffix not in _SUFFIXES) or (looks_like_path and p.suffix not in _SUFFIXES):
        raise ScenarioError(f"extends: {_short(ref)} is not a scenario file; give a scenario name "
                            "or a .yaml/.yml/.toml file")
    names = sorted({q.stem for d in (folder, *shipped.folders("scenario")) if d and d.is_dir()
                    for q in d.iterdir() if q.suffix in _SUFFIXES})
    raise ScenarioError(unknown("scenario", ref, names, "extends") + "; give a file path or a scenario name")


def _read(path: Path) -> Any:
    if path.suffix == ".toml":
        return read_toml(path, "scenario file")
    return read_yaml(path, kind="scenario file")


def _load(path: Path, chain: tuple[Path, ...]) -> Scenario:
    if not path.exists():
        raise ScenarioError(f"{path}: scenario file not found; check the path or use a shipped name")
    data = _read(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario must be a mapping with at least 'name'")
    return _build(data, source=str(path), chain=chain + (path.resolve(),), folder=path.parent)


def _number(v: Any, where: str, field: str, low: float | None = None,
            high: float | None = MAX_RATE) -> float:
    """A finite number above ``low`` and at most ``high`` (default: the rate bound, 1,000%)."""
    try:
        x = float(v) if not isinstance(v, bool) and isinstance(v, (int, float)) else math.nan
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        shown = repr(v) if len(repr(v)) < 40 else repr(v)[:37] + "..."
        what = "a finite number" if isinstance(v, (int, float)) and not isinstance(v, bool) \
            else "a number"
        raise ScenarioError(f"{where}: field {field}: value {shown} is not {what}; rates are "
                            "fractions (0.25 = 25%)")
    if low is not None and x <= low:
        raise ScenarioError(f"{where}: field {field}: value {v!r} is at or below {low:.0%}; "
                            "rates are fractions (0.25 = 25%)")
    if high is not None:
        msg = rate_message(x, field)
        if msg:
            raise ScenarioError(f"{where}: {msg}")
    return x


def _text(v: Any, where: str, field: str, what: str) -> str:
    if not isinstance(v, str):
        raise ScenarioError(f"{where}: field {field}: value {_short(v)} is not {what}")
    return v


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _countries(v: Any, where: str, field: str) -> Any:
    if v is None or v == "all":
        return None
    if not isinstance(v, (str, list, tuple)):
        raise ScenarioError(f"{where}: field {field}: value {_short(v)} is not a country code "
                            "(ISO3 text such as 'USA') or a list of them")
    vals = [v] if isinstance(v, str) else list(v)
    known = known_countries()
    for k, c in enumerate(vals):
        if not isinstance(c, str):
            raise ScenarioError(f"{where}: field {field}[{k}]: value {_short(c)} is not a country "
                                "code (ISO3 text such as 'USA')")
        if c not in known:
            msg = country_message(c, field if len(vals) == 1 else f"{field}[{k}]")
            raise ScenarioError(f"{where}: {msg}")
    out = expand(vals)
    return out[0] if len(out) == 1 else out


def _sectors(v: Any, where: str, field: str) -> Any:
    if v is None or v == "all":
        return None
    if not isinstance(v, (str, list, tuple)):
        raise ScenarioError(f"{where}: field {field}: value {_short(v)} is not a sector code or a "
                            "list of them")
    vals = [v] if isinstance(v, str) else list(v)
    for k, s in enumerate(vals):
        if not isinstance(s, str) or s not in SECTORS:
            raise ScenarioError(f"{where}: {unknown('sector', s, SECTORS, f'{field}[{k}]')}")
    return vals


def _entry(raw: Any, k: int, source: str, name: str, as_of: dt.date | None) -> Entry:
    line = line_of(raw)
    where = _place(source, line)
    fld = f"measures[{k}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: {fld} must be a mapping such as '- ref: id' or '- tariff: {{...}}'")
    body = strip_lines(raw)
    kinds = [x for x in body if x in _KINDS]
    if len(kinds) != 1:
        extra = [x for x in body if x not in _KINDS and x not in ("label", "note")]
        hint = did_you_mean(extra[0], _KINDS) if extra else ""
        raise ScenarioError(f"{where}: {fld} needs exactly one of {', '.join(_KINDS)}, got "
                            f"{sorted(map(str, body))}{hint}")
    kind = kinds[0]
    label = body.get("label")
    if kind == "ref":
        ident = body["ref"]
        lib = load_library()
        if str(ident) not in lib:
            raise ScenarioError(f"{where}: {unknown('measure id', ident, lib.measures, f'{fld}.ref')}")
        m = lib.get(str(ident))
        return MeasureEntry(kind="ref", label=str(label or m.id), measure=m)
    spec = body[kind]
    if not isinstance(spec, dict):
        raise ScenarioError(f"{where}: {fld}.{kind} must be a mapping of fields, got {spec!r}")
    spec = dict(spec)
    label = str(spec.pop("label", None) or label or f"{kind}-{k + 1}")
    if kind in ("trade_cost", "embargo"):
        return _cost_entry(kind, spec, label, where, fld)
    return _tariff_entry(kind, spec, label, where, fld, source, name, as_of, line)


def _cost_entry(kind: str, spec: dict, label: str, where: str, fld: str) -> TradeCostEntry | EmbargoEntry:
    alias = {"from": "exporter", "to": "importer"}
    spec = {alias.get(k, k): v for k, v in spec.items()}
    allowed = ({"importer", "exporter", "sectors", "change", "symmetric", "source", "note", "uncertain"}
               | set(_ESTIMATE_FIELDS)
               if kind == "trade_cost" else {"imposer", "target", "sectors", "source", "note"})
    for key in spec:
        if key not in allowed:
            raise ScenarioError(f"{where}: {fld}.{kind}: unknown field {key!r}{did_you_mean(key, allowed)}")
    params: dict[str, Any] = {}
    if kind == "trade_cost":
        if ("change" in spec) == ("from_estimate" in spec):
            raise ScenarioError(f"{where}: {fld}.trade_cost: give exactly one of change (e.g. -0.10 "
                                "for a 10% cut in iceberg costs) or from_estimate (a gravity "
                                "estimate such as rta)")
        if "from_estimate" in spec:
            params.update(_estimate_params(spec, where, f"{fld}.trade_cost"))
        else:
            params["change"] = _number(spec["change"], where, f"{fld}.trade_cost.change", low=-1.0)
        params["importer"] = _countries(spec.get("importer"), where, f"{fld}.trade_cost.importer")
        params["exporter"] = _countries(spec.get("exporter"), where, f"{fld}.trade_cost.exporter")
        params["symmetric"] = bool(spec.get("symmetric", False))
    else:
        params["imposer"] = _countries(spec.get("imposer"), where, f"{fld}.embargo.imposer")
        params["target"] = _countries(spec.get("target"), where, f"{fld}.embargo.target")
    params["sectors"] = _sectors(spec.get("sectors"), where, f"{fld}.{kind}.sectors")
    for k in ("source", "note", "uncertain"):
        if k in spec:
            params[k] = spec[k]
    cls = TradeCostEntry if kind == "trade_cost" else EmbargoEntry
    return cls(label=label, **params)


#: Fields of a ``trade_cost`` entry that takes its size from a gravity estimate.
_ESTIMATE_FIELDS = ("from_estimate", "estimate_file", "direction", "share", "net_of_tariffs", "theta")


def _estimate_params(spec: dict, where: str, fld: str) -> dict[str, Any]:
    """Resolve ``from_estimate`` (stored gravity estimate) into the entry's parameters."""
    from tradeshock.errors import DataError
    from tradeshock.gravity.data import load_estimates

    try:
        stored = load_estimates(spec.get("estimate_file"))
    except DataError as exc:
        raise ScenarioError(f"{where}: {fld}.estimate_file: {exc}") from None
    name = str(spec["from_estimate"])
    if name not in stored:
        raise ScenarioError(f"{where}: {unknown('gravity estimate', name, stored, f'{fld}.from_estimate')}")
    est = stored[name]
    direction = spec.get("direction", "remove")
    if direction not in ("remove", "add"):
        raise ScenarioError(f"{where}: field {fld}.direction: value {direction!r}: use remove (the "
                            "pairs lose the estimated effect) or add (they gain it)")
    share = _number(spec.get("share", 1.0), where, f"{fld}.share", low=0.0)
    raw_net = spec.get("net_of_tariffs", False)
    if isinstance(raw_net, str):
        raw_net = [raw_net]
    if isinstance(raw_net, list):
        net: bool | list[str] = [str(x) for x in raw_net]
    elif isinstance(raw_net, bool):
        net = raw_net
    else:
        raise ScenarioError(f"{where}: field {fld}.net_of_tariffs: value {raw_net!r}: use true (net of "
                            "every tariff change of the scenario) or a list of tariff measure labels")
    if net and direction != "remove":
        raise ScenarioError(f"{where}: field {fld}.net_of_tariffs works with direction: remove only")
    theta = None if spec.get("theta") is None else _number(spec["theta"], where, f"{fld}.theta", low=0.0)
    return {"from_estimate": name, "direction": direction, "share": share, "net_of_tariffs": net,
            "theta": theta,
            "estimate": {"estimate": float(est["estimate"]), "std_error": float(est["std_error"]),
                         "term": est.get("term", name), "source": est.get("formula", ""),
                         "file": str(spec.get("estimate_file") or "packaged")}}


def _tariff_entry(kind: str, spec: dict, label: str, where: str, fld: str, source: str, name: str,
                  as_of: dt.date | None, line: int | None) -> Entry:
    allowed = {"imposer", "target", "targets", "exempt", "hs", "sectors", "lists", "exclude_hs",
               "rate", "add", "cusma_exempt", "stacking", "group", "in_rate", "over_rate", "volume",
               "unit", "baseline_volume", "volume_share", "title", "source", "note", "uncertain",
               "start", "end", "excluded_by"}
    for key in spec:
        if key not in allowed:
            raise ScenarioError(f"{where}: {fld}.{kind}: unknown field {key!r}{did_you_mean(key, allowed)}")
    rec: dict[str, Any] = {
        "id": label, "title": spec.get("title") or f"{name}: ad-hoc {kind} {label}",
        "imposer": spec.get("imposer"),
        "targets": spec.get("targets", spec.get("target", "all")),
        "exempt": spec.get("exempt", []),
        "products": {k: spec[k] for k in ("hs", "sectors", "lists", "exclude_hs") if k in spec},
        "cusma_exempt": bool(spec.get("cusma_exempt", False)),
        "stacking": {"group": spec.get("group", f"scenario-{label}"),
                     "excluded_by": spec.get("excluded_by", [])},
        "start": spec.get("start", _ADHOC_START), "end": spec.get("end"),
        "source": {"title": spec.get("source") or f"scenario {name} ({source}), ad hoc"},
        "uncertain": bool(spec.get("uncertain", False)), "note": spec.get("note", ""),
        "family": "scenario", "__line__": line,
    }
    if rec["imposer"] is None:
        raise ScenarioError(f"{where}: {fld}.{kind}: field imposer is required (an ISO3 code such as USA)")
    _text(rec["imposer"], where, f"{fld}.{kind}.imposer", "a country code (ISO3 text such as 'USA')")
    for key in ("target", "targets", "exempt"):
        if key in spec and not (spec[key] == "all" and key != "exempt"):
            _countries(spec[key], where, f"{fld}.{kind}.{key}")
    if "sectors" in spec:
        for k2, sec in enumerate(_sectors(spec["sectors"], where, f"{fld}.{kind}.sectors") or []):
            if sec not in GOODS_SECTORS:
                raise ScenarioError(f"{where}: {services_message(sec, f'{fld}.{kind}.sectors[{k2}]')}")
    if kind == "tariff":
        has_rate, has_add = "rate" in spec, "add" in spec
        if has_rate == has_add:
            raise ScenarioError(f"{where}: {fld}.tariff: give exactly one of rate (the new applied rate, "
                                "or 'mfn') or add (points added to the current rate)")
        if has_add:
            rec["rate"] = _number(spec["add"], where, f"{fld}.tariff.add", low=-1.0)
            rec["mode"] = "additional"
        else:
            r = spec["rate"]
            rec["rate"] = r if r == "mfn" else _number(r, where, f"{fld}.tariff.rate", low=-1.0)
            if r != "mfn" and rec["rate"] < 0:
                raise ScenarioError(f"{where}: field {fld}.tariff.rate: value {r!r} is negative; an "
                                    "applied tariff is 0 or more (to cut one, use add: -0.05)")
            rec["mode"] = "replaces"
    else:
        q = {k: spec[k] for k in ("in_rate", "over_rate", "volume", "unit", "baseline_volume",
                                  "volume_share") if k in spec}
        for k in ("in_rate", "over_rate"):
            if k not in q:
                raise ScenarioError(f"{where}: {fld}.quota: field {k} is required")
            _number(q[k], where, f"{fld}.quota.{k}", low=-1.0)
        rec["quota"] = q
    m = validate_measure(rec, file=source, context=fld)
    return MeasureEntry(kind=cast(Literal["tariff", "quota"], kind), label=label, measure=m)


def _check_as_of(day: dt.date, where: str) -> dt.date:
    """``as_of`` within [2000-01-01, 31 Dec ten years after the library's last dated change]."""
    last = load_library().last_change() or dt.date.today()
    hi = dt.date(last.year + 10, 12, 31)
    if not (_ADHOC_START <= day <= hi):
        raise ScenarioError(f"{where}: field as_of: value {day.isoformat()} is outside "
                            f"{_ADHOC_START.isoformat()} to {hi.isoformat()} (the measures library "
                            f"records changes up to {last.isoformat()}); check the year")
    return day


def _build(data: dict, source: str, chain: tuple[Path, ...], folder: Path) -> Scenario:
    """Validate a scenario mapping; every problem found is reported at once (one per line)."""
    line0 = line_of(data)
    where = _place(source, line0)
    problems: list[str] = []

    def attempt(fn, *args):
        try:
            return fn(*args)
        except ScenarioError as exc:
            problems.append(str(exc))
            return None

    for key in data:
        if key != "__line__" and key not in _TOP:
            problems.append(f"{where}: unknown field {_short(key)}{did_you_mean(str(key), _TOP)}; "
                            f"scenario fields are {', '.join(_TOP)}")
    name = data.get("name")
    if not name:
        problems.append(f"{where}: field name is required")
    elif not isinstance(name, (str, int, float)) or isinstance(name, bool):
        problems.append(f"{where}: field name: value {_short(name)} is not text")
    for key in ("description", "world"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            problems.append(f"{where}: field {key}: value {_short(data.get(key))} is not text")
    as_of = data.get("as_of")
    if as_of is not None:
        try:
            as_of = _check_as_of(as_date(as_of), where) if not isinstance(as_of, (list, dict)) \
                else as_date("not a date")
        except ScenarioError as exc:
            as_of = None
            problems.append(str(exc) if "outside" in str(exc) else
                            f"{where}: field as_of: value {_short(data.get('as_of'))} is not a "
                            "date; use YYYY-MM-DD")
    base = None
    extends = data.get("extends")
    if extends:
        try:
            path = find_scenario(extends if isinstance(extends, str) else extends, folder)
            if path in chain:
                cyc = " -> ".join(p.name for p in chain + (path,))
                raise ScenarioError(f"{where}: field extends: cycle {cyc}; a scenario cannot "
                                    "extend itself directly or indirectly")
            base = _load(path, chain if chain else (Path(source).resolve(),)
                         if source != "<dict>" else ())
        except ScenarioError as exc:
            msg = str(exc)
            problems.append(msg if msg.startswith(where) else f"{where}: {msg}")
            extends = None
    raw_measures = data.get("measures") or []
    if not isinstance(raw_measures, list):
        problems.append(f"{where}: field measures must be a list of entries")
        raw_measures = []
    entries = [e for k, r in enumerate(raw_measures)
               if (e := attempt(_entry, r, k, source, str(name), as_of)) is not None]
    labels = [e.label for e in entries]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        problems.append(f"{where}: duplicate measure label {dup[0]!r} in measures; give each entry "
                        "a unique 'label'")
    remove = data.get("remove") or []
    if isinstance(remove, str):
        remove = [remove]
    if not isinstance(remove, list):
        problems.append(f"{where}: field remove: value {_short(remove)} is not a list of measure "
                        "ids or labels")
        remove = []
    lib = load_library()
    known_labels = set(labels) | set(lib.measures)
    b = base
    while b is not None:
        known_labels |= set(b.measure_labels())
        b = b.base
    for k, r in enumerate(remove):
        if not isinstance(r, str) or r not in known_labels:
            problems.append(f"{where}: "
                            + unknown("measure id", r, sorted(known_labels), f"remove[{k}]"))
    settings = strip_lines(data.get("settings") or {})
    st = Settings()
    try:
        st = Settings.model_validate(settings)
    except Exception as exc:
        err = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
        loc = ".".join(map(str, err.get("loc", ())))
        problems.append(f"{where}: field settings.{loc}: {err.get('msg')} (value "
                        f"{_short(err.get('input'))}); deficits is 'fixed' or 'zero'")
    if problems:
        raise ScenarioError(problems[0] if len(problems) == 1 else
                            f"{len(problems)} problems:\n  " + "\n  ".join(problems),
                            problems=problems)
    sc = Scenario(name=str(name), description=str(data.get("description") or ""),
                  world=str(data.get("world") or "default"), as_of=as_of,
                  extends=str(extends) if extends else None, measures=entries,
                  remove=[str(r) for r in remove], settings=st, source=source)
    sc._base = base
    return sc


def list_scenarios() -> list[str]:
    """Names of the scenario files shipped inside the package."""
    return shipped.names("scenario", include_user=False)


# ------------------------------------------------------------------ scenario references
def scenario_path(ref: str | os.PathLike[str]) -> Path:
    """The file of a scenario given as a path or a shipped name.

    Raises
    ------
    ScenarioError
        Neither a file nor a known name; the message lists close names.

    """
    p = Path(ref)
    if p.is_file():
        return p
    if p.is_dir():
        raise ScenarioError(f"scenario {str(ref)!r} is a folder; give a scenario file (.yaml or .toml)")
    if p.suffix in shipped.SUFFIXES and (p.parent != Path(".") or p.is_absolute()):
        raise ScenarioError(f"scenario file {str(ref)!r} not found")
    try:
        return find_scenario(p.stem if p.suffix in shipped.SUFFIXES else str(ref))
    except ScenarioError:
        pass
    names = shipped.names("scenario")
    if not names:
        raise ScenarioError(f"unknown scenario {str(ref)!r}: no such file, and no shipped scenarios "
                            "were found; give a path to a .yaml/.toml file")
    raise ScenarioError(unknown("scenario", str(ref), names, "scenario files or shipped names")
                        + "; give a path to a .yaml/.toml file or a shipped name")


def load_scenario(ref: Any) -> Any:
    """A :class:`~tradeshock.scenario.Scenario` from a Scenario, a mapping, a path or a shipped name.

    Any object with ``to_shock`` (a Scenario, or one with the same protocol) is returned as is.
    """
    if isinstance(ref, (str, os.PathLike)):
        return Scenario.load(scenario_path(ref))
    if isinstance(ref, Mapping):
        return Scenario.from_dict(dict(ref), source="<dict>")
    return ref


def with_as_of(scenario: Any, as_of: Any) -> Any:
    """A copy of ``scenario`` that takes the measures in force on ``as_of`` (None: unchanged)."""
    if as_of is None:
        return scenario
    try:
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise ScenarioError(f"--as-of {as_of!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01") from None
    return scenario.model_copy(update={"as_of": day})


def validate_file(path: str | Path) -> Scenario:
    """Load a scenario (a path or a shipped name) and check it compiles against its world."""
    sc = Scenario.load(path)
    from tradeshock.world import load_world

    w = load_world(sc.world)
    if sc.settings.uncertainty is not None:
        from tradeshock.uncertainty import check_uncertainty

        check_uncertainty(sc.settings.uncertainty, w, f"{path}: settings.uncertainty")
    if sc.settings.elasticities is not None and sc.settings.elasticities not in w.elasticities:
        raise ScenarioError(f"{path}: settings.elasticities: "
                            + unknown("elasticity set", sc.settings.elasticities, list(w.elasticities)))
    sc.to_shock(w)
    return sc


__all__ = ["EmbargoEntry", "Entry", "MeasureEntry", "Scenario", "TradeCostEntry", "Settings", "find_scenario",
           "list_scenarios", "load_scenario", "scenario_path", "validate_file", "with_as_of"]
