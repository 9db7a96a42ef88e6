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

import pytest

from tradeshock.cli import main
from tradeshock.errors import TradeshockError

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("tradeshock")


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["tradeshock", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


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
