"""A Shock is a frozen value: a verb whose result is thrown away is a bug (it changes nothing).

``shock.tariff(...)`` as a statement used to edit the shock in place; now it returns a new Shock
and the statement would silently apply nothing. This test parses the package, the tests, the
benchmarks and the examples and fails on any such statement.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERBS = {"tariff", "trade_cost", "embargo", "set_tariffs"}


def discarded_verbs(tree: ast.AST) -> list[int]:
    """Line numbers of expression statements ``<x>.<verb>(...)`` (the new Shock is dropped).

    Statements inside ``with pytest.raises(...)`` are expected to raise, so they are skipped.
    """
    expected = {id(stmt) for node in ast.walk(tree) if isinstance(node, ast.With)
                and any("raises" in ast.unparse(item.context_expr) for item in node.items)
                for stmt in node.body}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and id(node) not in expected and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in VERBS]


def test_no_shock_verb_result_is_discarded():
    bad = []
    for folder in ("src", "tests", "benchmarks", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            for line in discarded_verbs(ast.parse(path.read_text(encoding="utf-8"))):
                bad.append(f"{path.relative_to(ROOT)}:{line}")
    assert not bad, "Shock verbs return a new Shock; assign it (s = s.tariff(...)): " + ", ".join(bad)


def test_the_check_sees_a_discarded_verb():
    assert discarded_verbs(ast.parse("s = Shock(w)\ns.tariff(rate=0.1)\nt = s.embargo()")) == [2]
    assert discarded_verbs(ast.parse("with pytest.raises(E):\n    s.tariff(rate=-2)")) == []
