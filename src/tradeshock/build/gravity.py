"""Build the ``gravity2006`` world: the USITC gegravity one-sector 30-country 2006 sample.

A structural-gravity (Armington/Eaton–Kortum) benchmark: one tradable sector, no input-output
links (va_share = 1, α = 1), zero tariffs. Flows are the file's ``trade`` column including
domestic sales (exporter = importer). The ``Y``/``E`` columns are not used: they also count
trade with countries outside the 30 (the 30-country flows sum to 93–99% of them), and a closed
30-country world must have output = Σ sales and expenditure = Σ purchases. θ = 4, i.e. σ − 1 for
the σ = 5 used in gegravity's own OneSectorGE example on this data set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.build.common import SRC_GEGRAVITY, build_date, clean, raw_file, read_raw
from tradeshock.build.names import country_names
from tradeshock.errors import DataError
from tradeshock.world import World

NAME = "gravity2006"
THETA = 4.0
SRC_GEGRAVITY_EXAMPLE = {
    "title": "gegravity examples/examples_OneSectorGE.py: OneSectorGE(..., year='2006', sigma=5) "
             "on sample_data_set.dlm (source of theta = sigma - 1 = 4)",
    "url": "https://github.com/peter-herman/gegravity/blob/master/examples/examples_OneSectorGE.py",
    "licence": "MIT",
}


def calibrate(raw: Path) -> tuple[World, dict[str, Any]]:
    """Read the gegravity sample and return the one-sector world and a build report."""
    path = raw_file(raw, "gegravity_sample", "sample_data_set.dlm")
    df = read_raw(path, pd.read_csv, "expected comma-separated columns exporter, importer, trade")
    missing = {"exporter", "importer", "trade", "year"} - set(df.columns)
    if missing:
        raise DataError(f"raw file {path} lacks column(s) {', '.join(sorted(missing))}")
    countries = sorted(set(df["exporter"]) | set(df["importer"]))
    n = len(countries)
    idx = {c: k for k, c in enumerate(countries)}
    if len(df) != n * n or df.duplicated(["exporter", "importer"]).any():
        raise DataError(f"raw file {path}: expected one row per exporter-importer pair "
                        f"({n}x{n} = {n * n}), found {len(df)} rows")
    if (df["trade"] < 0).any() or df["trade"].isna().any():
        raise DataError(f"raw file {path}: column trade has negative or missing values")
    flows = np.zeros((n, n, 1))
    flows[df["importer"].map(idx).to_numpy(), df["exporter"].map(idx).to_numpy(), 0] = \
        df["trade"].to_numpy(dtype=float)
    year = int(df["year"].iloc[0])
    world = World(
        name=NAME, year=year, countries=tuple(countries), sectors=("manufacturing",),
        flows=flows, tariffs=np.zeros((n, n, 1)), va_share=np.ones((n, 1)),
        io_share=np.zeros((n, 1, 1)), final_share=np.ones((n, 1)), theta=np.array([THETA]),
        tradable=np.array([True]), country_names=country_names(countries),
        sector_labels={"manufacturing": "Manufacturing (aggregate, as in Yotov et al. 2016)"},
        provenance={}, elasticities={"gegravity_sigma5": np.array([THETA]),
                                     "uniform5": np.array([5.0])},
    )
    can, usa = idx["CAN"], idx["USA"]
    report = {
        "can_to_usa": flows[usa, can, 0], "can_to_can": flows[can, can, 0],
        "world_output": flows.sum(),
        "output_share_of_file_Y": {"min": (flows.sum(axis=0)[:, 0] / df.groupby("exporter")["Y"]
                                           .first().reindex(countries).to_numpy()).min()},
    }
    prov = {
        "title": "Structural-gravity sample: 30 countries, 1 sector (manufacturing), 2006",
        "sources": [SRC_GEGRAVITY, SRC_GEGRAVITY_EXAMPLE],
        "build_date": build_date(),
        "base_year": year,
        "units": "US$ million, 2006",
        "elasticity_set": "gegravity_sigma5",
        "method": [
            "flows[importer, exporter] = trade column, domestic sales (exporter == importer) included.",
            "Closed 30-country world (no ROW): output = sum of sales to the 30, expenditure = sum of "
            "purchases from the 30; the file's Y/E (which also count other partners) are not used.",
            "One tradable sector, va_share = 1, no input-output links, final_share = 1, zero tariffs.",
            "theta = 4 = sigma - 1 with sigma = 5 from gegravity's OneSectorGE example on this data, "
            "so results compare one-to-one with gegravity; 'uniform5' (theta = 5) is an alternative.",
            "Deficits (imports - exports among the 30) are kept as in the data.",
        ],
        "build_report": report,
    }
    return world.replace(provenance=clean(prov)), report


def build(raw: Path, out: Path) -> list[Path]:
    """Build ``worlds/gravity2006`` under ``out``."""
    world, _ = calibrate(raw)
    return [world.save(out / "worlds" / NAME)]
