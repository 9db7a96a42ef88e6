"""Value added in trade: who really makes what crosses a border (Borin–Mancini decomposition).

Gross exports count a good's full value each time it crosses a border, so they cannot say whose
value added Canada sells to the United States. The model's equilibrium is a global input-output
table (Cobb–Douglas input and final-demand shares, sourced with the trade shares π), and the
Leontief inverse of that table splits each bilateral, sectoral export flow exactly into

* ``domestic_va`` — the exporter's own value added, counted once, at the first border it
  crosses (Borin & Mancini 2023, source-based), itself split into ``dva_absorbed_abroad`` and
  ``dva_reflected`` (value added that comes back home in imports);
* ``domestic_double_counting`` — the exporter's value added already counted in an earlier export;
* ``foreign_va`` by origin country — value added of other countries embodied in the exports,
  counted the first time it enters the exporter's exports;
* ``foreign_double_counting`` — foreign value added that enters the exporter's exports more than
  once (back-and-forth trade in parts).

The four parts add up to gross exports exactly. Equations, conventions (value added here
includes the tariffs a country collects on its sectors' imported inputs, as WIOD's
"taxes less subsidies on products" row does) and checks: docs/value-added.md.

Numerics (:func:`global_io`, :func:`decompose_exports`) work on plain arrays; the tidy tables
label them. Array order follows the input-output convention ``[origin, sector, user, sector]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from tradeshock.errors import DataError, unknown

__all__ = ["GlobalIO", "ExportDecomposition", "global_io", "io_of", "decompose_exports",
           "value_added_in_exports", "origin_content", "compare_origin_content",
           "rerouting_screen", "COMPONENTS"]

#: Columns of :meth:`ExportDecomposition.table`, in the order they add up to ``gross_exports``.
COMPONENTS = ("domestic_va", "domestic_double_counting", "foreign_va", "foreign_double_counting")

State = Literal["baseline", "counterfactual"]


@dataclass(frozen=True, eq=False)
class GlobalIO:
    """A global input-output table at producer prices, implied by a model equilibrium.

    Attributes
    ----------
    countries, sectors
        Labels of the country and sector axes.
    A : (N, J, N, J)
        Input coefficients ``[i, k, n, j]``: producer-price purchases from sector k of country i
        per unit of gross output of sector j in country n, ``π_ni^k/(1+τ_ni^k) γ_n^{k,j}``.
    final : (N, J, N)
        Final demand ``[i, k, n]`` of country n for goods of sector k made in i,
        ``π_ni^k/(1+τ_ni^k) α_n^k I_n``.
    """

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    A: np.ndarray
    final: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(N countries, J sectors)."""
        return self.A.shape[0], self.A.shape[1]

    @cached_property
    def leontief(self) -> np.ndarray:
        """Global Leontief inverse B = (I − A)⁻¹, (N·J, N·J) in country-major order."""
        n, j = self.shape
        a = self.A.reshape(n * j, n * j)
        return np.linalg.inv(np.eye(n * j) - a)

    @cached_property
    def output(self) -> np.ndarray:
        """Gross output x = B·(final demand summed over buyers), (N, J): consistent with A exactly."""
        n, j = self.shape
        return (self.leontief @ self.final.sum(axis=2).reshape(n * j)).reshape(n, j)

    @cached_property
    def va_coef(self) -> np.ndarray:
        """Value added per unit of gross output v = 1 − column sums of A, (N, J)."""
        return 1.0 - self.A.sum(axis=(0, 1))

    @cached_property
    def exports(self) -> np.ndarray:
        """Gross exports ``[s, r, j]`` of sector j from s to r (intermediate + final); zero for s = r."""
        inter = np.einsum("skrj,rj->skr", self.A, self.output)        # A_sr x_r, by exporter sector
        gross = (inter + self.final).transpose(0, 2, 1).copy()         # [s, r, k]
        idx = np.arange(self.shape[0])
        gross[idx, idx, :] = 0.0
        return gross

    def country(self, code: str, field: str = "country") -> int:
        """Position of a country code; :class:`DataError` naming the choices otherwise."""
        try:
            return self.countries.index(code)
        except ValueError:
            raise DataError(unknown(field, code, self.countries)) from None


