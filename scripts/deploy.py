"""ape run deploy --help: train, deploy and write a manifest (see ml/commands/deploy.py)."""

from ml.commands.deploy import cli

__all__ = ["cli"]
