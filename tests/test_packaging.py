"""Scenarios and games ship inside the package: a wheel installed elsewhere runs them by name."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tradeshock import runner, shipped
from tradeshock.analysis.game import Game
from tradeshock.scenario import Scenario, find_scenario, list_scenarios

REPO = Path(__file__).resolve().parents[1]


def test_shipped_files_are_inside_the_package():
    assert shipped.shipped_dir("scenario") == REPO / "src" / "tradeshock" / "scenarios"
    assert {"us-universal-10", "canada-china-deal-2026", "baseline-2024"} <= set(list_scenarios())
    assert shipped.names("game", include_user=False) == ["canada-between-giants", "retaliate-or-not-2025"]
    assert not (REPO / "scenarios").exists()


def test_names_resolve_from_any_folder_and_the_user_folder_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_scenario("us-universal-10") == shipped.shipped_dir() / "us-universal-10.yaml"
    assert Game.load("canada-between-giants").name
    # a ./scenarios file with a shipped name wins over the shipped one
    (tmp_path / "scenarios" / "games").mkdir(parents=True)
    (tmp_path / "scenarios" / "us-universal-10.yaml").write_text("name: my-own-universal\n")
    assert Scenario.load(runner.scenario_path("us-universal-10")).name == "my-own-universal"
    src = shipped.shipped_dir("game") / "retaliate-or-not-2025.yaml"
    (tmp_path / "scenarios" / "games" / "my-game.yaml").write_text(src.read_text(encoding="utf-8"))
    assert "my-game" in shipped.names("game")
    assert Game.load("my-game").source.endswith("my-game.yaml")


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "tradeshock", "--help"], capture_output=True, text=True,
                         check=True)
    assert "Trade-policy simulator" in out.stdout


@pytest.mark.slow
def test_a_built_wheel_runs_shipped_scenarios_and_games_by_name(tmp_path):
    """Build a real wheel, install it into a fresh folder, run from an unrelated directory."""
    src = tmp_path / "src-copy"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", ".venv", "out", "build", "dist",
                                                             "*.egg-info", "__pycache__", ".*cache"))
    wheels, site, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["wheel", "--no-deps", "-w", str(wheels), str(src)], check=True)
    whl = next(wheels.glob("tradeshock-*.whl"))
    subprocess.run(pip + ["install", "--no-deps", "--target", str(site), str(whl)], check=True)
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = ("import tradeshock, pathlib; from tradeshock.scenario import list_scenarios;"
            "from tradeshock.analysis.game import Game;"
            "assert pathlib.Path(tradeshock.__file__).is_relative_to(pathlib.Path(r'%s'));"
            "print(len(list_scenarios())); print(Game.load('canada-between-giants').name)").replace(
                "%s", str(site))
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True,
                         text=True, check=True)
    n, game = out.stdout.split("\n")[:2]
    assert int(n) == len(list_scenarios()) and game
    run = subprocess.run([sys.executable, "-m", "tradeshock", "validate", "us-punishes-canada-china-deal"],
                         cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