def global_io(pi: np.ndarray, tariffs: np.ndarray, io_share: np.ndarray, final_share: np.ndarray,
              income: np.ndarray, countries: Sequence[str], sectors: Sequence[str]) -> GlobalIO:
    """Build the global IO table of an equilibrium from engine arrays (``[importer, exporter, sector]``).

    ``pi`` (N, N, J) trade shares, ``tariffs`` (N, N, J), ``io_share`` (N, J, J) as
    ``[n, k, j]``, ``final_share`` (N, J), ``income`` (N,) final absorption I_n.
    """
    q = np.asarray(pi) / (1.0 + np.asarray(tariffs))                  # [n, i, k] producer-price shares
    a = np.einsum("nik,nkj->iknj", q, np.asarray(io_share))
    final = np.einsum("nik,nk,n->ikn", q, np.asarray(final_share), np.asarray(income))
    return GlobalIO(tuple(countries), tuple(sectors), a, final)


def io_of(source: Any, state: State = "counterfactual") -> GlobalIO:
    """The global IO table of a :class:`~tradeshock.result.Result` (``state``) or a World's baseline.

    A World is taken at its re-solved baseline (deficits fixed), the same baseline every result is
    measured against.
    """
    from tradeshock.world import World

    if isinstance(source, World):
        from tradeshock.simulate import resolved_baseline

        base, _ = resolved_baseline(source, "fixed")
        return global_io(base.pi, base.tariffs, base.io_share, base.final_share, base.income,
                         source.countries, source.sectors)
    if state not in ("baseline", "counterfactual"):
        raise DataError(f"state {state!r} is not 'baseline' or 'counterfactual'")
    base, eq = source.baseline, source.equilibrium
    if state == "baseline":
        return global_io(base.pi, base.tariffs, base.io_share, base.final_share, base.income,
                         source.countries, source.sectors)
    return global_io(eq.pi_new, eq.tariffs_new, base.io_share, base.final_share, eq.I_new,
                     source.countries, source.sectors)


