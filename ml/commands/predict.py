"""`ape run predict`: the model's class for texts or vectors, by free view calls."""

from __future__ import annotations

from pathlib import Path

import click

from ml.commands.common import (
    Deployed,
    client_for,
    connected,
    deployment_option,
    network_option,
    one_line_errors,
    read_manifest,
)


@click.command()
@click.argument("inputs", nargs=-1)
@click.option(
    "--file",
    "input_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="One input per line (texts, or comma-separated numbers for vector models).",
)
@deployment_option
@network_option
@one_line_errors
def cli(inputs, input_file, manifest_path, network):
    """Print the predicted class of each INPUT (a text, or numbers for vector models)."""
    inputs = list(inputs)
    if input_file:
        inputs += [line for line in input_file.read_text().splitlines() if line.strip()]
    if not inputs:
        raise click.UsageError("give at least one input, or --file")
    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        client = client_for(deployed)
        samples = [deployed.encode(deployed.parse_input(text)) for text in inputs]
        for text, data in zip(inputs, samples, strict=True):
            label = client.call(deployed.trainer.predict, data)
            click.echo(f"{deployed.class_names[label]}\t{text}")
