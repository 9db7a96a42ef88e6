"""Merge countries into regions and sectors into groups, keeping the calibration consistent.

Rules (each the weighting that keeps the merged world's identities true):

- flows are summed (trade inside a new region becomes its domestic sales);
- tariffs are flow-weighted averages (simple average where the merged flow is zero); tariffs on
  trade inside a region are dropped, as that trade becomes domestic;
- va_share and io_share are weighted by gross output, so ``va_share + Σ io_share = 1`` still holds;
- final_share α is weighted by final spending α_n^j I_n (I_n = VA_n + R_n + D_n);
- θ (and every alternative set) is weighted by world imports of the member sectors;
- a merged sector is tradable if any member is.

Codes not named keep their own row. An unknown code, a code listed in two groups, an empty group,
or a group named like a code left unmerged raise :class:`~tradeshock.errors.DataError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import numpy as np

from tradeshock.errors import DataError, unknown
from tradeshock.world import World


def _partition(kind: str, codes: Sequence[str], groups: Mapping[str, Sequence[str]],
               world_name: str) -> tuple[list[str], np.ndarray]:
    """New code list (in order of first member) and the (new, old) 0/1 membership matrix."""
    owner: dict[str, str] = {}
    for group, members in groups.items():
        if isinstance(members, str):
            members = [members]
        if not members:
            raise DataError(f"aggregate: {kind} group {group!r} has no members; list at least one "
                            f"{kind} code")
        for code in members:
            if code not in codes:
                raise DataError(unknown(kind, code, codes, f"aggregate {kind} group {group!r} "
                                        f"(world {world_name!r})"))
            if code in owner and owner[code] != group:
                raise DataError(f"aggregate: {kind} {code!r} is listed in two groups, "
                                f"{owner[code]!r} and {group!r}; put each code in one group only")
            owner[code] = group
    for group in groups:
        if group in codes and group not in owner:
            raise DataError(f"aggregate: {kind} group name {group!r} is also a {kind} left "
                            "unmerged; choose another group name or add it to the group")
    new: list[str] = []
    for code in codes:
        label = owner.get(code, code)
        if label not in new:
            new.append(label)
    m = np.zeros((len(new), len(codes)))
    for k, code in enumerate(codes):
        m[new.index(owner.get(code, code)), k] = 1.0
    return new, m


def _wavg(num: np.ndarray, den: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=fallback.copy(), where=den > 0)


def aggregate_world(world: World, regions: Mapping[str, Sequence[str]],
                    sectors: Mapping[str, Sequence[str]]) -> World:
    """Return ``world`` with countries merged into ``regions`` and sectors into ``sectors``.

    Parameters
    ----------
    world
        The world to aggregate.
    regions, sectors
        New code → list of member codes. Codes not listed keep their own row.

    Raises
    ------
    DataError
        Unknown code (the message lists valid ones), a code in two groups, or an empty group.

    """
    regions = dict(regions or {})
    sectors = dict(sectors or {})
    if not regions and not sectors:
        return world
    new_c, mc = _partition("country", world.countries, regions, world.name)
    new_s, ms = _partition("sector", world.sectors, sectors, world.name)

    def agg3(x: np.ndarray) -> np.ndarray:          # (N, N, J) summed into (A, A, S)
        return np.einsum("sj,abj->abs", ms, np.einsum("bi,aij->abj", mc, np.einsum("an,nij->aij", mc, x)))

    f = world.flows
    flows = agg3(f)
    ft = agg3(f * world.tariffs)
    cnt = agg3(np.ones_like(f))
    tmean = agg3(world.tariffs) / cnt
    tariffs = _wavg(ft, flows, tmean)
    na = len(new_c)
    tariffs[np.arange(na), np.arange(na), :] = 0.0

    y = world.gross_output                                         # (N, J)
    cnt_cs = np.einsum("an,sj->as", mc, ms)
    w_y = np.einsum("an,sj,nj->as", mc, ms, y)
    va = _wavg(np.einsum("an,sj,nj->as", mc, ms, world.va_share * y), w_y,
               np.einsum("an,sj,nj->as", mc, ms, world.va_share) / cnt_cs)
    io_in = np.einsum("tk,nkj->ntj", ms, world.io_share, optimize=True)           # inputs grouped: (N, T, J)
    io_num = np.einsum("an,sj,ntj->ats", mc, ms, io_in * y[:, None, :], optimize=True)
    io_mean = np.einsum("an,sj,ntj->ats", mc, ms, io_in, optimize=True) / cnt_cs[:, None, :]
    io = np.where(w_y[:, None, :] > 0, io_num / np.where(w_y > 0, w_y, 1.0)[:, None, :], io_mean)

    income = world.value_added + world.tariff_revenue + world.deficit   # I_n
    spend = world.final_share * income[:, None]
    alpha_num = np.einsum("an,sj,nj->as", mc, ms, spend)
    inc = mc @ income
    alpha_mean = np.einsum("an,sj,nj->as", mc, ms, world.final_share) / mc.sum(axis=1)[:, None]
    alpha = np.where(inc[:, None] > 0, alpha_num / np.where(inc > 0, inc, 1.0)[:, None], alpha_mean)
    alpha = alpha / alpha.sum(axis=1, keepdims=True)

    cross = f.sum(axis=(0, 1)) - np.einsum("nnj->j", f)            # world imports by sector
    cnt_s = ms.sum(axis=1)

    def agg_theta(theta: np.ndarray) -> np.ndarray:
        return _wavg(ms @ (theta * cross), ms @ cross, (ms @ theta) / cnt_s)

    tradable = (ms @ np.asarray(world.tradable, dtype=float)) > 0
    names = {c: world.country_names.get(c, c) for c in new_c if c in world.countries}
    names.update({g: g for g in regions})
    labels = {s: world.sector_labels.get(s, s) for s in new_s if s in world.sectors}
    labels.update({g: g for g in sectors})
    spec = {"regions": {k: list(v) for k, v in regions.items()},
            "sectors": {k: list(v) for k, v in sectors.items()}}
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    prov = dict(world.provenance, aggregated_from=world.name, aggregation=spec)
    # a group is a goods sector when any member is (it then carries that member's tariffs)
    goods = (ms @ np.asarray(world.goods, dtype=float)) > 0
    prov["goods_sectors"] = [s for s, g in zip(new_s, goods, strict=True) if g]
    return World(
        name=f"{world.name}+agg-{digest}", year=world.year, countries=tuple(new_c),
        sectors=tuple(new_s), flows=flows, tariffs=tariffs, va_share=va, io_share=io,
        final_share=alpha, theta=agg_theta(np.asarray(world.theta, dtype=float)),
        tradable=tradable, country_names=names, sector_labels=labels, provenance=prov,
        elasticities={k: agg_theta(np.asarray(v, dtype=float)) for k, v in world.elasticities.items()},
    )
