"""Build the ``cp1993`` world from Caliendo & Parro's (2015) 1993 replication data.

Calibration follows their replication code (documented in docs/data.md):

- ``xbilat1993`` (thousands US$, row = importer, column = exporter, 20 stacked tradable-sector
  blocks) are flows at producer prices; divided by 1,000 to US$ million.
- Domestic sales = gross output (``GO``, US$) − exports; where recorded exports exceed gross
  output, output is raised to exports (domestic sales 0) and the cells are listed in the report.
- The 20 non-tradable sectors are sold only at home (flow = gross output).
- Baseline tariffs: ``tariffs1993`` (percent → fraction), zero on the diagonal and in
  non-tradables. ``tariffs2005`` is packaged beside the world as ``tariffs2005.parquet``.
- γ_n^j from ``B``; γ_n^{k,j} = (1 − γ_n^j)·IO_n[k, j] (IO columns sum to one).
- α from goods-market clearing, α_n^j I_n = X_n^j − Σ_k γ_n^{j,k} Y_n^k with
  I_n = VA_n + R_n + D_n; negative α clipped to zero and the row renormalised.
- θ: ``T.txt`` for the 20 tradables, 8.22 for non-tradables (as CP).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.build.common import SRC_CP2015, build_date, clean, raw_file, read_matrix, write_table
from tradeshock.build.names import country_names
from tradeshock.world import World

NAME = "cp1993"
COUNTRIES = ("ARG AUS AUT BRA CAN CHL CHN DNK FIN FRA DEU GRC HUN IND IDN IRL ITA JPN KOR MEX NLD "
             "NZL NOR PRT ZAF ESP SWE TUR GBR USA ROW").split()
SECTORS = (
    ("agriculture", "Agriculture"), ("mining", "Mining"), ("food", "Food"),
    ("textiles", "Textile"), ("wood", "Wood"), ("paper", "Paper"), ("petroleum", "Petroleum"),
    ("chemicals", "Chemicals"), ("plastics", "Plastic"), ("minerals", "Minerals"),
    ("basic_metals", "Basic metals"), ("metal_products", "Metal products"),
    ("machinery", "Machinery n.e.c."), ("office", "Office"), ("electrical", "Electrical"),
    ("communication", "Communication"), ("medical", "Medical"), ("auto", "Auto"),
    ("other_transport", "Other transport"), ("other_manufacturing", "Other"),
    ("electricity", "Electricity"), ("construction", "Construction"), ("retail", "Retail"),
    ("hotels", "Hotels"), ("land_transport", "Land transport"),
    ("water_transport", "Water transport"), ("air_transport", "Air transport"),
    ("aux_transport", "Aux transport"), ("post", "Post"), ("finance", "Finance"),
    ("real_estate", "Real estate"), ("renting_machinery", "Renting machinery"),
    ("computer", "Computer"), ("research", "R&D"), ("other_business", "Other business"),
    ("public", "Public"), ("education", "Education"), ("health", "Health"),
    ("other_services", "Other services"), ("households", "Private households"),
)
N, J, JT = 31, 40, 20
THETA_NONTRADABLE = 8.22


def _stack_to_nij(arr: np.ndarray) -> np.ndarray:
    """(JT·N, N) stacked sector blocks, row = importer, col = exporter → [n, i, j]."""
    return arr.reshape(JT, N, N).transpose(1, 2, 0)


def read_tariffs(raw: Path, year: int) -> np.ndarray:
    """CP tariff matrix of ``year`` (1993 or 2005) as fractions, [importer, exporter, sector], (N, N, J)."""
    t = _stack_to_nij(read_matrix(raw_file(raw, "cp2015", f"tariffs{year}.txt"), (JT * N, N))) / 100.0
    out = np.zeros((N, N, J))
    out[:, :, :JT] = t
    out[np.arange(N), np.arange(N), :] = 0.0
    return out


def calibrate(raw: Path) -> tuple[World, dict[str, Any]]:
    """Calibrate the cp1993 world; returns it with a build report."""
    xb = _stack_to_nij(read_matrix(raw_file(raw, "cp2015", "xbilat1993.txt"), (JT * N, N))) / 1e3
    go = read_matrix(raw_file(raw, "cp2015", "GO.txt"), (J, N)).T / 1e6          # [i, j], US$ m
    va = read_matrix(raw_file(raw, "cp2015", "B.txt"), (J, N)).T                 # [n, j]
    io = read_matrix(raw_file(raw, "cp2015", "IO.txt"), (N * J, J)).reshape(N, J, J)  # [n, k, j]
    theta_t = read_matrix(raw_file(raw, "cp2015", "T.txt"), (JT, 1)).ravel()
    tariffs = read_tariffs(raw, 1993)

    flows = np.zeros((N, N, J))
    flows[:, :, :JT] = xb
    diag = np.arange(N)
    flows[diag, diag, :] = 0.0
    exports = flows.sum(axis=0)                                                    # [i, j]
    short = exports > go
    raised = [{"country": COUNTRIES[i], "sector": SECTORS[j][0], "gross_output": go[i, j],
               "exports": exports[i, j]} for i, j in zip(*np.nonzero(short), strict=True)]
    go_adj = np.maximum(go, exports)
    flows[diag, diag, :] = go_adj - exports

    neg_io = [{"country": COUNTRIES[n], "input_sector": SECTORS[k][0], "sector": SECTORS[j][0],
               "share": io[n, k, j]} for n, k, j in zip(*np.nonzero(io < 0), strict=True)]
    io = np.clip(io, 0.0, None)                  # one negative cell in the file (CAN), see report
    col = io.sum(axis=1, keepdims=True)          # IO column sums: 1 up to rounding (<= 7e-7), or 0
    io = np.divide(io, col, out=np.zeros_like(io), where=col > 0)
    io_share = (1.0 - va)[:, None, :] * io
    y = flows.sum(axis=0)
    x = np.einsum("nij,nij->nj", flows, 1.0 + tariffs)
    value_added = (va * y).sum(axis=1)
    revenue = np.einsum("nij,nij->n", flows, tariffs)
    f = flows.sum(axis=2)
    deficit = (f.sum(axis=1) - np.diag(f)) - (f.sum(axis=0) - np.diag(f))
    income = value_added + revenue + deficit
    final = x - np.einsum("njk,nk->nj", io_share, y)
    alpha_raw = final / income[:, None]
    neg = alpha_raw < 0
    alpha = np.where(neg, 0.0, alpha_raw)
    alpha = alpha / alpha.sum(axis=1, keepdims=True)

    theta = np.concatenate([theta_t, np.full(J - JT, THETA_NONTRADABLE)])
    tradable = np.arange(J) < JT
    usa, can, mex, chn = (COUNTRIES.index(c) for c in ("USA", "CAN", "MEX", "CHN"))
    report = {
        "us_imports_from_can_usd_bn": flows[usa, can].sum() / 1e3,
        "us_imports_from_mex_usd_bn": flows[usa, mex].sum() / 1e3,
        "us_imports_from_chn_usd_bn": flows[usa, chn].sum() / 1e3,
        "can_imports_from_usa_usd_bn": flows[can, usa].sum() / 1e3,
        "output_raised_to_exports": raised,
        "io_negative_cells_clipped": neg_io,
        "alpha_negative_cells_clipped": int(neg.sum()),
        "alpha_negative_mass_clipped": float(-alpha_raw[neg].sum()),
        "alpha_negative_cells": [
            {"country": COUNTRIES[n], "sector": SECTORS[j][0], "alpha": alpha_raw[n, j]}
            for n, j in zip(*np.nonzero(neg), strict=True)],
        "world_value_added_usd_bn": value_added.sum() / 1e3,
    }
    prov = {
        "title": "Caliendo & Parro (2015) 1993 baseline: 31 countries x 40 sectors (20 tradable)",
        "sources": [SRC_CP2015],
        "build_date": build_date(),
        "base_year": 1993,
        "units": "US$ million, 1993, producer prices",
        "elasticity_set": "cp2015",
        "method": [
            "xbilat1993 (thousands US$, row=importer, col=exporter) taken as flows at producer "
            "prices, divided by 1000.",
            "Domestic sales = GO - exports; where exports > GO, output raised to exports "
            "(domestic sales 0); cells listed in build_report.output_raised_to_exports.",
            "Non-tradable sectors (last 20) sold only at home: flow[n,n,j] = GO.",
            "Baseline tariffs = tariffs1993 / 100 (zero on the diagonal and for non-tradables); "
            "tariffs2005 shipped as tariffs2005.parquet (see tradeshock.cp2015.load_tariffs2005).",
            "va_share = B.txt; io_share[n,k,j] = (1 - B[n,j]) * IO_n[k,j], with each IO column "
            "renormalised to sum to exactly one (file sums deviate by <= 7e-7 through rounding; "
            "all-zero columns occur only where B = 1); the one negative IO cell (CAN, "
            "other_manufacturing inputs into basic_metals, -0.00085) is set to 0 before "
            "renormalising.",
            "final_share from goods-market clearing: alpha_n^j I_n = X_n^j - sum_k "
            "gamma_n^{j,k} Y_n^k, I_n = VA_n + R_n + D_n; negative alpha clipped to 0 and rows "
            "renormalised (as Caliendo & Parro).",
            "theta = T.txt for the 20 tradable sectors (CP Table 1 values as shipped; Auto and "
            "Other transport 8.22 in the file), 8.22 for non-tradables as in CP's code.",
        ],
        "build_report": report,
    }
    world = World(
        name=NAME, year=1993, countries=tuple(COUNTRIES), sectors=tuple(s for s, _ in SECTORS),
        flows=flows, tariffs=tariffs, va_share=va, io_share=io_share, final_share=alpha,
        theta=theta, tradable=tradable, country_names=country_names(COUNTRIES),
        sector_labels=dict(SECTORS), provenance=clean(prov),
        elasticities={"cp2015": theta, "uniform5": np.full(J, 5.0)},
    )
    return world, report


def tariffs2005_table(raw: Path) -> pd.DataFrame:
    """CP 2005 applied tariffs as ``importer, exporter, sector, rate`` (tradable sectors, off-diagonal)."""
    t = read_tariffs(raw, 2005)
    n, i, j = np.meshgrid(np.arange(N), np.arange(N), np.arange(JT), indexing="ij")
    mask = (n != i).ravel()
    c, s = np.asarray(COUNTRIES), np.asarray([k for k, _ in SECTORS])
    return pd.DataFrame({"importer": c[n.ravel()][mask], "exporter": c[i.ravel()][mask],
                         "sector": s[j.ravel()][mask], "rate": t[:, :, :JT].ravel()[mask]})


def build(raw: Path, out: Path) -> list[Path]:
    """Build ``worlds/cp1993`` (world + ``tariffs2005.parquet``) under ``out``."""
    world, _ = calibrate(raw)
    folder = world.save(out / "worlds" / NAME)
    t05 = write_table(tariffs2005_table(raw), folder / "tariffs2005.parquet")
    return [folder, t05]


__all__ = ["build", "calibrate", "read_tariffs", "tariffs2005_table"]
