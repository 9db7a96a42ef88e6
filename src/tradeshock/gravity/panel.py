"""Tidy gravity panels: checks, fixed-effect identifiers, and the report of what estimation drops.

A panel is a DataFrame with one row per exporter × importer × year: ``exporter``, ``importer``,
``year``, ``trade`` (domestic sales are rows with exporter == importer) and covariates. Nothing
here reads files. Every check raises :class:`~tradeshock.errors.DataError` naming the column,
the rows and a fix; every observation estimation will not use is listed in a :class:`DropReport`
with the reason, so nothing is lost silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tradeshock.errors import DataError, did_you_mean

REQUIRED = ("exporter", "importer", "year", "trade")

#: Fixed-effect names accepted by :func:`tradeshock.gravity.estimate` → how the column is built.
FIXED_EFFECTS = ("exporter-year", "importer-year", "pair", "exporter", "importer", "year")


def _rows(df: pd.DataFrame, mask: np.ndarray | pd.Series, k: int = 3) -> str:
    sub = df.loc[np.asarray(mask)].head(k)
    return "; ".join(f"{r.exporter}->{r.importer} {r.year}" for r in sub.itertuples())


def check_panel(df: pd.DataFrame, covariates: Sequence[str] = (), where: str = "panel") -> pd.DataFrame:
    """Validate a tidy panel and return a clean copy (string codes, integer years).

    Raises :class:`DataError` for a missing column, missing or negative trade, missing or
    non-finite covariates, and duplicate exporter-importer-year rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where}: expected a pandas DataFrame with columns {', '.join(REQUIRED)}, "
                        f"got {type(df).__name__}")
    need = list(REQUIRED) + [c for c in covariates if c not in REQUIRED]
    missing = [c for c in need if c not in df.columns]
    if missing:
        hint = did_you_mean(missing[0], [str(c) for c in df.columns])
        raise DataError(f"{where}: missing column {missing[0]!r}{hint}; a gravity panel needs "
                        f"{', '.join(REQUIRED)} plus the covariates {', '.join(covariates) or '(none)'}")
    out = df.copy()
    out["exporter"] = out["exporter"].astype(str)
    out["importer"] = out["importer"].astype(str)
    yr = pd.to_numeric(out["year"], errors="coerce")
    if yr.isna().any() or (yr != np.round(yr)).any():
        raise DataError(f"{where}: column year has missing or non-integer values "
                        f"(e.g. {_rows(out, yr.isna() | (yr != np.round(yr)))})")
    out["year"] = yr.astype(int)
    trade = pd.to_numeric(out["trade"], errors="coerce")
    if trade.isna().any():
        raise DataError(f"{where}: column trade is missing for {int(trade.isna().sum())} rows "
                        f"(e.g. {_rows(out, trade.isna())}); PPML takes zeros, not gaps: fill known "
                        "zeros with 0 or drop the rows explicitly")
    if (trade < 0).any():
        neg = trade < 0
        raise DataError(f"{where}: column trade is negative for {int(neg.sum())} rows "
                        f"(e.g. {_rows(out, neg)}, value {float(trade[neg].iloc[0]):g}); trade flows "
                        "must be >= 0")
    if not np.all(np.isfinite(trade)):
        raise DataError(f"{where}: column trade has infinite values (e.g. {_rows(out, ~np.isfinite(trade))})")
    out["trade"] = trade.astype(float)
    for c in covariates:
        x = pd.to_numeric(out[c], errors="coerce")
        bad = ~np.isfinite(x.to_numpy(dtype=float))
        if bad.any():
            raise DataError(f"{where}: covariate {c!r} is missing or not finite for {int(bad.sum())} "
                            f"rows (e.g. {_rows(out, bad)}); fill or drop those rows first")
        out[c] = x.astype(float)
    dup = out.duplicated(["exporter", "importer", "year"])
    if dup.any():
        raise DataError(f"{where}: duplicate exporter-importer-year rows (e.g. {_rows(out, dup)}); "
                        "aggregate them first")
    return out


def panel_gaps(df: pd.DataFrame) -> pd.DataFrame:
    """Countries absent from a year in which the panel has other countries (exporter or importer side).

    Returns ``country, year, side`` rows; empty for a balanced panel. Estimation is still valid
    on an unbalanced panel (the gaps are reported, not filled), but a world cannot be built
    from a year with gaps.
    """
    countries = sorted(set(df["exporter"]) | set(df["importer"]))
    rows = []
    for side in ("exporter", "importer"):
        have = df.groupby("year")[side].unique()
        for year, present in have.items():
            for c in sorted(set(countries) - set(present)):
                rows.append({"country": c, "year": int(year), "side": side})
    return pd.DataFrame(rows, columns=["country", "year", "side"])


