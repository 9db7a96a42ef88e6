"""The three powers' moves: a strategic-form game solved with the general-equilibrium model.

Players (by default Canada, the United States and China) each choose one of a few named
*moves*; a move is a scenario fragment (measures to add, measures to remove, or direct shock
verbs). Every combination of moves is one general-equilibrium solve (in parallel); a
player's payoff is its welfare change (or a chosen outcome such as a province's value added).
From the payoff table the game is analysed as a normal-form game: each player's best
responses, the pure-strategy Nash equilibria and dominated moves.

Game files (YAML)::

    name: canada-between-giants
    world: default
    base: status-quo-2026-03          # optional scenario the moves modify, and/or
    as_of: 2026-01-15                 # every measure in force that day
    payoff: real_income               # or per player, see below
    players:
      - country: CAN
        payoff: real_income           # optional: welfare column, exports, value_added,
        moves:                        #   province:ON (value added of a province, percent)
          - id: status_quo
            description: keep the 2024 surtaxes on Chinese EVs
          - id: deal_with_china
            description: EV quota for canola relief (Jan 2026)
            source: https://...
            measures: [...]           # scenario-file measure entries
            remove: [...]             # measure ids taken out of the base
            shock:                    # or direct verbs: tariff / trade_cost / embargo
              - tariff: {imposer: CAN, target: CHN, sectors: [transport_equipment], rate: 0.061}

The solver itself (:func:`solve_normal_form`) works on any payoff array and knows nothing of
trade.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradeshock import shipped
from tradeshock.errors import ScenarioError, did_you_mean
from tradeshock.shock import Shock

#: Payoff tolerance (percentage points): differences below it count as ties.
TIE_TOL = 1e-7

_WELFARE = ("real_income", "welfare_cp", "terms_of_trade", "volume_of_trade", "real_wage")
_OUTCOMES = _WELFARE + ("exports", "value_added", "province:<XX>")
_GAME_KEYS = {"name", "description", "world", "base", "as_of", "payoff", "players", "deficits",
              "notes", "sources"}
_PLAYER_KEYS = {"country", "name", "payoff", "moves", "description"}
_MOVE_KEYS = {"id", "description", "source", "sources", "measures", "remove", "shock", "note",
              "notes", "uncertain"}
_VERBS = {"tariff": ("imposer", "target", "sectors", "rate", "add"),
          "trade_cost": ("importer", "exporter", "sectors", "change", "symmetric"),
          "embargo": ("imposer", "target", "sectors")}


# ----------------------------------------------------------------- normal-form solver
@dataclass(frozen=True)
class NormalFormSolution:
    """Best responses, pure Nash equilibria and dominated moves of a finite game.

    Attributes
    ----------
    best_response
        One boolean array per player, shape (m_1, ..., m_k): True where that player's move
        (its own axis) is a best reply to the others' moves in the profile.
    equilibria
        Pure-strategy Nash equilibria as tuples of move indices.
    dominated
        Per player, ``(move, by, kind)`` with kind ``"strict"`` or ``"weak"``.

    """

    best_response: tuple[np.ndarray, ...]
    equilibria: tuple[tuple[int, ...], ...]
    dominated: tuple[tuple[tuple[int, int, str], ...], ...]


def solve_normal_form(payoffs: np.ndarray, tol: float = TIE_TOL) -> NormalFormSolution:
    """Analyse a finite normal-form game given its payoff array.

    Parameters
    ----------
    payoffs
        (k, m_1, ..., m_k): ``payoffs[p][a_1, ..., a_k]`` is player p's payoff when player q
        plays move a_q.
    tol
        Payoff differences within ``tol`` are ties (a tie for best is a best response for
        both moves; weak dominance needs one difference above ``tol``).

    """
    u = np.asarray(payoffs, dtype=float)
    k = u.shape[0]
    if u.ndim != k + 1:
        raise ValueError(f"payoff array for {k} players needs {k + 1} dimensions, got {u.ndim}")
    brs = []
    for p in range(k):
        best = u[p].max(axis=p, keepdims=True)
        brs.append(u[p] >= best - tol)
    eq_mask = np.logical_and.reduce(brs)
    equilibria = tuple(tuple(int(i) for i in idx) for idx in zip(*np.nonzero(eq_mask), strict=True))
    dominated = []
    for p in range(k):
        a = np.moveaxis(u[p], p, 0).reshape(u.shape[p + 1], -1)
        found = []
        for i in range(a.shape[0]):
            for j in range(a.shape[0]):
                if i == j:
                    continue
                if np.all(a[j] > a[i] + tol):
                    found.append((i, j, "strict"))
                    break
            else:
                for j in range(a.shape[0]):
                    if i != j and np.all(a[j] >= a[i] - tol) and np.any(a[j] > a[i] + tol):
                        found.append((i, j, "weak"))
                        break
        dominated.append(tuple(found))
    return NormalFormSolution(tuple(brs), equilibria, tuple(dominated))


# ----------------------------------------------------------------------- game files
@dataclass(frozen=True)
class Move:
    """One named move: a scenario fragment (measures, removals) and/or direct shock verbs."""

    id: str
    description: str = ""
    source: str = ""
    measures: tuple[Any, ...] = ()
    remove: tuple[Any, ...] = ()
    shock: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Player:
    """A player: a country, its payoff outcome and its moves."""

    country: str
    moves: tuple[Move, ...]
    payoff: str = "real_income"
    name: str = ""

    @property
    def move_ids(self) -> list[str]:
        """The ids of the moves, in file order."""
        return [m.id for m in self.moves]


@dataclass(frozen=True)
class Game:
    """A game read from a file (see the module docstring for the format)."""

    name: str
    players: tuple[Player, ...]
    world: str = "default"
    base: str | None = None
    deficits: str | None = None
    description: str = ""
    source: str = "<dict>"
    as_of: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> Game:
        """Read and validate a game file (YAML); errors name the file, field and value."""
        p = Path(path)
        if not p.is_file():
            cand = shipped.find(str(path), "game")
            if cand is not None:
                p = cand
            else:
                names = shipped.names("game")
                raise ScenarioError(f"game file {str(path)!r} not found" +
                                    (did_you_mean(str(path), names) or
                                     (f"; shipped games: {', '.join(names)}" if names else "")))
        from tradeshock.measures.library import read_yaml

        data = read_yaml(p, lines=False, kind="game file")   # duplicate keys, bombs: refused
        return cls.from_dict(data, source=str(p))

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Game:
        """Validate a game given as a mapping (``source`` names it in error messages)."""
        f = source
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{f}: a game file must be a mapping with 'name' and 'players'; "
                                f"got {type(data).__name__}")
        _check_keys(data, _GAME_KEYS, f, "")
        if "players" not in data:
            raise ScenarioError(f"{f}: field 'players' is missing; list 2 or more players, each "
                                "with 'country' and 'moves'")
        players_raw = data["players"]
        if isinstance(players_raw, Mapping):  # also accept {CAN: {moves: ...}}
            players_raw = [dict(v or {}, country=k) for k, v in players_raw.items()]
        if not isinstance(players_raw, list) or len(players_raw) < 2:
            raise ScenarioError(f"{f}: field 'players' must list at least 2 players; got "
                                f"{players_raw!r}")
        default_payoff = str(data.get("payoff", "real_income"))
        players = []
        seen: set[str] = set()
        for i, pr in enumerate(players_raw):
            where = f"players[{i}]"
            if not isinstance(pr, Mapping):
                raise ScenarioError(f"{f}: {where} must be a mapping with 'country' and 'moves'; "
                                    f"got {pr!r}")
            _check_keys(pr, _PLAYER_KEYS, f, where)
            country = str(pr.get("country", "")).strip()
            if not country:
                raise ScenarioError(f"{f}: {where}.country is missing; give an ISO3 code such as CAN")
            if country in seen:
                raise ScenarioError(f"{f}: {where}.country {country!r} appears twice; each "
                                    "country plays once")
            seen.add(country)
            payoff = str(pr.get("payoff", default_payoff))
            _check_payoff(payoff, f, f"{where}.payoff")
            moves_raw = pr.get("moves")
            if not isinstance(moves_raw, list) or not moves_raw:
                raise ScenarioError(f"{f}: {where}.moves must list at least one move (each with "
                                    f"an 'id'); got {moves_raw!r}")
            moves = []
            ids: set[str] = set()
            for j, mr in enumerate(moves_raw):
                mw = f"{where}.moves[{j}]"
                if isinstance(mr, str):
                    mr = {"id": mr}
                if not isinstance(mr, Mapping):
                    raise ScenarioError(f"{f}: {mw} must be a mapping with an 'id'; got {mr!r}")
                _check_keys(mr, _MOVE_KEYS, f, mw)
                mid = str(mr.get("id", "")).strip()
                if not mid:
                    raise ScenarioError(f"{f}: {mw}.id is missing; name the move, e.g. status_quo")
                if mid in ids:
                    raise ScenarioError(f"{f}: {mw}.id {mid!r} is used twice for {country}; "
                                        "move ids must be unique per player")
                ids.add(mid)
                verbs = mr.get("shock") or []
                if not isinstance(verbs, list):
                    raise ScenarioError(f"{f}: {mw}.shock must be a list of verbs "
                                        f"({', '.join(_VERBS)}); got {verbs!r}")
                for v_i, verb in enumerate(verbs):
                    _check_verb(verb, f, f"{mw}.shock[{v_i}]")
                for key in ("measures", "remove"):
                    if not isinstance(mr.get(key) or [], list):
                        raise ScenarioError(f"{f}: {mw}.{key} must be a list; got {mr.get(key)!r}")
                src = mr.get("source") or mr.get("sources") or ""
                if isinstance(src, list):
                    src = "; ".join(str(s) for s in src)
                moves.append(Move(mid, str(mr.get("description", "")), str(src),
                                  tuple(mr.get("measures") or ()), tuple(mr.get("remove") or ()),
                                  tuple(verbs)))
            players.append(Player(country, tuple(moves), payoff, str(pr.get("name", ""))))
        name = str(data.get("name") or Path(source).stem)
        base = data.get("base")
        deficits = data.get("deficits")
        if deficits is not None and deficits not in ("fixed", "zero"):
            raise ScenarioError(f"{f}: field 'deficits' is {deficits!r}; use fixed or zero")
        as_of = data.get("as_of")
        return cls(name, tuple(players), str(data.get("world") or "default"),
                   str(base) if base else None, deficits, str(data.get("description", "")), f,
                   str(as_of) if as_of else None)

    @property
    def profiles(self) -> list[tuple[str, ...]]:
        """Every combination of moves (player order), first player slowest."""
        return list(itertools.product(*(p.move_ids for p in self.players)))

    def check_world(self, world: Any) -> None:
        """Raise a ScenarioError if a player or a verb names a country the world lacks."""
        for i, p in enumerate(self.players):
            if p.country not in world.countries:
                raise ScenarioError(f"{self.source}: players[{i}].country {p.country!r} is not in "
                                    f"world {world.name!r}{did_you_mean(p.country, world.countries)}")

    def to_shock(self, world: Any, profile: Sequence[str]) -> Shock:
        """Compile one move profile into a Shock: base + fragments, then direct verbs."""
        moves = [next(m for m in p.moves if m.id == mid)
                 for p, mid in zip(self.players, profile, strict=True)]
        measures = [x for m in moves for x in m.measures]
        remove = [x for m in moves for x in m.remove]
        if self.base or self.as_of or measures or remove:
            from tradeshock.scenario import Scenario

            d: dict[str, Any] = {"name": f"{self.name}:{'+'.join(profile)}", "world": world.name,
                                 "measures": measures}
            if self.base:
                d["extends"] = self.base
            if self.as_of:
                d["as_of"] = self.as_of
            if remove:
                d["remove"] = remove
            try:
                shock = Scenario.from_dict(d, source=f"{self.source} ({'+'.join(profile)})").to_shock(world)
            except ScenarioError as exc:
                raise ScenarioError(f"{self.source}: moves {'+'.join(profile)}: {exc}") from None
        else:
            shock = Shock(world)
        for m in moves:
            for verb in m.shock:
                (name, args), = verb.items()
                shock = getattr(shock, name)(**dict(args), label=f"{m.id}")
        return shock


def with_payoffs(game: Game, payoffs: Mapping[str, str]) -> Game:
    """A copy of ``game`` with some players' payoff outcomes replaced (``"*"`` = every player)."""
    import dataclasses

    codes = [p.country for p in game.players]
    for who, outcome in payoffs.items():
        if who != "*" and who not in codes:
            raise ScenarioError(f"--payoff {who}={outcome}: {who!r} is not a player of "
                                f"{game.name}{did_you_mean(who, codes) or '; players: ' + ', '.join(codes)}")
        _check_payoff(outcome, game.source, f"payoff of {who}")
    players = tuple(dataclasses.replace(p, payoff=payoffs.get(p.country, payoffs.get("*", p.payoff)))
                    for p in game.players)
    return dataclasses.replace(game, players=players)


