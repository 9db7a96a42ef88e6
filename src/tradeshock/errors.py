"""One exception hierarchy for tradeshock.

Every error a user can trigger derives from :class:`TradeshockError`, so a CLI or a notebook can
catch one type. Messages name the thing that is wrong (file, field, value) and suggest a fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TradeshockError(Exception):
    """Base class of every error tradeshock raises on purpose."""


class DataError(TradeshockError, ValueError):
    """A dataset is missing, corrupt, or inconsistent, or a label is not in the data."""


class ShockError(TradeshockError, ValueError):
    """A shock does not fit the world: unknown labels, bad rates, NaN, embargo on a domestic flow."""


class ScenarioError(TradeshockError, ValueError):
    """A scenario, measure or game file is malformed or refers to something unknown.

    ``problems`` lists every problem found when a file has several (the message shows them all).
    """

    def __init__(self, message: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


class ConvergenceError(TradeshockError, RuntimeError):
    """The equilibrium solver stopped without meeting its tolerances.

    ``diagnostics`` holds the iteration count and the max residuals reached, so the caller can
    judge how far off it was (never use such a result as an answer).
    """

    def __init__(self, message: str, diagnostics: object | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class TradeshockWarning(UserWarning):
    """A result or input that is allowed but should not be taken at face value."""


def did_you_mean(value: str, choices: Iterable[str], n: int = 3) -> str:
    """Return a suggestion suffix such as ``"; did you mean CHN or CHL?"`` (empty if none close)."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(value), choices, n=n, cutoff=0.5)
    if not close:
        upper = str(value).upper()
        close = [c for c in choices if c.upper().startswith(upper[:2])][:n]
    if not close:
        return ""
    if len(close) == 1:
        return f"; did you mean {close[0]}?"
    return "; did you mean " + ", ".join(close[:-1]) + f" or {close[-1]}?"


def unknown(kind: str, value: object, choices: Iterable[str], where: str = "") -> str:
    """Compose the standard 'unknown X' message with valid choices or a close match."""
    choices = list(choices)
    place = f" in {where}" if where else ""
    hint = did_you_mean(str(value), choices)
    if not hint:
        shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
        hint = f"; available: {shown}"
    return f"unknown {kind} {value!r}{place}{hint}"
