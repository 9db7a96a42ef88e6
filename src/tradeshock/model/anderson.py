"""Anderson mixing (type II) for fixed-point problems x = x + β f(x).

Used by the solver for both the outer wage loop and the inner price loop: it keeps the last
``m`` iterates and residuals and extrapolates with a small least-squares fit, which turns a
linearly converging damped iteration into a much faster one at almost no cost.

References
----------
Walker, H. F. & Ni, P. (2011). Anderson acceleration for fixed-point iterations.
SIAM Journal on Numerical Analysis 49(4), 1715–1735.

"""

from __future__ import annotations

import numpy as np

__all__ = ["Anderson"]


class Anderson:
    """Stateful Anderson mixer: call :meth:`step` with the current iterate and its residual.

    Parameters
    ----------
    m
        Memory (number of past differences kept).
    beta
        Damping of the underlying simple iteration x ← x + β f.

    """

    def __init__(self, m: int = 6, beta: float = 1.0) -> None:
        self.m = int(m)
        self.beta = float(beta)
        self._dX: np.ndarray | None = None            # ring buffers of past differences
        self._dF: np.ndarray | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the history (restart from a plain damped step)."""
        self._k = 0                                   # differences stored so far
        self._x: np.ndarray | None = None
        self._f: np.ndarray | None = None

    def step(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Next iterate from the current iterate ``x`` and its residual ``f`` (same shape)."""
        xs, fs = x.ravel(), f.ravel()
        if self.m <= 0:
            return x + self.beta * f
        if self._dX is None or self._dF is None or self._dX.shape[1] != xs.size:
            self._dX = np.empty((self.m, xs.size))
            self._dF = np.empty((self.m, xs.size))
        dX_all, dF_all = self._dX, self._dF
        if self._x is not None and self._f is not None:
            slot = self._k % self.m
            np.subtract(xs, self._x, out=dX_all[slot])
            np.subtract(fs, self._f, out=dF_all[slot])
            self._k += 1
        self._x, self._f = xs.copy(), fs.copy()
        used = min(self._k, self.m)
        if used == 0:
            return x + self.beta * f
        dF, dX = dF_all[:used], dX_all[:used]     # column order is irrelevant to the fit
        gram = dF @ dF.T
        gram.flat[:: used + 1] *= 1.0 + 1e-12
        gram.flat[:: used + 1] += 1e-300
        try:
            gamma = np.linalg.solve(gram, dF @ fs)
        except np.linalg.LinAlgError:
            self.reset()
            return x + self.beta * f
        new = xs + self.beta * fs - gamma @ (dX + self.beta * dF)
        if not np.all(np.isfinite(new)):
            self.reset()
            return x + self.beta * f
        return new.reshape(x.shape)
