"""Worlds and results as labelled ``xarray.Dataset`` objects (``World.to_xarray``, ``Result.to_xarray``).

Dimensions are named as the arrays are ordered in the engine — ``importer``, ``exporter``,
``sector``, ``country`` and, for input-output shares, ``input_sector`` — and the coordinates are
the world's ISO3 codes and sector codes, so ``ds.flows.sel(importer="CAN", exporter="USA")`` is
a sector vector with labels, never a positional index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

if TYPE_CHECKING:
    from tradeshock.result import Result
    from tradeshock.world import World

__all__ = ["world_dataset", "result_dataset"]

_PAIR = ("importer", "exporter", "sector")


def _coords(world: World) -> dict[str, Any]:
    c, s = list(world.countries), list(world.sectors)
    return {"importer": c, "exporter": c, "country": c, "sector": s, "input_sector": s}


def world_dataset(world: World) -> xr.Dataset:
    """The baseline world: stored arrays and the main derived ones, with units in ``attrs``."""
    money = f"US$ million of {world.year}, producer prices"
    data = {
        "flows": (_PAIR, np.asarray(world.flows), {"unit": money}),
        "tariffs": (_PAIR, np.asarray(world.tariffs), {"unit": "fraction (0.25 = 25%)"}),
        "trade_shares": (_PAIR, np.asarray(world.trade_shares), {"unit": "fraction of expenditure"}),
        "va_share": (("country", "sector"), np.asarray(world.va_share), {"unit": "fraction"}),
        "io_share": (("country", "input_sector", "sector"), np.asarray(world.io_share),
                     {"unit": "fraction of sector costs"}),
        "final_share": (("country", "sector"), np.asarray(world.final_share), {"unit": "fraction"}),
        "expenditure": (("country", "sector"), np.asarray(world.expenditure),
                        {"unit": f"US$ million of {world.year}, tariff-inclusive"}),
        "gross_output": (("country", "sector"), np.asarray(world.gross_output), {"unit": money}),
        "deficit": (("country",), np.asarray(world.deficit), {"unit": money}),
        "theta": (("sector",), np.asarray(world.theta), {"unit": "trade elasticity"}),
        "tradable": (("sector",), np.asarray(world.tradable, dtype=bool), {}),
    }
    ds = xr.Dataset({k: xr.Variable(d, v, attrs=a) for k, (d, v, a) in data.items()},
                    coords=_coords(world))
    ds.attrs.update(world=world.name, year=int(world.year),
                    elasticity_set=str(world.provenance.get("elasticity_set", "")),
                    layout="[importer, exporter, sector]; io_share [country, input_sector, sector]")
    return ds


def result_dataset(result: Result) -> xr.Dataset:
    """A solved counterfactual: hats, baseline and counterfactual flows and tariffs, welfare."""
    world = result.world
    money = f"US$ million of {world.year}, producer prices (numeraire: world value added fixed)"
    wf = result.welfare()
    eq = result.equilibrium
    data = {
        "flows_base": (_PAIR, result.flows_base, {"unit": money}),
        "flows_cf": (_PAIR, result.flows_cf, {"unit": money}),
        "tariffs_base": (_PAIR, np.asarray(world.tariffs), {"unit": "fraction"}),
        "tariffs_cf": (_PAIR, np.asarray(eq.tariffs_new), {"unit": "fraction"}),
        "w_hat": (("country",), np.asarray(result.w_hat), {"unit": "ratio to baseline"}),
        "P_hat": (("country", "sector"), np.asarray(result.P_hat), {"unit": "ratio to baseline"}),
        "c_hat": (("country", "sector"), np.asarray(result.c_hat), {"unit": "ratio to baseline"}),
    }
    for col in wf.columns:
        data[col] = (("country",), wf[col].to_numpy(), {"unit": "percent change"})
    coords = {k: v for k, v in _coords(world).items() if k != "input_sector"}
    ds = xr.Dataset({k: xr.Variable(d, v, attrs=a) for k, (d, v, a) in data.items()}, coords=coords)
    meta = {k: v for k, v in result.meta.items() if isinstance(v, (str, int, float, bool))}
    ds.attrs.update(meta, scenario=result.name, converged=int(bool(result.diagnostics.get("converged"))))
    return ds
