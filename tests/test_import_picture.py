"""The import picture: imports flow one way, and the only circle is world/worldio/aggregate.

Parsed with ``ast`` from the source (every runtime import, at module level or inside a function;
``if TYPE_CHECKING:`` blocks excluded), so a circle cannot hide behind a function-level import.
The layers, lowest first: the engine and data (``model/``, ``world``, ``measures/``, ...), the
shock and scenario layer, ``result``/``simulate``/``parallel``, ``analysis/``, ``report/``,
``runner``, ``cli/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: The one allowed circle: a World writes and reads itself (worldio) and aggregates itself.
ALLOWED = [{"tradeshock.world", "tradeshock.worldio", "tradeshock.aggregate"}]

#: Module prefixes that must not be imported from each lower group.
BELOW_ANALYSIS = ("tradeshock.model", "tradeshock.world", "tradeshock.worldio", "tradeshock.aggregate",
                  "tradeshock.shock", "tradeshock.result", "tradeshock.simulate", "tradeshock.parallel",
                  "tradeshock.quotas", "tradeshock.resolve", "tradeshock.scenario", "tradeshock.rates",
                  "tradeshock.measures", "tradeshock.shipped", "tradeshock.errors", "tradeshock.synthetic")
UPPER = {"analysis": "tradeshock.analysis", "report": "tradeshock.report", "runner": "tradeshock.runner",
         "cli": "tradeshock.cli"}


def _modules() -> dict[str, Path]:
    mods = {}
    for p in (SRC / "tradeshock").rglob("*.py"):
        rel = p.relative_to(SRC).with_suffix("")
        mods[".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)] = p
    return mods


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def import_graph() -> dict[str, set[str]]:
    """Module -> the tradeshock modules it imports at run time (the package root excluded)."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        out: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                # importing any submodule runs the package root first: not an edge of the picture
                if t and t != name and t.startswith("tradeshock.") and t != "tradeshock":
                    out.add(t)
        graph[name] = out
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_only_import_circle_is_world_worldio():
    bad = [sorted(c) for c in circles(import_graph()) if c not in ALLOWED]
    assert not bad, f"import circles: {bad}"


def _offenders(graph, sources, forbidden):
    return sorted((m, t) for m, ts in graph.items() if m.startswith(sources) and m not in
                  ("tradeshock", "tradeshock.__main__")
                  for t in ts if t.startswith(forbidden))


def test_nothing_below_imports_upward():
    g = import_graph()
    upper = (*UPPER.values(), "tradeshock.app")
    assert _offenders(g, BELOW_ANALYSIS, upper) == []
    assert _offenders(g, (UPPER["analysis"],), (UPPER["report"], UPPER["runner"], UPPER["cli"])) == []
    assert _offenders(g, (UPPER["report"],), (UPPER["runner"], UPPER["cli"])) == []
    assert _offenders(g, (UPPER["runner"],), (UPPER["cli"],)) == []
    # the dashboard: the server builds the layout from the pages; pages and the modules they
    # share (service, jobs, actions, figures, worker) never import the server or the pages
    app_lower = tuple(f"tradeshock.app.{m}" for m in ("service", "jobs", "actions", "figures", "worker"))
    assert _offenders(g, ("tradeshock.app.pages",), ("tradeshock.app.server",)) == []
    assert _offenders(g, app_lower, ("tradeshock.app.server", "tradeshock.app.pages")) == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    # the checker itself: a circle held apart by a function-level import is still a circle
    g = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert circles(g) == [{"a", "b"}]
    assert "tradeshock.report.html" in import_graph()["tradeshock.report.accessors"]
