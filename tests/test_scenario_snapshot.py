"""Every shipped scenario, solved on the packaged default world, against a stored snapshot.

This is a regression guard, not a validation: the model is validated against independent
references elsewhere (``test_validation_*``). It proves that restructuring the code does not move
a single number. The elasticity set is pinned (``cp2015``), so a change of the world's default
set does not show up here as a regression.

When numbers change *legitimately* (new data, a revised measure, a model fix), regenerate the
snapshot and commit it with the change that explains it::

    TRADESHOCK_REGEN_SNAPSHOT=1 python -m pytest tests/test_scenario_snapshot.py -p no:xdist

and say in the commit message which numbers moved and why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import tradeshock as ts
from tradeshock.scenario import Scenario, find_scenario, list_scenarios
from tradeshock.simulate import simulate

SNAPSHOT = Path(__file__).parent / "data" / "scenario_snapshot.json"
ELASTICITIES = "cp2015"
RTOL = 1e-9
REGEN = os.environ.get("TRADESHOCK_REGEN_SNAPSHOT") == "1"

pytestmark = pytest.mark.skipif("default" not in ts.list_worlds(), reason="default world not packaged")


#: ``as_of: today`` scenarios (status-quo-today and those extending it) are solved on this date.
TODAY = "2026-12-02"


@pytest.fixture(autouse=True)
def _pin_today(monkeypatch):
    import datetime as dt

    from tradeshock.measures import library

    monkeypatch.setattr(library, "_today", lambda: dt.date.fromisoformat(TODAY))


@pytest.fixture(scope="module")
def world():
    return ts.load_world("default").with_elasticities(ELASTICITIES)


def key_numbers(res) -> dict[str, dict[str, float]]:
    """Welfare by country, Canada's exports by partner, output and revenue totals, one flow total."""
    wf = res.welfare()
    out: dict[str, dict[str, float]] = {
        f"welfare.{col}": {c: float(v) for c, v in wf[col].items()} for col in wf.columns}
    ex = res.exports("CAN")
    out["exports_CAN.counterfactual"] = {p: float(v) for p, v in
                                        zip(ex["partner"], ex["counterfactual"], strict=True)}
    o = res.output()
    out["gross_output_cf_by_country"] = {c: float(v) for c, v in
                                         o.groupby("country")["gross_output_cf"].sum().items()}
    can = o[o["country"] == "CAN"]
    out["gross_output_cf_CAN_by_sector"] = {s: float(v) for s, v in
                                            zip(can["sector"], can["gross_output_cf"], strict=True)}
    rv = res.revenue()
    out["revenue.counterfactual"] = {c: float(v) for c, v in
                                     zip(rv["country"], rv["counterfactual"], strict=True)}
    tr = res.trade()
    out["trade_total"] = {"baseline": float(tr["baseline"].sum()),
                          "counterfactual": float(tr["counterfactual"].sum())}
    return out


def _solve_all(world) -> dict[str, dict]:
    snap = {}
    for name in list_scenarios():
        sc = Scenario.load(find_scenario(name))
        assert sc.settings.elasticities in (None, ELASTICITIES), "pin per scenario if this changes"
        snap[name] = key_numbers(simulate(world, sc))
    return snap


def test_shipped_scenarios_match_the_snapshot(world):
    got = _solve_all(world)
    if REGEN:
        SNAPSHOT.write_text(json.dumps({"elasticities": ELASTICITIES, "world": "default",
                                        "scenarios": got}, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"snapshot rewritten: {SNAPSHOT}")
    want = json.loads(SNAPSHOT.read_text())
    assert want["elasticities"] == ELASTICITIES
    assert sorted(got) == sorted(want["scenarios"]), "shipped scenarios changed: regenerate"
    for name, tables in want["scenarios"].items():
        for table, values in tables.items():
            g = got[name][table]
            assert sorted(g) == sorted(values), f"{name} {table}: labels differ"
            a = np.array([g[k] for k in sorted(values)])
            b = np.array([values[k] for k in sorted(values)])
            np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-11 * max(1.0, np.abs(b).max()),
                                       err_msg=f"{name}: {table}")
