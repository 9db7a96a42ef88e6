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
        self.reset()

    def reset(self) -> None:
        """Forget the history (restart from a plain damped step)."""
        self._dx: list[np.ndarray] = []
        self._df: list[np.ndarray] = []
        self._x: np.ndarray | None = None
        self._f: np.ndarray | None = None

    def step(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Next iterate from the current iterate ``x`` and its residual ``f`` (same shape)."""
        xs, fs = x.ravel(), f.ravel()
        if self._x is not None and self.m > 0:
            self._dx.append(xs - self._x)
            self._df.append(fs - self._f)
            if len(self._dx) > self.m:
                self._dx.pop(0)
                self._df.pop(0)
        self._x, self._f = xs.copy(), fs.copy()
        if not self._df:
            return x + self.beta * f
        dF = np.column_stack(self._df)
        dX = np.column_stack(self._dx)
        gram = dF.T @ dF
        diag = gram.flat[:: gram.shape[0] + 1]
        gram.flat[:: gram.shape[0] + 1] = diag * (1 + 1e-12) + 1e-300
        try:
            gamma = np.linalg.solve(gram, dF.T @ fs)
        except np.linalg.LinAlgError:
            self.reset()
            return x + self.beta * f
        new = xs + self.beta * fs - (dX + self.beta * dF) @ gamma
        if not np.all(np.isfinite(new)):
            self.reset()
            return x + self.beta * f
        return new.reshape(x.shape)
