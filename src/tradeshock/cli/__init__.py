"""The ``tradeshock`` command line: one Typer app, one module per command group.

Each module in :data:`COMMAND_MODULES` exposes ``register(app)``. Exit codes:

- 0: done; 1: an error a user can cause (:class:`~tradeshock.errors.TradeshockError`), printed
  as one clear line (``--debug`` shows the traceback instead);
- 2: a usage error (missing argument, unknown option), printed by Typer with the usage line;
- 3: an internal error (a bug: please report it);
- 130: interrupted (Ctrl-C); 143: terminated (SIGTERM). Either way nothing half-written is left:
  outputs are staged beside their target and renamed into place only when complete
  (:mod:`tradeshock.output`), and the staging files are removed on the way out.

SIGINT and SIGTERM raise :class:`Interrupted`, which derives from ``BaseException`` but not
from ``KeyboardInterrupt``, so neither Typer (which turns ``KeyboardInterrupt`` into a silent
exit) nor any ``except Exception`` in between can swallow it, while every ``finally`` runs.
"""

from __future__ import annotations

import importlib
import signal
import sys
import warnings

import typer

from tradeshock.errors import TradeshockError

COMMAND_MODULES = ("data", "rates", "run", "exposure", "strategy", "value_added", "timeline", "gravity",
                   "serve")

#: Exit codes (see the module docstring).
EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 3

app = typer.Typer(
    name="tradeshock",
    help="Trade-policy simulator: general-equilibrium effects of tariffs, retaliation and deals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _mod in COMMAND_MODULES:
    importlib.import_module(f"tradeshock.cli.{_mod}").register(app)


_python_showwarning = warnings.showwarning


class Interrupted(BaseException):  # noqa: N818 - it is a signal, not an error
    """SIGINT or SIGTERM arrived; ``signum`` says which (exit code 128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    # a second signal while unwinding should not interrupt the clean-up in ``finally`` blocks
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings from tradeshock print as one ``warning: ...`` line; others as Python does."""
    from tradeshock.errors import TradeshockWarning

    if issubclass(category, TradeshockWarning):
        typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


def install_signal_handlers() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` in the main thread."""
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)


def _say(text: str) -> None:
    try:
        typer.secho(text, fg=typer.colors.RED, err=True)
    except BaseException:  # noqa: BLE001 - a closed stderr must not turn into a traceback
        pass


def main() -> None:
    """Console entry point: run the app; errors become one line and an exit code (see above)."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    install_signal_handlers()
    warnings.showwarning = _show_warning
    try:
        try:
            app(standalone_mode=True)      # Typer prints usage errors itself (exit 2)
        except SystemExit as done:
            if done.code not in (0, None):
                raise
            return                         # success returns, so callers can go on
    except Interrupted as exc:
        what = "interrupted" if exc.signum == signal.SIGINT else "terminated"
        _say(f"{what}: stopped before finishing; nothing was written or replaced")
        sys.exit(128 + exc.signum)
    except KeyboardInterrupt:              # a signal that arrived before the handlers
        _say("interrupted: stopped before finishing; nothing was written or replaced")
        sys.exit(130)
    except TradeshockError as exc:
        if debug:
            raise
        _say(f"error: {exc}")
        sys.exit(EXIT_ERROR)
    except MemoryError:
        _say("error: out of memory; try a smaller world, fewer workers or fewer scenarios")
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the unexpected: a bug
        if debug:
            raise
        _say(f"internal error: {exc.__class__.__name__}: {str(exc)[:300]} (run with --debug for "
             "the traceback, and please report it)")
        sys.exit(EXIT_INTERNAL)
