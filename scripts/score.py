"""ape run score --help: push a market's scoring (see ml/commands/score.py)."""

from ml.commands.score import cli

__all__ = ["cli"]
