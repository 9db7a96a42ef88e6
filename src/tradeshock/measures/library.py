"""Load and validate the measures library (YAML, one file per measure family).

Every problem becomes a :class:`~tradeshock.errors.ScenarioError` naming the file, the line
where possible, the record id, the field and the value, with a suggestion. The same helpers
validate ad-hoc measures inside scenario files, so ``tradeshock validate`` and the library share
one path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from tradeshock.errors import ScenarioError, unknown
from tradeshock.measures.schema import GROUPS, SECTORS, Coverage, Measure

#: Folder of the YAML records.
MEASURES_DIR = Path(__file__).parent
#: Per-imposer coverage dates (how far the sources reach); not a family file.
COVERAGE_FILE = MEASURES_DIR / "_coverage.yaml"
#: Packaged derived data (product lists, country codes) built by build/trade_weights.py.
WEIGHTS_DIR = MEASURES_DIR.parent / "data" / "trade_weights"
LISTS_DIR = WEIGHTS_DIR / "lists"


# ------------------------------------------------------------------ YAML with line numbers
#: Bounds on the files read (scenarios, measure families, games): they are small, hand-written
#: documents; anything beyond these is a mistake or an attack (e.g. a YAML alias bomb).
MAX_BYTES = 2_000_000
MAX_NODES = 200_000          # after expanding aliases
MAX_ALIASES = 200
MAX_DEPTH = 40


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's line under ``__line__``; rejects duplicate keys.

    (YAML's "last one wins" would silently drop a field or a measure.)
    """

    keep_lines = True


class _PlainLoader(_LineLoader):
    """The same checks without the ``__line__`` keys (for game files)."""

    keep_lines = False


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a plain value, got {type(key).__name__}",
                key_node.start_mark) from None
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key]}); each field may "
                "appear once, so remove or merge one of them", key_node.start_mark)
        seen[key] = line
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    if loader.keep_lines:
        mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# keep dates as strings: pydantic / as_date parse them and report bad ones with the field name
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _check_tree(node: yaml.Node, path: Path) -> None:
    """Refuse documents too deep, with too many or self-referring aliases, or too big expanded.

    PyYAML shares an anchored node, so the expansion (and the memory) happens downstream.
    """

    def kids(n: yaml.Node) -> list[yaml.Node]:
        if isinstance(n, yaml.MappingNode):
            return [x for kv in n.value for x in kv]
        return list(n.value) if isinstance(n, yaml.SequenceNode) else []

    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        n, depth, leaving = stack.pop()
        key = id(n)
        if leaving:
            visiting.discard(key)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids(n))
            if sizes[key] > MAX_NODES:
                raise ScenarioError(f"{path}: the document expands to more than {MAX_NODES:,} "
                                    "values (YAML aliases inside aliases?); write the values out")
            continue
        if key in visiting:
            raise ScenarioError(f"{path}:{n.start_mark.line + 1}: a YAML alias refers to the "
                                "value that contains it; write the values out")
        if key in sizes:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ScenarioError(f"{path}: more than {MAX_ALIASES} YAML aliases (*name); "
                                    "write the values out instead")
            continue
        if depth > MAX_DEPTH:
            raise ScenarioError(f"{path}:{n.start_mark.line + 1}: nested more than {MAX_DEPTH} "
                                "levels deep; scenario and measure files are shallow")
        visiting.add(key)
        stack.append((n, depth, True))
        stack.extend((k, depth + 1, False) for k in kids(n))


