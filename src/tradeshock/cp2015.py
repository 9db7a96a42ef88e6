"""Caliendo & Parro (2015) extras shipped with the ``cp1993`` world: the 2005 tariff matrix.

The NAFTA counterfactual of Caliendo & Parro replaces the 1993 tariffs among CAN, MEX and USA
with their 2005 values; :func:`load_tariffs2005` returns those values in the world's layout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from tradeshock.errors import DataError
from tradeshock.world import WORLDS_DIR, World, load_world

#: Packaged table ``importer, exporter, sector, rate`` (fractions; 20 tradable sectors, off-diagonal).
TARIFFS2005_PATH = WORLDS_DIR / "cp1993" / "tariffs2005.parquet"


def tariffs2005_table() -> pd.DataFrame:
    """CP's 2005 applied tariffs as a tidy table ``importer, exporter, sector, rate`` (fractions)."""
    if not TARIFFS2005_PATH.exists():
        raise DataError(f"packaged file missing: {TARIFFS2005_PATH}; rebuild with "
                        "'tradeshock data build --raw PATH --only cp1993'")
    try:
        return pq.read_table(TARIFFS2005_PATH).to_pandas()
    except Exception as exc:
        raise DataError(f"packaged file {TARIFFS2005_PATH} is corrupt or not Parquet "
                        f"({exc.__class__.__name__}); rebuild with 'tradeshock data build'") from None


def load_tariffs2005(world: World | None = None) -> np.ndarray:
    """CP's 2005 tariffs as an (N, N, J) array aligned with ``world`` (default: ``cp1993``).

    Zero on the diagonal and in the non-tradable sectors, like the 1993 baseline ``world.tariffs``.
    """
    world = world if world is not None else load_world("cp1993")
    df = tariffs2005_table()
    out = np.zeros((world.n_countries, world.n_countries, world.n_sectors))
    ii = np.array([world.country_index(c, "tariffs2005.parquet") for c in df["importer"]])
    ee = np.array([world.country_index(c, "tariffs2005.parquet") for c in df["exporter"]])
    ss = np.array([world.sector_index(s, "tariffs2005.parquet") for s in df["sector"]])
    out[ii, ee, ss] = df["rate"].to_numpy(dtype=float)
    return out