def _check_keys(d: Mapping[str, Any], allowed: set[str], f: str, where: str) -> None:
    for k in d:
        if k not in allowed:
            place = f"{where}." if where else ""
            hint = did_you_mean(str(k), allowed) or "; allowed: " + ", ".join(sorted(allowed))
            raise ScenarioError(f"{f}: unknown field {place}{k}{hint}")


def _check_payoff(payoff: str, f: str, where: str) -> None:
    if payoff in _WELFARE or payoff in ("exports", "value_added"):
        return
    if payoff.startswith("province:") and len(payoff.split(":", 1)[1]) == 2:
        return
    raise ScenarioError(f"{f}: {where} {payoff!r} is not a payoff outcome"
                        f"{did_you_mean(payoff, _OUTCOMES) or '; use one of: ' + ', '.join(_OUTCOMES)}")


def _check_verb(verb: Any, f: str, where: str) -> None:
    if not isinstance(verb, Mapping) or len(verb) != 1:
        raise ScenarioError(f"{f}: {where} must be one verb mapping like "
                            "{tariff: {imposer: USA, target: CAN, rate: 0.25}}; got " f"{verb!r}")
    (name, args), = verb.items()
    if name not in _VERBS:
        raise ScenarioError(f"{f}: {where}: unknown verb {name!r}"
                            f"{did_you_mean(str(name), _VERBS) or '; use ' + ', '.join(_VERBS)}")
    if not isinstance(args, Mapping):
        raise ScenarioError(f"{f}: {where}.{name} needs a mapping of arguments; got {args!r}")
    for k in args:
        if k not in _VERBS[name]:
            hint = did_you_mean(str(k), _VERBS[name]) or "; allowed: " + ", ".join(_VERBS[name])
            raise ScenarioError(f"{f}: {where}.{name}: unknown argument {k!r}{hint}")


