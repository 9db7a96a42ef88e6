"""The main job: scenario files in, solved results, report, tables and ``run.json`` out.

:func:`run` solves one scenario and returns its :class:`~tradeshock.result.Result`;
:func:`run_many` solves several (each world loaded, and its baseline solved, once);
:func:`write_outputs` writes a run folder: ``report.html`` (one self-contained file), the
results tables in the requested formats, and ``run.json`` (scenario, world, settings, versions,
date, data provenance) so any run can be reproduced.

Scenario names
--------------
A scenario may be given as a path (``my-case.yaml``) or as the name of a shipped scenario
(``us-universal-10``). Names are looked up (by :func:`tradeshock.scenario.find_scenario`) in
``./scenarios/`` and then among the scenarios shipped inside the package
(:mod:`tradeshock.shipped`), so any install runs them by name from any directory, and a user's
``./scenarios/<name>.yaml`` overrides the shipped file of that name.

Examples
--------
>>> import tradeshock as ts                                                 # doctest: +SKIP
>>> res = ts.run("canada-china-deal-2026")                                 # doctest: +SKIP
>>> res.report("out/report.html")                                           # doctest: +SKIP

"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata as md
import json
import os
import platform
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock import shipped
from tradeshock._version import __version__
from tradeshock.errors import ScenarioError, TradeshockError, unknown
from tradeshock.output import check_folder, staged_folder
from tradeshock.report.html import failure_message, write_report
from tradeshock.report.tables import measures_table
from tradeshock.resolve import check_deficits as _check_deficits
from tradeshock.resolve import world_for
from tradeshock.result import Result, ResultSet, as_result_set
from tradeshock.scenario import load_scenario, scenario_path, with_as_of
from tradeshock.simulate import simulate

#: Output formats ``write_outputs`` understands (html = the report).
FORMATS: tuple[str, ...] = ("html", "csv", "parquet", "xlsx", "duckdb")

# ------------------------------------------------------------------ scenarios
# Scenario references resolve in tradeshock.scenario, worlds and deficits in tradeshock.resolve.


def list_scenarios() -> list[str]:
    """Names of the scenarios that can be given by name (shipped and ``./scenarios``)."""
    return shipped.names("scenario")


def check_deficits(deficits: str | None) -> None:
    """Reject a deficit treatment other than ``"fixed"``, ``"zero"`` or None (the scenario's)."""
    if deficits is not None:
        _check_deficits(deficits, error=ScenarioError)


def status_quo_of(scenario: Any) -> Any | None:
    """The status quo a scenario is a package on top of, or None.

    A scenario that ``extends`` another and adds measures is measured against that base; one that
    takes the measures in force on its ``as_of`` date and adds its own is measured against those
    measures alone (a copy without its own measures). Scenarios without own measures (a status
    quo itself, or the 2024 baseline) have none: they are measured against the 2024 baseline.
    """
    if not getattr(scenario, "measures", None):
        return None
    base = getattr(scenario, "base", None)
    if base is not None:
        return base
    day = getattr(scenario, "as_of", None)
    if day is None:
        return None
    return scenario.model_copy(update={
        "measures": [], "name": f"measures in force on {day}",
        "description": f"Every measure in force on {day} (measures library), without the measures "
                       f"{scenario.name} adds."})


def _attach(res: Any, ref: Any, kind: str) -> None:
    """Record ``ref`` as the result's reference (``res.reference``; its name in ``meta``)."""
    res.reference = ref
    res.meta["against"] = {"scenario": str(getattr(ref.scenario, "name", "reference")),
                           "kind": kind}


def run(scenario: Any, world: Any = None, as_of: Any = None, *, deficits: str | None = None,
        tol: float = 1e-10, out: str | os.PathLike[str] | None = None,
        formats: Iterable[str] = ("html", "csv"), against: Any = None,
        status_quo: bool = True) -> Result:
    """Solve one scenario and return its :class:`~tradeshock.result.Result`.

    Parameters
    ----------
    scenario
        A Scenario, a path to a scenario file, or a shipped scenario name.
    world
        World name or :class:`~tradeshock.world.World`; default: the scenario's ``world``.
    as_of
        Date (``"2026-03-01"``) whose measures in force the scenario takes, overriding its own.
    deficits
        ``"fixed"`` or ``"zero"``; default: the scenario's setting.
    tol
        Solver tolerance (relative residuals).
    out, formats
        When ``out`` is given, also write the run folder (see :func:`write_outputs`).
    against
        A reference scenario (Scenario, path or shipped name) other than the 2024 baseline: it is
        solved too and attached as ``result.reference``; the headline, terminal and report then
        show differences from it.
    status_quo
        When ``against`` is None and the scenario is a package on top of a status quo (see
        :func:`status_quo_of`), solve that status quo as the reference.

    """
    res = run_many([scenario], world=world, as_of=as_of, deficits=deficits, tol=tol,
                   against=against, status_quo=status_quo)[0]
    if out is not None:
        write_outputs([res], out, formats)
    return res


def run_many(scenarios: Sequence[Any], world: Any = None, as_of: Any = None, *,
             deficits: str | None = None, tol: float = 1e-10,
             progress: Callable[[int, int, str], None] | None = None, against: Any = None,
             status_quo: bool = True, draws: int | None = None, seed: int | None = None,
             scheduler: str | None = None, backend: str | None = None,
             workers: int | None = None, tornado: str | None = "CAN") -> ResultSet:
    """Solve several scenarios into a :class:`~tradeshock.result.ResultSet` (indexed by scenario).

    Worlds are loaded once and each baseline is solved once. ``progress(done, total, name)`` is
    called before each solve (and once at the end with ``done == total``) so a caller can show
    progress. ``against`` and ``status_quo`` as in :func:`run`: the reference is solved once and
    attached to every result (except itself) as ``result.reference``.

    ``draws`` (or a scenario's ``settings.uncertainty.draws``) also solves that many draws of
    the trade elasticities (:func:`tradeshock.uncertainty.run_draws`, seeded by ``seed``, on the
    process pool, or on Dask at ``scheduler``); the bands are attached as
    ``result.uncertainty`` and every table gains ``_p05/_p50/_p95`` columns. ``tornado`` names
    the country whose real income the one-at-a-time θ sensitivity reports (None: skip it).
    """
    if draws is not None:
        from tradeshock.uncertainty import check_draws

        check_draws(draws, "--draws")
    treatment = None if deficits is None else _check_deficits(deficits, error=ScenarioError)
    loaded = [with_as_of(load_scenario(s), as_of) for s in scenarios]
    ref_sc = with_as_of(load_scenario(against), as_of) if against is not None else None
    worlds: dict[str, Any] = {}
    refs: dict[tuple[str, str], Any] = {}

    def solve(sc: Any) -> Any:
        res = simulate(world_for(sc, world, worlds), sc, deficits=treatment, tol=tol)
        res.meta["scenario_source"] = str(getattr(sc, "source", "") or "")
        return res

    def reference(sc: Any) -> Any:
        key = (str(sc.name), str(getattr(sc, "as_of", None)))
        if key not in refs:
            refs[key] = solve(sc)
        return refs[key]

    results = []
    for k, sc in enumerate(loaded):
        if progress:
            progress(k, len(loaded), str(getattr(sc, "name", f"scenario {k + 1}")))
        res = solve(sc)
        _add_draws(res, world_for(sc, world, worlds), sc, draws, seed, deficits, tol, scheduler,
                   backend, workers, tornado)
        if ref_sc is not None:
            if getattr(sc, "name", None) != getattr(ref_sc, "name", None):
                _attach(res, reference(ref_sc), "against")
        elif status_quo and (sq := status_quo_of(sc)) is not None:
            _attach(res, reference(sq), "status quo")
        results.append(res)
    if progress:
        progress(len(loaded), len(loaded), "")
    return ResultSet(results)


def _add_draws(res: Any, w: Any, sc: Any, draws: int | None, seed: int | None, deficits: str | None,
               tol: float, scheduler: str | None, backend: str | None, workers: int | None,
               tornado: str | None) -> None:
    """Attach ``res.uncertainty`` when draws are asked for (argument or scenario settings)."""
    spec = getattr(getattr(sc, "settings", None), "uncertainty", None) or {}
    n = draws if draws is not None else spec.get("draws")
    if not n:
        return
    from tradeshock.uncertainty import run_draws

    s = seed if seed is not None else int(spec.get("seed", 0))
    res.uncertainty = run_draws(w, sc, n, s, deficits=deficits, point=res, tol=tol,
                                scheduler=scheduler, backend=backend, workers=workers,
                                tornado_country=tornado)


# ------------------------------------------------------------------ tables
def result_tables(result: Any, bands: bool = True) -> dict[str, pd.DataFrame]:
    """The full results of one run as tidy tables keyed by name.

    ``welfare`` (percent), ``trade`` (by exporter, importer, sector), ``exports``, ``imports``
    (by partner), ``output`` (by country and sector), ``revenue``, ``measures`` (the applied
    measures) and, when the province analysis is available for the world, ``provinces`` (by
    province and sector, nominal C$ million) and ``province_summary`` (one row per province;
    column names say which figures are real and which nominal).

    With elasticity draws (``result.uncertainty``) and ``bands``: the same tables with
    ``<column>_p05/_p50/_p95`` beside each changed quantity, plus ``province_bands`` (value
    added by province with its band), ``theta_draws`` (draw, sector, θ, solved),
    ``draw_failures`` and ``tornado``.
    """
    u = getattr(result, "uncertainty", None)
    if bands and u is not None:
        t = result_tables(result, bands=False)          # every table, then the banded ones
        t.update(u.tables())
        totals = u.province_totals()
        if totals is not None:
            totals.attrs["unit"] = "value added by province, percent change (nominal), 90% band"
            t["province_bands"] = totals
        t["theta_draws"] = u.theta_table()
        t["draw_failures"] = u.failure_table()
        if u.tornado is not None:
            t["tornado"] = u.tornado
        return t
    t = {"welfare": result.to_frame(), "trade": result.trade(), "exports": result.exports(),
         "imports": result.imports(), "output": result.output(), "revenue": result.revenue()}
    m = measures_table(result)
    if m is not None:
        t["measures"] = m
    if "CAN" in result.world.countries:
        try:
            prov = result.provinces()
        except (ImportError, TradeshockError):
            prov = None
        if isinstance(prov, pd.DataFrame) and len(prov):
            t["provinces"] = prov
            summary = result.provinces.summary().rename(columns={
                "real_income_change_pct": "real_income_change_pct_real",
                "value_added_base": "value_added_base_nominal_cad_mn",
                "value_added_change": "value_added_change_nominal_cad_mn",
                "value_added_change_pct": "value_added_change_pct_nominal",
                "exports_usa_change": "exports_usa_change_nominal_cad_mn",
                "exports_chn_change": "exports_chn_change_nominal_cad_mn",
                "exports_other_change": "exports_other_change_nominal_cad_mn"})
            summary.attrs["unit"] = ("real_income_change_pct_real: percent, deflated by Canada's "
                                     "consumer price index (adds up to Canada's real income); "
                                     "*_nominal*: numéraire units (world value added fixed)")
            t["province_summary"] = summary
    return t


def stacked_tables(results: Sequence[Any]) -> dict[str, pd.DataFrame]:
    """:func:`result_tables` of several results, stacked with a leading ``scenario`` column."""
    parts: dict[str, list[pd.DataFrame]] = {}
    units: dict[str, str] = {}
    for label, res in as_result_set(results).items():
        for name, df in result_tables(res).items():
            d = df.copy()
            d.insert(0, "scenario", label)
            parts.setdefault(name, []).append(d)
            units.setdefault(name, str(df.attrs.get("unit", "")))
    out = {}
    for name, frames in parts.items():
        df = pd.concat(frames, ignore_index=True)
        for col in df.columns[df.dtypes.eq(object) | df.dtypes.eq("string")]:
            df[col] = _uniform(df[col].map(_cell))
        df.attrs["unit"] = units[name]
        out[name] = df
    return out


def _uniform(col: pd.Series) -> pd.Series:
    """A column of one type: text if it mixes text and numbers (e.g. ``rate``: 0.25 and 'mfn').

    Parquet (Arrow) needs one type per column; missing values stay missing.
    """
    kinds = {type(v) for v in col if v is not None and not (isinstance(v, float) and v != v)}
    if str in kinds and len(kinds) > 1:
        return col.map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v))
    return col


