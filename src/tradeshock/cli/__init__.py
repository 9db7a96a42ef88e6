"""The ``tradeshock`` command line: one Typer app, one module per command group.

Each module in :data:`COMMAND_MODULES` exposes ``register(app)``. Errors a user can cause
(:class:`~tradeshock.errors.TradeshockError`) print one clear line and exit with code 1; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys

import typer

from tradeshock.errors import TradeshockError

COMMAND_MODULES = ("data", "rates", "run", "exposure", "strategy", "value_added", "timeline", "gravity",
                   "serve")

app = typer.Typer(
    name="tradeshock",
    help="Trade-policy simulator: general-equilibrium effects of tariffs, retaliation and deals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _mod in COMMAND_MODULES:
    importlib.import_module(f"tradeshock.cli.{_mod}").register(app)


def main() -> None:
    """Console entry point: run the app, turning known errors into one line and exit code 1."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app(standalone_mode=False)
    except TradeshockError as exc:
        if debug:
            raise
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        typer.secho("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors and the unexpected
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if debug:
            raise
        typer.secho(f"internal error: {exc.__class__.__name__}: {exc} (run with --debug for the "
                    "traceback, and please report it)", fg=typer.colors.RED, err=True)
        sys.exit(2)
