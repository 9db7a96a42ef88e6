"""Build the ``wiod2011`` world from the WIOD 2013-release world input-output table for 2011.

Calibration (docs/data.md lists every assumption):

- Countries: the 40 WIOD countries + ROW ("RoW" → "ROW", "ROM" → "ROU"); 35 sectors c1..c35.
- flows[n, i, j] = intermediate use by all sectors of n of sector-j goods from i + final use by
  n (households, NPISH, government, GFCF) of them, US$ million at basic prices. Changes in
  inventories are excluded from final demand; the few negative GFCF cells are clipped to 0.
- va_share = (output − Σ inputs) / output and io_share γ^{k,j} = Σ_i Z[(i,k),(n,j)] / output with
  WIOD's ``output``; negative value added clipped to 0 with inputs renormalised; sectors with no
  output get va_share = 1.
- final_share α = n's final use (excl. inventories) of sector j / its total final use.
- tariffs: Caliendo–Parro 2005 applied rates mapped to WIOD countries and sectors
  (:mod:`tradeshock.build.cp_map`); services untaxed.
- θ: CP values mapped to WIOD sectors (:func:`tradeshock.build.cp_map.theta_wiod`); alternative
  sets from :mod:`tradeshock.build.elasticities` ("broda_weinstein", "tradeshock2024",
  "uniform5", "simonovska_waugh").
- tradable = the sector has any cross-border flow.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tradeshock.build.common import (
    SRC_CP2015,
    SRC_WIOD2013,
    SRC_WIOD_INDUSTRIES,
    build_date,
    clean,
    raw_file,
    read_rdata,
)
from tradeshock.build.cp_map import cp2005_tariffs
from tradeshock.build.elasticities import (
    METHOD_NOTE,
    SRC_BOEHM,
    SRC_BRODA_WEINSTEIN,
    SRC_FONTAGNE,
    SRC_GIRI,
    elasticity_sets,
)
from tradeshock.build.names import country_names
from tradeshock.build.sectors import SECTOR_CODES, SECTOR_LABELS, WIOD_CODES
from tradeshock.errors import DataError
from tradeshock.world import World

NAME = "wiod2011"
RENAME = {"RoW": "ROW", "ROM": "ROU"}
FINAL_CATEGORIES = ("household consumption", "NPISH", "government", "GFCF", "inventories")
SRC_SIMONOVSKA_WAUGH = {
    "title": "Simonovska & Waugh (2014), 'The elasticity of trade: Estimates and evidence', Journal "
             "of International Economics 92:34-50 (aggregate trade elasticity 'roughly four')",
    "url": "https://doi.org/10.1016/j.jinteco.2013.10.001",
    "licence": "publication (cited value only)",
}


def read_wiot(raw: Path, year: int = 2011) -> dict[str, Any]:
    """The WIOD table of ``year``: countries, industries, Z (N,J,N,J), F (N,J,N,5), output (N,J)."""
    path = raw_file(raw, "wiod2013", f"wiot_{year}.RData")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Missing constructor for R class iot": a plain list is fine
        data = read_rdata(path)
    try:
        obj = data[f"wiot_{year}"]
        countries = [RENAME.get(str(c), str(c)) for c in obj["countries"]]
        industries = [str(x) for x in obj["industries"]]
        n, j = len(countries), len(industries)
        z = np.asarray(obj["inter"], dtype=float).reshape(n, j, n, j)
        f = np.asarray(obj["final"], dtype=float).reshape(n, j, n, len(FINAL_CATEGORIES))
        out = np.asarray(obj["output"], dtype=float).reshape(n, j)
    except (KeyError, ValueError, TypeError) as exc:
        raise DataError(f"raw file {path} does not hold the expected WIOD list wiot_{year} "
                        f"(inter, final, output, countries, industries): {exc}") from None
    if tuple(industries) != WIOD_CODES:
        raise DataError(f"raw file {path}: industries {industries[:3]}... are not WIOD c1..c35")
    return {"countries": countries, "z": z, "f": f, "output": out, "path": path}


def calibrate_table(t: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays (flows, va_share, io_share, final_share, tradable) from a WIOD table, plus a report."""
    z, f, out = t["z"], t["f"], t["output"]
    n, j = out.shape
    final = f[..., :4]
    neg_final = final < 0
    final = np.clip(final, 0.0, None).sum(axis=3)                 # [i, j, n]
    inter = z.sum(axis=3)                                          # [i, j, n]
    flows = (inter + final).transpose(2, 0, 1)                     # [n, i, j]
    neg_flows = int((flows < 0).sum())
    flows = np.clip(flows, 0.0, None)

    inputs = z.sum(axis=0)                                         # [k, n, j]
    inputs = inputs.transpose(1, 0, 2)                             # [n, k, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        io = np.where(out[:, None, :] > 0, inputs / out[:, None, :], 0.0)
    tot_in = io.sum(axis=1)
    over = tot_in > 1.0
    io = np.where(over[:, None, :], io / np.where(over, tot_in, 1.0)[:, None, :], io)
    va = 1.0 - io.sum(axis=1)
    va = np.where(out > 0, np.clip(va, 0.0, 1.0), 1.0)

    fin = final.sum(axis=0).T                                      # [n, j]
    alpha = fin / fin.sum(axis=1, keepdims=True)
    cross = flows.copy()
    cross[np.arange(n), np.arange(n), :] = 0.0
    tradable = cross.sum(axis=(0, 1)) > 0
    report = {
        "negative_final_use_cells_clipped_excl_inventories": int(neg_final.sum()),
        "negative_final_use_value_clipped": float(-f[..., :4][neg_final].sum()),
        "inventory_change_excluded_total": float(f[..., 4].sum()),
        "negative_flow_cells_clipped": neg_flows,
        "cells_with_inputs_above_output_renormalised": int(over.sum()),
        "zero_output_cells": int((out <= 0).sum()),
        "gross_output_from_flows_over_wiod_output": float(flows.sum(axis=0).sum() / out.sum()),
    }
    return {"flows": flows, "va_share": va, "io_share": io, "final_share": alpha,
            "tradable": tradable}, report


