"""A non-editable install (a wheel, run from another folder) finds the shipped scenarios and games
by name, and the dashboard's catalogue loads from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import tradeshock, sys
from pathlib import Path
assert Path(tradeshock.__file__).is_relative_to(Path(sys.argv[1])), tradeshock.__file__
from tradeshock.runner import list_scenarios, load_scenario
from tradeshock.shipped import names as shipped_names
names = list_scenarios()
assert "us-universal-10" in names and "canada-china-deal-2026" in names, names
assert load_scenario("us-punishes-canada-china-deal").base is not None
assert "canada-between-giants" in shipped_names("game")
from tradeshock.app.service import catalog
assert "status-quo-2026-03" in catalog().scenarios and catalog().games
from tradeshock.app.pages import ASSETS
assert (ASSETS / "style.css").is_file()
print("ok")
"""


@pytest.mark.slow
def test_wheel_install_finds_scenarios_and_games_by_name(tmp_path):
    src = tmp_path / "src-copy"                  # build from a copy: no build/ or egg-info here
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "out", "build", "dist",
                                                             "*.egg-info", "__pycache__", ".*cache"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", "wheel", "--no-deps",
                    "-w", str(wheels), str(src)], check=True, cwd=tmp_path)
    site = tmp_path / "site"
    wheel = next(wheels.glob("tradeshock-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(wheel)], check=True, cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", CHECK, str(site)], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")
