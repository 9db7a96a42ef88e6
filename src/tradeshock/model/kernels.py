"""The per-step arithmetic of the general algorithm, in two interchangeable implementations.

:class:`NumpyStep` is plain NumPy (the functions of :mod:`~tradeshock.model.equations`);
:class:`FusedStep` calls the compiled kernels of :mod:`~tradeshock.model.fused`, which do the
same arithmetic in fewer passes over the N × N × J arrays. The solver's algorithm is written
once, against this interface, so the two give the same iterates up to rounding and are
compared in tests and benchmarks.

Which one runs: ``solve(..., kernels=...)``, else the environment variable
``TRADESHOCK_KERNELS`` (``numba`` / ``numpy``), else ``auto`` = Numba when it imports.
"""

from __future__ import annotations

import os

import numpy as np

from tradeshock.model import equations as eqs
from tradeshock.model.anderson import Anderson

__all__ = ["KERNELS", "ENV_VAR", "resolve_kernels", "make_step", "NumpyStep", "FusedStep",
           "dense_expenditure"]

#: Accepted values of ``kernels=`` and of ``$TRADESHOCK_KERNELS``.
KERNELS: tuple[str, ...] = ("auto", "numba", "numpy")
ENV_VAR = "TRADESHOCK_KERNELS"
INNER_MEMORY = 5                  # Anderson memory of the inner price loop
INNER_MAX = 10_000

_NUMBA_OK: bool | None = None


def numba_available() -> bool:
    """Whether the compiled kernels import (Numba installed and working)."""
    global _NUMBA_OK
    if _NUMBA_OK is None:
        try:
            from tradeshock.model import fused  # noqa: F401
            _NUMBA_OK = True
        except ImportError:
            _NUMBA_OK = False
    return _NUMBA_OK


def resolve_kernels(kernels: str | None = None) -> str:
    """``"numba"`` or ``"numpy"``: the argument, else ``$TRADESHOCK_KERNELS``, else auto."""
    name = kernels or os.environ.get(ENV_VAR) or "auto"
    name = name.strip().lower()
    if name not in KERNELS:
        raise ValueError(f"kernels={name!r} (or ${ENV_VAR}); use one of {', '.join(KERNELS)}")
    if name == "auto":
        return "numba" if numba_available() else "numpy"
    if name == "numba" and not numba_available():
        raise ImportError("kernels='numba' needs numba (pip install 'numba>=0.60'); "
                          "kernels='numpy' runs without it")
    return name


def make_step(kernels: str, weights: np.ndarray, tariffs_new: np.ndarray, va_share: np.ndarray,
              io_share: np.ndarray, final_share: np.ndarray, theta: np.ndarray,
              by_sector: tuple[np.ndarray, np.ndarray] | None = None) -> NumpyStep | FusedStep:
    """The step object of ``kernels`` (already resolved) for one shock.

    ``by_sector``: (ω, ω/(1+τ')) laid out by sector (J, N, N), if already computed (the
    compiled path computes them with the checks, :func:`tradeshock.model.solver.solve`).
    """
    if kernels == "numba":
        return FusedStep(weights, tariffs_new, va_share, io_share, final_share, theta, by_sector)
    return NumpyStep(weights, tariffs_new, va_share, io_share, final_share, theta)