def add_fixed_effect_ids(df: pd.DataFrame, pairs: str = "symmetric",
                         domestic: str = "common") -> pd.DataFrame:
    """Add string identifier columns ``fe_<name>`` for every fixed effect in :data:`FIXED_EFFECTS`.

    ``pairs="symmetric"`` gives i→j and j→i one pair effect (the Advanced Guide's ``pair_id``);
    ``"directed"`` one each. ``domestic="common"`` pools every domestic flow in one pair effect
    (so international pair effects are measured against domestic trade, as in the book);
    ``"own"`` gives each country's domestic flow its own effect.
    """
    if pairs not in ("symmetric", "directed"):
        raise DataError(f"pairs={pairs!r}: use 'symmetric' or 'directed'")
    if domestic not in ("common", "own"):
        raise DataError(f"domestic={domestic!r}: use 'common' or 'own'")
    out = df.copy()
    e, m, y = out["exporter"], out["importer"], out["year"].astype(str)
    out["fe_exporter-year"] = e + "." + y
    out["fe_importer-year"] = m + "." + y
    out["fe_exporter"] = e
    out["fe_importer"] = m
    out["fe_year"] = y
    lo, hi = np.minimum(e, m), np.maximum(e, m)
    pair = (lo + "~" + hi) if pairs == "symmetric" else (e + ">" + m)
    dom = e == m
    out["fe_pair"] = np.where(dom, "domestic" if domestic == "common" else e + "~" + e, pair)
    out["cluster_pair"] = lo + "~" + hi
    return out


def fe_separation(df: pd.DataFrame, fixed_effects: Sequence[str]) -> pd.Series:
    """Observations separated by the fixed effects: in a group whose trade is zero throughout.

    Such an observation's fitted value is driven to zero by its fixed effect (the PPML estimate
    of that effect is −∞), so it carries no information on the coefficients and is dropped.
    Dropping can empty other groups, so the rule is applied until nothing changes (Correia,
    Guimarães & Zylkin 2021). Returns the reason per row (``""`` = kept).
    """
    reason = pd.Series("", index=df.index, dtype=object)
    alive = np.ones(len(df), dtype=bool)
    y = df["trade"].to_numpy()
    changed = True
    while changed:
        changed = False
        for fe in fixed_effects:
            col = df[f"fe_{fe}"].to_numpy()
            sub = pd.Series(y[alive], index=np.flatnonzero(alive))
            tot = sub.groupby(col[alive]).transform("sum")
            dead = tot.index[tot.to_numpy() == 0]
            if len(dead):
                for k in dead:
                    reason.iat[k] = f"separated: {fe} {col[k]} has zero trade in every observation"
                alive[dead] = False
                changed = True
    return reason


@dataclasses.dataclass(frozen=True)
class DropReport:
    """What estimation did not use, and why (shown in every summary, never hidden).

    Attributes
    ----------
    n_input, n_used
        Rows given and rows the estimator used.
    dropped
        One row per dropped observation: ``exporter, importer, year, trade, reason``.
    gaps
        Countries absent from a year (``panel_gaps``); estimation proceeds, worlds cannot.
    """

    n_input: int
    n_used: int
    dropped: pd.DataFrame
    gaps: pd.DataFrame

    @property
    def n_dropped(self) -> int:
        """Number of observations not used."""
        return len(self.dropped)

    def by_reason(self) -> pd.Series:
        """Counts of dropped observations by the kind of reason (text before the colon)."""
        if self.dropped.empty:
            return pd.Series(dtype=int, name="observations")
        kind = self.dropped["reason"].str.split(":").str[0]
        return kind.value_counts().rename("observations")

    def summary(self) -> str:
        """A few lines for a report or terminal."""
        lines = [f"observations: {self.n_input} given, {self.n_used} used, {self.n_dropped} dropped"]
        for kind, n in self.by_reason().items():
            ex = self.dropped[self.dropped["reason"].str.startswith(str(kind))].head(3)
            eg = "; ".join(f"{r.exporter}->{r.importer} {r.year}" for r in ex.itertuples())
            lines.append(f"  {kind}: {n} (e.g. {eg})")
        if not self.gaps.empty:
            g = self.gaps.head(3)
            eg = "; ".join(f"{r.country} {r.year} ({r.side})" for r in g.itertuples())
            lines.append(f"  unbalanced panel: {len(self.gaps)} country-year gaps (e.g. {eg}); "
                         "estimated as given, not filled")
        return "\n".join(lines)
