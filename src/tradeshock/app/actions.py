"""What a request can ask for, shared by the JSON API and the pages: runs and downloads.

:func:`submit_run` checks a spec and queues its solve (or answers it from the cache);
:func:`run_file` makes one download (a table, the report, the scenario file) of cached results.
"""

from __future__ import annotations

import re
from typing import Any

from tradeshock.app import service
from tradeshock.app.jobs import JobPool
from tradeshock.result import ResultSet

#: Tables a run can be downloaded as (the names of :func:`tradeshock.runner.result_tables`).
TABLES = (
    "welfare",
    "trade",
    "exports",
    "imports",
    "output",
    "revenue",
    "measures",
    "provinces",
    "province_summary",
    "theta_draws",
    "draw_failures",
    "tornado",
)
_FILE_RE = re.compile(r"^(?P<name>[a-z_]+)\.(?P<fmt>csv|parquet|html|yaml)$")


def submit_run(pool: JobPool, data: Any) -> Any:
    """Check a spec and queue its solve (or answer it from the cache); returns the Job."""
    spec = service.check_spec(data)
    service.validate_moves(spec)
    payload = service.run_payload(spec)
    key = service.job_key("run", payload)
    SPECS[key] = spec
    while len(SPECS) > 500:
        SPECS.pop(next(iter(SPECS)))
    return pool.submit("run", payload, key, label=spec["name"])


#: The spec behind each run key (for the scenario.yaml download and "run again").
SPECS: dict[str, dict[str, Any]] = {}


def run_summary(res: Any) -> dict[str, Any]:
    """A short JSON summary of a result: headline and real income of the focus countries."""
    from tradeshock.report.headline import headline

    wf = res.welfare()
    focus = [c for c in ("CAN", "USA", "CHN", "MEX") if c in wf.index]
    return {
        "scenario": getattr(res.scenario, "name", None),
        "headline": headline(res),
        "real_income_pct": {c: round(float(wf.loc[c, "real_income"]), 6) for c in focus},
        "converged": bool(res.diagnostics.get("converged")),
    }


def results_for(pool: JobPool, keys: str) -> tuple[list[str], ResultSet]:
    """Cached results for ``key[,key...]`` (at most four) or :class:`~tradeshock.app.service.SpecError`."""
    ks = [service.check_key(k) for k in keys.split(",")][:4]
    out = []
    for k in ks:
        res = pool.cached(k)
        if res is None:
            raise service.SpecError(
                "this run is no longer in the server's memory (it keeps the most "
                "recent runs); run it again from the Build page"
            )
        out.append(res)
    return ks, ResultSet(out)


def run_file(pool: JobPool, keys: str, filename: str) -> tuple[bytes, str, str]:
    """The bytes, MIME type and file name of one download (made in the pool, then cached)."""
    m = _FILE_RE.match(filename)
    if (
        not m
        or (m["fmt"] in ("csv", "parquet") and m["name"] not in TABLES)
        or (m["fmt"] == "html" and m["name"] != "report")
        or (m["fmt"] == "yaml" and m["name"] != "scenario")
    ):
        raise service.SpecError(
            f"unknown download {filename[:60]!r}; available: "
            + ", ".join(f"{t}.csv|.parquet" for t in TABLES)
            + ", report.html, scenario.yaml"
        )
    ks, results = results_for(pool, keys)
    stem = "-".join(
        re.sub(r"[^A-Za-z0-9_.-]+", "-", str(getattr(r.scenario, "name", "run")))[:40] for r in results
    )
    if m["fmt"] == "yaml":
        spec = SPECS.get(ks[0])
        if spec is None:
            raise service.SpecError("the scenario of this run is no longer in memory")
        return service.scenario_yaml(spec).encode("utf-8"), "application/x-yaml", f"{stem}.yaml"
    name, fmt = m["name"], m["fmt"]
    kind = "report" if fmt == "html" else "export"
    payload = {"results": results, "table": name, "format": fmt}
    fkey = service.job_key(kind, {"keys": ks, "file": filename})
    data = pool.run(kind, payload, fkey, label=f"{stem} {filename}", cache="file")
    mime = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "html": "text/html"}[fmt]
    return data, mime, f"{stem}-{name}.{fmt}" if name != "report" else f"{stem}-report.html"


__all__ = ["submit_run", "run_file", "results_for", "run_summary", "SPECS", "TABLES"]
