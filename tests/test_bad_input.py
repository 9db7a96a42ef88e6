"""The bad-input catalogue: every case gives a clear error (or a stated warning), never a
traceback, never "internal error", never a half-written or silently wrong output.

Cases are grouped: CLI usage and options, output folders and files, interrupts (real
subprocesses and signals), scenario and measure files, value bounds, the solver API. Each
asserts the message names the file, field or value and that an earlier output is unchanged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli as _cli

from tradeshock.errors import TradeshockError

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("tradeshock")


def _clean(err: str, out: str = "") -> None:
    assert "Traceback" not in err + out
    assert "internal error" not in err + out


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()} if folder.exists() else {}


# ------------------------------------------------------------------ CLI: usage (real processes)
@pytest.mark.parametrize(("args", "message"), [
    ([], "Usage: tradeshock"),
    (["run"], "Missing argument"),
    (["run", "--bogus", "x"], "No such option: --bogus"),
    (["--bogus"], "No such option: --bogus"),
    (["exposure", "CAN", "--min-share", "-1"], "--min-share"),
])
def test_usage_errors_print_typer_usage_and_exit_2(args, message):
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True, env=_env(), cwd="/tmp",
                       timeout=120)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr + p.stdout
    _clean(p.stderr, p.stdout)


# ------------------------------------------------------------------ CLI: options (in process)
@pytest.mark.parametrize(("args", "message"), [
    (["exposure", "CAN", "--min-share", "-0.5"], "--min-share"),
    (["exposure", "CAN", "--top", "0"], "--top"),
    (["exposure", "CAN", "--workers", "0"], "--workers"),
    (["attribute", "canada-china-deal-2026", "--pairs", "0"], "--pairs"),
    (["target", "--max", "-1"], "--max"),
])
def test_numeric_options_are_bounded(monkeypatch, capsys, args, message):
    code, out, err = _cli(monkeypatch, capsys, *args)
    assert code == 2 and message in err
    _clean(err, out)


def test_min_share_nan_is_refused_by_the_api():
    from tradeshock.analysis.exposure import exposure

    with pytest.raises(TradeshockError, match="min_share nan must be a share of at least 0"):
        exposure("CAN", min_share=float("nan"), cutoffs=True)


# ------------------------------------------------------------------ output folders and files
@pytest.mark.parametrize(("out", "message"), [
    ("/", "is the filesystem root"),
    ("", "is the current folder"),          # Typer turns '' into '.'
    (".", "is the current folder"),
    ("~", "is your home folder"),
    (str(ROOT), "is the repository root"),
])
def test_out_refuses_folders_that_must_not_be_replaced(monkeypatch, capsys, tmp_path, out, message):
    monkeypatch.chdir(tmp_path)
    code, o, err = _cli(monkeypatch, capsys, "run", "us-universal-10", "--out", out)
    assert code == 1 and message in err and err.count("\n") == 1
    _clean(err, o)
    assert not list(tmp_path.iterdir())


def test_out_refuses_a_folder_of_other_files(monkeypatch, capsys, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("mine")
    code, _, err = _cli(monkeypatch, capsys, "run", "us-universal-10", "--out", str(tmp_path / "docs"))
    assert code == 1 and "holds files tradeshock did not write (thesis.tex)" in err
    assert _snapshot(tmp_path / "docs") == {"thesis.tex": b"mine"}


def test_bad_scenario_leaves_no_empty_out_folder(monkeypatch, capsys, tmp_path):
    code, _, err = _cli(monkeypatch, capsys, "run", "no-such-scenario", "--out", str(tmp_path / "o"))
    assert code == 1 and "unknown scenario" in err
    assert not (tmp_path / "o").exists()


def test_unwritable_out_is_a_clear_error(monkeypatch, tmp_path):
    from tradeshock import output

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.tempfile, "mkdtemp", denied)
    with pytest.raises(output.OutputError, match=r"--out .*o: cannot write there \(Permission denied\)"):
        with output.staged_folder(tmp_path / "o"):
            pass
    assert not (tmp_path / "o").exists()
    monkeypatch.setattr(output.os, "access", lambda *a, **k: False)
    with pytest.raises(output.OutputError, match="permission denied"):
        output.check_folder(tmp_path / "p")


@pytest.mark.parametrize(("cmd", "flag", "path", "message"), [
    (["attribute", "canada-china-deal-2026"], "--out", "FOLDER", "is a folder; give a file name"),
    (["attribute", "canada-china-deal-2026"], "--out", "t.pdf", "unknown file type '.pdf'"),
    (["attribute", "canada-china-deal-2026"], "--report", "r.csv", "unknown file type '.csv'"),
    (["game"], "--out", "noext", "give a file name ending in .csv"),
    (["target"], "--report", "FOLDER", "is a folder"),
    (["rates", "--as-of", "2026-03-01"], "--out", "x.txt", "unknown file type '.txt'"),
    (["exposure", "CAN"], "--out", "FOLDER", "is a folder"),
])
def test_output_files_are_checked_before_solving(monkeypatch, capsys, tmp_path, cmd, flag, path,
                                                 message):
    (tmp_path / "FOLDER").mkdir()
    t0 = time.perf_counter()
    code, out, err = _cli(monkeypatch, capsys, *cmd, flag, str(tmp_path / path))
    assert code == 1 and message in err and flag in err
    assert time.perf_counter() - t0 < 20          # refused up front, not after solving
    _clean(err, out)


@pytest.fixture(scope="module")
def results():
    from test_report import small_world

    from tradeshock.shock import Shock
    from tradeshock.simulate import simulate

    w = small_world()
    return [simulate(w, Shock(w).tariff(imposer="USA", target="CAN", rate=0.25))]


def test_failed_swap_leaves_the_old_folder_whole(tmp_path, results, monkeypatch):
    from tradeshock import output, runner

    out = runner.write_outputs(results, tmp_path / "out", "csv")
    before = _snapshot(out)

    def broken(a, b):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    monkeypatch.setattr(output.os, "rename", broken)
    with pytest.raises(TradeshockError, match="previous outputs were left as they were"):
        runner.write_outputs(results, out, "csv,parquet")
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]       # no staging folder left


def test_swap_replaces_in_one_rename_and_keeps_user_files(tmp_path, results):
    from tradeshock import runner

    out = runner.write_outputs(results, tmp_path / "out", "csv,parquet")
    (out / "notes.txt").write_text("mine")
    ino = out.stat().st_ino
    runner.write_outputs(results, out, "parquet")
    names = {p.name for p in out.iterdir()}
    assert out.stat().st_ino != ino                       # a new folder, swapped in
    assert "notes.txt" in names and not [n for n in names if n.endswith(".csv")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stale_staging_folders_of_dead_processes_are_removed(tmp_path, results):
    from tradeshock import runner

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".out.tradeshock-tmp-{dead}-abc"
    stale.mkdir()
    (stale / "trade.csv").write_bytes(b"x" * 1000)
    legacy = tmp_path / "out" / ".tradeshock-k3j2"          # left inside by older versions
    legacy.mkdir(parents=True)
    (tmp_path / "out" / "run.json").write_text('{"tradeshock_run": 1, "files": []}')
    runner.write_outputs(results, tmp_path / "out", "csv")
    assert not stale.exists()
    assert not legacy.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_parquet_with_mfn_rates_writes(tmp_path):
    """A scenario with ``rate: mfn`` has a text/number ``rate`` column (was ArrowTypeError)."""
    import pandas as pd

    from tradeshock.runner import _uniform

    col = _uniform(pd.Series([0.25, "mfn", None], dtype=object))
    assert list(col[:2]) == ["0.25", "mfn"] and pd.isna(col[2])
    pd.DataFrame({"rate": col}).to_parquet(tmp_path / "m.parquet")
    from tradeshock import runner

    res = runner.run("cusma-termination", out=tmp_path / "o", formats=["parquet"])
    got = pd.read_parquet(tmp_path / "o" / "measures.parquet")
    assert "mfn" in set(got["rate"]) and res.diagnostics["converged"]


# ------------------------------------------------------------------ interrupts (real processes)
def _start_solve(out: Path) -> subprocess.Popen:
    p = subprocess.Popen([str(EXE), "run", "us-universal-10", "--out", str(out)], cwd="/tmp",
                         env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()                    # "solving us-universal-10 …": the solve starts
    assert "solving" in line, line
    return p


@pytest.mark.parametrize(("sig", "code", "delay"), [
    (signal.SIGINT, 130, 0.0), (signal.SIGINT, 130, 0.4), (signal.SIGTERM, 143, 0.2)])
def test_interrupt_during_a_solve_exits_cleanly_and_keeps_the_old_folder(tmp_path, results, sig,
                                                                          code, delay):
    from tradeshock import runner

    out = runner.write_outputs(results, tmp_path / "out", "csv")
    before = _snapshot(out)
    p = _start_solve(out)
    time.sleep(delay)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == code, err
    assert err.strip().count("\n") == 0 and ("interrupted" in err or "terminated" in err)
    _clean(err)
    assert _snapshot(out) == before
    assert sorted(q.name for q in tmp_path.iterdir()) == ["out"]


def _handlers_installed(pid: int, timeout: float = 30.0) -> None:
    """Wait until the process catches SIGTERM: tradeshock's first line of code has run.

    (A signal in the interpreter's own start-up, before any tradeshock code, is Python's.)
    """
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        caught = int(next(x for x in status.splitlines() if x.startswith("SigCgt:")).split()[1], 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.002)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.3])
def test_interrupt_during_import_prints_no_traceback(delay):
    p = subprocess.Popen([str(EXE), "data", "list"], cwd="/tmp", env=_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _handlers_installed(p.pid)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode in (0, 130), err
    _clean(err, out)


def test_game_default_runs_outside_the_repository(monkeypatch, tmp_path):
    from tradeshock.analysis.game import Game

    monkeypatch.chdir(tmp_path)
    assert Game.load("canada-between-giants").name


# ------------------------------------------------------------------ scenario and measure files
def _bomb() -> str:
    """The 1 KB "billion laughs": nine levels of nine aliases (9**9 values once expanded)."""
    lines = ["name: bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, k in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{k}: &{k} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


_T = "measures:\n  - tariff: {imposer: USA, target: CAN, %s}\n"
FILE_CASES: list[tuple[str, str | bytes, list[str]]] = [
    ("dup-add", "name: d\n" + _T % "add: 0.1, add: 5.0", ["duplicate key 'add'", ":3:"]),
    ("dup-measures", "name: d\n" + _T % "add: 0.1" + "measures: []\n", ["duplicate key 'measures'",
                                                                        "first on line 2"]),
    ("dup-name", "name: a\nname: b\n", ["duplicate key 'name'"]),
    ("alias-bomb", _bomb(), ["expands to more than 200,000 values"]),
    ("alias-self", "name: s\nmeasures: &x [*x]\n", ["refers to the value that contains it"]),
    ("alias-many", "name: m\nv: &v 1\nmeasures: [" + ", ".join(["*v"] * 201) + "]\n",
     ["more than 200 YAML aliases"]),
    ("deep-5000", "name: d\nmeasures: " + "[" * 5000 + "]" * 5000 + "\n", ["nested too deeply"]),
    ("deep-60", "name: d\nmeasures: " + "[" * 60 + "]" * 60 + "\n", ["nested more than 40"]),
    ("latin1", "name: café\n".encode("latin-1"), ["not UTF-8", "save the scenario file as UTF-8"]),
    ("utf16", "name: x\n".encode("utf-16"), ["not UTF-8"]),
    ("binary", bytes(range(256)), ["not UTF-8"]),
    ("huge", "name: h\n" + "# padding\n" * 250_000, ["larger than 2 MB"]),
    ("syntax", "name: [unclosed\n", ["YAML syntax error"]),
    ("imposer-int", "name: t\n" + _T.replace("imposer: USA", "imposer: 1") % "add: 0.1",
     ["imposer", "not a country code"]),
    ("target-ints", "name: t\n" + _T.replace("target: CAN", "target: [1, 2]") % "add: 0.1",
     ["target[0]: value 1 is not a country code"]),
    ("target-map", "name: t\n" + _T.replace("target: CAN", "target: {a: 1}") % "add: 0.1",
     ["not a country code"]),
    ("target-unknown", "name: t\n" + _T.replace("target: CAN", "target: CHI") % "add: 0.1",
     ["unknown country 'CHI'", "did you mean CHN"]),
    ("hs-float", "name: t\n" + _T % "hs: [1514.5], add: 0.1", ["bad HS code"]),
    ("hs-map", "name: t\n" + _T % "hs: {a: 1}, add: 0.1", ["HS codes must be a code or a list"]),
    ("hs-9999", "name: t\n" + _T % "hs: ['9999'], add: 0.1",
     ["HS code '9999'", "heading 9999 is not in the HS nomenclature"]),
    ("hs-1599", "name: t\n" + _T % "hs: ['1599'], add: 0.1", ["heading 1599", "did you mean 15"]),
    ("hs-chapter-00", "name: t\n" + _T % "hs: ['00'], add: 0.1", ["chapter 00"]),
    ("sector-int", "name: t\n" + _T % "sectors: [1], add: 0.1", ["unknown sector 1"]),
    ("sector-services", "name: t\n" + _T % "sectors: [business_services], add: 0.1",
     ["'business_services' is a services sector", "trade_cost"]),
    ("quota-services", "name: t\nmeasures:\n  - quota: {imposer: CHN, target: CAN, sectors: "
     "[finance], in_rate: 0, over_rate: 0.5, volume_share: 0.5}\n", ["'finance' is a services sector"]),
    ("add-25", "name: t\n" + _T % "add: 25", ["value 25 is 2,500%", "above the 1,000% bound",
                                             "did you mean 0.25"]),
    ("rate-12", "name: t\n" + _T % "rate: 12", ["value 12 is 1,200%"]),
    ("rate-negative", "name: t\n" + _T % "rate: -0.2", ["value -0.2 is negative"]),
    ("add-below", "name: t\n" + _T % "add: -1.5", ["at or below -100%"]),
    ("add-inf", "name: t\n" + _T % "add: .inf", ["value inf is not a finite number"]),
    ("add-nan", "name: t\n" + _T % "add: .nan", ["value nan is not a finite number"]),
    ("add-overflow", "name: t\n" + _T % f"add: {10 ** 400}", ["is not a finite number"]),
    ("add-text", "name: t\n" + _T % "add: high", ["value 'high' is not a number"]),
    ("add-bool", "name: t\n" + _T % "add: true", ["value True is not a number"]),
    ("quota-rate", "name: t\nmeasures:\n  - quota: {imposer: CHN, target: CAN, hs: ['1514'], "
     "in_rate: 0, over_rate: 50, volume_share: 0.5}\n", ["over_rate", "5,000%"]),
    ("trade-cost-20", "name: t\nmeasures:\n  - trade_cost: {importer: USA, change: 20}\n",
     ["change: value 20 is 2,000%"]),
    ("embargo-int", "name: t\nmeasures:\n  - embargo: {imposer: 7}\n", ["not a country code"]),
    ("as-of-2100", "name: t\nas_of: 2100-01-01\n", ["as_of: value 2100-01-01 is outside"]),
    ("as-of-1900", "name: t\nas_of: 1900-01-01\n", ["as_of: value 1900-01-01 is outside"]),
    ("as-of-list", "name: t\nas_of: [1]\n", ["as_of: value [1] is not a date"]),
    ("as-of-feb30", "name: t\nas_of: 2026-02-30\n", ["as_of: value '2026-02-30' is not a date"]),
    ("extends-passwd", "name: t\nextends: /etc/passwd\n", ["'/etc/passwd' is not a scenario file"]),
    ("extends-long", "name: t\nextends: " + "x" * 300 + "\n", ["is not a scenario name or a path"]),
    ("extends-map", "name: t\nextends: {a: 1}\n", ["is not a scenario name or a path"]),
    ("extends-missing", "name: t\nextends: nowhere/none.yaml\n", ["unknown scenario 'nowhere/none.yaml'"]),
    ("extends-cycle", "name: t\nextends: extends-cycle\n", ["cycle"]),
    ("remove-float", "name: t\nremove: 3.5\n", ["field remove: value 3.5 is not a list"]),
    ("remove-int", "name: t\nremove: [1]\n", ["unknown measure id 1 in remove[0]"]),
    ("name-list", "name: [a]\n", ["field name: value ['a'] is not text"]),
    ("name-missing", "world: default\n", ["field name is required"]),
    ("world-int", "name: t\nworld: 5\n", ["field world: value 5 is not text"]),
    ("measures-text", "name: t\nmeasures: x\n", ["field measures must be a list"]),
    ("entry-int", "name: t\nmeasures: [1]\n", ["measures[0] must be a mapping"]),
    ("entry-two-kinds", "name: t\nmeasures:\n  - {tariff: {imposer: USA, add: 0.1}, embargo: {}}\n",
     ["needs exactly one of"]),
    ("top-typo", "name: t\nmeasure: []\n", ["unknown field 'measure'", "did you mean measures"]),
    ("settings-deficits", "name: t\nsettings: {deficits: maybe}\n", ["settings.deficits"]),
    ("ref-list", "name: t\nmeasures:\n  - ref: [1]\n", ["unknown measure id"]),
    ("toml-dup", b'name = "a"\nname = "b"\n', ["TOML syntax error"]),
    ("toml-latin1", 'name = "café"\n'.encode("latin-1"), ["not UTF-8"]),
    ("not-a-mapping", "- a\n- b\n", ["a scenario must be a mapping"]),
]


@pytest.mark.parametrize(("name", "content", "needles"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_scenario_files_give_a_clear_error(monkeypatch, capsys, tmp_path, name, content, needles):
    suffix = ".toml" if name.startswith("toml") else ".yaml"
    path = tmp_path / f"{name}{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    code, out, err = _cli(monkeypatch, capsys, "validate", str(path))
    assert time.perf_counter() - t0 < 30
    assert code == 1, out + err
    assert err.startswith("error: ") and str(path) in err
    for needle in needles:
        assert needle in err, err
    _clean(err, out)


def test_extends_never_echoes_a_foreign_file(monkeypatch, capsys, tmp_path):
    (tmp_path / "secret.txt").write_text("TOPSECRET line one\n")
    (tmp_path / "secret.yaml").write_text("TOPSECRET: [unclosed\n")
    for ref in ("secret.txt", str(tmp_path / "secret.txt"), "secret.yaml"):
        p = tmp_path / "s.yaml"
        p.write_text(f"name: s\nextends: {ref}\n")
        code, out, err = _cli(monkeypatch, capsys, "validate", str(p))
        assert code == 1 and "TOPSECRET" not in err + out, err


def test_validate_reports_every_problem(monkeypatch, capsys, tmp_path):
    p = tmp_path / "many.yaml"
    p.write_text("name: many\nas_of: 2100-01-01\nmeasures:\n"
                 "  - tariff: {imposer: USA, target: CAN, add: 25}\n"
                 "  - tariff: {imposer: USA, target: CAN, hs: ['9999'], add: 0.1}\n"
                 "  - tariff: {imposer: USA, sectors: [business_services], add: 0.1}\n"
                 "remove: [nothing]\n")
    code, _, err = _cli(monkeypatch, capsys, "validate", str(p))
    assert code == 1 and "5 problems" in err
    for needle in ("as_of", "2,500%", "heading 9999", "services sector", "remove[0]"):
        assert needle in err
    from tradeshock.errors import ScenarioError
    from tradeshock.scenario import Scenario

    with pytest.raises(ScenarioError) as info:
        Scenario.load(p)
    assert len(info.value.problems) == 5


def test_library_and_game_files_use_the_same_guards(tmp_path):
    from tradeshock.analysis.game import Game
    from tradeshock.errors import ScenarioError
    from tradeshock.measures.library import load_library

    lib = tmp_path / "fam.yaml"
    lib.write_text("- id: a\n  id: b\n  title: t\n")
    with pytest.raises(ScenarioError, match="duplicate key 'id'"):
        load_library([lib])
    lib.write_bytes("- id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_library([lib])
    game = tmp_path / "g.yaml"
    game.write_text("name: g\nname: h\nplayers: []\n")
    with pytest.raises(ScenarioError, match="duplicate key 'name'"):
        Game.load(game)


# ------------------------------------------------------------------ one rule each: stacking, services
@pytest.fixture(scope="module")
def world():
    from tradeshock.world import load_world

    return load_world("default")


def _usa_can_machinery(world, entries):
    from tradeshock.scenario import Scenario

    s = Scenario.from_dict({"name": "x", "measures": entries}).to_shock(world)
    n, i, j = (world.countries.index("USA"), world.countries.index("CAN"),
               world.sectors.index("machinery"))
    return float(s.tariffs[n, i, j])


@pytest.mark.parametrize(("entries", "expected"), [
    ([{"rate": 0.25}, {"rate": 0.10}], 0.10),       # two rates: the last listed sets it
    ([{"rate": 0.10}, {"rate": 0.25}], 0.25),       # (was 0.35 minus the base: they added up)
    ([{"rate": 0.10}, {"add": 0.05}], 0.15),        # a rate, then points on top
    ([{"add": 0.05}, {"add": 0.05}], None),         # two additions add up (base + 0.10)
])
def test_two_rates_on_one_flow_do_not_add_up(world, entries, expected):
    base = float(world.tariffs[world.countries.index("USA"), world.countries.index("CAN"),
                               world.sectors.index("machinery")])
    got = _usa_can_machinery(world, [{"tariff": {"imposer": "USA", "target": "CAN", **e}}
                                     for e in entries])
    assert got == pytest.approx(base + 0.10 if expected is None else expected, abs=1e-12)


def test_services_tariffs_are_refused_by_scenarios_and_the_api_alike(world):
    from tradeshock.errors import ScenarioError, ShockError
    from tradeshock.scenario import Scenario
    from tradeshock.shock import Shock

    with pytest.raises(ShockError, match="'business_services' is a services sector"):
        Shock(world).tariff(imposer="USA", sectors="business_services", add=0.1)
    with pytest.raises(ScenarioError, match="'business_services' is a services sector"):
        Scenario.from_dict({"name": "x", "measures": [
            {"tariff": {"imposer": "USA", "sectors": ["business_services"], "add": 0.1}}]})
    # all sectors: goods only in both
    api = Shock(world).tariff(imposer="USA", add=0.1).tariffs
    sc = Scenario.from_dict({"name": "x", "measures": [
        {"tariff": {"imposer": "USA", "add": 0.1}}]}).to_shock(world).tariffs
    k = world.sectors.index("business_services")
    assert np.allclose(api[..., k], world.tariffs[..., k]) and np.allclose(sc[..., k], api[..., k])


# ------------------------------------------------------------------ solver API
@pytest.mark.parametrize(("kw", "message"), [
    ({"tol": float("nan")}, "tol=nan"), ({"tol": -1.0}, "tol=-1.0"), ({"tol": 0.0}, "tol=0.0"),
    ({"tol": 2.0}, "accepts anything"), ({"max_iter": 0}, "max_iter=0"),
    ({"max_iter": -5}, "max_iter=-5"), ({"max_iter": 1.5}, "max_iter=1.5"),
])
def test_solver_arguments_are_checked_at_once(kw, message):
    from test_report import small_world

    from tradeshock.model import baseline_from_world, solve
    from tradeshock.simulate import simulate

    w = small_world()
    t0 = time.perf_counter()
    with pytest.raises(TradeshockError, match=message.replace(".", r"\.")):
        simulate(w, None, **kw)
    with pytest.raises(TradeshockError, match=message.replace(".", r"\.")):
        solve(baseline_from_world(w), **kw)
    assert time.perf_counter() - t0 < 5


def test_prohibitive_tariff_is_not_called_an_embargo():
    from tradeshock.errors import ShockError
    from tradeshock.shock import Shock
    from tradeshock.simulate import simulate
    from tradeshock.world import load_world

    w = load_world("cp1993")
    with pytest.raises(ShockError) as info:
        simulate(w, Shock(w).tariff(rate=1e6))
    assert "embargoed" not in str(info.value)
    assert "prices every supplier of petroleum to IDN out of the market" in str(info.value)


def test_huge_trade_cost_cut_warns(world):
    from tradeshock.errors import TradeshockWarning
    from tradeshock.shock import Shock
    from tradeshock.simulate import simulate

    with pytest.warns(TradeshockWarning, match="far outside the range"):
        res = simulate(world, Shock(world).trade_cost(change=-0.99))
    assert res.meta["warnings"]


def test_minus_99_percent_tariffs_fail_fast_and_clearly(world):
    from tradeshock.errors import ConvergenceError, ShockError
    from tradeshock.shock import Shock
    from tradeshock.simulate import simulate

    with pytest.raises((ConvergenceError, ShockError)) as info:
        simulate(world, Shock(world).tariff(rate=-0.99))
    assert "diverged" in str(info.value) or "smaller shock" in str(info.value)
    diag = getattr(info.value, "diagnostics", None)
    if isinstance(diag, dict):                 # stopped at the divergence, not at max_iter=1000
        assert diag["iterations"] < 1000        # (it used to run all 1000 steps: 90-150 s)


# ------------------------------------------------------------------ fuzz: the scenario loader
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = ["name", "description", "world", "as_of", "extends", "measures", "remove", "settings",
          "ref", "tariff", "quota", "trade_cost", "embargo", "label", "imposer", "target",
          "targets", "exempt", "hs", "sectors", "lists", "rate", "add", "in_rate", "over_rate",
          "volume_share", "importer", "exporter", "change", "symmetric", "deficits", "start",
          "end", "USA", "CAN", "CHN", "EU27", "all", "mfn", "1514", "9999", "agriculture",
          "finance", "2026-03-01", "2100-01-01", "us-universal-10", "ca-cn-ev-quota-2026"]
_SCALARS = st.one_of(
    st.sampled_from(_WORDS), st.none(), st.booleans(),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30), st.floats(allow_nan=True),
    st.text(max_size=30))
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                      st.dictionaries(st.one_of(st.sampled_from(_WORDS),
                                                                st.integers(-3, 3)), inner,
                                                      max_size=4)),
    max_leaves=25)
_ENTRY = st.builds(
    lambda kind, body: {kind: body},
    st.sampled_from(["ref", "tariff", "quota", "trade_cost", "embargo"]),
    st.one_of(_VALUES, st.dictionaries(st.sampled_from(_WORDS), _VALUES, max_size=6)))
_DOC = st.fixed_dictionaries(
    {"name": st.one_of(st.just("fuzz"), _SCALARS)},
    optional={"measures": st.one_of(st.lists(_ENTRY, max_size=4), _VALUES), "as_of": _VALUES,
              "remove": _VALUES, "settings": _VALUES, "world": _VALUES, "extends": _VALUES,
              "description": _VALUES})


def _loads_cleanly(path: Path) -> None:
    from tradeshock.scenario import Scenario

    try:
        sc = Scenario.load(path)
    except TradeshockError:
        return
    assert isinstance(sc, Scenario)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(doc=_DOC)
def test_fuzzed_documents_load_or_fail_clearly(tmp_path, doc):
    import yaml

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    t0 = time.perf_counter()
    _loads_cleanly(path)
    assert time.perf_counter() - t0 < 10


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(_WORDS + [":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",", "&a",
                                       "*a", "!!python/object", "'", '"', "#", "<<:", "---",
                                       "\t", "%YAML"]), max_size=60).map("".join)))
def test_fuzzed_text_loads_or_fails_clearly(tmp_path, raw):
    path = tmp_path / "raw.yaml"
    path.write_bytes(raw if isinstance(raw, bytes) else ("name: r\n" + raw).encode())
    _loads_cleanly(path)