@dataclass(frozen=True, eq=False)
class ExportDecomposition:
    """Borin–Mancini source-based decomposition of every bilateral, sectoral export flow.

    Arrays are ``[exporter s, importer r, sector j]`` (US$ million, the source's units) except the
    per-origin ones, ``[origin t, exporter s, importer r, sector j]``.
    """

    io: GlobalIO
    gross: np.ndarray
    domestic_va: np.ndarray
    dva_reflected: np.ndarray
    domestic_double_counting: np.ndarray
    foreign_va_by_origin: np.ndarray
    foreign_dc_by_origin: np.ndarray

    @property
    def foreign_va(self) -> np.ndarray:
        """Foreign value added summed over origins, ``[s, r, j]``."""
        return self.foreign_va_by_origin.sum(axis=0)

    @property
    def foreign_double_counting(self) -> np.ndarray:
        """Foreign double counting summed over origins, ``[s, r, j]``."""
        return self.foreign_dc_by_origin.sum(axis=0)

    def gap(self) -> float:
        """Largest |gross − sum of the four parts| relative to the largest flow (≈ 1e-13)."""
        parts = (self.domestic_va + self.domestic_double_counting + self.foreign_va
                 + self.foreign_double_counting)
        return float(np.abs(parts - self.gross).max() / max(self.gross.max(), 1e-300))

    def table(self, exporter: str | None = None, importer: str | None = None) -> pd.DataFrame:
        """Tidy table, one row per (exporter, importer, sector) with a non-zero flow.

        Columns ``exporter, importer, sector, gross_exports, domestic_va, dva_absorbed_abroad,
        dva_reflected, domestic_double_counting, foreign_va, foreign_double_counting,
        domestic_va_share, foreign_va_share`` (shares of gross exports, fractions).
        """
        s_idx, r_idx = self._select(exporter, importer)
        c, sec = np.asarray(self.io.countries), np.asarray(self.io.sectors)
        s, r, j = np.meshgrid(s_idx, r_idx, np.arange(len(sec)), indexing="ij")
        s, r, j = s.ravel(), r.ravel(), j.ravel()
        gross = self.gross[s, r, j]
        df = pd.DataFrame({
            "exporter": c[s], "importer": c[r], "sector": sec[j], "gross_exports": gross,
            "domestic_va": self.domestic_va[s, r, j],
            "dva_absorbed_abroad": self.domestic_va[s, r, j] - self.dva_reflected[s, r, j],
            "dva_reflected": self.dva_reflected[s, r, j],
            "domestic_double_counting": self.domestic_double_counting[s, r, j],
            "foreign_va": self.foreign_va[s, r, j],
            "foreign_double_counting": self.foreign_double_counting[s, r, j],
        })
        df = df[(df["gross_exports"] > 0) & (df["exporter"] != df["importer"])].reset_index(drop=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            df["domestic_va_share"] = df["domestic_va"] / df["gross_exports"]
            df["foreign_va_share"] = df["foreign_va"] / df["gross_exports"]
        return df

    def by_origin(self, exporter: str, importer: str | None = None) -> pd.DataFrame:
        """Foreign content of ``exporter``'s exports by origin country and exporting sector.

        Columns ``exporter, importer, sector, origin, foreign_va, foreign_double_counting``; the
        exporter itself appears as origin with its ``domestic_va`` / ``domestic_double_counting``
        so the rows of one flow add up to its gross exports.
        """
        s_idx, r_idx = self._select(exporter, importer)
        c, sec = np.asarray(self.io.countries), np.asarray(self.io.sectors)
        s = s_idx[0]
        va = self.foreign_va_by_origin[:, s].copy()                   # [t, r, j]
        dc = self.foreign_dc_by_origin[:, s].copy()
        va[s], dc[s] = self.domestic_va[s], self.domestic_double_counting[s]
        t, r, j = np.meshgrid(np.arange(len(c)), r_idx, np.arange(len(sec)), indexing="ij")
        t, r, j = t.ravel(), r.ravel(), j.ravel()
        df = pd.DataFrame({"exporter": c[s], "importer": c[r], "sector": sec[j], "origin": c[t],
                           "foreign_va": va[t, r, j], "foreign_double_counting": dc[t, r, j]})
        keep = (self.gross[s, r, j] > 0) & (c[r] != c[s])
        return df[keep].reset_index(drop=True)

    def _select(self, exporter: str | None, importer: str | None) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.io.countries)
        s = (np.arange(n) if exporter is None
             else np.array([self.io.country(exporter, "exporter")]))
        r = (np.arange(n) if importer is None
             else np.array([self.io.country(importer, "importer")]))
        return s, r


def decompose_exports(io: GlobalIO) -> ExportDecomposition:
    """Decompose every export flow of ``io`` (Borin & Mancini 2023, source-based; docs/value-added.md).

    With B the global Leontief inverse, L_ss = (I − A_ss)⁻¹ the exporter's local inverse and
    B^{¬s} the inverse of the world in which s exports no intermediates, per exporting sector:
    DVA = (v_s L_ss) E_sr, DDC = v_s (B_ss − L_ss) E_sr, FVA_t = v_t B^{¬s}_ts E_sr and
    FDC_t = v_t (B_ts − B^{¬s}_ts) E_sr. B^{¬s}[:, s] is a rank-J Woodbury update of B, so the
    whole world costs one N·J inverse and N small J × J solves.
    """
    n, j = io.shape
    big = io.leontief.reshape(n, j, n, j)                             # [t, k, s, j]
    v = io.va_coef
    vb = np.einsum("tk,tksj->tsj", v, big)                           # v_t B_ts, by exporter sector
    a = io.A
    gross = io.exports
    eye = np.eye(j)
    local = np.linalg.inv(eye[None] - a[np.arange(n), :, np.arange(n), :])   # L_ss, [s, k, j]
    dva_coef = np.einsum("sk,skj->sj", v, local)                     # v_s L_ss
    vb_not = np.empty_like(vb)                                       # v_t B^{¬s}_ts
    for s in range(n):
        a_out = np.delete(a[s], s, axis=1).reshape(j, -1)             # A_s,¬s: s's intermediate exports
        b_in = np.delete(big[:, :, s, :], s, axis=0).reshape(-1, j)   # B_¬s,s
        kmat = a_out @ b_in                                           # J × J
        vb_not[:, s] = np.linalg.solve((eye + kmat).T, vb[:, s].T).T   # v B[:, s] (I + K)⁻¹
    ddc_coef = vb[np.arange(n), np.arange(n)] - dva_coef
    fva_coef = vb_not.copy()
    fdc_coef = vb - vb_not
    idx = np.arange(n)
    fva_coef[idx, idx] = 0.0
    fdc_coef[idx, idx] = 0.0
    dva = dva_coef[:, None, :] * gross
    ddc = ddc_coef[:, None, :] * gross
    fva = fva_coef[:, :, None, :] * gross[None]
    fdc = fdc_coef[:, :, None, :] * gross[None]
    reflected = dva_coef[:, None, :] * _reflected_flow(io, local)
    return ExportDecomposition(io, gross, dva, reflected, ddc, fva, fdc)


