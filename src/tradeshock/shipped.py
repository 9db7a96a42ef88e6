"""The scenario and game files shipped inside the package, and the user's ``./scenarios`` override.

The shipped files live in ``tradeshock/scenarios/`` (games in ``scenarios/games/``) and are found
with :mod:`importlib.resources`, so an installed wheel runs them by name from any folder. A
``scenarios/`` folder in the current directory comes first: a user's file with a shipped name
overrides the shipped one.

Examples
--------
>>> from tradeshock.shipped import names, find
>>> "us-universal-10" in names("scenario")
True
>>> find("canada-between-giants", "game").name
'canada-between-giants.yaml'

"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

Kind = Literal["scenario", "game"]

#: File suffixes of scenario and game files.
SUFFIXES: tuple[str, ...] = (".yaml", ".yml", ".toml")
_SUB: dict[str, tuple[str, ...]] = {"scenario": ("scenarios",), "game": ("scenarios", "games")}


def shipped_dir(kind: Kind = "scenario") -> Path:
    """The package folder holding the shipped files of ``kind``."""
    return Path(str(files("tradeshock").joinpath(*_SUB[kind])))


def user_dir(kind: Kind = "scenario") -> Path:
    """The user's override folder of ``kind`` in the current directory (may not exist)."""
    return Path.cwd().joinpath(*_SUB[kind])


def folders(kind: Kind = "scenario") -> list[Path]:
    """Where names of ``kind`` are looked up, in order: ``./scenarios[/games]``, then the package."""
    return [user_dir(kind), shipped_dir(kind)]


def names(kind: Kind = "scenario", *, include_user: bool = True) -> list[str]:
    """Names (file stems) of the scenarios or games that can be given by name."""
    dirs = folders(kind) if include_user else [shipped_dir(kind)]
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.iterdir()
                   if p.is_file() and p.suffix in SUFFIXES})


def find(name: str, kind: Kind = "scenario") -> Path | None:
    """The file of scenario/game ``name`` (``./scenarios`` first, then the package), or None."""
    for d in folders(kind):
        for s in SUFFIXES:
            p = d / f"{name}{s}"
            if p.is_file():
                return p
    return None


__all__ = ["SUFFIXES", "find", "folders", "names", "shipped_dir", "user_dir"]