# ----------------------------------------------------------------------------- payoffs
def payoff_value(result: Any, country: str, outcome: str) -> float:
    """A player's payoff in one solve (percent change)."""
    if outcome in _WELFARE:
        return float(result.welfare().loc[country, outcome])
    if outcome == "exports":
        ex = result.exports(country)
        if "country" in ex.columns:
            ex = ex[ex["country"] == country]
        ex = ex[ex["partner"] != country]
        return float(100 * (ex["counterfactual"].sum() / ex["baseline"].sum() - 1))
    if outcome == "value_added":
        out = result.output()
        out = out[out["country"] == country]
        return float(100 * (out["value_added_cf"].sum() / out["value_added_base"].sum() - 1))
    prov_code = outcome.split(":", 1)[1].upper()
    prov = result.provinces()
    prov = prov[prov["province"] == prov_code]
    if prov.empty:
        raise ScenarioError(f"payoff {outcome!r}: no province {prov_code!r} in the provincial "
                            "results; use a two-letter code such as ON, QC, SK")
    col = next(c for c in ("value_added_change", "value_added_change_cad") if c in prov.columns)
    return float(100 * prov[col].sum() / prov["value_added_base"].sum())


# ------------------------------------------------------------------------------ result
@dataclass
class GameResult:
    """The solved game (see :func:`play`).

    Attributes
    ----------
    payoffs
        Tidy: one row per move profile and player: a column per player code holding that
        player's move, then ``player``, ``outcome``, ``payoff`` (percent).
    best_responses
        Tidy: ``player, others, best`` — for each combination of the other players' moves
        (text like ``USA=nothing, CHN=relieve``), the player's best move(s).
    equilibria
        Pure-strategy Nash equilibria, each a dict player → move.
    dominated
        ``player, move, dominated_by, kind`` (strict or weak).
    results
        Move profile (tuple) → :class:`~tradeshock.result.Result`.

    """

    game: Game
    payoffs: pd.DataFrame
    best_responses: pd.DataFrame
    equilibria: list[dict[str, str]]
    dominated: pd.DataFrame
    results: dict[tuple[str, ...], Any] = field(repr=False)
    n_solves: int = 0
    seconds: float = 0.0

    @property
    def players(self) -> list[str]:
        """Player codes in game order."""
        return [p.country for p in self.game.players]

    def matrix(self) -> pd.DataFrame:
        """Wide payoff table: one row per profile: the moves, then ``payoff_<player>`` (percent)."""
        pl = self.players
        wide = self.payoffs.pivot_table(index=pl, columns="player", values="payoff", sort=False)
        wide = wide[pl]
        wide.columns = [f"payoff_{c}" for c in pl]
        return wide.reset_index()

    def summary(self) -> str:
        """Plain-language statement of the equilibria and dominated moves."""
        if self.equilibria:
            eqs = "; ".join(", ".join(f"{k} {v}" for k, v in e.items()) for e in self.equilibria)
            s = f"Pure-strategy Nash equilibri{'um' if len(self.equilibria) == 1 else 'a'}: {eqs}."
        else:
            s = "No pure-strategy Nash equilibrium (someone always wants to move)."
        if not self.dominated.empty:
            s += " Dominated: " + "; ".join(
                f"{r.player} {r.move} ({r.kind}ly, by {r.dominated_by})"
                for r in self.dominated.itertuples()) + "."
        return s


