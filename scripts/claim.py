"""ape run claim --help (see ml/commands/claim.py)."""

from ml.commands.claim import cli

__all__ = ["cli"]
