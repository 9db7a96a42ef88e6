"""The engine's input: a frozen set of plain baseline arrays, built from a :class:`World`.

The solver never sees labels or pandas; :class:`Baseline` is the boundary. It also checks the
arrays once (shapes, finiteness, share identities) so the hot loop can trust them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from tradeshock.errors import DataError

if TYPE_CHECKING:
    from tradeshock.model.solver import Equilibrium
    from tradeshock.world import World

__all__ = ["Baseline", "baseline_from_world"]


@dataclass(frozen=True, eq=False)
class Baseline:
    """Baseline economy in engine order ``[importer n, exporter i, sector j]`` (model.md notation).

    Attributes
    ----------
    pi
        π_ni^j, (N, N, J): trade shares; every row ``pi[n, :, j]`` sums to one.
    X
        X_n^j, (N, J): tariff-inclusive expenditure.
    tariffs
        τ_ni^j, (N, N, J): applied tariffs (fractions), zero on the diagonal.
    va_share
        γ_n^j, (N, J): value-added share of gross output.
    io_share
        γ_n^{k,j}, (N, J, J) as ``[n, k, j]``: share of sector-k inputs in sector j's costs.
    final_share
        α_n^j, (N, J): final-demand shares.
    theta
        θ^j, (J,): trade elasticities.
    value_added
        w_n L_n, (N,): labour income.
    deficit
        D_n, (N,): trade deficit (imports − exports, producer prices).
    resolved
        True for a re-solved baseline (an equilibrium of the model, made by :meth:`rebased`),
        which counterfactuals are measured from and so reused: the solver caches a wage
        Jacobian for such baselines (:mod:`~tradeshock.model.jacobian`).

    """

    pi: np.ndarray
    X: np.ndarray
    tariffs: np.ndarray
    va_share: np.ndarray
    io_share: np.ndarray
    final_share: np.ndarray
    theta: np.ndarray
    value_added: np.ndarray
    deficit: np.ndarray
    resolved: bool = False

    def __post_init__(self) -> None:
        n, _, j = np.shape(self.pi)
        shapes = {"pi": (n, n, j), "X": (n, j), "tariffs": (n, n, j), "va_share": (n, j),
                  "io_share": (n, j, j), "final_share": (n, j), "theta": (j,),
                  "value_added": (n,), "deficit": (n,)}
        for name, shape in shapes.items():
            arr = np.array(getattr(self, name), dtype=float, copy=True)  # never freeze a caller's array
            if arr.shape != shape:
                raise DataError(f"baseline.{name} has shape {arr.shape}, expected {shape}")
            if not np.all(np.isfinite(arr)):
                bad = tuple(int(v) for v in np.argwhere(~np.isfinite(arr))[0])
                raise DataError(f"baseline.{name} has a NaN or infinite value at {bad}; "
                                "fix the world data")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if np.any(self.theta <= 0):
            raise DataError(f"baseline.theta must be positive, got min {self.theta.min()}")
        if np.any(self.tariffs <= -1):
            bad = tuple(int(v) for v in np.argwhere(self.tariffs <= -1)[0])
            raise DataError(f"baseline.tariffs at {bad} is at or below -100%")
        if np.any(self.value_added <= 0):
            k = int(np.argmin(self.value_added))
            raise DataError(f"baseline.value_added of country #{k} is {self.value_added[k]}; "
                            "every country needs positive value added")
        rows = self.pi.sum(axis=1)
        if np.any(np.abs(rows - 1.0) > 1e-8):
            n_, j_ = np.argwhere(np.abs(rows - 1.0) > 1e-8)[0]
            raise DataError(f"baseline.pi[{n_}, :, {j_}] sums to {rows[n_, j_]}, not 1")

    @property
    def n_countries(self) -> int:
        """Number of countries N."""
        return self.pi.shape[0]

    @property
    def n_sectors(self) -> int:
        """Number of sectors J."""
        return self.pi.shape[2]

    @property
    def flows(self) -> np.ndarray:
        """Bilateral flows at producer prices π X / (1 + τ), (N, N, J)."""
        return self.pi * self.X[:, None, :] / (1.0 + self.tariffs)

    @property
    def revenue(self) -> np.ndarray:
        """Tariff revenue R_n, (N,)."""
        return np.einsum("nij,nij,nj->n", self.pi, self.tariffs / (1.0 + self.tariffs), self.X)

    @property
    def income(self) -> np.ndarray:
        """Final absorption I_n = w_n L_n + R_n + D_n, (N,)."""
        return self.value_added + self.revenue + self.deficit

    def scaled(self, factor: float) -> Baseline:
        """The same economy with every money value multiplied by ``factor`` (homogeneity checks)."""
        return replace(self, X=self.X * factor, value_added=self.value_added * factor,
                       deficit=self.deficit * factor)

    def rebased(self, eq: Equilibrium) -> Baseline:
        """The counterfactual equilibrium ``eq`` as a new baseline (hats are measured from it)."""
        return replace(self, pi=eq.pi_new, X=eq.X_new, tariffs=eq.tariffs_new,
                       value_added=self.value_added * eq.w_hat, deficit=eq.deficit_new,
                       resolved=True)


def baseline_from_world(world: World) -> Baseline:
    """Engine arrays of a :class:`~tradeshock.world.World` (its derived π, X, w L and D).

    Rows with no spending at all (X_n^j = 0) get π_nn^j = 1 so that P̂ stays defined; they carry
    no weight anywhere (zero flows stay zero in the hat algebra).
    """
    pi = np.array(world.trade_shares, dtype=float, copy=True)
    empty = pi.sum(axis=1) <= 0
    if np.any(empty):
        nn, jj = np.nonzero(empty)
        pi[nn, nn, jj] = 1.0
    return Baseline(pi=pi, X=np.asarray(world.expenditure, dtype=float),
                    tariffs=np.asarray(world.tariffs, dtype=float),
                    va_share=np.asarray(world.va_share, dtype=float),
                    io_share=np.asarray(world.io_share, dtype=float),
                    final_share=np.asarray(world.final_share, dtype=float),
                    theta=np.asarray(world.theta, dtype=float),
                    value_added=np.asarray(world.value_added, dtype=float),
                    deficit=np.asarray(world.deficit, dtype=float))
