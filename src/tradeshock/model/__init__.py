"""The pure-NumPy Caliendo–Parro engine in changes (exact hat algebra); no I/O, no pandas.

:func:`solve` takes a :class:`Baseline` (plain arrays, built from a World by
:func:`baseline_from_world`) and a shock (τ', d̂, D') and returns a frozen :class:`Equilibrium`
with certified residuals. :mod:`~tradeshock.model.equations` has one function per equilibrium
condition; :mod:`~tradeshock.model.newton` the Newton path for worlds without input-output
links; :mod:`~tradeshock.model.welfare` the welfare measures.
"""

from tradeshock.model.baseline import Baseline, baseline_from_world
from tradeshock.model.solver import Equilibrium, check_shock, solve

__all__ = ["Baseline", "Equilibrium", "baseline_from_world", "check_shock", "solve"]