def read_text(path: Path | str, kind: str = "file") -> str:
    """A small UTF-8 text file's contents; unreadable, too big or not UTF-8 is a ScenarioError."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read {kind} ({exc.strerror or exc}); check the "
                            "path") from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_BYTES // 1_000_000} MB; a {kind} is a "
                            "small text file (is this the right file?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                            f"offset {exc.start}); save the {kind} as UTF-8") from None


def read_yaml(path: Path | str, *, lines: bool = True, kind: str = "file") -> Any:
    """Parse a YAML file keeping line numbers (``__line__`` keys unless ``lines=False``).

    Syntax errors, duplicate keys, non-UTF-8 text, oversized or too deeply nested documents
    and alias bombs all become a :class:`ScenarioError` naming the file (and line).
    """
    path = Path(path)
    text = read_text(path, kind)
    loader = None
    try:
        loader = (_LineLoader if lines else _PlainLoader)(text)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_tree(node, path)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        if "duplicate key" in str(problem):
            raise ScenarioError(f"{where}: {problem}") from None
        raise ScenarioError(f"{where}: YAML syntax error: {problem}; check indentation, colons and "
                            "quotes around that line") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply to read; scenario and measure files are "
                            "shallow") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_toml(path: Path | str, kind: str = "file") -> Any:
    """Parse a TOML file with the same bounds as :func:`read_yaml` (TOML rejects duplicates)."""
    import tomllib

    path = Path(path)
    text = read_text(path, kind)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply to read") from None


def strip_lines(obj: Any) -> Any:
    """Remove the ``__line__`` keys added by :func:`read_yaml` (recursively)."""
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items() if k != "__line__"}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


def line_of(obj: Any) -> int | None:
    """The line recorded for a mapping by :func:`read_yaml` (None if unknown)."""
    return obj.get("__line__") if isinstance(obj, dict) else None


def _place(file: str | Path | None, line: int | None) -> str:
    if file is None:
        return "<data>"
    return f"{file}:{line}" if line else str(file)


# ------------------------------------------------------------------ reference sets
@lru_cache(maxsize=1)
def known_countries() -> tuple[str, ...]:
    """ISO3 codes accepted in measures (Census ISO3 list + ROW + country groups)."""
    path = WEIGHTS_DIR / "countries.csv"
    codes = set(pd.read_csv(path, dtype=str, keep_default_na=False)["iso3"]) if path.exists() else set()
    codes |= {"ROW", "USA"} | set(GROUPS) | {c for g in GROUPS.values() for c in g}
    return tuple(sorted(codes))


@lru_cache(maxsize=1)
def known_lists() -> tuple[str, ...]:
    """Names of the packaged HTS product lists."""
    return tuple(sorted(p.stem for p in LISTS_DIR.glob("*.csv")))


@lru_cache(maxsize=64)
def product_list(name: str) -> pd.DataFrame:
    """A packaged HTS list as ``hs6, share`` (share of the HS6's 2024 US imports covered)."""
    path = LISTS_DIR / f"{name}.csv"
    if not path.exists():
        raise ScenarioError(unknown("product list", name, known_lists()))
    return pd.read_csv(path, dtype={"hs6": str})


def country_message(code: object, field: str) -> str:
    """'unknown country 'CHI' in <field>; did you mean CHN or CHL?' (same-prefix codes first)."""
    known = known_countries()
    code_s = str(code)
    up = code_s.upper()
    same = [c for c in known if len(c) == 3 and c != code_s
            and (c[:2] == up[:2] or sorted(c) == sorted(up) or c == up)]
    if same:
        rank = {c: k for k, c in enumerate(_MAJOR)}
        pick = sorted(same, key=lambda c: (rank.get(c, len(rank)), c))[:3]
        names = pick[0] if len(pick) == 1 else ", ".join(pick[:-1]) + f" or {pick[-1]}"
        hint = "; did you mean " + names + "?"
        return f"unknown country {code!r} in {field}{hint}"
    return unknown("country", code, known, field)


#: Codes suggested first when several share a prefix (the countries of the default world).
_MAJOR = ("CAN", "USA", "MEX", "CHN", "CHL", "JPN", "KOR", "IND", "GBR", "DEU", "FRA", "ITA", "ESP", "BRA",
          "AUS", "RUS", "TUR", "IDN", "TWN", "ROW", "CHE")


# ------------------------------------------------------------------ validation
def _pydantic_message(exc: ValidationError, data: Mapping[str, Any]) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()) if x != "__root__")
    msg = err.get("msg", "invalid").removeprefix("Value error, ")
    value = err.get("input")
    if err.get("type") == "missing":
        msg = "is required"
    elif err.get("type") == "extra_forbidden":
        return loc, f"unknown field {loc!r}; check the spelling (see docs/measures.md for the fields)"
    shown = "" if isinstance(value, dict) or value is None else f" (value {value!r})"
    return loc, f"{msg}{shown}"


def _check_countries(m: Measure, where: str) -> None:
    known = known_countries()

    def _one(code: str, fld: str) -> None:
        if code not in known:
            raise ScenarioError(f"{where}: {country_message(code, fld)}")

    _one(m.imposer, "imposer")
    if m.targets != "all":
        for k, c in enumerate(m.targets):
            _one(c, f"targets[{k}]")
    for k, c in enumerate(m.exempt):
        _one(c, f"exempt[{k}]")
    for c in m.partner_rates:
        _one(c, f"partner_rates.{c}")


