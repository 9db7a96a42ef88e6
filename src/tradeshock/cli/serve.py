"""CLI command: ``tradeshock serve`` — the web dashboard (see docs/dashboard.md)."""

from __future__ import annotations

import os

import typer


def _default_workers() -> int:
    n = os.cpu_count() or 1
    return 1 if n <= 2 else min(4, n - 1)


def serve_cmd(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0 opens it to the network)",
    ),
    port: int = typer.Option(8050, "--port", "-p", help="Port"),
    workers: int = typer.Option(
        None, "--workers", help="Solver processes (default: 1 on 2 cores, else cores - 1, at most 4)"
    ),
    queue: int = typer.Option(
        32, "--queue", help="Most jobs waiting for a solver; more are refused with 'busy, try again'"
    ),
    job_timeout: float = typer.Option(
        180.0, "--job-timeout", help="Seconds one job may run before it is stopped"
    ),
    threads: int = typer.Option(8, "--threads", help="Web server threads"),
) -> None:
    """Start the web dashboard: build, run and compare scenarios in the browser."""
    from tradeshock.errors import TradeshockError

    if not 0 < port < 65536:
        raise TradeshockError(f"--port {port} is not a port number (1-65535)")
    if queue < 1 or job_timeout <= 0 or threads < 1 or (workers is not None and workers < 1):
        raise TradeshockError("--queue, --job-timeout, --threads and --workers must be positive")
    try:
        import dash  # noqa: F401
        import waitress  # noqa: F401
    except ImportError as exc:
        raise TradeshockError(
            f"the dashboard needs the 'dash' and 'waitress' packages ({exc.name} is "
            "missing); install them with: pip install 'tradeshock[app]'"
        ) from None
    from tradeshock.app.server import serve

    w = workers or _default_workers()
    typer.echo(
        f"tradeshock dashboard on http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/ "
        f"({w} solver process{'es' if w > 1 else ''}; Ctrl-C stops it)"
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.secho(
            f"warning: listening on {host}: anyone who can reach this machine can use it",
            fg=typer.colors.YELLOW,
            err=True,
        )
    serve(host=host, port=port, workers=w, queue_limit=queue, time_limit=job_timeout, threads=threads)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""
    app.command("serve")(serve_cmd)
