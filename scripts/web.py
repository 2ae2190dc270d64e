"""ape run web --help (see ml/commands/web.py)."""

from ml.commands.web import cli

__all__ = ["cli"]