def _reflected_flow(io: GlobalIO, local: np.ndarray) -> np.ndarray:
    """Part of exports E_sr that returns to s embodied in goods s finally absorbs, ``[s, r, j]``.

    Borin–Mancini's REF: A_sr L_rr (Y_rs + Σ_{k≠r} A_rk (B Y_·s)_k), the exporter's goods
    processed by r and shipped back to s for final use, directly or through third countries.
    """
    n, j = io.shape
    a = io.A
    flat = a.reshape(n * j, n * j)
    need = (io.leontief @ io.final.reshape(n * j, n)).reshape(n, j, n)   # (B Y_·s)[k, ., s]
    through = (flat @ need.reshape(n * j, n)).reshape(n, j, n)            # Σ_k A_rk (B Y_·s)_k
    idx = np.arange(n)
    own = np.einsum("rkj,rjs->rks", a[idx, :, idx, :], need)              # the k = r term
    w = io.final + through - own                                          # [r, ., s]
    w[idx, :, idx] = 0.0
    lw = np.einsum("rkj,rjs->rks", local, w)                              # L_rr w, [r, ., s]
    flow = np.einsum("skrj,rjs->srk", a, lw)                              # A_sr L_rr w
    flow[idx, idx, :] = 0.0
    return flow


# --------------------------------------------------------------------------- tidy analyses

def _decomposition(source: Any, state: State) -> ExportDecomposition:
    return decompose_exports(source if isinstance(source, GlobalIO) else io_of(source, state))


def value_added_in_exports(source: Any, exporter: str, importer: str | None = None,
                           state: State = "counterfactual") -> pd.DataFrame:
    """Decomposition of ``exporter``'s exports (to ``importer``, or to each partner) by sector.

    ``source`` is a World (its baseline) or a Result (``state`` picks baseline or counterfactual).
    Money in the source's units (US$ million at producer prices of the base year; a
    counterfactual is in numéraire units, world value added fixed).
    """
    df = _decomposition(source, state).table(exporter, importer)
    df.attrs["unit"] = "US$ million at producer prices; shares are fractions of gross exports"
    return df


