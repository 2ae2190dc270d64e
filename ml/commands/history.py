"""`ape run history`: the versions of the deployment's registry line, oldest first, with
their parents, metrics, the block they were measured at and their artifacts' CIDs."""

from __future__ import annotations

import click

from ml.commands.common import (
    connected,
    deployment_option,
    network_option,
    one_line_errors,
    read_manifest,
)
from ml.commands.publish import line_of
from ml.provenance import history


@click.command()
@click.option(
    "--registry", default=None, help="A ModelRegistry's address [default: the manifest's]."
)
@click.option("--line", type=click.IntRange(1), default=None, help="[default: the manifest's]")
@deployment_option
@network_option
@one_line_errors
def cli(registry, line, manifest_path, network):
    """List the line's versions with parents, metrics and CIDs."""
    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        contract, line = line_of(manifest, provider, registry, line)
        versions = history(contract, line)
        click.echo(f"Line {line} of the registry at {contract.address}: {len(versions)} versions")
        for v in versions:
            parent = f"parent {v.parent}" if v.parent else "root"
            click.echo(
                f"v{v.number} ({parent}): accuracy {v.accuracy_ppm / 1e4:.2f}% at block "
                f"{v.measured_at}; model {v.model}, trainer {v.trainer}; publisher {v.publisher}"
            )
            for name, cid in v.cids.items():
                click.echo(f"    {name:<9} {cid}")
