"""ape run history --help (see ml/commands/history.py)."""

from ml.commands.history import cli

__all__ = ["cli"]
