"""ape run reveal --help: reveal a market's test set, then score (see ml/commands/reveal.py)."""

from ml.commands.reveal import cli

__all__ = ["cli"]
