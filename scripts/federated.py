"""ape run federated --help (see ml/commands/federated.py)."""

from ml.commands.federated import cli

__all__ = ["cli"]
