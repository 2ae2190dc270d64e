"""ape run status --help (see ml/commands/status.py)."""

from ml.commands.status import cli

__all__ = ["cli"]
