"""ape run rollback --help (see ml/commands/rollback.py)."""

from ml.commands.rollback import cli

__all__ = ["cli"]