def _cell(v: Any) -> Any:
    """Flatten list/dict cells so every format can store them."""
    if isinstance(v, (list, tuple, set)):
        return ", ".join(map(str, v))
    if isinstance(v, dict):
        return json.dumps(v, default=str, ensure_ascii=False)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return v


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, formats: Iterable[str]) -> list[str]:
    """Write tables as ``<name>.csv`` / ``<name>.parquet`` files, ``results.xlsx``, ``results.duckdb``.

    ``results.duckdb`` is a DuckDB database with one table per results table and a ``units``
    table, so a run can be queried with SQL (``duckdb results.duckdb "SELECT ..."``).
    """
    files = []
    formats = set(formats)
    for name, df in tables.items():
        if "csv" in formats:
            df.to_csv(folder / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
        if "parquet" in formats:
            df.to_parquet(folder / f"{name}.parquet", index=False)
            files.append(f"{name}.parquet")
    if "xlsx" in formats:
        with pd.ExcelWriter(folder / "results.xlsx", engine="openpyxl") as xl:
            units = pd.DataFrame([(n, str(df.attrs.get("unit", ""))) for n, df in tables.items()],
                                 columns=["sheet", "unit"])
            units.to_excel(xl, sheet_name="units", index=False)
            for name, df in tables.items():
                df.to_excel(xl, sheet_name=name[:31], index=False)
        files.append("results.xlsx")
    if "duckdb" in formats:
        write_duckdb(tables, folder / "results.duckdb")
        files.append("results.duckdb")
    return files


def write_duckdb(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """All ``tables`` in one DuckDB file (one table each, plus ``units``: table name and unit)."""
    import duckdb                    # here: about 0.35 s to import, and only this format needs it

    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for name, df in tables.items():
            con.register("frame", df)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
        con.execute('CREATE TABLE units ("table" VARCHAR, unit VARCHAR)')
        con.executemany("INSERT INTO units VALUES (?, ?)",
                        [(n, str(df.attrs.get("unit", ""))) for n, df in tables.items()])
    finally:
        con.close()
    return path


# ------------------------------------------------------------------ run.json
def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "model_dump"):
        return _jsonable(obj.model_dump(mode="json"))
    return str(obj)


def versions() -> dict[str, str]:
    """Versions of Python, tradeshock and the numerical/report packages it used."""
    out = {"python": platform.python_version(), "tradeshock": __version__}
    for pkg in ("numpy", "scipy", "pandas", "pyarrow", "pydantic", "plotly", "openpyxl"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def _scenario_record(result: Any) -> dict[str, Any]:
    sc = result.scenario
    if sc is None:
        return {"name": None, "shock_log": result.shock.log}
    src = str(getattr(sc, "source", "") or result.meta.get("scenario_source", ""))
    rec: dict[str, Any] = {"name": getattr(sc, "name", None), "source": src}
    if src and Path(src).is_file():
        data = Path(src).read_bytes()
        rec["sha256"] = hashlib.sha256(data).hexdigest()
    rec["spec"] = sc.model_dump(mode="json") if hasattr(sc, "model_dump") else str(sc)
    return rec


def run_record(results: Sequence[Any], files: Sequence[str] = (), argv: Sequence[str] | None = None
               ) -> dict[str, Any]:
    """The ``run.json`` record: what was run, on what data, with which settings and software."""
    worlds = {r.world.name: r.world for r in results}
    return _jsonable({
        "tradeshock_run": 1,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(argv) if argv is not None else None,
        "versions": versions(),
        "platform": platform.platform(),
        "files": list(files),
        "runs": [{
            "scenario": _scenario_record(r),
            "world": {"name": r.world.name, "year": r.world.year,
                      "countries": r.world.n_countries, "sectors": r.world.n_sectors},
            "settings": {"deficits": r.deficits, "tol": r.meta.get("tol"),
                         "as_of": getattr(r.scenario, "as_of", None),
                         "elasticity_set": r.meta.get("elasticity_set"),
                         "numeraire": r.meta.get("numeraire")},
            "diagnostics": r.diagnostics,
            "meta": {k: v for k, v in r.meta.items() if k != "versions"},
            **({"uncertainty": r.uncertainty.record()}
               if getattr(r, "uncertainty", None) is not None else {}),
        } for r in results],
        "provenance": {name: dict(w.provenance) for name, w in worlds.items()},
    })


# ------------------------------------------------------------------ run folder
def check_formats(formats: Iterable[str] | str) -> list[str]:
    """Normalise ``"html,csv"`` or a list into known format names; raise on unknown ones."""
    if isinstance(formats, str):
        formats = formats.split(",")
    out = []
    for f in formats:
        f = f.strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise TradeshockError(unknown("output format", f, FORMATS, "--format"))
        if f not in out:
            out.append(f)
    if not out:
        raise TradeshockError(f"no output format given; choose from {', '.join(FORMATS)}")
    return out


def prepare_out(out: str | os.PathLike[str]) -> Path:
    """Check that ``out`` can become the run folder, before any solving starts; create nothing.

    See :func:`tradeshock.output.check_folder` (refuses the root, home, current folder and
    repository root, a file, or a folder of other files).
    """
    return check_folder(out)


def write_outputs(results: Sequence[Any], out: str | os.PathLike[str],
                  formats: Iterable[str] | str = ("html", "csv"), *,
                  argv: Sequence[str] | None = None, **report_kw: Any) -> Path:
    """Write ``report.html``, the tables and ``run.json`` for ``results`` into folder ``out``.

    Everything is written to a staging folder beside ``out`` and renamed into place once all
    files exist (:func:`tradeshock.output.staged_folder`), so an error or an interrupt leaves
    the previous run folder exactly as it was, and the folder always matches its ``run.json``.
    Files a user added to an earlier run folder are kept. Several results go into one report
    (``report.html``: an overview with one card per scenario and the side-by-side comparison;
    ``report_files/``: one page per scenario and the shared assets) and into stacked tables
    with a ``scenario`` column.

    A report section that raises does not stop the run: every file is written (the report with
    a notice in place of the section), ``run.json`` lists it under ``report_failures``, and then
    a :class:`~tradeshock.errors.TradeshockError` names it, so the CLI exits non-zero.
    """
    fmts = check_formats(formats)
    folder = prepare_out(out)
    with staged_folder(folder) as tmp:
        files: list[str] = []
        failures: list[dict[str, str]] = []
        if "html" in fmts:
            write_report(as_result_set(results), tmp / "report.html", failures=failures, **report_kw)
            files.append("report.html")
            if (tmp / "report_files").is_dir():       # several scenarios: pages + shared assets
                files.append("report_files")
        table_fmts = [f for f in fmts if f != "html"]
        if table_fmts:
            files += write_tables(stacked_tables(results), tmp, table_fmts)
        record = run_record(results, files, argv if argv is not None else sys.argv)
        record["report_failures"] = failures           # sections that raised (empty: none)
        (tmp / "run.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    if failures:
        raise TradeshockError(failure_message(failures, folder / "report.html"))
    return folder


__all__ = ["run", "run_many", "status_quo_of", "Result", "ResultSet", "write_outputs", "result_tables",
           "stacked_tables", "run_record",
           "scenario_path", "list_scenarios", "load_scenario", "check_formats", "check_deficits",
           "FORMATS"]
