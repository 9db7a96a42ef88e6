"""The strategic game: textbook normal-form games, a tariff war on a controlled world, bad files.

References: textbook games with known pure equilibria (prisoner's dilemma, matching pennies,
battle of the sexes, a 3-player coordination game), and the optimal-tariff argument (a large
country gains from a small unilateral tariff through its terms of trade, and a tariff war
leaves both worse off than free trade: Johnson 1953) on a two-country world solved by the
model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tradeshock.analysis.game import Game, play, solve_normal_form
from tradeshock.errors import ScenarioError
from tradeshock.synthetic import random_world

REPO = Path(__file__).resolve().parents[1]
GAMES = REPO / "src" / "tradeshock" / "scenarios" / "games"


# ------------------------------------------------------------------ normal-form solver
def _two(a, b):
    return np.array([a, b], dtype=float)


def test_prisoners_dilemma():
    # moves: 0 cooperate, 1 defect; payoffs (row, col)
    row = [[-1, -3], [0, -2]]
    sol = solve_normal_form(_two(row, np.array(row).T))
    assert sol.equilibria == ((1, 1),)
    assert sol.dominated[0] == ((0, 1, "strict"),) and sol.dominated[1] == ((0, 1, "strict"),)


def test_matching_pennies_has_no_pure_equilibrium():
    row = np.array([[1, -1], [-1, 1]])
    sol = solve_normal_form(_two(row, -row))
    assert sol.equilibria == ()
    assert sol.dominated == ((), ())


def test_battle_of_sexes_two_equilibria_and_weak_dominance():
    sol = solve_normal_form(_two([[2, 0], [0, 1]], [[1, 0], [0, 2]]))
    assert set(sol.equilibria) == {(0, 0), (1, 1)}
    weak = solve_normal_form(_two([[1, 1], [1, 0]], [[0, 0], [0, 0]]))
    assert weak.dominated[0] == ((1, 0, "weak"),)
    assert set(weak.equilibria) == {(0, 0), (0, 1), (1, 0)}


def test_three_player_coordination():
    u = np.zeros((3, 2, 2, 2))
    for a in range(2):
        u[:, a, a, a] = 1 + a          # all on 0: 1 each; all on 1: 2 each
    sol = solve_normal_form(u)
    assert set(sol.equilibria) == {(0, 0, 0), (1, 1, 1)}
    assert sol.best_response[0][:, 1, 1].tolist() == [False, True]


# ------------------------------------------------------------ a tariff war, in the model
def _tariff_game(world, rate=0.3):
    a, b = world.countries[:2]
    def moves(me, other):
        verb = {"tariff": {"imposer": me, "target": other, "rate": rate}}
        return [{"id": "free"}, {"id": "tariff", "shock": [verb]}]

    return {"name": "tariff-war", "players": [{"country": a, "moves": moves(a, b)},
                                              {"country": b, "moves": moves(b, a)}]}


def test_tariff_war_is_a_prisoners_dilemma():
    w = random_world(3, 2, seed=0, io=False, tariffs=False, deficits=False, theta=4.0)
    a, b = w.countries[:2]
    g = play(_tariff_game(w), w, backend="serial")
    assert g.n_solves == 4
    assert g.equilibria == [{a: "tariff", b: "tariff"}]
    m = g.matrix().set_index([a, b])
    free, war = m.loc[("free", "free")], m.loc[("tariff", "tariff")]
    assert free[f"payoff_{a}"] == pytest.approx(0.0, abs=1e-8)
    assert war[f"payoff_{a}"] < 0 and war[f"payoff_{b}"] < 0       # both lose in the war
    assert m.loc[("tariff", "free"), f"payoff_{a}"] > 0              # unilateral gain
    assert m.loc[("free", "tariff"), f"payoff_{b}"] > 0
    assert set(g.dominated["move"]) == {"free"}
    assert set(g.payoffs.columns) >= {a, b, "player", "payoff"}
    br = g.best_responses.set_index(["player", "others"])["best"]
    assert br[(a, f"{b}=free")] == "tariff"
    assert "Nash equilibrium" in g.summary()


# --------------------------------------------------------------------- malformed files
def _write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    return p


GOOD_PLAYERS = """
  - country: C00
    moves: [{id: free}, {id: tariff, shock: [{tariff: {imposer: C00, target: C01, rate: 0.2}}]}]
  - country: C01
    moves: [{id: free}]
