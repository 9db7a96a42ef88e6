"""Winners and losers by province in `tradeshock compare`: real income adding up to Canada's."""

from __future__ import annotations

import numpy as np

from tradeshock import Shock, load_world, simulate
from tradeshock.report import tables


def test_province_changes_add_up_to_canada():
    w = load_world("default")
    results = [simulate(w, Shock(w).tariff(imposer="USA", target="CAN", rate=0.25, label="us25")),
               simulate(w, Shock(w).embargo(imposer="CHN", target="CAN", sectors=["agriculture"]))]
    prov = tables.compare_provinces(results, "CAN")
    assert sorted(prov["province"]) == sorted(
        ["ON", "QC", "BC", "AB", "SK", "MB", "NS", "NB", "NL", "PE", "YT", "NT", "NU"])
    labels = tables.scenario_labels(results)
    for res, lab in zip(results, labels, strict=True):
        national = float(res.welfare().loc["CAN", "real_income"])   # Canada's real income change
        weighted = np.average(prov[lab], weights=prov["value_added_base"])
        assert abs(weighted - national) < 1e-9