#: Sectors whose trade is goods, the only ones tariffs and quotas reach (WIOD c1-c17; utilities
#: because electricity is a good, HS 2716). One rule for scenario files, the library and
#: :meth:`tradeshock.shock.Shock.tariff`: a tariff on a services sector is refused, since
#: services cross no customs border; model barriers to services with ``trade_cost``.
GOODS_SECTORS = SECTORS[:17]
#: The largest rate (applied, or points added) accepted: 10 = 1,000%. The highest real rates
#: of 2024-26 are about 1.45 (US on China, April 2025); a larger number is almost always a
#: percentage typed as a fraction (``add: 25`` meaning 25%).
MAX_RATE = 10.0


def services_message(sector: str, field: str) -> str:
    """The one message for a tariff on a services sector (scenario files, library, Shock API)."""
    return (f"{field}: {sector!r} is a services sector; tariffs and quotas apply to goods only "
            f"({', '.join(GOODS_SECTORS[:3])}, ... utilities): model a barrier to services trade "
            "with trade_cost instead")


def rate_message(value: float, field: str) -> str | None:
    """Why ``value`` is not an acceptable rate for ``field`` (None if it is)."""
    if value > MAX_RATE:
        return (f"field {field}: value {value:g} is {value:,.0%}, above the {MAX_RATE:,.0%} bound; "
                f"rates are fractions (0.25 = 25%): did you mean {value / 100:g}?")
    return None


@lru_cache(maxsize=1)
def known_headings() -> frozenset[str]:
    """HS chapters (2 digits) and headings (4 digits) of the packaged HS6 concordance."""
    path = MEASURES_DIR.parent / "data" / "concordances" / "hs6_wiod.parquet"
    if not path.exists():
        return frozenset()
    hs6 = pd.read_parquet(path, columns=["hs6"])["hs6"].astype(str)
    return frozenset(hs6.str[:2]) | frozenset(hs6.str[:4])


def hs_message(code: str, field: str) -> str | None:
    """Why HS ``code`` is unknown (its chapter or heading is not in the HS nomenclature), or None.

    Codes are checked to the heading (4 digits): six-digit subheadings differ between HS
    editions (e.g. 8701.20 of HS 2017 is split in HS 2022), so only the heading must exist.
    """
    heads = known_headings()
    if not heads:
        return None
    key = code[:4] if len(code) >= 4 else code[:2]
    if key in heads:
        return None
    import difflib

    pool = sorted(h for h in heads if len(h) == len(key))
    same = sorted((h for h in pool if h[:2] == key[:2] and h != key[:2]),
                  key=lambda h: abs(int(h) - int(key)))[:3]
    hint = sorted(same) or difflib.get_close_matches(key, pool, n=3, cutoff=0.5)
    what = "chapter" if len(key) == 2 else "heading"
    tip = f"; did you mean {' or '.join(hint)}?" if hint else ""
    return (f"field {field}: HS code {code!r}: {what} {key} is not in the HS nomenclature{tip} "
            "(chapters 01-97)")


def _check_scope(m: Measure, where: str) -> None:
    for fld in ("sectors",):
        for k, s in enumerate(getattr(m.products, fld)):
            if s not in SECTORS:
                raise ScenarioError(f"{where}: {unknown('sector', s, SECTORS, f'products.{fld}[{k}]')}")
            if s not in GOODS_SECTORS:
                raise ScenarioError(f"{where}: {services_message(s, f'products.{fld}[{k}]')}")
    for fld in ("hs", "only_hs", "exclude_hs"):
        for k, code in enumerate(getattr(m.products, fld)):
            msg = hs_message(code, f"products.{fld}[{k}]")
            if msg:
                raise ScenarioError(f"{where}: {msg}")
    rates = [("rate", m.rate)] if isinstance(m.rate, (int, float)) else []
    if m.quota is not None:
        rates += [("quota.in_rate", m.quota.in_rate), ("quota.over_rate", m.quota.over_rate)]
    rates += [(f"partner_rates.{c}", r) for c, r in m.partner_rates.items()]
    for fld, r in rates:
        msg = rate_message(float(r), fld)
        if msg:
            raise ScenarioError(f"{where}: {msg}")
        if m.mode == "replaces" and fld == "rate" and float(r) < 0:
            raise ScenarioError(f"{where}: field rate: value {r:g} is negative; an applied tariff "
                                "is 0 or more (to cut a tariff, give add: with a negative number)")
    for a in m.affected_trade:
        if a.sector not in SECTORS:
            raise ScenarioError(f"{where}: {unknown('sector', a.sector, SECTORS, 'affected_trade.sector')}")
    for fld in ("lists", "exclude_lists"):
        for k, name in enumerate(getattr(m.products, fld)):
            if name not in known_lists():
                msg = unknown("product list", name, known_lists(), f"products.{fld}[{k}]")
                raise ScenarioError(f"{where}: {msg}")