"""


@pytest.mark.parametrize("text, must", [
    ("name: x\n", ["bad.yaml", "players", "missing"]),
    ("name: x\nplayrs: []\n", ["bad.yaml", "playrs", "did you mean players"]),
    ("players:\n  - country: C00\n    moves: [a]\n", ["bad.yaml", "at least 2 players"]),
    ("players:" + GOOD_PLAYERS.replace("{id: free}]\n", "{id: free}, {id: free}]\n"),
     ["bad.yaml", "players[1].moves[1].id", "'free'", "unique"]),
    ("players:" + GOOD_PLAYERS.replace("tariff: {", "tarif: {"),
     ["bad.yaml", "players[0].moves[1].shock[0]", "'tarif'", "did you mean tariff"]),
    ("players:" + GOOD_PLAYERS.replace("rate: 0.2", "rat: 0.2"),
     ["bad.yaml", "'rat'", "did you mean rate"]),
    ("payoff: real_incme\nplayers:" + GOOD_PLAYERS,
     ["bad.yaml", "payoff", "'real_incme'", "did you mean real_income"]),
    ("deficits: balanced\nplayers:" + GOOD_PLAYERS, ["bad.yaml", "deficits", "fixed or zero"]),
    ("players: [\n", ["bad.yaml", "YAML syntax error"]),
    ("players:" + GOOD_PLAYERS.replace("moves: [{id: free}]\n", "moves: []\n"),
     ["bad.yaml", "players[1].moves", "at least one move"]),
])
def test_malformed_game_files(tmp_path, text, must):
    with pytest.raises(ScenarioError) as exc:
        Game.load(_write(tmp_path, text))
    for piece in must:
        assert piece in str(exc.value)


def test_unknown_country_and_missing_file(tmp_path):
    w = random_world(3, 2, seed=0)
    p = _write(tmp_path, "players:" + GOOD_PLAYERS.replace("country: C01", "country: C10"))
    with pytest.raises(ScenarioError) as exc:
        play(p, w, backend="serial")
    assert "bad.yaml" in str(exc.value) and "'C10'" in str(exc.value) and "did you mean" in str(exc.value)
    with pytest.raises(ScenarioError, match="not found"):
        Game.load(tmp_path / "nope.yaml")


def test_shipped_game_file_is_valid():
    g = Game.load(GAMES / "canada-between-giants.yaml")
    assert [p.country for p in g.players] == ["CAN", "USA", "CHN"]
    assert len(g.profiles) == np.prod([len(p.moves) for p in g.players]) >= 8


@pytest.mark.parametrize("path", sorted(GAMES.glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_shipped_games_compile_with_sources(path):
    from tradeshock.world import load_world

    g = Game.load(path)
    w = load_world(g.world)
    g.check_world(w)
    for p in g.players:
        for m in p.moves:
            assert m.description, f"{p.country} {m.id} needs a description"
            if m.measures or m.shock or m.remove:
                assert m.source, f"{p.country} {m.id} needs a source"
    last = tuple(p.moves[-1].id for p in g.players)
    shock = g.to_shock(w, last)               # compiles against the world, no solve
    assert not shock.is_null


def test_report_section_renders():
    from tradeshock.report.html import render_report

    w = random_world(3, 2, seed=0, io=False, tariffs=False, deficits=False, theta=4.0)
    g = play(_tariff_game(w), w, backend="serial")
    page = render_report(g.results[("tariff", "tariff")], game=g, strict=True, sections=["game"])
    assert "Payoff matrix" in page and "Best responses" in page


@pytest.mark.slow
def test_shipped_game_matches_the_scenario_files():
    """Two profiles of the game are the scenario files canada-china-deal-2026 and
    us-punishes-canada-china-deal, encoded independently: their payoffs must agree."""
    from tradeshock.analysis.attribution import load_scenario, scenario_world
    from tradeshock.simulate import simulate

    g = play(GAMES / "canada-between-giants.yaml", backend="processes")
    assert g.n_solves == 8
    m = g.matrix().set_index(["CAN", "USA", "CHN"])
    for prof, name in [(("deal_with_china", "nothing", "relieve"), "canada-china-deal-2026"),
                       (("deal_with_china", "punish_canada", "relieve"), "us-punishes-canada-china-deal")]:
        sc = load_scenario(name)
        wel = simulate(scenario_world(sc), sc).welfare()["real_income"]
        for p in ("CAN", "USA", "CHN"):
            assert m.loc[prof, f"payoff_{p}"] == pytest.approx(wel[p], abs=1e-6)
    # carrying out the 100% threat costs the US itself (a non-credible threat in this payoff)
    assert all(m.loc[(c, "punish_canada", h), "payoff_USA"] < m.loc[(c, "nothing", h), "payoff_USA"]
               for c in ("status_quo", "deal_with_china") for h in ("keep_retaliation", "relieve"))


def test_payoff_outcomes_and_overrides():
    from tradeshock.analysis.game import payoff_value, with_payoffs

    w = random_world(3, 2, seed=0, io=False, tariffs=False, deficits=False, theta=4.0)
    a, b = w.countries[:2]
    g = with_payoffs(Game.from_dict(_tariff_game(w)), {a: "exports", "*": "value_added"})
    assert [p.payoff for p in g.players] == ["exports", "value_added"]
    res = play(g, w, backend="serial")
    r = res.results[("tariff", "free")]
    ex = r.exports(a)
    ex = ex[ex["partner"] != a]
    want = 100 * (ex["counterfactual"].sum() / ex["baseline"].sum() - 1)
    got = res.payoffs.set_index([a, b, "player"]).loc[("tariff", "free", a), "payoff"]
    assert got == pytest.approx(want, rel=1e-10)
    out = r.output()
    out = out[out["country"] == b]
    assert payoff_value(r, b, "value_added") == pytest.approx(
        100 * (out["value_added_cf"].sum() / out["value_added_base"].sum() - 1))
    with pytest.raises(ScenarioError, match="did you mean"):
        with_payoffs(g, {a: "real_incom"})
    with pytest.raises(ScenarioError, match="not a player"):
        with_payoffs(g, {"C09": "exports"})


def test_equilibria_match_brute_force_on_random_games():
    """Every profile is an equilibrium iff no player gains by a unilateral deviation."""
    import itertools

    rng = np.random.default_rng(7)
    for _ in range(30):
        shape = tuple(rng.integers(2, 4, size=3))
        u = rng.integers(-3, 4, size=(3, *shape)).astype(float)   # integers: ties happen
        sol = solve_normal_form(u)
        brute = set()
        for prof in itertools.product(*(range(m) for m in shape)):
            stable = True
            for p in range(3):
                for alt in range(shape[p]):
                    dev = list(prof)
                    dev[p] = alt
                    if u[(p, *dev)] > u[(p, *prof)]:
                        stable = False
            if stable:
                brute.add(prof)
        assert set(sol.equilibria) == brute


def test_cli_game_on_the_shipped_file(tmp_path):
    from typer.testing import CliRunner

    from tradeshock.cli import app

    out = tmp_path / "game.csv"
    res = CliRunner().invoke(app, ["game", "retaliate-or-not-2025", "--backend", "serial",
                                   "--out", str(out), "--report", str(tmp_path / "g.html")])
    assert res.exit_code == 0, res.output
    assert "Nash equilibrium" in res.output
    import pandas as pd

    df = pd.read_csv(out)
    assert len(df) == 4 * 2 and set(df["player"]) == {"CAN", "USA"}
    assert "Payoff matrix" in (tmp_path / "g.html").read_text()