def play(game_file: str | Path | Mapping[str, Any] | Game, world: Any = None, *,
         backend: str = "processes", workers: int | None = None, tol: float = TIE_TOL,
         **solver_kw: Any) -> GameResult:
    """Solve every move profile of a game and analyse it as a normal-form game.

    Parameters
    ----------
    game_file
        Path or name of a game file (a shipped game or ``./scenarios/games/<name>.yaml``), a mapping, or a
        :class:`Game`.
    world
        World or world name (default: the game's ``world``).
    backend, workers, **solver_kw
        Passed to :func:`tradeshock.parallel.solve_many` (one solve per profile).
    tol
        Payoff ties tolerance, percentage points.

    Returns
    -------
    GameResult
        ``payoffs`` (tidy), ``best_responses``, ``equilibria`` (list of move profiles as
        dicts), ``dominated``, and the Result of every profile.

    """
    from tradeshock.analysis.attribution import scenario_world, solve_batch

    t0 = time.perf_counter()
    game = game_file if isinstance(game_file, Game) else (
        Game.from_dict(game_file) if isinstance(game_file, Mapping) else Game.load(game_file))
    w = scenario_world(game, world)
    game.check_world(w)
    profiles = game.profiles
    from tradeshock.rates import reusing_pairs

    with reusing_pairs():                      # profiles share most pairs' measures
        shocks = [game.to_shock(w, prof) for prof in profiles]
    deficits = game.deficits or "fixed"
    if game.base and not game.deficits:
        from tradeshock.analysis.attribution import load_scenario, scenario_deficits

        deficits = scenario_deficits(load_scenario(game.base))
    results = solve_batch(w, shocks, deficits=deficits, backend=backend, workers=workers,
                          **solver_kw)
    players = game.players
    k = len(players)
    shape = tuple(len(p.moves) for p in players)
    u = np.zeros((k, *shape))
    rows = []
    for prof, res in zip(profiles, results, strict=True):
        idx = tuple(p.move_ids.index(m) for p, m in zip(players, prof, strict=True))
        for q, pl in enumerate(players):
            val = payoff_value(res, pl.country, pl.payoff)
            u[(q, *idx)] = val
            rows.append({**{p.country: m for p, m in zip(players, prof, strict=True)},
                         "player": pl.country, "outcome": pl.payoff, "payoff": val})
    payoffs = pd.DataFrame(rows)
    payoffs.attrs["unit"] = "percent change from the baseline"
    sol = solve_normal_form(u, tol)
    br_rows = []
    for q, pl in enumerate(players):
        others = [i for i in range(k) if i != q]
        for combo in itertools.product(*(range(shape[i]) for i in others)):
            sel: list[Any] = [None] * k
            for i, c in zip(others, combo, strict=True):
                sel[i] = c
            sel[q] = slice(None)
            best = np.nonzero(sol.best_response[q][tuple(sel)])[0]
            br_rows.append({"player": pl.country,
                            "others": ", ".join(f"{players[i].country}={players[i].moves[c].id}"
                                                for i, c in zip(others, combo, strict=True)),
                            "best": " / ".join(pl.moves[b].id for b in best)})
    equilibria = [{p.country: p.moves[i].id for p, i in zip(players, eq, strict=True)}
                  for eq in sol.equilibria]
    dom = pd.DataFrame([{"player": players[q].country, "move": players[q].moves[i].id,
                         "dominated_by": players[q].moves[j].id, "kind": kind}
                        for q in range(k) for (i, j, kind) in sol.dominated[q]],
                       columns=["player", "move", "dominated_by", "kind"])
    return GameResult(game, payoffs, pd.DataFrame(br_rows), equilibria, dom,
                      dict(zip(profiles, results, strict=True)), len(profiles),
                      time.perf_counter() - t0)
