"""The package version (one place; read by ``tradeshock.__version__`` and run records)."""

__version__ = "0.1.0"
