"""`ape run history`: the versions of the deployment's registry line, oldest first, with
their parents, metrics, the block they were measured at and their artifacts' CIDs."""

from __future__ import annotations

import json

import click

from ml.commands.common import (
    connected,
    deployment_option,
    line_option,
    network_option,
    one_line_errors,
    read_manifest,
    registry_option,
)
from ml.commands.publish import line_of
from ml.provenance import history


@click.command()
@registry_option
@line_option
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
@deployment_option
@network_option
@one_line_errors
def cli(registry, line, as_json, manifest_path, network):
    """List the line's versions with parents, metrics, CIDs and registering transactions."""
    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        contract, line = line_of(manifest, provider, registry, line)
        versions = history(contract, line)
        if as_json:
            click.echo(json.dumps([v.to_json() for v in versions], indent=1))
            return
        click.echo(f"Line {line} of the registry at {contract.address}: {len(versions)} versions")
        for v in versions:
            parent = f"parent {v.parent}" if v.parent else "root"
            click.echo(
                f"v{v.number} ({parent}): accuracy {v.accuracy_ppm / 1e4:.2f}% at block "
                f"{v.measured_at}; model {v.model}, trainer {v.trainer}; publisher {v.publisher}"
            )
            click.echo(f"    registered at block {v.registered_at_block} in {v.registered_in}")
            for name, cid in v.cids.items():
                click.echo(f"    {name:<9} {cid}")
