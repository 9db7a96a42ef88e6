"""The re-runnable data pipeline: raw public files (the folder holding ``SOURCES.md``) → ``tradeshock/data``.

This sub-package is the only code that reads raw files. Each step is a module with a
``build(raw, out) -> list[Path]`` function; :data:`STEPS` lists them in dependency order
(``default`` needs the concordance and ``wiod2011``'s reader). Run all of them with
``tradeshock data build --raw PATH`` or one with ``--only NAME``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from tradeshock.errors import DataError, unknown

#: Packaged data folder (the default output of the build).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Build steps: name → module under tradeshock.build exposing ``build(raw, out)``.
STEPS: dict[str, str] = {
    "cp1993": "cp2015",
    "gravity2006": "gravity",
    "agtpa": "yotov",
    "hs6_wiod": "concordance",
    "wiod2011": "wiod",
    "default": "update2024",
    "trade_weights": "trade_weights",
    "provinces": "provinces",
}


def _step_function(name: str):  # noqa: ANN202 - returns the step's build(raw, out) callable
    module = importlib.import_module(f"tradeshock.build.{STEPS[name]}")
    if hasattr(module, "build"):
        return module.build
    if name == "trade_weights" and hasattr(module, "build_trade_weights"):
        return lambda raw, out: [module.build_trade_weights(raw, Path(out) / "trade_weights")]
    raise DataError(f"build step {name!r}: module tradeshock.build.{STEPS[name]} has no build(raw, out)")


def available_steps() -> list[str]:
    """Names accepted by ``--only`` (steps whose module is present)."""
    names = []
    for name, mod in STEPS.items():
        try:
            importlib.import_module(f"tradeshock.build.{mod}")
        except ModuleNotFoundError:
            continue
        names.append(name)
    return names


def build(raw: str | Path, out: str | Path | None = None,
          only: Sequence[str] | None = None) -> dict[str, list[Path]]:
    """Run the pipeline; returns the files written per step.

    Parameters
    ----------
    raw
        Folder of raw public data (the one holding ``SOURCES.md``).
    out
        Output data folder; defaults to the package's ``data/`` folder.
    only
        Step names to run (default: all, in order).

    """
    raw = Path(raw)
    if not raw.is_dir():
        raise DataError(f"raw data folder {raw} does not exist; pass --raw pointing at "
                        "the raw data folder (the one holding SOURCES.md)")
    out = Path(out) if out is not None else DATA_DIR
    names = available_steps()
    chosen = list(only) if only else names
    for name in chosen:
        if name not in names:
            raise DataError(unknown("build step", name, names, "--only"))
    done: dict[str, list[Path]] = {}
    for name in names:
        if name in chosen:
            done[name] = list(_step_function(name)(raw, out))
    return done
