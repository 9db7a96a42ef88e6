"""Recover fixed-effect levels from a fitted linear index (numerics only).

Given the fitted index η = ln μ − xβ of a converged PPML fit, the fixed effects solve the
linear system η_k = Σ_g a_g[k] exactly; alternating projections (Gauss–Seidel on group means)
find a solution to machine precision. Levels are identified only up to offsetting constants;
the first group of every effect after the first is pinned at zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradeshock.errors import ConvergenceError


def recover(eta: np.ndarray, codes: Sequence[np.ndarray], *, tol: float = 1e-11,
            max_iter: int = 20000) -> list[np.ndarray]:
    """Fixed-effect levels ``a_g`` (one array per effect, indexed by integer code) with Σ_g a_g = η.

    ``codes[g]`` gives each observation's level of effect g (0..n_g−1). Raises
    :class:`ConvergenceError` if the residual max |η − Σ a| does not fall below ``tol``.
    """
    eta = np.asarray(eta, dtype=float)
    counts = [np.bincount(c).astype(float) for c in codes]
    levels = [np.zeros(len(n)) for n in counts]
    fit = np.zeros_like(eta)
    resid = np.inf
    for _ in range(max_iter):
        for g, c in enumerate(codes):
            part = fit - levels[g][c]
            new = np.bincount(c, weights=eta - part, minlength=len(counts[g])) / np.maximum(counts[g], 1)
            levels[g] = new
            fit = part + new[c]
        resid = float(np.max(np.abs(eta - fit)))
        if resid < tol:
            break
    else:
        raise ConvergenceError(f"fixed effects not recovered: max residual {resid:.2e} after "
                               f"{max_iter} sweeps", diagnostics={"residual": resid})
    # normalise: first level of every later effect at zero, shift into the first effect
    for g in range(1, len(levels)):
        shift = levels[g][0]
        levels[g] = levels[g] - shift
        levels[0] = levels[0] + shift
    return levels
