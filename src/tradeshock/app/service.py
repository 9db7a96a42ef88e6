"""What the dashboard asks of the engine, in one place: specs in, validated scenarios out.

The browser never sends a scenario file or a path. It sends a small JSON *spec*::

    {"name": "my-retaliation",            # optional display name
     "base": "status-quo-2026-03",         # optional: a shipped scenario, by name
     "as_of": "2026-03-01",                # optional: take every measure in force that day
     "add": ["us-threat-can-100"],         # library measures switched on
     "remove": ["us-s122-10"],             # measures switched off (ids or labels)
     "moves": [{"kind": "tariff", "imposer": "CAN", "targets": ["USA"],
                "sectors": ["metals"], "add": 0.25}],   # custom moves, rates as fractions
     "deficits": "fixed"}

:func:`scenario_dict` turns it into the mapping a scenario file would hold (``extends``,
``as_of``, ``measures``, ``remove``, ``settings``), which goes through the same validation as a
file (:meth:`tradeshock.scenario.Scenario.from_dict`), so the messages are the same. Before that,
:func:`check_spec` bounds every size and number and accepts only shipped scenario names, library
ids and the packaged worlds, so nothing from the browser is ever used as a file-system path.
:func:`job_key` is the canonical hash that identical requests share in the results cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tradeshock import __version__
from tradeshock.errors import ScenarioError, did_you_mean, unknown

#: Limits on what one request may contain (the HTTP body limit is in :mod:`tradeshock.app.server`).
MAX_MOVES = 40
MAX_IDS = 200
MAX_TEXT = 120
MAX_LIST = 60
#: Largest magnitude accepted for a rate, an added rate or a trade-cost change (a fraction:
#: 10 = 1,000%). Files have no such cap; in the dashboard a typo such as 2500 for 25% would
#: otherwise be solved as a 250,000% tariff.
MAX_RATE = 10.0
#: Custom move kinds and the scenario-file fields each may carry.
MOVE_FIELDS: dict[str, tuple[str, ...]] = {
    "tariff": (
        "imposer",
        "target",
        "targets",
        "exempt",
        "sectors",
        "hs",
        "rate",
        "add",
        "label",
        "source",
        "note",
        "cusma_exempt",
    ),
    "quota": (
        "imposer",
        "target",
        "targets",
        "sectors",
        "hs",
        "in_rate",
        "over_rate",
        "volume_share",
        "label",
        "source",
        "note",
    ),
    "trade_cost": ("importer", "exporter", "sectors", "change", "symmetric", "label", "source", "note"),
    "embargo": ("imposer", "target", "sectors", "label", "source", "note"),
}
_RATE_FIELDS = ("rate", "add", "in_rate", "over_rate", "change", "volume_share")
_SPEC_KEYS = (
    "name",
    "base",
    "as_of",
    "add",
    "remove",
    "moves",
    "deficits",
    "world",
    "scenario",
    "draws",
    "seed",
)
#: Most elasticity draws one dashboard run may ask for (each draw is a full solve).
MAX_DRAWS = 200
_NAME_RE = re.compile(r"[^A-Za-z0-9 _.+-]")
#: Where validation messages say the scenario came from.
SOURCE = "dashboard"


class SpecError(ScenarioError):
    """A dashboard request that cannot become a scenario (bad size, type, name or number)."""


# ------------------------------------------------------------------ catalogue (read once)
@dataclass(frozen=True)
class ShippedScenario:
    """A shipped scenario as the Build page shows it."""

    name: str
    description: str
    as_of: str | None
    deficits: str
    measures: tuple[str, ...]  # ids of every measure it applies (base and as-of included)
    own: tuple[str, ...]  # labels of the measures it adds itself (for attribution)


@dataclass(frozen=True)
class Catalog:
    """Everything the pages list, loaded once at start-up (no I/O in callbacks)."""

    measures: tuple[dict[str, Any], ...]
    scenarios: dict[str, ShippedScenario]
    games: tuple[str, ...]
    countries: tuple[tuple[str, str], ...]  # (code, name) of the default world
    sectors: tuple[tuple[str, str, bool], ...]  # (code, label, goods)
    worlds: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def measure_ids(self) -> set[str]:
        """Ids of the library measures."""
        return {m["id"] for m in self.measures}


def _rate_text(m: Any) -> str:
    if m.quota is not None:
        q = m.quota
        return f"quota: {100 * q.in_rate:g}% in, {100 * q.over_rate:g}% over"
    if m.rate == "mfn":
        return "MFN rate"
    pct = 100 * float(m.rate)
    return f"+{pct:g} points" if m.mode == "additional" else f"{pct:g}%"


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The measures library, shipped scenarios and games, countries and sectors (cached)."""
    from tradeshock import shipped
    from tradeshock.measures.library import load_library
    from tradeshock.scenario import Scenario, find_scenario, list_scenarios
    from tradeshock.world import list_worlds, load_world

    lib = load_library()
    rows = []
    for m in lib:
        src = m.sources[0]
        rows.append(
            {
                "id": m.id,
                "title": m.title,
                "imposer": m.imposer,
                "targets": "all" if m.targets == "all" else ", ".join(m.targets),
                "rate": _rate_text(m),
                "start": m.start.isoformat(),
                "end": m.end.isoformat() if m.end else None,
                "source": src.title,
                "url": src.url,
                "threat": m.threat,
                "uncertain": m.uncertain,
            }
        )
    scenarios = {}
    for name in list_scenarios():
        sc = Scenario.load(find_scenario(name))
        ids = [x.id for x in sc.tariff_measures()] + [e.label for e in sc.cost_entries()]
        scenarios[name] = ShippedScenario(
            name,
            sc.description,
            sc.as_of.isoformat() if sc.as_of else None,
            sc.settings.deficits,
            tuple(dict.fromkeys(ids)),
            tuple(sc.measure_labels()),
        )
    w = load_world("default")
    names = getattr(w, "country_names", {}) or {}
    labels = getattr(w, "sector_labels", {}) or {}
    goods = getattr(w, "goods", None)
    sectors = tuple(
        (s, labels.get(s, s), bool(goods[k]) if goods is not None else True) for k, s in enumerate(w.sectors)
    )
    return Catalog(
        tuple(rows),
        scenarios,
        tuple(shipped.names("game", include_user=False)),
        tuple((c, names.get(c, c)) for c in w.countries),
        sectors,
        tuple(list_worlds()),
    )


