"""`ape run verify [VERSION]`: check every claim of a registered version with nothing but the
chain and the store: each artifact hashes to its CID, the encoder spec and the dataset manifest
hash to what the version's trainer recorded (and, with --from-data, both are rebuilt from the
data byte for byte), the snapshot equals the model's state at the block it claims,
and the accuracy re-measured from the snapshot on the test set is the registered one."""

from __future__ import annotations

import click

from ml import pipeline
from ml.artifacts.kinds import ModelSnapshot, dataset_manifest
from ml.artifacts.store import open_store
from ml.commands.common import (
    connected,
    deployment_option,
    ipfs_option,
    line_option,
    network_option,
    one_line_errors,
    read_manifest,
    registry_option,
    store_option,
)
from ml.commands.publish import line_of
from ml.provenance import read_version, snapshot_at, verify


@click.command()
@click.argument("version", type=click.IntRange(1), required=False)
@click.option(
    "--from-data",
    is_flag=True,
    help="Also rebuild the dataset manifest and refit the encoder from the data.",
)
@registry_option
@line_option
@ipfs_option
@store_option
@deployment_option
@network_option
@one_line_errors
def cli(version, from_data, registry, line, ipfs, store_root, manifest_path, network):
    """Check a version's artifacts against their CIDs and the chain [default: the latest]."""
    from ape import chain, project

    from ml import mechanisms

    manifest = read_manifest(manifest_path)
    store = open_store(ipfs, root=store_root)
    with connected(network) as provider:
        contract, line = line_of(manifest, provider, registry, line)
        number = version or int(contract.versionCount(line))
        record = read_version(contract, line, number)
        mechanism = mechanisms.get(manifest["trainer"].get("mechanism"))
        trainer = getattr(project, mechanism.contract_name).at(record.trainer)
        kind = manifest["model"]["kind"]
        model = getattr(project, manifest["model"]["contract"]).at(record.model)
        source = pipeline.Source(**manifest["dataset"])
        data = dataset_manifest(source) if from_data else None
        checks = verify(
            record,
            store,
            trainer=trainer,
            model_contract=model,
            line_encoder_hash="0x" + bytes(contract.encoderSpecHash(line)).hex(),
            dataset=data,
            refit=(lambda spec: pipeline.refit(spec, source)) if from_data else None,
        )
        click.echo(f"Version {number} of line {line} (model {record.model}):")
        for c in checks:
            click.echo(f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}")
        if number == int(contract.versionCount(line)) and all(c.ok for c in checks):
            published = ModelSnapshot.from_bytes(store.cat(record.cids["snapshot"]))
            now = snapshot_at(model, kind, chain.blocks.head.number)
            changes = published.differences(now)
            click.echo(
                "  (the model now: "
                + (
                    "; ".join(changes) + " changed since this snapshot"
                    if changes
                    else "as published"
                )
                + ")"
            )
    failed = [c.name for c in checks if not c.ok]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}"
        )
    click.echo(f"All {len(checks)} checks passed")
