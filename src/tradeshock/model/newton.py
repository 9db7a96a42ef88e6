"""Newton's method on wages for worlds without input-output links (closed-form prices).

With no input-output links (γ_n^{k,j} = 0) the model collapses: input costs are ĉ_n^j = ŵ_n^γ,
so the price index (2) and trade shares (3) are closed forms of ŵ (no inner loop), and the
goods-market system (4) is block-diagonal with rank one per country, X'_n^j = α_n^j E'_n with
E'_n = (ŵ_n w_n L_n + D'_n) / (1 − Σ_j α_n^j r_n^j) and r_n^j = Σ_i π'_ni^j τ'_ni^j / (1 + τ'_ni^j)
the tariff revenue per dollar spent (no linear solve). What remains is the trade-balance
(labour-market) condition g_n(ŵ) = Σ_j γ_n^j Y'_n^j − ŵ_n w_n L_n = 0, N equations; this module
solves it by Newton's method with its analytic N × N Jacobian, which converges in a handful of
steps where the general fixed-point iteration needs 15–20 (each of which is cheap, but at small
N the per-step overhead of many small array operations dominates).

Walras' law makes Σ_n g_n ≡ 0, so the Jacobian is singular along the wage level; the numéraire
(Σ ŵ_n w_n L_n = Σ w_n L_n) closes the system. Both are handled by one rank-one-bordered solve:
(J + 1 cᵀ) Δ = −g − h 1 with c_n = ŵ_n w_n L_n and h = Σ c − Σ w L, whose solution satisfies
J Δ = −g and cᵀ Δ = −h whenever 1ᵀ J = 0 and 1ᵀ g = 0.

The caller (:func:`tradeshock.model.solver.solve`) certifies the result with the same residual
functions as for the general algorithm and falls back to it whenever this returns ``None``.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
from scipy.linalg.lapack import dgetrs, dposv

from tradeshock.model import equations as eqs
from tradeshock.model.baseline import Baseline

__all__ = ["NoIOState", "solve_no_io", "wage_jacobian"]


class NoIOState:
    """Every equilibrium quantity at log wages ``x`` in a world without IO links.

    Attributes: ``x`` (ln ŵ), ``w_hat``, ``log_c``, ``log_P``, ``pi`` (π'), ``r`` (revenue per
    dollar, (N, J)), ``rho`` (Σ_j α r), ``exog`` (ŵ w L + D'), ``E`` (total spending), ``X``,
    ``M`` (flows at producer prices), ``Y`` (gross output), ``g`` (labour-market excess).
    """

    __slots__ = ("x", "w_hat", "log_c", "log_P", "pi", "r", "rho", "exog", "E", "X", "M", "Y",
                 "g")

    def __init__(self, x: np.ndarray, weights: np.ndarray, theta: np.ndarray, gam: np.ndarray,
                 alpha: np.ndarray, share_t: np.ndarray, share_u: np.ndarray, wl: np.ndarray,
                 d1: np.ndarray) -> None:
        self.x = x
        self.w_hat = np.exp(x)
        self.log_c = gam * x[:, None]                                    # eq. (1) with γ^{k,j} = 0
        self.log_P, self.pi = eqs.price_index(self.log_c, weights, theta)  # eqs. (2)–(3)
        self.r = np.einsum("nij,nij->nj", self.pi, share_t)               # revenue per dollar
        self.rho = (alpha * self.r).sum(axis=1)
        self.exog = self.w_hat * wl + d1
        self.E = self.exog / (1.0 - self.rho)                             # eq. (4), closed form
        self.X = alpha * self.E[:, None]
        self.M = self.pi * share_u * self.X[:, None, :]                   # [m, i, j] producer prices
        self.Y = self.M.sum(axis=0)
        self.g = (gam * self.Y).sum(axis=1) - self.w_hat * wl


#: Largest m·n·k of one matrix product (and trailing LU update) issued here: OpenBLAS runs
#: products below 2^18 multiply-adds on one thread. Threaded BLAS gains nothing at these sizes
#: and, on small shared machines, waking its threads has cost 5–80 ms per call (measured).
_SERIAL_MNK = 1 << 18


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product ``a @ b`` of 2-D arrays, in column blocks small enough to stay single-threaded."""
    m, k = a.shape
    step = max(1, _SERIAL_MNK // max(1, m * k))
    if step >= b.shape[1]:
        return a @ b
    out = np.empty((m, b.shape[1]))
    for c in range(0, b.shape[1], step):
        np.matmul(a, b[:, c:c + step], out=out[:, c:c + step])
    return out


def _lu_factor(a: np.ndarray, nb: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """LU with partial pivoting, blocked, in LAPACK ``getrf`` form (0-based pivots).

    Same factorisation as ``scipy.linalg.lu_factor`` but every BLAS call is small (see
    :data:`_SERIAL_MNK`), so it never waits for BLAS worker threads. Used once per baseline.
    """
    a = np.array(a, dtype=float, order="C", copy=True)
    n = a.shape[0]
    piv = np.arange(n)
    for k0 in range(0, n, nb):
        k1 = min(k0 + nb, n)
        for c in range(k0, k1):                                   # unblocked panel
            p = c + int(np.argmax(np.abs(a[c:, c])))
            piv[c] = p
            if p != c:
                a[[c, p], :] = a[[p, c], :]
            if a[c, c] == 0.0:
                continue                                          # singular: caller checks
            a[c + 1:, c] /= a[c, c]
            if c + 1 < k1:
                a[c + 1:, c + 1:k1] -= np.outer(a[c + 1:, c], a[c, c + 1:k1])
        if k1 < n:
            for r in range(k0 + 1, k1):                           # U12 = L11⁻¹ A12
                a[r, k1:] -= a[r, k0:r] @ a[k0:r, k1:]
            a[k1:, k1:] -= _matmul(a[k1:, k0:k1], a[k0:k1, k1:])  # trailing update
    return np.asfortranarray(a), piv.astype(np.int32)


def wage_jacobian(s: NoIOState, theta: np.ndarray, gam: np.ndarray, alpha: np.ndarray,
                  share_t: np.ndarray, wl: np.ndarray) -> np.ndarray:
    """∂g_i/∂ln ŵ_k, (N, N), analytic, at the state ``s``.

    With a_k^j = θ^j γ_k^j, ∂π'_mi^j/∂ln ŵ_k = −a_k^j π'_mi^j (δ_ik − π'_mk^j), and
    ∂E'_m/∂ln ŵ_k = [δ_mk ŵ_m w_m L_m − E'_m Σ_j α_m^j a_k^j π'_mk^j (t_mk^j − r_m^j)] / (1 − ρ_m),
    the derivative of g_i = Σ_j γ_i^j Σ_m M_mi^j − ŵ_i w_i L_i is
    −δ_ik (Σ_j γ_i^j a_i^j Y_i^j + ŵ_i w_i L_i) + Σ_j γ_i^j a_k^j (M^jᵀ π'^j)_ik
    + Σ_m V_mi ∂E'_m/∂ln ŵ_k / E'_m, with V_mi = Σ_j γ_i^j M_mi^j.
    """
    a = theta[None, :] * gam                                              # (k, j)
    n, j = gam.shape
    if j == 1:                       # both products in one: Mᵀ (π' ∘ [a − α a (t − r)/(1 − ρ)])
        m0, p0 = s.M[:, :, 0], s.pi[:, :, 0]
        right = p0 * a[None, :, 0] * (1.0 - (alpha[:, 0] / (1.0 - s.rho))[:, None]
                                      * (share_t[:, :, 0] - s.r[:, 0, None]))
        jac = gam[:, 0, None] * _matmul(np.ascontiguousarray(m0.T), right)
        v = m0 * gam[None, :, 0]                                          # V [m, i]
        G = None
    else:
        mt, pt = s.M.transpose(2, 1, 0), s.pi.transpose(2, 0, 1)
        prod = np.stack([_matmul(mt[q], pt[q]) for q in range(j)])       # (j, i, k)
        jac = np.einsum("ij,jik,kj->ik", gam, prod, a)
        v = (s.M * gam[None, :, :]).sum(axis=2)
        G = np.einsum("mj,kj,mkj->mk", alpha, a, s.pi * (share_t - s.r[:, None, :]))
    own = s.w_hat * wl
    jac += v.T * (own / s.exog)[None, :]
    if G is not None:
        jac -= _matmul(np.ascontiguousarray(v.T), G / (1.0 - s.rho)[:, None])
    jac[np.diag_indices(n)] -= (gam * a * s.Y).sum(axis=1) + own
    return jac


class _Excess:
    """g(ln ŵ) in O(N²J) by batched matrix–vector products, without forming π' or flows.

    With e_i^j = exp(−θ^j ln ĉ_i^j) (shifted), π'_ni^j = ω_ni^j e_i^j / s_n^j where
    s_n^j = Σ_i ω_ni^j e_i^j; so revenue per dollar r = (ω t) e / s and gross output
    Y_i^j = e_i^j Σ_m ω_mi^j u_mi^j X_m^j / s_m^j need only products with fixed matrices.
    """

    def __init__(self, weights: np.ndarray, theta: np.ndarray, gam: np.ndarray,
                 alpha: np.ndarray, share_t: np.ndarray, share_u: np.ndarray, wl: np.ndarray,
                 d1: np.ndarray) -> None:
        n = wl.size
        self.n, self.wl, self.d1 = n, wl, d1
        self.theta_t, self.gam_t, self.alpha_t = theta[:, None], gam.T.copy(), alpha.T.copy()
        stack = np.empty((theta.size, 2 * n, n))                        # [j, (s | r) rows, i]
        stack[:, :n, :] = weights.transpose(2, 0, 1)
        stack[:, n:, :] = (weights * share_t).transpose(2, 0, 1)
        self.stack = stack
        self.sales_t = np.ascontiguousarray((weights * share_u).transpose(2, 1, 0))  # [j, i, m]

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(g, ŵ w L) at ``x``, or ``None`` where the shifted exponentials underflow."""
        n = self.n
        lc = self.gam_t * x                                                # (j, i)
        e = np.exp(-self.theta_t * (lc - lc.min(axis=1, keepdims=True)))
        both = np.matmul(self.stack, e[:, :, None])                        # (j, 2n, 1)
        s = both[:, :n, 0]
        if not s.min() > 0:                                                # zero or NaN
            return None
        rho = (self.alpha_t * both[:, n:, 0] / s).sum(axis=0)
        own = np.exp(x) * self.wl
        E = (own + self.d1) / (1.0 - rho)
        if not E.min() > 0:
            return None
        y = e * np.matmul(self.sales_t, (self.alpha_t * E / s)[:, :, None])[:, :, 0]
        return (self.gam_t * y).sum(axis=0) - own, own


class _Mixer:
    """Anderson mixing (type II, β = 1) of the quasi-Newton steps, kept lean for small N.

    Same scheme as :class:`~tradeshock.model.anderson.Anderson` (Walker & Ni 2011) with the
    m × m normal equations solved by Cholesky; restarts if they are not positive definite.
    """

    def __init__(self, n: int, m: int = 8) -> None:
        self.m, self.k = m, 0
        self.dx, self.df = np.empty((m, n)), np.empty((m, n))
        self.x: np.ndarray | None = None
        self.f: np.ndarray | None = None

    def step(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        if self.x is not None and self.f is not None:
            slot = self.k % self.m
            np.subtract(x, self.x, out=self.dx[slot])
            np.subtract(f, self.f, out=self.df[slot])
            self.k += 1
        self.x, self.f = x, f
        used = min(self.k, self.m)
        if used == 0:
            return x + f
        dF = self.df[:used]
        gram = dF @ dF.T
        gram.flat[:: used + 1] *= 1.0 + 1e-12
        gram.flat[:: used + 1] += 1e-300
        c, gamma, info = dposv(gram, dF @ f)
        if info != 0:
            self.k, self.x = 0, None
            return x + f
        return x + f - gamma @ (self.dx[:used] + dF)


def _bordered_lu(s: NoIOState, theta: np.ndarray, gam: np.ndarray, alpha: np.ndarray,
                 share_t: np.ndarray, wl: np.ndarray):
    """LU factors of the Jacobian bordered with the numéraire row, ``None`` if singular."""
    jac = wage_jacobian(s, theta, gam, alpha, share_t, wl)
    jac += (s.w_hat * wl)[None, :]                                        # + 1 cᵀ
    if not np.all(np.isfinite(jac)):
        return None
    lu = _lu_factor(jac)
    diag = np.abs(np.diag(lu[0]))
    if not np.all(diag > 1e-13 * diag.max()):
        return None
    return lu


_J0_CACHE: weakref.WeakKeyDictionary[Baseline, dict[bytes, tuple]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def baseline_lu(base: Baseline, deficit_new: np.ndarray) -> tuple | None:
    """LU factors of the bordered Jacobian at the baseline itself (ŵ = 1, no shock), cached.

    Cached per baseline object and D' (the re-solved baseline is shared by every counterfactual
    on a world, so the O(N³) factorisation is paid once, not per shock); ``None`` if singular.
    """
    key = np.ascontiguousarray(deficit_new, dtype=float).tobytes()
    with _LOCK:
        hit = _J0_CACHE.get(base, {}).get(key)
    if hit is not None:
        return hit[0]
    share_u = 1.0 / (1.0 + base.tariffs)
    args = (base.pi, base.theta, base.va_share, base.final_share, 1.0 - share_u, share_u,
            base.value_added, deficit_new)
    s = NoIOState(np.zeros(base.n_countries), *args)
    lu = _bordered_lu(s, base.theta, base.va_share, base.final_share, 1.0 - share_u,
                      base.value_added) if np.all(s.E > 0) else None
    with _LOCK:
        _J0_CACHE.setdefault(base, {})[key] = (lu,)
    return lu


def solve_no_io(base: Baseline, weights: np.ndarray, tariffs_new: np.ndarray,
                deficit_new: np.ndarray, *, tol: float, max_iter: int = 100,
                refresh: int = 25, max_step: float = 0.5) -> tuple[NoIOState, int] | None:
    """Quasi-Newton on ln ŵ for a world without IO links; ``None`` if it does not converge.

    Steps are Δ = −J₀⁻¹(g + h 1) with J₀ the bordered Jacobian at the baseline (factorised
    once per baseline, :func:`baseline_lu`), accelerated by Anderson mixing. If that stalls
    (``refresh`` steps) or diverges (a non-finite state, or an excess ten times the best so
    far), it restarts from the best point so far with the Jacobian evaluated there — once per
    best point. No step changes any ln ŵ by more than ``max_step``. Stops when the
    labour-market excess is within ``tol/2`` of value added in every country; the caller
    then evaluates the certified residuals on the returned full state. ``None`` (→ the
    general algorithm) when it fails anyway or after ``max_iter`` evaluations.

    Returns
    -------
    (state, evaluations)
        The converged :class:`NoIOState` and how many times g was evaluated.

    """
    theta, va_share, final_share, wl = base.theta, base.va_share, base.final_share, base.value_added
    wl_total = wl.sum()
    share_u = 1.0 / (1.0 + tariffs_new)
    share_t = 1.0 - share_u
    args = (weights, theta, va_share, final_share, share_t, share_u, wl, deficit_new)
    g_of = _Excess(*args)
    mixer = _Mixer(wl.size)
    x = np.zeros(wl.size)
    lu = None                                   # J₀ only once a step is needed (not at a solution)
    since = 0
    best_x, best_res, refreshed_at = x, np.inf, None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for evals in range(1, max_iter + 1):
            got = g_of(x)
            res = np.max(np.abs(got[0]) / got[1]) if got is not None else np.nan
            if res <= 0.5 * tol:
                return NoIOState(x, *args), evals
            if res < best_res:
                best_x, best_res, best_got = x, res, got
            elif not res <= 10.0 * best_res or since >= refresh or lu is None:
                if refreshed_at is best_x or best_res == np.inf:
                    return None                               # already restarted from here
                x, got, lu = best_x, best_got, None           # restart: exact Jacobian at best x
            if lu is None and refreshed_at is None and evals == 1:
                lu = baseline_lu(base, deficit_new)
            if lu is None or since >= refresh:
                lu = _bordered_lu(NoIOState(x, *args), theta, va_share, final_share, share_t, wl)
                if lu is None:
                    return None
                mixer, since, refreshed_at = _Mixer(wl.size), 0, x
            assert got is not None                 # a failed evaluation restarted from best_got
            g, own = got
            step, info = dgetrs(lu[0], lu[1], -g - (own.sum() - wl_total))
            if info != 0 or not np.all(np.isfinite(step)):
                return None
            since += 1
            new = mixer.step(x, step)
            big = np.max(np.abs(new - x))
            if big > max_step:                                         # far from the solution:
                new = x + (new - x) * (max_step / big)                 # shorten, keep direction
            x = new - np.log((np.exp(new) * wl).sum() / wl_total)        # numéraire, exactly
    return None
