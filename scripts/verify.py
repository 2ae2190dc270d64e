"""ape run verify --help (see ml/commands/verify.py)."""

from ml.commands.verify import cli

__all__ = ["cli"]
