"""What a dashboard worker process does: one job at a time, through the Python API only.

Each task takes the job's payload (plain data checked by :mod:`tradeshock.app.service`, or a
cached result for exports) and a ``stage(text)`` callback for progress, and returns picklable
data. Errors a user can cause (:class:`~tradeshock.errors.TradeshockError`) come back as their
message; anything else as one line naming the error (the traceback goes to the server log).
"""

from __future__ import annotations

import inspect
import io
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any

Stage = Callable[[str], None]


def _scenario(payload: dict[str, Any]) -> Any:
    """The Scenario of a payload: a shipped name or a mapping (validated like a file)."""
    from tradeshock.app.service import SOURCE
    from tradeshock.scenario import Scenario, load_scenario

    if "scenario_dict" in payload:
        return Scenario.from_dict(payload["scenario_dict"], source=SOURCE)
    return load_scenario(str(payload["scenario"]))


def supports_draws() -> bool:
    """Whether the engine's ``run`` takes ``draws=`` (elasticity draws / uncertainty bands)."""
    from tradeshock import runner

    return "draws" in inspect.signature(runner.run_many).parameters


def task_run(payload: dict[str, Any], stage: Stage) -> Any:
    """Solve one scenario; returns its :class:`~tradeshock.result.Result`."""
    from tradeshock import runner

    stage("reading the scenario and the measures in force")
    sc = _scenario(payload)
    if payload.get("draws") and supports_draws():
        n = int(payload["draws"])
        stage(f"solving “{sc.name}” and {n} draws of the trade elasticities (seed {payload.get('seed', 0)})")
        res = runner.run_many([sc], draws=n, seed=int(payload.get("seed", 0)), backend="serial")[0]
    else:
        stage(f"solving the general equilibrium for “{sc.name}”")
        res = runner.run(sc)
    stage("preparing the tables")
    res.welfare()
    return res


def task_attribute(payload: dict[str, Any], stage: Stage) -> Any:
    """Shapley attribution of a scenario's own measures (serial inside the worker)."""
    from tradeshock.analysis.attribution import attribute

    sc = _scenario(payload)
    n = len(sc.measure_labels())
    stage(f"solving {2**n if n <= 6 else (n + 1) * 16} combinations of {n} measures (Shapley values)")
    return attribute(sc, backend="serial", exact_max=6, pairs=8)


def task_game(payload: dict[str, Any], stage: Stage) -> Any:
    """Every move profile of a shipped game; the results of each profile are dropped (size)."""
    from tradeshock import shipped
    from tradeshock.analysis.game import Game, play
    from tradeshock.errors import ScenarioError

    path = shipped.find(str(payload["game"]), "game")
    if path is None:
        raise ScenarioError(f"unknown game {payload['game']!r}")
    game = Game.load(path)
    stage(f"solving {len(game.profiles)} move profiles of “{game.name}”")
    res = play(game, backend="serial")
    res.results = {}
    return res


def task_target(payload: dict[str, Any], stage: Stage) -> Any:
    """The diversification target: the lever size that reaches an export goal."""
    from tradeshock.analysis.targets import Lever, solve_target
    from tradeshock.world import load_world

    lever = Lever(payload.get("lever", "trade_cost"), tuple(payload["partners"]))
    stage(f"searching the {lever.kind.replace('_', ' ')} lever for “{payload['target']}”")
    base = str(payload["base"]) if payload.get("base") else None  # a shipped name, loaded there
    return solve_target(
        load_world("default"), payload.get("country", "CAN"), payload["target"], lever, base=base
    )


def task_export(payload: dict[str, Any], stage: Stage) -> bytes:
    """One results table of one or more results as CSV or Parquet bytes (in memory)."""
    from tradeshock.runner import stacked_tables

    stage(f"writing {payload['table']}.{payload['format']}")
    tables = stacked_tables(payload["results"])
    if payload["table"] not in tables:
        from tradeshock.errors import TradeshockError, unknown

        raise TradeshockError(unknown("table", payload["table"], sorted(tables)))
    df = tables[payload["table"]]
    if payload["format"] == "csv":
        return df.to_csv(index=False).encode("utf-8")
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def task_report(payload: dict[str, Any], stage: Stage) -> bytes:
    """The HTML report (one self-contained page) of one result or several, compared."""
    from tradeshock.report.html import render_report

    stage("rendering the report")
    return render_report(payload["results"]).encode("utf-8")


TASKS: dict[str, Callable[[dict[str, Any], Stage], Any]] = {
    "run": task_run,
    "attribute": task_attribute,
    "game": task_game,
    "target": task_target,
    "export": task_export,
    "report": task_report,
}


def warm_up(worlds: tuple[str, ...]) -> None:
    """Load each world and solve its baseline once, so the first job does not pay for it."""
    from tradeshock.simulate import simulate
    from tradeshock.world import load_world

    for name in worlds:
        simulate(load_world(name))
    from tradeshock.app.service import catalog

    catalog()


def worker_main(conn: Any, warm: tuple[str, ...] = ("default",)) -> None:
    """Process entry point: warm up, then answer jobs from ``conn`` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    try:
        warm_up(warm)
    except Exception:  # noqa: BLE001 - a broken world shows up in the first job's message
        traceback.print_exc(file=sys.stderr)
    conn.send(("ready", None))
    while True:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            return
        try:
            out = TASKS[kind](payload, lambda text: conn.send(("stage", text)))
            conn.send(("done", out))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            conn.send(("error", error_message(exc)))


def error_message(exc: BaseException) -> str:
    """One line for the user: the message of a TradeshockError, else the error's name and text."""
    from tradeshock.errors import TradeshockError

    if isinstance(exc, TradeshockError):
        return str(exc)
    traceback.print_exception(exc, file=sys.stderr)
    text = str(exc).splitlines()[0] if str(exc) else ""
    return (
        f"internal error ({exc.__class__.__name__}{': ' + text if text else ''}); the details "
        "are in the server log — please report it"
    )


__all__ = ["TASKS", "worker_main", "error_message", "supports_draws"]