def calibrate(raw: Path) -> tuple[World, dict[str, Any]]:
    """Calibrate the wiod2011 world; returns it with a build report."""
    t = read_wiot(raw, 2011)
    arrays, report = calibrate_table(t)
    countries = tuple(t["countries"])
    tariffs = cp2005_tariffs(raw, countries)
    tariffs[:, :, ~arrays["tradable"]] = 0.0
    sets, theta_record = elasticity_sets(raw)
    theta = sets["cp2015"]
    ci = {c: k for k, c in enumerate(countries)}
    fl = arrays["flows"]
    report.update({
        "can_to_usa_usd_bn": fl[ci["USA"], ci["CAN"]].sum() / 1e3,
        "chn_to_usa_usd_bn": fl[ci["USA"], ci["CHN"]].sum() / 1e3,
        "usa_to_can_usd_bn": fl[ci["CAN"], ci["USA"]].sum() / 1e3,
        "mex_to_usa_usd_bn": fl[ci["USA"], ci["MEX"]].sum() / 1e3,
        "theta_merge_weights": theta_record["theta_merge_weights"],
        "elasticities": {k: v for k, v in theta_record.items() if k != "theta_merge_weights"},
        "non_tradable_sectors": [s for s, tr in zip(SECTOR_CODES, arrays["tradable"], strict=True)
                                 if not tr],
    })
    prov = {
        "title": "WIOD 2011: 40 countries + ROW x 35 sectors (WIOD 2013 release)",
        "sources": [SRC_WIOD2013, SRC_WIOD_INDUSTRIES, SRC_CP2015, SRC_SIMONOVSKA_WAUGH,
                    SRC_BRODA_WEINSTEIN, SRC_FONTAGNE, SRC_GIRI, SRC_BOEHM],
        "build_date": build_date(),
        "base_year": 2011,
        "units": "US$ million, 2011, basic prices",
        "elasticity_set": "cp2015",
        "elasticity_uncertainty": theta_record["uncertainty"],
        "method": method_notes(),
        "build_report": report,
    }
    world = World(
        name=NAME, year=2011, countries=countries, sectors=SECTOR_CODES, flows=fl,
        tariffs=tariffs, va_share=arrays["va_share"], io_share=arrays["io_share"],
        final_share=arrays["final_share"], theta=theta, tradable=arrays["tradable"],
        country_names=country_names(countries), sector_labels=SECTOR_LABELS,
        provenance=clean(prov),
        elasticities=sets,
    )
    return world, report


def method_notes() -> list[str]:
    """Method notes shared by wiod2011 and default (its 2024 update starts from them)."""
    return [
        "Countries: 40 WIOD countries + ROW ('RoW' -> 'ROW', 'ROM' -> 'ROU'); sectors c1..c35.",
        "flows[n,i,j] = intermediate use by n of sector-j goods from i + final use by n "
        "(households, NPISH, government, GFCF), US$ million at basic prices; changes in "
        "inventories excluded from final demand; negative GFCF cells (6) clipped to 0.",
        "va_share = (output - sum of inputs)/output, io_share[n,k,j] = sum_i Z[(i,k),(n,j)]/output "
        "with WIOD output; where inputs exceed output they are scaled to sum to one (va 0); "
        "zero-output cells get va_share 1.",
        "final_share = n's final use (excl. inventories) of sector j / total final use of n.",
        "Gross output in the world is the sum of the flows (excl. inventory change), so it differs "
        "slightly from WIOD's output column; see build_report.",
        "Baseline tariffs: Caliendo-Parro 2005 applied rates mapped to WIOD: CP sectors merged into "
        "WIOD goods sectors (metals = basic metals + metal products; electrical = office, "
        "electrical, communication, medical; transport_equipment = auto + other transport) with "
        "CP 1993 bilateral flows as weights; EU members missing from CP use Germany's rates (common "
        "external tariff); RUS, TWN, ROW use CP's ROW; intra-EU trade duty-free; pairs that map to "
        "the same CP proxy take its import-weighted average; services untaxed.",
        METHOD_NOTE,
        "tradable = the sector has any cross-border flow in the table.",
    ]


def build(raw: Path, out: Path) -> list[Path]:
    """Build ``worlds/wiod2011`` under ``out``."""
    world, _ = calibrate(raw)
    return [world.save(out / "worlds" / NAME)]
