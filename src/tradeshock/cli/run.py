"""CLI commands: ``tradeshock run``, ``compare`` and ``demo``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("demo")
    def demo(out: str = typer.Option("out", help="Output folder")) -> None:
        """Summarise the default world (until the scenario runner lands)."""
        from rich.console import Console

        from tradeshock.world import load_world

        w = load_world("default")
        Console().print(repr(w))
        Console().print(w.summary().round(0).to_string())