def in_force(day: str | dt.date) -> list[str]:
    """Ids of the library measures in force on ``day`` (threats never are)."""
    from tradeshock.measures.library import load_library

    return [m.id for m in load_library().in_force(day)]


def effective_measures(base: str | None, as_of: str | None) -> list[str]:
    """Ids (and labels of trade-cost entries) applied by a shipped ``base`` plus ``as_of``."""
    out: list[str] = []
    if base:
        out += list(catalog().scenarios[base].measures)
    if as_of:
        out += in_force(as_of)
    return list(dict.fromkeys(out))


# ------------------------------------------------------------------ checking a spec
def _text(v: Any, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(v, str):
        raise SpecError(f"{where}: expected text, got {type(v).__name__} {_short(v)}")
    if len(v) > limit:
        raise SpecError(f"{where}: text of {len(v)} characters is longer than the limit of {limit}")
    return v


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _id_list(v: Any, where: str) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise SpecError(f"{where}: expected a list of measure ids, got {type(v).__name__}")
    if len(v) > MAX_IDS:
        raise SpecError(f"{where}: {len(v)} entries is more than the limit of {MAX_IDS}")
    return [_text(x, f"{where}[{k}]") for k, x in enumerate(v)]


def _value(v: Any, where: str, depth: int = 0) -> Any:
    """A bounded copy of a move's field value (text, number, bool or a short list of text)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        if not math.isfinite(float(v)):
            raise SpecError(f"{where}: value {v!r} is not a finite number; rates are fractions (0.25 = 25%)")
        return v
    if isinstance(v, str):
        return _text(v, where)
    if isinstance(v, list) and depth == 0:
        if len(v) > MAX_LIST:
            raise SpecError(f"{where}: {len(v)} entries is more than the limit of {MAX_LIST}")
        return [_value(x, f"{where}[{k}]", 1) for k, x in enumerate(v)]
    raise SpecError(f"{where}: expected text, a number or a list of codes, got {_short(v)}")


def check_move(move: Any, k: int) -> dict[str, Any]:
    """Bound one custom move and return it as a scenario-file entry ``{kind: {fields}}``."""
    where = f"custom move {k + 1}"
    if not isinstance(move, dict):
        raise SpecError(f"{where}: expected a mapping with 'kind', got {_short(move)}")
    kind = move.get("kind")
    if kind not in MOVE_FIELDS:
        raise SpecError(f"{where}: {unknown('kind', kind, MOVE_FIELDS)}")
    body: dict[str, Any] = {}
    for key, val in move.items():
        if key == "kind":
            continue
        if key not in MOVE_FIELDS[kind]:
            raise SpecError(
                f"{where} ({kind}): unknown field {key!r}"
                f"{did_you_mean(str(key), MOVE_FIELDS[kind])}; fields are "
                f"{', '.join(MOVE_FIELDS[kind])}"
            )
        val = _value(val, f"{where} ({kind}).{key}")
        if key in _RATE_FIELDS and isinstance(val, (int, float)) and abs(val) > MAX_RATE:
            raise SpecError(
                f"{where} ({kind}).{key}: value {val!r} ({100 * val:,.0f}%) is beyond the "
                f"dashboard's limit of ±{MAX_RATE:g} ({100 * MAX_RATE:,.0f}%); rates are "
                "fractions (0.25 = 25%)"
            )
        if val is not None and val != []:
            body[key] = val
    return {kind: body}


def check_spec(spec: Any) -> dict[str, Any]:
    """Bound and normalise a spec (see the module docstring); raise :class:`SpecError`.

    Returns a spec with only known keys, where ``base`` is a shipped scenario name, ``world`` a
    packaged world, ``as_of`` an ISO date and ``moves`` scenario-file entries.
    """
    if not isinstance(spec, dict):
        raise SpecError(
            f"the request must be a JSON object with fields such as base, as_of, add, "
            f"moves; got {type(spec).__name__}"
        )
    for key in spec:
        if key not in _SPEC_KEYS:
            raise SpecError(
                f"unknown field {key!r}{did_you_mean(str(key), _SPEC_KEYS)}; fields are "
                f"{', '.join(_SPEC_KEYS)}"
            )
    cat = catalog()
    out: dict[str, Any] = {}
    base = spec.get("base", spec.get("scenario"))
    if base not in (None, ""):
        base = _text(base, "base")
        if base not in cat.scenarios:
            raise SpecError(
                unknown("shipped scenario", base, sorted(cat.scenarios), "base")
                + "; the dashboard runs shipped scenarios by name, never files or paths"
            )
        out["base"] = base
    as_of = spec.get("as_of")
    if as_of not in (None, ""):
        as_of = _text(as_of, "as_of", 40)
        try:
            out["as_of"] = dt.date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise SpecError(
                f"as_of: value {as_of!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01"
            ) from None
    world = spec.get("world")
    if world not in (None, ""):
        world = _text(world, "world")
        if world not in cat.worlds:
            raise SpecError(unknown("world", world, cat.worlds, "world"))
        out["world"] = world
    out["add"] = _id_list(spec.get("add"), "add")
    lib = cat.measure_ids
    for k, ident in enumerate(out["add"]):
        if ident not in lib:
            raise SpecError(unknown("measure id", ident, sorted(lib), f"add[{k}]"))
    out["remove"] = _id_list(spec.get("remove"), "remove")
    moves = spec.get("moves") or []
    if not isinstance(moves, list):
        raise SpecError(f"moves: expected a list of custom moves, got {type(moves).__name__}")
    if len(moves) > MAX_MOVES:
        raise SpecError(f"moves: {len(moves)} custom moves is more than the limit of {MAX_MOVES}")
    out["moves"] = [check_move(m, k) for k, m in enumerate(moves)]
    deficits = spec.get("deficits")
    if deficits not in (None, ""):
        if deficits not in ("fixed", "zero"):
            raise SpecError(
                f"deficits: value {_short(deficits)} is not a deficit treatment; use "
                "'fixed' (keep each country's trade deficit) or 'zero' (balanced trade)"
            )
        out["deficits"] = deficits
    for key, top in (("draws", MAX_DRAWS), ("seed", 2**31 - 1)):
        v = spec.get(key)
        if v in (None, "", 0) and key == "draws":
            continue
        if v in (None, ""):
            continue
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= top:
            raise SpecError(
                f"{key}: value {_short(v)} must be a whole number from "
                f"{1 if key == 'draws' else 0} to {top:,}"
            )
        out[key] = v
    name = spec.get("name")
    if name not in (None, ""):
        name = _NAME_RE.sub("-", _text(name, "name", 60)).strip(" -") or None
    out["name"] = name or default_name(out)
    return out


def default_name(spec: dict[str, Any]) -> str:
    """A readable name for a spec without one (``status-quo-2026-03 + 2 changes``)."""
    changes = len(spec.get("add", [])) + len(spec.get("remove", [])) + len(spec.get("moves", []))
    base = spec.get("base") or (f"in force {spec['as_of']}" if spec.get("as_of") else "2024 baseline")
    if spec.get("base") and spec.get("as_of") and spec["as_of"] != catalog().scenarios[spec["base"]].as_of:
        base += f" as of {spec['as_of']}"
    return base if not changes else f"{base} + {changes} change{'s' if changes > 1 else ''}"


def is_plain_shipped(spec: dict[str, Any]) -> bool:
    """True when the spec is a shipped scenario exactly as shipped (run by name)."""
    base = spec.get("base")
    if not base or spec.get("add") or spec.get("remove") or spec.get("moves") or spec.get("draws"):
        return False
    sh = catalog().scenarios[base]
    return (
        spec.get("as_of") in (None, sh.as_of)
        and spec.get("deficits") in (None, sh.deficits)
        and spec.get("world") in (None, "default")
        and spec.get("name") in (None, base)
    )


def scenario_dict(spec: dict[str, Any]) -> dict[str, Any]:
    """The scenario (as a file would hold it) for a checked spec; built in memory, never written."""
    base = spec.get("base")
    d: dict[str, Any] = {
        "name": spec.get("name") or default_name(spec),
        "description": "Built in the tradeshock dashboard.",
        "world": spec.get("world") or "default",
    }
    if base:
        d["extends"] = base
    if spec.get("as_of"):
        d["as_of"] = spec["as_of"]
    d["measures"] = [{"ref": i} for i in spec.get("add", [])] + list(spec.get("moves", []))
    if spec.get("remove"):
        d["remove"] = list(spec["remove"])
    deficits = spec.get("deficits") or (catalog().scenarios[base].deficits if base else "fixed")
    d["settings"] = {"deficits": deficits}
    return d


def validate_moves(spec: dict[str, Any]) -> None:
    """Validate a spec's own measures as a scenario file would (no base, no solve, no files)."""
    from tradeshock.scenario import Scenario

    d = scenario_dict({**spec, "base": None, "remove": []})
    d.pop("extends", None)
    Scenario.from_dict(d, source=SOURCE)


def to_scenario(spec: dict[str, Any]) -> Any:
    """The validated :class:`~tradeshock.scenario.Scenario` of a checked spec."""
    from tradeshock.scenario import Scenario

    return Scenario.from_dict(scenario_dict(spec), source=SOURCE)


def scenario_yaml(spec: dict[str, Any]) -> str:
    """The spec as scenario-file text, so a dashboard run can be repeated with ``tradeshock run``."""
    import yaml

    d = scenario_dict(spec) if not is_plain_shipped(spec) else {"extends": spec["base"], "name": spec["base"]}
    head = (
        f"# Built in the tradeshock dashboard (tradeshock {__version__}).\n"
        "# Save as a .yaml file and run with: tradeshock run <file>.yaml\n"
    )
    return head + yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=100)


