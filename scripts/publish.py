"""ape run publish --help (see ml/commands/publish.py)."""

from ml.commands.publish import cli

__all__ = ["cli"]
