"""ape run contribute --help (see ml/commands/contribute.py)."""

from ml.commands.contribute import cli

__all__ = ["cli"]