def validate_measure(data: Mapping[str, Any], *, file: str | Path | None = None,
                     context: str = "", family: str = "") -> Measure:
    """Validate one measure record (a mapping) and return the :class:`Measure`.

    ``context`` (e.g. ``"measures[3]"``) prefixes field names in messages.
    """
    line = line_of(data)
    clean = strip_lines(dict(data))
    if family and "family" not in clean:
        clean["family"] = family
    ident = clean.get("id", "?")
    where = f"{_place(file, line)}: {'measure ' + repr(ident) if ident != '?' else 'measure'}"
    if context:
        where += f" ({context})"
    try:
        m = Measure.model_validate(clean)
    except ValidationError as exc:
        fld, msg = _pydantic_message(exc, clean)
        raise ScenarioError(f"{where}: field {fld}: {msg}") from None
    _check_countries(m, where)
    _check_scope(m, where)
    return m


@dataclass
class Library:
    """The measures library: records by id, with the file each came from."""

    measures: dict[str, Measure] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    coverage: dict[str, Coverage] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Measure]:
        return iter(self.measures.values())

    def __len__(self) -> int:
        return len(self.measures)

    def __contains__(self, ident: object) -> bool:
        return ident in self.measures

    def get(self, ident: str, where: str = "") -> Measure:
        """The measure with id ``ident``; ScenarioError with a close match if unknown."""
        try:
            return self.measures[ident]
        except KeyError:
            raise ScenarioError(unknown("measure id", ident, self.measures, where)) from None

    def in_force(self, day: dt.date | str) -> list[Measure]:
        """The measures in force on ``day`` (threats excluded), after ``supersedes``."""
        day = as_date(day)
        active = [m for m in self if m.in_force(day)]
        return resolve_supersedes(active)

    def last_change(self) -> dt.date | None:
        """The latest start or end date of any measure (the library's horizon)."""
        days = [d for m in self for d in (m.start, m.end) if d is not None]
        return max(days) if days else None

    def table(self) -> pd.DataFrame:
        """One row per measure: id, family, title, imposer, targets, rate, start, end, flags."""
        return measures_table(self)

    def covered_through(self, imposer: str) -> dt.date | None:
        """The last day the library's sources reach for ``imposer`` (None if not recorded)."""
        c = self.coverage.get(imposer)
        return c.through if c is not None else None

    def coverage_table(self) -> pd.DataFrame:
        """One row per imposer: imposer, through (last day the sources reach), note."""
        rows = [{"imposer": c.imposer, "through": c.through, "note": c.note}
                for c in sorted(self.coverage.values(), key=lambda c: c.imposer)]
        return pd.DataFrame(rows, columns=["imposer", "through", "note"])

    def coverage_note(self, day: dt.date | str | None = None, imposers: Iterable[str] | None = None) -> str:
        """One line stating how far the library reaches, warning if ``day`` is past it."""
        cov = [c for c in sorted(self.coverage.values(), key=lambda c: c.imposer)
               if imposers is None or c.imposer in set(imposers)]
        if not cov:
            return "measures library: no coverage dates recorded"
        parts = ", ".join(f"{c.imposer} {c.through}" for c in cov)
        text = f"measures library sources reach: {parts}"
        if day is not None:
            d = as_date(day)
            late = [c.imposer for c in cov if d > c.through]
            if late:
                text += (f"; {d} is past the record for {', '.join(late)}: later changes are not in "
                         "the library")
        return text


def resolve_supersedes(measures: Iterable[Measure]) -> list[Measure]:
    """Drop measures superseded by another measure in the same set."""
    measures = list(measures)
    gone = {s for m in measures for s in m.supersedes}
    return [m for m in measures if m.id not in gone]


