"""`ape run rollback VERSION`: redeploy a registered version's model from its snapshot (fetched
by CID, checked against the chain at the block it claims), with a new trainer of the same
mechanism, parameters, encoder and dataset hashes; check the new model's state equals the
snapshot word for word; and register it as a new version whose parent is VERSION. The old
deployment stays as it was; the manifest (--out) then describes the new one."""

from __future__ import annotations

import copy
from pathlib import Path

import click

from ml import mechanisms
from ml.artifacts.kinds import ModelSnapshot
from ml.artifacts.store import open_store
from ml.commands.common import (
    Deployed,
    account_option,
    connected,
    deployment_option,
    ipfs_option,
    load_account,
    network_option,
    one_line_errors,
    read_manifest,
    store_option,
    write_manifest,
)
from ml.commands.publish import line_of, publish, require_line_owner
from ml.provenance import read_version, snapshot_at


@click.command()
@click.argument("version", type=click.IntRange(1))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the new deployment's manifest [default: over --deployment].",
)
@ipfs_option
@store_option
@deployment_option
@network_option
@account_option
@one_line_errors
def cli(version, out, ipfs, store_root, manifest_path, network, account):
    """Redeploy a registered version and register it as a new version (parent VERSION)."""
    from ape import chain, project

    from ml.deploy import deploy_model, deploy_trainer

    manifest = read_manifest(manifest_path)
    store = open_store(ipfs, root=store_root)
    mechanism = mechanisms.get(manifest["trainer"].get("mechanism"))
    if mechanism.takes_test_set:
        raise click.ClickException(
            "a prediction market is not rolled back: its model is judged once; deploy a new "
            "market from the snapshot's model instead"
        )
    with connected(network) as provider:
        owner = load_account(account, provider)
        registry, line = line_of(manifest, provider, None, None)
        require_line_owner(registry, line, owner)
        record = read_version(registry, line, version)
        snapshot = ModelSnapshot.from_bytes(store.cat(record.cids["snapshot"]))
        kind = manifest["model"]["kind"]
        old_model = getattr(project, manifest["model"]["contract"]).at(record.model)
        differences = snapshot_at(old_model, kind, record.measured_at).differences(snapshot)
        if differences or snapshot.kind != kind:
            raise click.ClickException(
                f"version {version}'s snapshot is not its model's state at block "
                f"{record.measured_at} ({'; '.join(differences) or snapshot.kind}): refusing it"
            )
        old_trainer = getattr(project, mechanism.contract_name).at(record.trainer)
        start_block = chain.blocks.head.number + 1
        model = deploy_model(snapshot.to_model(), owner)
        redeployed = snapshot_at(model.contract, kind, chain.blocks.head.number)
        if snapshot.differences(redeployed):
            raise click.ClickException(
                "the redeployed model differs from the snapshot: "
                + "; ".join(snapshot.differences(redeployed))
            )
        trainer = deploy_trainer(
            model.contract,
            owner,
            mechanism=mechanism.kind,
            encoder_spec_hash=bytes(old_trainer.encoderSpecHash()),
            dataset_manifest_hash=bytes(old_trainer.datasetManifestHash()),
            **manifest["trainer"]["parameters"],
        )
        new = copy.deepcopy(manifest)
        new["model"]["address"] = model.contract.address
        new["trainer"].update(
            address=trainer.contract.address, reputation=trainer.contract.reputation()
        )
        new["start_block"] = start_block
        new["rolled_back_to"] = {"version": version, "model": record.model}
        new["transactions"] = [
            {
                "name": name,
                "hash": r.txn_hash,
                "block": r.block_number,
                "gas_used": r.gas_used,
            }
            for name, r in zip(
                [f"model tx {i}" for i in range(len(model.receipts))]
                + ["trainer constructor", "hand model to trainer"],
                model.receipts + trainer.receipts,
                strict=True,
            )
        ]
        out = out or manifest_path
        write_manifest(out, new)
        click.echo(
            f"Redeployed version {version}: model {model.contract.address} equal to its "
            f"snapshot ({len(snapshot.words)} words), trainer {trainer.contract.address}"
        )
        published = publish(
            Deployed(new, provider), out, owner, provider, store, None, None, None, parent=version
        )
    click.echo(
        f"Version {published.version} registered (parent {version}): accuracy "
        f"{published.accuracy_ppm / 1e4:.2f}%, as version {version}'s "
        f"{record.accuracy_ppm / 1e4:.2f}%; manifest {out}"
    )
