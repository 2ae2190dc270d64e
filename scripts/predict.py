"""ape run predict --help (see ml/commands/predict.py)."""

from ml.commands.predict import cli

__all__ = ["cli"]
