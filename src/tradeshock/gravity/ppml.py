"""Structural gravity by PPML with high-dimensional fixed effects (pyfixest ``fepois``).

:func:`estimate` takes a tidy panel, builds the fixed-effect identifiers (exporter-year,
importer-year, pair, ...), drops — and lists — the observations separated by the fixed effects,
fits PPML with pyfixest, and returns a :class:`GravityEstimate`: tidy coefficients with
clustered standard errors, the drop report, fitted values and the estimated fixed effects.
pyfixest is imported only here, when an estimate is asked for.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tradeshock.errors import ConvergenceError, DataError, did_you_mean
from tradeshock.gravity.fixef import recover
from tradeshock.gravity.panel import (
    FIXED_EFFECTS,
    DropReport,
    add_fixed_effect_ids,
    check_panel,
    fe_separation,
    panel_gaps,
)

#: Variance estimators: ``cluster`` (by pair, the default), ``hetero`` (Eicker–Huber–White), ``iid``.
VCOV = ("cluster", "hetero", "iid")


@dataclasses.dataclass(frozen=True)
class GravityEstimate:
    """A fitted PPML gravity model.

    Attributes
    ----------
    coefficients
        Tidy table indexed by ``term``: ``estimate, std_error, z, p_value, ci_low, ci_high``.
    vcov
        Variance-covariance matrix of the coefficients (DataFrame, term × term).
    drops
        :class:`~tradeshock.gravity.panel.DropReport` — every observation not used, with why.
    data
        The rows used, with their fixed-effect ids and ``fitted`` (the PPML mean).
    fixed_effects
        Estimated fixed effects by name (``"pair"`` → Series indexed by pair id), in pyfixest's
        normalisation (levels are identified only up to offsetting constants).
    spec
        Formula, fixed effects, variance estimator, clusters, iterations, deviance, seconds.
    """

    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    drops: DropReport
    data: pd.DataFrame
    fixed_effects: dict[str, pd.Series]
    spec: dict[str, Any]

    def coef(self, term: str) -> float:
        """Point estimate of ``term``."""
        return float(self._row(term)["estimate"])

    def se(self, term: str) -> float:
        """Standard error of ``term``."""
        return float(self._row(term)["std_error"])

    def _row(self, term: str) -> pd.Series:
        if term not in self.coefficients.index:
            raise DataError(f"no coefficient {term!r} in this estimate"
                            + did_you_mean(term, self.coefficients.index))
        return self.coefficients.loc[term]

    def tidy(self) -> pd.DataFrame:
        """The coefficient table (a copy)."""
        return self.coefficients.copy()

    def effect(self, term: str) -> dict[str, Any]:
        """``{term, estimate, std_error, n_obs, vcov, ...}`` for scenario files and provenance."""
        return {"term": term, "estimate": self.coef(term), "std_error": self.se(term),
                "n_obs": self.spec["n_obs"], "vcov": self.spec["vcov"],
                "fixed_effects": list(self.spec["fixed_effects"]), "years": self.spec["years"]}

    def summary(self) -> str:
        """Coefficients, fit and the drop report as text."""
        s = self.spec
        lines = [f"PPML gravity: {s['formula']}",
                 f"fixed effects: {', '.join(f'{k} ({v})' for k, v in s['n_fixed_effects'].items())}",
                 f"variance: {s['vcov_label']}; {s['seconds']:.2f} s"]
        c = self.coefficients
        lines.append(f"{'term':<16}{'estimate':>11}{'std.err':>10}{'z':>8}{'p':>8}")
        for term, r in c.iterrows():
            lines.append(f"{term:<16}{r.estimate:>11.4f}{r.std_error:>10.4f}{r.z:>8.2f}{r.p_value:>8.3f}")
        lines.append(self.drops.summary())
        return "\n".join(lines)

    def __repr__(self) -> str:
        terms = ", ".join(f"{t}={r.estimate:.4f} ({r.std_error:.4f})"
                          for t, r in self.coefficients.iterrows())
        return f"<GravityEstimate {terms}; N={self.spec['n_obs']}, dropped {self.drops.n_dropped}>"


def _pyfixest():  # noqa: ANN202 - the module
    try:
        import pyfixest
    except ImportError:  # pragma: no cover - dependency of the gravity extra
        raise DataError("gravity estimation needs pyfixest: pip install 'tradeshock[gravity]' "
                        "(or pip install pyfixest)") from None
    return pyfixest


def estimate(panel: pd.DataFrame, covariates: Sequence[str] = ("rta",), *,
             fixed_effects: Sequence[str] = ("exporter-year", "importer-year", "pair"),
             years: Sequence[int] | None = None, pairs: str = "symmetric", domestic: str = "common",
             vcov: str = "cluster", small_sample: bool = True, offset: str | None = None,
             tol: float = 1e-10, fixef_tol: float = 1e-10, max_iter: int = 100,
             where: str = "panel") -> GravityEstimate:
    """Estimate structural gravity by PPML with high-dimensional fixed effects.

    Parameters
    ----------
    panel
        Tidy panel: ``exporter, importer, year, trade`` and the covariates.
    covariates
        Regressors (columns of ``panel``), e.g. ``("rta",)`` or ``("ln_dist", "cntg", "intl")``.
    fixed_effects
        Any of ``exporter-year, importer-year, pair, exporter, importer, year``. The default is
        the Advanced Guide's panel specification (Yotov et al. 2016, ch. 1–2).
    years
        Keep only these years (the book uses 1986, 1990, ..., 2006).
    pairs, domestic
        Pair effects ``"symmetric"`` (i→j = j→i, the book) or ``"directed"``; domestic flows in one
        ``"common"`` pair effect (the book) or each their ``"own"``.
    vcov
        ``"cluster"`` by country pair (symmetric; default), ``"hetero"`` or ``"iid"``.
    small_sample
        Apply pyfixest's small-sample corrections ((N−1)/(N−K), G/(G−1)). ``False`` reproduces
        Stata ``ppml``'s "semirobust" errors.
    offset
        Column whose values enter the linear index with coefficient one (constrained PPML).
    where
        Names the data in error messages.
    tol, fixef_tol, max_iter
        IRLS convergence tolerance (relative deviance change), the tolerance of the
        fixed-effect demeaning inside each IRLS step, and the iteration cap.

    Raises
    ------
    DataError
        Bad input (see :func:`~tradeshock.gravity.panel.check_panel`), unknown fixed effects,
        or a covariate that is collinear with the fixed effects.
    ConvergenceError
        IRLS did not converge within ``max_iter``.
    """
    fes = list(fixed_effects)
    for fe in fes:
        if fe not in FIXED_EFFECTS:
            raise DataError(f"unknown fixed effect {fe!r}{did_you_mean(fe, FIXED_EFFECTS)}; "
                            f"choose from {', '.join(FIXED_EFFECTS)}")
    if vcov not in VCOV:
        raise DataError(f"vcov={vcov!r}: use one of {', '.join(VCOV)}" + did_you_mean(vcov, VCOV))
    covs = list(covariates)
    extra = [offset] if offset else []
    df = check_panel(panel, covs + extra, where=where)
    if years is not None:
        want = {int(y) for y in years}
        absent = sorted(want - set(df["year"]))
        if absent:
            raise DataError(f"{where}: no rows for year(s) {absent}; the panel has "
                            f"{int(df['year'].min())}-{int(df['year'].max())}")
        df = df[df["year"].isin(want)]
    df = add_fixed_effect_ids(df.reset_index(drop=True), pairs=pairs, domestic=domestic)
    gaps = panel_gaps(df)
    reason = fe_separation(df, fes)
    keep = reason == ""
    used = df[keep].reset_index(drop=True)
    if used.empty:
        raise DataError(f"{where}: every observation is separated (zero trade in each group)")
    pf = _pyfixest()
    rename = {c: f"x{k}" for k, c in enumerate(covs)}
    fe_cols = {fe: f"f{k}" for k, fe in enumerate(fes)}
    work = pd.DataFrame({"y": used["trade"].to_numpy()})
    for c, a in rename.items():
        work[a] = used[c].to_numpy(dtype=float)
    for fe, a in fe_cols.items():
        work[a] = used[f"fe_{fe}"].to_numpy()
    work["clu"] = used["cluster_pair"].to_numpy()
    if offset:
        work["off"] = used[offset].to_numpy(dtype=float)
    rhs = " + ".join(rename.values()) if covs else "1"
    fml = f"y ~ {rhs}" + (f" | {' + '.join(fe_cols.values())}" if fes else "")
    vc: Any = {"CRV1": "clu"} if vcov == "cluster" else vcov
    ssc = pf.ssc(k_adj=small_sample, G_adj=small_sample)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = pf.fepois(fml, data=work, vcov=vc, ssc=ssc, offset="off" if offset else None,
                            fixef_rm="none", iwls_tol=tol, iwls_maxiter=max_iter, fixef_tol=fixef_tol,
                            separation_check=["fe", "ir"])
        except Exception as exc:  # pyfixest raises ValueError/RuntimeError on singular designs
            raise DataError(f"{where}: PPML failed ({exc.__class__.__name__}: {exc}); check that "
                            "each covariate varies within the fixed effects") from None
    seconds = time.perf_counter() - t0
    iters = int(getattr(fit, "_iter", 0) or 0) or None
    if not getattr(fit, "_convergence", True):
        raise ConvergenceError(f"{where}: PPML (IRLS) did not converge in {max_iter} iterations "
                               f"(tol {tol:g}); raise max_iter or rescale trade",
                               diagnostics={"iterations": iters})
    # observations pyfixest dropped on top of ours (regressor separation, 'ir' check)
    used_idx = np.asarray(fit._data.index)
    extra_drop = np.setdiff1d(np.arange(len(used)), used_idx)
    coefnames = list(fit._coefnames)
    back = {a: c for c, a in rename.items()}
    lost = [back[a] for a in rename.values() if a not in coefnames]
    if lost:
        if len(extra_drop):
            eg = "; ".join(f"{r.exporter}->{r.importer} {r.year}"
                           for r in used.loc[extra_drop[:3]].itertuples())
            raise DataError(f"{where}: covariate(s) {', '.join(lost)} perfectly separate the data: "
                            f"the {len(extra_drop)} observations where they are non-zero have zero "
                            f"trade (e.g. {eg}), so the coefficient is -infinity (not identified); "
                            "drop the covariate or the observations")
        raise DataError(f"{where}: covariate(s) {', '.join(lost)} collinear with the fixed effects "
                        f"{', '.join(fes)} and dropped by the estimator; remove them or change the "
                        "fixed effects")
    dropped = df.loc[~keep, ["exporter", "importer", "year", "trade"]].assign(reason=reason[~keep])
    if len(extra_drop):
        ex = used.loc[extra_drop, ["exporter", "importer", "year", "trade"]]
        ex = ex.assign(reason="separated: by the regressors (pyfixest iterative-rectifier check)")
        dropped = pd.concat([dropped, ex])
        used = used.loc[used_idx].reset_index(drop=True)
    tidy = fit.tidy()
    tidy.index = [back.get(t, t) for t in tidy.index]
    coefs = pd.DataFrame({
        "estimate": tidy["Estimate"].to_numpy(dtype=float),
        "std_error": tidy["Std. Error"].to_numpy(dtype=float),
    }, index=pd.Index(tidy.index, name="term"))
    coefs["z"] = coefs["estimate"] / coefs["std_error"]
    coefs["p_value"] = [math.erfc(abs(z) / math.sqrt(2.0)) for z in coefs["z"]]
    coefs["ci_low"] = coefs["estimate"] - 1.959963984540054 * coefs["std_error"]
    coefs["ci_high"] = coefs["estimate"] + 1.959963984540054 * coefs["std_error"]
    names = list(coefs.index)
    vmat = pd.DataFrame(np.asarray(fit._vcov, dtype=float).reshape(len(names), len(names)),
                        index=names, columns=names)
    used = used.assign(fitted=np.asarray(fit.predict(type="response"), dtype=float).ravel())
    fixef: dict[str, pd.Series] = {}
    if fes:
        eta = np.log(used["fitted"].to_numpy())
        for c in covs:
            eta = eta - coefs.loc[c, "estimate"] * used[c].to_numpy(dtype=float)
        if offset:
            eta = eta - used[offset].to_numpy(dtype=float)
        codes, uniques = zip(*(pd.factorize(used[f"fe_{fe}"]) for fe in fes), strict=True)
        levels = recover(eta, list(codes), tol=1e-10)
        for fe, lv, u in zip(fes, levels, uniques, strict=True):
            fixef[fe] = pd.Series(lv, index=pd.Index(np.asarray(u), name=fe), name=fe)
    dev = getattr(fit, "deviance", None)
    spec = {
        "formula": "trade ~ " + (" + ".join(covs) if covs else "1")
                   + (f" | {' + '.join(fes)}" if fes else "") + (f", offset {offset}" if offset else ""),
        "covariates": covs, "fixed_effects": fes, "pairs": pairs, "domestic": domestic,
        "n_fixed_effects": {fe: int(used[f"fe_{fe}"].nunique()) for fe in fes},
        "vcov": vcov, "small_sample": small_sample,
        "vcov_label": ({"cluster": f"clustered by country pair ({used['cluster_pair'].nunique()} "
                                   "clusters)", "hetero": "heteroskedasticity-robust",
                        "iid": "iid"}[vcov] + ("" if small_sample else ", no small-sample correction")),
        "n_obs": len(used), "n_clusters": int(used["cluster_pair"].nunique()),
        "years": sorted(int(y) for y in used["year"].unique()),
        "iterations": iters, "deviance": float(np.asarray(dev).ravel()[0]) if dev is not None else None,
        "seconds": seconds, "tol": tol,
        "warnings": [str(w.message) for w in caught if "separation" not in str(w.message)],
    }
    report = DropReport(n_input=len(df), n_used=len(used),
                        dropped=dropped.reset_index(drop=True), gaps=gaps)
    return GravityEstimate(coefficients=coefs, vcov=vmat, drops=report, data=used,
                           fixed_effects=fixef, spec=spec)
