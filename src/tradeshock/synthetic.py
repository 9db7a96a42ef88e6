"""Reproducible synthetic worlds for tests and benchmarks.

:func:`random_world` draws a plausible Caliendo–Parro economy of any size (home bias on the
diagonal, input-output shares, final-demand shares, trade elasticities θ in [2, 12], small
tariffs, trade deficits) and then chooses expenditure so that the world is an *exact*
equilibrium of the model: goods markets clear (model.md eq. 4) and every deficit is
imports − exports of the flows, so deficits sum to zero by construction. The engine's
re-solved baseline of such a world therefore equals the data, which makes it a clean test bed.

Nothing here is data about real countries: codes are ``C00``, ``C01``, ... and ``s00``, ...

Method
------
1. Draw shares: γ_n^j ~ U(0.35, 0.65) (1 without IO), input mix γ_n^{k,j} from a Dirichlet
   with extra weight on own-sector inputs, α_n ~ Dirichlet, θ^j ~ U(2, 12).
2. Draw trade shares: domestic share π_nn^j ~ U(0.55, 0.92) in tradable sectors (1 in
   non-tradable ones); the rest split over exporters in proportion to size × sector
   productivity × distance^-1 (countries placed at random on the unit square).
3. Draw tariffs τ_ni^j ~ U(0, 0.12) on foreign pairs in tradable sectors, a fifth of pairs
   duty-free (free-trade agreements); zero on the diagonal.
4. Expenditure: with Y = B X (sales at producer prices) the market-clearing system reads
   X = A X + α D, where 1ᵀA = 1ᵀ (every dollar spent is someone's income), so I − A is
   singular along world scale. Solve it with one equation replaced by the normalisation
   "world value added = ``world_gdp``". Deficits D_n = δ_n · VA_n with δ ~ U(−4%, +4%),
   re-centred so that Σ D = 0, are taken from a first, balanced solve.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg

from tradeshock.errors import DataError
from tradeshock.world import World

__all__ = ["random_world"]

#: World value added of a synthetic world, US$ million (≈ world GDP, about $80 trillion).
WORLD_GDP = 80e6


def _codes(prefix: str, n: int) -> tuple[str, ...]:
    width = max(2, len(str(n - 1)))
    return tuple(f"{prefix}{k:0{width}d}" for k in range(n))


def _market_system(pi: np.ndarray, tariffs: np.ndarray, va_share: np.ndarray, io_share: np.ndarray,
                   final_share: np.ndarray):
    """Factorise goods-market clearing (model.md eq. 4) as a linear system in X_n^j.

    Unknown vector X stacked as ``(n, j)`` → ``n*J + j``; the last (redundant) equation is
    replaced by "world value added = v". Returns a function ``(deficit (N,), v) -> X (N, J)``.
    """
    n, _, j = pi.shape
    nj = n * j
    # B[(i,k),(n,k)] = π_ni^k / (1 + τ_ni^k): sales of (i, k) per dollar of n's sector-k spending.
    sales = pi / (1.0 + tariffs)                                   # [n, i, k]
    b4 = np.zeros((n, j, n, j))
    ii, kk = np.meshgrid(np.arange(n), np.arange(j), indexing="ij")
    b4[ii, kk, :, kk] = sales.transpose(1, 2, 0)                    # b[i,k,n,k] = sales[n,i,k]
    b = b4.reshape(nj, nj)
    del b4
    # Per country: X_n^j = Σ_k (γ_n^{j,k} + α_n^j γ_n^k) Y_n^k + α_n^j (Σ_k r_n^k X_n^k + D_n).
    m = io_share + final_share[:, :, None] * va_share[:, None, :]  # [n, j, k]
    r = (pi * tariffs / (1.0 + tariffs)).sum(axis=1)                # [n, k]
    lhs = np.zeros((nj, nj))
    for c in range(n):  # block rows of one country; N blocks of size J x NJ
        rows = slice(c * j, (c + 1) * j)
        lhs[rows] = -(m[c] @ b[rows])
        lhs[rows, rows] -= np.outer(final_share[c], r[c])
    lhs[np.diag_indices(nj)] += 1.0
    # Replace the last equation (redundant: 1ᵀ(I − A) = 0) by world VA = v.
    lhs[-1] = (va_share.ravel()[:, None] * b).sum(axis=0)          # VA = Σ_(i,k) γ_i^k Y_i^k
    del b
    lu = scipy.linalg.lu_factor(lhs, overwrite_a=True, check_finite=False)

    def solve(deficit: np.ndarray, world_va: float) -> np.ndarray:
        rhs = (final_share * deficit[:, None]).ravel()
        rhs[-1] = world_va
        return scipy.linalg.lu_solve(lu, rhs, check_finite=False).reshape(n, j)

    return solve


def random_world(n_countries: int, n_sectors: int, seed: int = 0, io: bool = True,
                 tariffs: bool = True, deficits: bool = True,
                 theta: float | Sequence[float] | np.ndarray | None = None,
                 n_nontradable: int | None = None) -> World:
    """A reproducible, plausible synthetic world that is an exact model equilibrium.

    Parameters
    ----------
    n_countries, n_sectors
        N ≥ 2 countries and J ≥ 1 sectors.
    seed
        Seed of the random generator: the same arguments give the same world, bit for bit.
    io
        Input-output links; ``False`` gives value-added shares of one (no intermediates).
    tariffs
        Draw small baseline tariffs (0–12%); ``False`` gives a tariff-free baseline.
    deficits
        Draw trade deficits (±4% of value added); ``False`` gives balanced trade.
    theta
        Trade elasticity: a number for every sector, a (J,) sequence, or ``None`` to draw
        θ^j ~ U(2, 12).
    n_nontradable
        Number of non-tradable sectors (the last ones); default ``J // 4`` (0 when J < 4).

    Returns
    -------
    World
        ``name="synthetic-N x J-seed"``, base year 2020, money in US$ million.

    Examples
    --------
    >>> w = random_world(5, 3, seed=1)
    >>> w.n_countries, w.n_sectors
    (5, 3)
    >>> bool(abs(w.deficit.sum()) < 1e-6 * w.value_added.sum())
    True
    """
    if int(n_countries) < 2:
        raise DataError(f"random_world: n_countries={n_countries!r}; need at least 2 countries")
    if int(n_sectors) < 1:
        raise DataError(f"random_world: n_sectors={n_sectors!r}; need at least 1 sector")
    n, j = int(n_countries), int(n_sectors)
    rng = np.random.default_rng(seed)
    n_nt = j // 4 if n_nontradable is None else int(n_nontradable)
    if not 0 <= n_nt < j:
        raise DataError(f"random_world: n_nontradable={n_nontradable!r}; need 0 <= it < n_sectors={j}")
    tradable = np.ones(j, dtype=bool)
    tradable[j - n_nt:] = False

    # 1. elasticities, value-added and input-output shares, final demand
    if theta is None:
        th = rng.uniform(2.0, 12.0, size=j)
    else:
        th = np.broadcast_to(np.asarray(theta, dtype=float), (j,)).copy()
        if np.any(~np.isfinite(th)) or np.any(th <= 0):
            raise DataError(f"random_world: theta={theta!r}; trade elasticities must be positive")
    if io:
        va_share = rng.uniform(0.35, 0.65, size=(n, j))
        mix = rng.gamma(0.6, size=(n, j, j)) + 2.0 * np.eye(j)[None] * rng.uniform(0.2, 1.0, (n, 1, j))
        mix /= mix.sum(axis=1, keepdims=True)                      # columns: inputs of sector j
        io_share = mix * (1.0 - va_share)[:, None, :]               # [n, k, j]
    else:
        va_share = np.ones((n, j))
        io_share = np.zeros((n, j, j))
    final_share = rng.gamma(1.5, size=(n, j)) + 0.05
    final_share /= final_share.sum(axis=1, keepdims=True)

    # 2. trade shares with home bias
    loc = rng.uniform(0.0, 1.0, size=(n, 2))
    dist = np.sqrt(((loc[:, None, :] - loc[None, :, :]) ** 2).sum(-1)) + 0.1
    size = rng.lognormal(0.0, 1.0, size=n)
    prod = rng.lognormal(0.0, 0.5, size=(n, j))
    weight = size[None, :, None] * prod[None, :, :] / dist[:, :, None]     # [n, i, j]
    weight[np.arange(n), np.arange(n), :] = 0.0
    weight /= weight.sum(axis=1, keepdims=True)
    home = rng.uniform(0.55, 0.92, size=(n, j))
    home[:, ~tradable] = 1.0
    pi = weight * (1.0 - home)[:, None, :]
    pi[np.arange(n), np.arange(n), :] = home

    # 3. tariffs
    tau = np.zeros((n, n, j))
    if tariffs:
        tau = rng.uniform(0.0, 0.12, size=(n, n, j))
        fta = rng.uniform(size=(n, n)) < 0.2
        fta = fta | fta.T
        tau[fta] = 0.0
        tau[:, :, ~tradable] = 0.0
        tau[np.arange(n), np.arange(n), :] = 0.0

    # 4. expenditure so that goods markets clear exactly
    solve = _market_system(pi, tau, va_share, io_share, final_share)
    x = solve(np.zeros(n), WORLD_GDP)
    if deficits:
        va = (va_share * np.einsum("nik,nk->ik", pi / (1.0 + tau), x)).sum(axis=1)
        delta = rng.uniform(-0.04, 0.04, size=n)
        d = delta * va
        d -= va * d.sum() / va.sum()
        x = solve(d, WORLD_GDP)
    if np.any(x <= 0):
        raise DataError(f"random_world({n}, {j}, seed={seed}): drawn shares give negative "
                        "expenditure; try another seed or deficits=False")
    flows = pi * x[:, None, :] / (1.0 + tau)

    countries = _codes("C", n)
    sectors = _codes("s", j)
    provenance = {
        "name": f"synthetic-{n}x{j}-{seed}",
        "synthetic": True,
        "sources": [],
        "method": __doc__.split("Method\n------\n", 1)[1].strip(),
        "arguments": {"n_countries": n, "n_sectors": j, "seed": seed, "io": io, "tariffs": tariffs,
                      "deficits": deficits, "theta": None if theta is None else th.tolist(),
                      "n_nontradable": n_nt},
        "units": "US$ million",
    }
    return World(
        name=f"synthetic-{n}x{j}-{seed}", year=2020, countries=countries, sectors=sectors,
        flows=flows, tariffs=tau, va_share=va_share, io_share=io_share, final_share=final_share,
        theta=th, tradable=tradable,
        country_names={c: f"Country {c[1:]}" for c in countries},
        sector_labels={s: f"Sector {s[1:]}" + ("" if t else " (non-tradable)")
                       for s, t in zip(sectors, tradable, strict=True)},
        provenance=provenance,
    )