class NumpyStep:
    """One outer step's arithmetic in NumPy (the reference implementation of the interface)."""

    name = "numpy"

    def __init__(self, weights, tariffs_new, va_share, io_share, final_share, theta) -> None:
        self.weights, self.tau1 = weights, tariffs_new
        self.gam, self.io, self.alpha, self.theta = va_share, io_share, final_share, theta
        self.weights_t = eqs.batched_weights(weights)
        self.mixer = Anderson(INNER_MEMORY, 1.0)
        self.pi: np.ndarray            # π', sales per dollar and revenue per dollar: set by shares()
        self.sales: np.ndarray
        self.rev: np.ndarray

    def prices(self, log_w: np.ndarray, log_P: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
        """Inner loop (1)–(2) from ``log_P``: (G(ln P̂) at the last iterate, iterations)."""
        self.mixer.reset()
        gam, io, wt, theta = self.gam, self.io, self.weights_t, self.theta
        for k in range(1, INNER_MAX + 1):
            lp_new = eqs.log_price_index(eqs.input_cost(log_w, log_P, gam, io), wt, theta)
            f = lp_new - log_P
            if np.max(np.abs(f)) <= tol:
                return lp_new, k
            log_P = self.mixer.step(log_P, f)
        return lp_new, k

    def shares(self, log_w: np.ndarray, log_P: np.ndarray) -> tuple[np.ndarray, float]:
        """Ln ĉ, π' and the operator parts of (4) at (ŵ, P̂); returns (ln ĉ, price residual)."""
        log_c = eqs.input_cost(log_w, log_P, self.gam, self.io)
        lp_check, self.pi = eqs.price_index(log_c, self.weights, self.theta)
        self.sales, self.rev = eqs._operator_parts(self.pi, self.tau1)
        return log_c, float(np.max(np.abs(lp_check - log_P)))

    def expenditure(self, exog: np.ndarray, X0: np.ndarray, rtol: float) -> np.ndarray:
        """Eq. (4) at the current shares, GMRES warm-started at ``X0``."""
        return eqs.expenditure_from_parts(self.sales, self.rev, exog, self.io, self.alpha, X0=X0,
                                          rtol=rtol)

    def closing(self, X: np.ndarray, exog: np.ndarray,
                d1: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(relative residual of (4), labour income Σ_j γ Y', trade-balance residual (5))."""
        gap = (X - eqs._apply(X, self.sales, self.rev, self.io, self.alpha)
               - self.alpha * exog[:, None])
        res_x = float(np.max(np.abs(gap) / np.maximum(X.sum(axis=1, keepdims=True), 1e-300)))
        M = eqs.flows(self.pi, X, self.tau1)
        return res_x, eqs.value_added(M, self.gam), eqs.trade_balance(M, d1)

    def trade_shares(self, log_c: np.ndarray) -> np.ndarray:
        """π' at input costs ``log_c`` (eq. 3)."""
        return eqs.price_index(log_c, self.weights, self.theta)[1]

    def revenue(self, X: np.ndarray) -> np.ndarray:
        """Tariff revenue R' at the last step's shares and ``X`` (N,)."""
        return eqs.tariff_revenue(self.pi, X, self.tau1)


def _c(a: np.ndarray) -> np.ndarray:
    """A writable C-contiguous float64 array (one compiled signature for every caller)."""
    a = np.asarray(a, dtype=np.float64)
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, dtype=np.float64, order="C", copy=True)


class FusedStep:
    """One outer step's arithmetic in compiled kernels (:mod:`~tradeshock.model.fused`).

    The weights are laid out by sector (J, N, N) for the kernels. The sales per dollar
    S = π'/(1+τ') are kept in factored form, ω/(1+τ') (fixed within a solve) times
    per-supplier and per-buyer vectors, so a step reads ω and ω/(1+τ') and writes no
    N × N × J array; only a step in which some price-index row underflowed (handled by a
    per-row log-sum-exp) stores S in full. Lockstep batches run the same sequence per member in
    :func:`tradeshock.model.fused_batch.outer_step`: change both together
    (``tests/test_model_batch.py`` checks that members take the single solve's steps).
    """

    name = "numba"

    def __init__(self, weights, tariffs_new, va_share, io_share, final_share, theta,
                 by_sector: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        from tradeshock.model import fused

        self.k = fused
        n, _, j = tariffs_new.shape
        self.tau1 = _c(tariffs_new)
        if by_sector is None:
            by_sector = np.empty((j, n, n)), np.empty((j, n, n))
            fused.by_sector(_c(weights), self.tau1, *by_sector)       # ω and ω/(1+τ')
        self.omega, self.omega_u = (_c(a) for a in by_sector)
        self.traded = fused.traded_sectors(self.omega)     # sectors with foreign suppliers
        self.every = fused.all_sectors(j)
        self.gam, self.io, self.alpha, self.theta = _c(va_share), _c(io_share), _c(final_share), _c(theta)
        self.log_c, self.lp = np.empty((n, j)), np.empty((n, j))
        self.e, self.inv, self.s_dom = np.empty((j, n)), np.empty((j, n)), np.empty((n, j))
        self.ones = np.ones((j, n))
        self.rev, self.rows = np.empty((n, j)), np.empty((n, j))
        self.Y, self.r = np.empty((n, j)), np.empty(n * j)
        self.va, self.tb = np.empty(n), np.empty(n)
        self.S: np.ndarray | None = None        # sales in full, only after a step that needs them
        self.full = False                       # whether the last step's sales are self.S
        self.ok = True

    def prices(self, log_w: np.ndarray, log_P: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
        """Inner loop (1)–(2), compiled with its Anderson mixing (see :func:`fused.price_loop`)."""
        lp, k = self.k.price_loop(_c(log_w), _c(log_P), self.gam, self.io, self.omega,
                                  self.theta, float(tol), INNER_MAX, INNER_MEMORY, self.traded)
        return lp, int(k)

    def shares(self, log_w: np.ndarray, log_P: np.ndarray) -> tuple[np.ndarray, float]:
        """(1)–(3), sales per dollar and revenue per dollar in one pass; (ln ĉ, price residual)."""
        lw, lP = _c(log_w), _c(log_P)
        res, bad = self.k.shares_factored(lw, lP, self.gam, self.io, self.omega, self.omega_u,
                                          self.theta, self.log_c, self.lp, self.e, self.inv,
                                          self.rev, self.rows, self.s_dom, self.traded)
        self.full = bool(bad)
        if self.full:                            # underflowed rows: log-sum-exp, S in full
            j, n, _ = self.omega.shape
            if self.S is None:
                self.S = np.empty((j, n, n))
            u = np.ascontiguousarray((1.0 / (1.0 + self.tau1)).transpose(2, 0, 1))
            res = self.k.shares(lw, lP, self.gam, self.io, self.omega, u, self.theta, self.log_c,
                                self.lp, self.S, self.rev, self.rows)
            self.s_dom[...] = self.S.reshape(j, n * n)[:, :: n + 1].T
        return self.log_c.copy(), float(res)

    def _operator(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(W, e, inv, traded) with S = W · e · inv by sector, for the kernels of eq. (4)."""
        if self.full:
            assert self.S is not None
            return self.S, self.ones, self.ones, self.every
        return self.omega_u, self.e, self.inv, self.traded

    def expenditure(self, exog: np.ndarray, X0: np.ndarray, rtol: float) -> np.ndarray:
        """Eq. (4) by compiled GMRES; keeps the residual and gross output of the X' returned."""
        n, j = self.alpha.shape
        b = (self.alpha * exog[:, None]).ravel()
        W, e, inv, traded = self._operator()
        x, ok = self.k.gmres_factored(W, e, inv, self.rev, self.io, self.alpha, b,
                                      _c(X0).ravel(), float(rtol), 40, 10, self.Y, self.r, traded)
        if not ok:                                     # dense LU fallback, as the NumPy path
            x = dense_expenditure(W, e, inv, self.rev, self.io, self.alpha, b)
            tmp = np.empty(n * j)
            self.k.apply_factored(x, W, e, inv, self.rev, self.io, self.alpha, self.Y, tmp, traded)
            np.subtract(b, tmp, out=self.r)
        return x.reshape(n, j)

    def closing(self, X: np.ndarray, exog: np.ndarray,
                d1: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """As :meth:`NumpyStep.closing`, from the last :meth:`expenditure` (``X`` must be its result)."""
        res = self.k.closing_factored(X, self.Y, self.r, self.s_dom, self.rows, self.gam, _c(d1),
                                      self.va, self.tb)
        return float(res), self.va.copy(), self.tb.copy()

    def trade_shares(self, log_c: np.ndarray) -> np.ndarray:
        """π' at input costs ``log_c`` (eq. 3), (N, N, J)."""
        j, n, _ = self.omega.shape
        pi = np.empty((n, n, j))
        self.k.trade_shares(_c(log_c), self.omega, self.theta, pi)
        return pi

    def revenue(self, X: np.ndarray) -> np.ndarray:
        """Tariff revenue R' = Σ_k r_n^k X_n^k at the last step's shares and ``X`` (N,)."""
        return (self.rev * X).sum(axis=1)


def dense_expenditure(W: np.ndarray, e: np.ndarray, inv: np.ndarray, rev: np.ndarray,
                      io: np.ndarray, alpha: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Eq. (4) by dense LU from the compiled kernels' factored sales (W, e, inv by sector).

    The fallback where GMRES fails, as the NumPy path's: S_ni^k = W[k, n, i] e[k, i] inv[k, n].
    """
    sales = W * e[:, None, :] * inv[:, :, None]
    return eqs._dense_solve(sales.transpose(1, 2, 0), rev, io, alpha, b)
