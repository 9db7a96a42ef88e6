"""Run the ``tradeshock`` command line in-process for tests: exit code, stdout, stderr."""

from __future__ import annotations

import sys

import pytest


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            *args: str) -> tuple[int, str, str]:
    """``tradeshock ARGS`` through the console entry point (so errors print as users see them)."""
    from tradeshock.cli import main

    monkeypatch.setattr(sys, "argv", ["tradeshock", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err