# ------------------------------------------------------------------ jobs and their keys
def run_payload(spec: dict[str, Any]) -> dict[str, Any]:
    """What a worker needs to solve a checked spec (the shipped name, or the scenario mapping)."""
    if is_plain_shipped(spec):
        return {"scenario": spec["base"]}
    out: dict[str, Any] = {"scenario_dict": scenario_dict(spec)}
    if spec.get("draws"):
        out.update(draws=spec["draws"], seed=spec.get("seed", 0))
    return out


def job_key(kind: str, payload: Any) -> str:
    """Canonical SHA-256 of a job: kind, payload (sorted JSON) and the tradeshock version."""
    text = json.dumps(
        {"kind": kind, "payload": payload, "version": __version__},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


KEY_RE = re.compile(r"^[0-9a-f]{64}$")


def check_key(key: Any) -> str:
    """A results-cache key from a URL (64 hex digits) or :class:`SpecError`."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise SpecError("unknown run: the link does not name a run (expected 64 hex digits)")
    return key


__all__ = [
    "Catalog",
    "SpecError",
    "catalog",
    "check_spec",
    "check_move",
    "scenario_dict",
    "to_scenario",
    "validate_moves",
    "scenario_yaml",
    "run_payload",
    "job_key",
    "effective_measures",
    "in_force",
    "is_plain_shipped",
    "check_key",
    "MAX_RATE",
]
