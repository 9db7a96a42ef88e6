"""Carry Caliendo & Parro's sector-level data (θ, 2005 tariffs) over to the WIOD sectors.

CP's 20 tradable sectors are ISIC Rev.3 groups, finer than or equal to WIOD's goods sectors
c1–c16, so each WIOD goods sector is a union of CP sectors (:data:`WIOD_FROM_CP`). Where WIOD
merges several CP sectors (metals, electrical, transport equipment) values are averaged with CP's
1993 trade flows as weights (world trade for θ, the bilateral flow for tariffs). Services
(c17–c35) get CP's non-tradable θ = 8.22 and zero tariffs.

Countries: a WIOD country in CP's 31 uses its own CP rows; an EU member missing from CP uses
Germany's (the EU has one common external tariff); any other country (RUS, TWN, ROW) uses CP's
ROW. Trade among EU members is duty-free. A pair that maps to the same CP proxy on both sides
(e.g. RUS importing from TWN, both "ROW") takes that proxy's import-weighted average tariff.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tradeshock.build import cp2015
from tradeshock.build.common import raw_file, read_matrix
from tradeshock.build.sectors import SECTOR_CODES

WIOD_FROM_CP: dict[str, tuple[str, ...]] = {
    "agriculture": ("agriculture",), "mining": ("mining",), "food": ("food",),
    "textiles": ("textiles",), "leather": ("textiles",), "wood": ("wood",), "paper": ("paper",),
    "petroleum": ("petroleum",), "chemicals": ("chemicals",), "rubber_plastics": ("plastics",),
    "minerals": ("minerals",), "metals": ("basic_metals", "metal_products"),
    "machinery": ("machinery",),
    "electrical": ("office", "electrical", "communication", "medical"),
    "transport_equipment": ("auto", "other_transport"),
    "manufacturing_nec": ("other_manufacturing",),
}

#: EU members in 2011 (EU27), ISO3.
EU27 = frozenset("AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IRL ITA LTU LUX LVA "
                 "MLT NLD POL PRT ROU SVK SVN SWE".split())
EU_PROXY = "DEU"

_CP_SECTORS = [s for s, _ in cp2015.SECTORS]


def _cp_flows(raw: Path) -> np.ndarray:
    xb = read_matrix(raw_file(raw, "cp2015", "xbilat1993.txt"), (cp2015.JT * cp2015.N, cp2015.N))
    f = cp2015._stack_to_nij(xb)
    f[np.arange(cp2015.N), np.arange(cp2015.N), :] = 0.0
    return f


def theta_wiod(raw: Path) -> tuple[np.ndarray, dict[str, float]]:
    """θ for the 35 WIOD sectors and the weights used where CP sectors merge."""
    t = read_matrix(raw_file(raw, "cp2015", "T.txt"), (cp2015.JT, 1)).ravel()
    world_trade = _cp_flows(raw).sum(axis=(0, 1))
    theta = np.full(len(SECTOR_CODES), cp2015.THETA_NONTRADABLE)
    weights: dict[str, float] = {}
    for s, parts in WIOD_FROM_CP.items():
        idx = [_CP_SECTORS.index(p) for p in parts]
        w = world_trade[idx]
        theta[SECTOR_CODES.index(s)] = float(np.dot(w, t[idx]) / w.sum())
        if len(parts) > 1:
            weights.update({f"{s}<-{p}": float(x / w.sum()) for p, x in zip(parts, w, strict=True)})
    return theta, weights


def cp2005_tariffs(raw: Path, countries: tuple[str, ...] | list[str]) -> np.ndarray:
    """CP 2005 applied tariffs mapped to ``countries`` × WIOD sectors, (N, N, 35), fractions."""
    t05 = cp2015.read_tariffs(raw, 2005)[:, :, :cp2015.JT]       # (31, 31, 20)
    f = _cp_flows(raw)                                              # (31, 31, 20)
    n_cp = cp2015.N
    merged = np.zeros((n_cp, n_cp, len(SECTOR_CODES)))
    for s, parts in WIOD_FROM_CP.items():
        idx = [_CP_SECTORS.index(p) for p in parts]
        w = f[:, :, idx]
        tot = w.sum(axis=2)
        mean = t05[:, :, idx].mean(axis=2)
        wavg = np.divide((w * t05[:, :, idx]).sum(axis=2), tot, out=mean.copy(), where=tot > 0)
        merged[:, :, SECTOR_CODES.index(s)] = wavg
    # proxy's own import-weighted average (for pairs mapping to the same CP proxy on both sides)
    fw = np.zeros_like(merged)
    for s, parts in WIOD_FROM_CP.items():
        fw[:, :, SECTOR_CODES.index(s)] = f[:, :, [_CP_SECTORS.index(p) for p in parts]].sum(axis=2)
    tot = fw.sum(axis=1)
    own = np.divide((fw * merged).sum(axis=1), tot, out=merged.mean(axis=1), where=tot > 0)

    cp_idx = {c: k for k, c in enumerate(cp2015.COUNTRIES)}

    def proxy(c: str) -> int:
        if c in cp_idx:
            return cp_idx[c]
        return cp_idx[EU_PROXY] if c in EU27 else cp_idx["ROW"]

    p = np.array([proxy(c) for c in countries])
    out = merged[p[:, None], p[None, :], :]
    same = p[:, None] == p[None, :]
    out = np.where(same[:, :, None], own[p][:, None, :], out)
    eu = np.array([c in EU27 for c in countries])
    out[eu[:, None] & eu[None, :]] = 0.0
    out[np.arange(len(countries)), np.arange(len(countries)), :] = 0.0
    return out
