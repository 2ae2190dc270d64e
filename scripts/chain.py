"""ape run chain --help (see ml/commands/chain.py)."""

from ml.commands.chain import cli

__all__ = ["cli"]