def origin_content(decomp: ExportDecomposition, exporter: str, importer: str,
                   origin: str) -> pd.DataFrame:
    """``origin``'s value added in ``exporter``'s exports to ``importer``, by exporting sector.

    Columns ``sector, gross_exports, origin_va, origin_double_counting, origin_va_share,
    foreign_va, domestic_va``; a last row ``all`` sums the sectors.
    """
    if origin == exporter:
        raise DataError(f"origin {origin!r} is the exporter itself; its value added is domestic_va "
                        "(use value_added_in_exports)")
    io = decomp.io
    s, r, t = (io.country(exporter, "exporter"), io.country(importer, "importer"),
               io.country(origin, "origin"))
    if s == r:
        raise DataError(f"exporter and importer are both {exporter!r}; pick two countries")
    df = pd.DataFrame({
        "sector": list(io.sectors),
        "gross_exports": decomp.gross[s, r],
        "origin_va": decomp.foreign_va_by_origin[t, s, r],
        "origin_double_counting": decomp.foreign_dc_by_origin[t, s, r],
        "foreign_va": decomp.foreign_va[s, r],
        "domestic_va": decomp.domestic_va[s, r],
    })
    total = df.drop(columns="sector").sum().to_frame().T
    total.insert(0, "sector", "all")
    df = pd.concat([df[df["gross_exports"] > 0], total], ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["origin_va_share"] = df["origin_va"] / df["gross_exports"]
    df.attrs["unit"] = "US$ million at producer prices; origin_va_share is a fraction of gross exports"
    return df


def compare_origin_content(sources: Mapping[str, Any], exporter: str, importer: str,
                           origin: str) -> pd.DataFrame:
    """:func:`origin_content` for several states side by side, stacked with a ``state`` column.

    ``sources`` maps a label to a World (its baseline), a Result (its counterfactual) or a
    :class:`GlobalIO` (e.g. ``io_of(result, "baseline")``, the baseline a result is measured from).
    """
    frames = []
    for label, src in sources.items():
        part = origin_content(_decomposition(src, "counterfactual"), exporter, importer, origin)
        part.insert(0, "state", label)
        frames.append(part)
    df = pd.concat(frames, ignore_index=True)
    df.attrs["unit"] = frames[0].attrs["unit"] if frames else ""
    return df


def rerouting_screen(result: Any, importer: str = "USA", origin: str = "CHN",
                     min_change: float = 1.0, *, base: ExportDecomposition | None = None,
                     cf: ExportDecomposition | None = None) -> pd.DataFrame:
    """Screen for diversion through third countries in a solved counterfactual.

    For every third-country exporter and sector: exports to ``importer``, the inputs the sector
    buys from ``origin``, and ``origin``'s value added embodied in the exports to ``importer``,
    baseline and counterfactual. ``flagged`` marks the GE model's signature of rerouting: exports
    to the importer rise by more than ``min_change`` (US$ million) while the sector's inputs
    from the origin rise too. Sorted by the change in embodied origin value added. ``base`` and
    ``cf`` may pass the result's decompositions when the caller already has them.
    """
    if min_change < 0:
        raise DataError(f"min_change must be >= 0 (US$ million), got {min_change}")
    base_d = base if base is not None else _decomposition(result, "baseline")
    cf_d = cf if cf is not None else _decomposition(result, "counterfactual")
    io_b, io_c = base_d.io, cf_d.io
    r, t = io_b.country(importer, "importer"), io_b.country(origin, "origin")
    if r == t:
        raise DataError(f"importer and origin are both {importer!r}; pick two countries")
    inputs_b = io_b.A[t] * io_b.output[None]                        # [k, n, j] → sum over k below
    inputs_c = io_c.A[t] * io_c.output[None]
    n = len(io_b.countries)
    rows = []
    for s in range(n):
        if s in (r, t):
            continue
        for j, sec in enumerate(io_b.sectors):
            eb, ec = base_d.gross[s, r, j], cf_d.gross[s, r, j]
            if eb <= 0 and ec <= 0:
                continue
            rows.append((io_b.countries[s], sec, eb, ec, float(inputs_b[:, s, j].sum()),
                         float(inputs_c[:, s, j].sum()), base_d.foreign_va_by_origin[t, s, r, j],
                         cf_d.foreign_va_by_origin[t, s, r, j]))
    df = pd.DataFrame(rows, columns=["exporter", "sector", "exports_base", "exports_cf",
                                     "origin_inputs_base", "origin_inputs_cf",
                                     "origin_va_in_exports_base", "origin_va_in_exports_cf"])
    df["exports_change"] = df["exports_cf"] - df["exports_base"]
    df["origin_inputs_change"] = df["origin_inputs_cf"] - df["origin_inputs_base"]
    df["origin_va_in_exports_change"] = df["origin_va_in_exports_cf"] - df["origin_va_in_exports_base"]
    df["flagged"] = (df["exports_change"] > min_change) & (df["origin_inputs_change"] > 0)
    df = df.sort_values("origin_va_in_exports_change", ascending=False).reset_index(drop=True)
    df.attrs["unit"] = ("US$ million at producer prices (counterfactual in numéraire units, world "
                        "value added fixed)")
    df.attrs.update(importer=importer, origin=origin, min_change=min_change)
    return df
