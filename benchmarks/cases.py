"""The benchmark problems: a world, a shock and a deficit treatment each.

Synthetic worlds are written once to a folder by the parent process (``prepare``) and read
back by each measuring subprocess, so that drawing them (which solves a dense N·J system)
does not count towards the solver's peak memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tradeshock.shock import Shock
from tradeshock.world import World, load_world


@dataclass(frozen=True)
class Case:
    """One benchmark problem and the target the engine should meet on this machine."""

    name: str
    title: str
    world: str                     # packaged world name, or "synthetic:N:J:io"
    deficits: str
    target_seconds: float | None
    target_mb: float | None = None

    def load(self, folder: Path) -> World:
        """The case's world (synthetic ones from the folder ``prepare`` wrote)."""
        if self.world.startswith("synthetic:"):
            return load_world(self.name, folder=folder / self.name)
        return load_world(self.world)

    def shock(self, world: World) -> Shock:
        """The counterfactual of the case."""
        return SHOCKS[self.name](world)


def _nafta(world: World) -> Shock:
    """Caliendo–Parro: 1993 tariffs among CAN, MEX, USA replaced by their 2005 values."""
    from tradeshock.cp2015 import load_tariffs2005

    t05 = load_tariffs2005(world)
    tau = np.array(world.tariffs, copy=True)
    nafta = [world.country_index(c) for c in ("CAN", "MEX", "USA")]
    for a in nafta:
        for b in nafta:
            if a != b:
                tau[a, b, :] = t05[a, b, :]
    return Shock(world).set_tariffs(tau, label="NAFTA: 2005 tariffs among CAN, MEX, USA")


def _us25(world: World) -> Shock:
    return Shock(world).tariff(imposer="USA", target=["CAN", "MEX"], rate=0.25,
                               label="US 25% on CAN and MEX")


def _first_on_all(world: World) -> Shock:
    return Shock(world).tariff(imposer=world.countries[0], target=None, add=0.25,
                               label=f"{world.countries[0]} +25 points on all imports")


SHOCKS = {"nafta_cp1993": _nafta, "us25_default": _us25, "synthetic_80x50": _first_on_all,
          "gravity_150": _first_on_all}

CASES = [
    Case("nafta_cp1993", "NAFTA on cp1993 (31 x 40, deficits zero)", "cp1993", "zero", 0.3),
    Case("us25_default", "US 25% on CAN, MEX on default (41 x 35)", "default", "fixed", 0.5),
    Case("synthetic_80x50", "synthetic 80 x 50, country 0 +25 pts", "synthetic:80:50:1", "fixed", 5.0,
         1024.0),
    Case("gravity_150", "one sector, no IO, N = 150, country 0 +25 pts", "synthetic:150:1:0", "fixed",
         None),
]


def prepare(folder: Path) -> None:
    """Write the synthetic worlds of :data:`CASES` to ``folder`` (once)."""
    from tradeshock.synthetic import random_world

    for case in CASES:
        if not case.world.startswith("synthetic:"):
            continue
        target = folder / case.name
        if (target / "provenance.json").exists():
            continue
        _, n, j, io = case.world.split(":")
        w = random_world(int(n), int(j), seed=0, io=bool(int(io)))
        w.replace(name=case.name).save(target)


def cutoff_shocks(world: World, country: str = "CAN", n: int = 40) -> list[Shock]:
    """``n`` cut-off shocks: ``country`` loses each of its ``n`` largest (supplier, sector) imports."""
    c = world.country_index(country)
    imports = np.array(world.flows[c], copy=True)       # [exporter, sector]
    imports[c] = 0.0
    order = np.argsort(imports, axis=None)[::-1][:n]
    shocks = []
    for flat in order:
        i, j = np.unravel_index(flat, imports.shape)
        p, s = world.countries[i], world.sectors[j]
        shocks.append(Shock(world).embargo(imposer=country, target=p, sectors=[s],
                                           label=f"{country} loses {p} {s}"))
    return shocks