def measures_table(measures: Iterable[Measure]) -> pd.DataFrame:
    """Tidy table of measures: id, title, imposer, targets, rate, start, end, source, flags."""
    rows = []
    for m in measures:
        src = m.sources[0]
        rows.append({
            "id": m.id, "family": m.family, "title": m.title, "imposer": m.imposer,
            "targets": "all" if m.targets == "all" else ", ".join(m.targets),
            "rate": m.applied_rate(), "mode": m.mode, "start": m.start, "end": m.end,
            "source": f"{src.title} <{src.url}>" if src.url else src.title,
            "uncertain": m.uncertain, "threat": m.threat, "unquantified": m.unquantified,
        })
    cols = ["id", "family", "title", "imposer", "targets", "rate", "mode", "start", "end", "source",
            "uncertain", "threat", "unquantified"]
    return pd.DataFrame(rows, columns=cols)


def _today() -> dt.date:
    """The run date that ``"today"`` stands for (a function, so tests can pin it)."""
    return dt.date.today()


def as_date(day: dt.date | str) -> dt.date:
    """A date from an ISO string, ``"today"`` (the run date) or a date; ScenarioError if malformed."""
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    if str(day).strip().lower() == "today":
        return _today()
    try:
        return dt.date.fromisoformat(str(day))
    except ValueError:
        raise ScenarioError(f"bad date {day!r}; use ISO format YYYY-MM-DD (e.g. 2026-03-01) or "
                            "'today'") from None


def load_file(path: Path | str, into: Library | None = None) -> Library:
    """Load one YAML family file (a list of records or ``{measures: [...]}``) into a library."""
    path = Path(path)
    lib = into if into is not None else Library()
    data = read_yaml(path)
    records = data.get("measures") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ScenarioError(f"{path}: expected a list of measure records (or 'measures:' with a list)")
    family = path.stem
    for k, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise ScenarioError(f"{_place(path, None)}: record {k} is not a mapping")
        m = validate_measure(rec, file=path, context=f"record {k}", family=family)
        if m.id in lib.measures:
            raise ScenarioError(f"{_place(path, line_of(rec))}: duplicate measure id {m.id!r} "
                                f"(also in {lib.files[m.id]}); ids must be unique across the library")
        lib.measures[m.id] = m
        lib.files[m.id] = str(path)
    return lib


def load_coverage(path: Path | str, lib: Library) -> Library:
    """Read per-imposer coverage dates (``coverage:`` list of imposer/through/note) into ``lib``."""
    path = Path(path)
    data = read_yaml(path)
    recs = data.get("coverage") if isinstance(data, dict) else None
    if not isinstance(recs, list):
        raise ScenarioError(f"{path}: expected 'coverage:' with a list of imposer/through records")
    for k, rec in enumerate(recs):
        where = f"{_place(path, line_of(rec))}: coverage record {k}"
        try:
            c = Coverage.model_validate(strip_lines(rec))
        except ValidationError as exc:
            fld, msg = _pydantic_message(exc, rec)
            raise ScenarioError(f"{where}: field {fld}: {msg}") from None
        if c.imposer not in known_countries():
            raise ScenarioError(f"{where}: {country_message(c.imposer, 'imposer')}")
        if c.imposer in lib.coverage:
            raise ScenarioError(f"{where}: duplicate coverage for {c.imposer}")
        lib.coverage[c.imposer] = c
    return lib


def check_references(lib: Library) -> None:
    """Every ``supersedes`` id must exist."""
    for m in lib:
        for s in m.supersedes:
            if s not in lib.measures:
                raise ScenarioError(f"{lib.files.get(m.id, '?')}: measure {m.id!r}: "
                                    f"{unknown('measure id', s, lib.measures, 'supersedes')}")


def load_library(paths: Iterable[Path | str] | None = None) -> Library:
    """Load and validate the library (the packaged YAML files, or ``paths``)."""
    if paths is None:
        return _packaged()
    lib = Library()
    for p in sorted(Path(x) for x in paths):
        load_file(p, lib)
    check_references(lib)
    return lib


@lru_cache(maxsize=1)
def _packaged() -> Library:
    lib = Library()
    for p in sorted(MEASURES_DIR.glob("*.yaml")):
        if not p.name.startswith("_"):
            load_file(p, lib)
    if COVERAGE_FILE.exists():
        load_coverage(COVERAGE_FILE, lib)
    check_references(lib)
    return lib
