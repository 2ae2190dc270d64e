"""`ape run publish`: snapshot the deployed model's state, add its artifacts (encoder spec,
dataset manifest, model snapshot, test set) to the store, measure the snapshot on the test
set, and register a version in the model registry whose parent is the line's latest.

The first publish of a deployment creates a line in the registry (`--registry`, or on a local
network a registry of its own, deployed then) and records both in the manifest, so `history`,
`verify` and `rollback` find them."""

from __future__ import annotations

from pathlib import Path

import click

from ml import pipeline
from ml.artifacts.kinds import dataset_manifest, keccak_hex
from ml.artifacts.store import open_store
from ml.commands.common import (
    Deployed,
    account_option,
    client_for,
    connected,
    deployment_option,
    ipfs_option,
    is_local,
    load_account,
    network_option,
    one_line_errors,
    read_manifest,
    store_option,
    write_manifest,
)
from ml.provenance import Artifacts, Published, measure, snapshot_at, version_input
from ml.test_set import TestSet


def open_registry(address: str, provider):
    """The ModelRegistry at `address`, checked to be one."""
    from ape import project

    if not provider.get_code(address):
        raise click.ClickException(f"no contract at the registry address {address} on this chain")
    registry = project.ModelRegistry.at(address)
    try:
        registry.lineCount()
    except Exception as err:  # noqa: BLE001 (any failure means: not a registry)
        raise click.ClickException(f"{address} does not answer as a ModelRegistry: {err}") from None
    return registry


def line_of(manifest: dict, provider, registry: str | None, line: int | None):
    """(registry, line) from the options, else from the manifest; one line if neither."""
    recorded = manifest.get("registry", {})
    address = registry or recorded.get("address")
    line = line or recorded.get("line")
    if not address or not line:
        raise click.ClickException(
            "this deployment is not in a registry yet: run `ape run publish` (or pass "
            "--registry ADDRESS --line N)"
        )
    registry_contract = open_registry(address, provider)
    if not 1 <= line <= int(registry_contract.lineCount()):
        raise click.ClickException(f"the registry at {address} has no line {line}")
    return registry_contract, line


def test_set_of(deployed: Deployed, manifest_path: Path) -> TestSet:
    """The test set the metrics are measured on: the dataset's test part, encoded and salted
    from the split's seed (so every version of a deployment names the same CID); for a market,
    its revealed test set, from the provider's file (never before it is public)."""
    from ml.commands.reveal import secret_test_set
    from ml.commands.status import _encoded_test_part

    if deployed.mechanism.takes_test_set:
        phase = int(deployed.trainer.phase())
        if phase < 2:  # Participation or Reveal: the test set is still secret
            raise click.ClickException(
                "a market's test set stays hidden until it is revealed: publish after "
                "`ape run reveal`"
            )
        return secret_test_set(deployed.manifest, manifest_path, None)
    samples, _ = _encoded_test_part(deployed, None)
    if not samples:
        raise click.ClickException("the deployment's test part has no encodable sample")
    seed = deployed.manifest["dataset"].get("seed", 0)
    return TestSet.make([s for s, _ in samples], [y for _, y in samples], seed=seed)


def build_artifacts(deployed: Deployed, manifest_path: Path, block: int) -> Artifacts:
    """The four artifacts of the deployment's model at `block`, each checked against what
    the trainer recorded."""
    dataset = dataset_manifest(pipeline.Source(**deployed.manifest["dataset"])).to_bytes()
    recorded = "0x" + bytes(deployed.trainer.datasetManifestHash()).hex()
    if keccak_hex(dataset) != recorded:
        raise click.ClickException(
            f"the dataset manifest rebuilt from {deployed.manifest['dataset']['dataset']} hashes "
            f"to {keccak_hex(dataset)}, the trainer recorded {recorded}: the data changed"
        )
    return Artifacts(
        encoder=deployed.encoder.to_json().encode(),
        dataset=dataset,
        snapshot=snapshot_at(deployed.model, deployed.manifest["model"]["kind"], block),
        test_set=test_set_of(deployed, manifest_path),
    )


def require_line_owner(contract, line: int, account) -> None:
    """One line, before anything is sent, unless `account` owns the registry line."""
    owner = contract.lineOwner(line)
    if owner != account.address:
        raise click.ClickException(
            f"line {line} of the registry at {contract.address} is owned by {owner}, not by "
            f"{account.address}: only its owner publishes (--account)"
        )


def publish(
    deployed, manifest_path, owner, provider, store, registry, line, name, parent=None
) -> Published:
    """Registers the deployment's model now as a version of its line whose parent is `parent`
    (default: the line's latest), creating the registry and the line when the manifest has
    none, and records them in the manifest."""
    from ape import chain, project

    recorded = deployed.manifest.get("registry", {})
    if registry or recorded.get("address"):
        known = open_registry(registry or recorded["address"], provider)
        if line or recorded.get("line"):
            require_line_owner(known, line or recorded["line"], owner)
    block = chain.blocks.head.number
    artifacts = build_artifacts(deployed, manifest_path, block)
    accuracy = measure(artifacts.snapshot, artifacts.test_set)
    cids = {name: store.add(data) for name, data in artifacts.blobs().items()}
    for what, cid in cids.items():
        click.echo(f"  {what:<9} {cid}")
    manifest = deployed.manifest
    registry = registry or recorded.get("address")
    receipts = []
    if registry is None:
        if not is_local(provider):
            raise click.ClickException(
                "give the registry to publish to: --registry ADDRESS (a new one is deployed "
                "only on local networks)"
            )
        contract = owner.deploy(project.ModelRegistry)
        receipts.append(chain.get_receipt(contract.txn_hash))
        click.echo(f"  registry  deployed at {contract.address}: gas {receipts[-1].gas_used:,}")
    else:
        contract = open_registry(registry, provider)
    client = client_for(deployed)
    client.contracts.append(contract)
    line = line or (recorded.get("line") if recorded.get("address") == contract.address else None)
    if line is None:
        label = name or f"{manifest['model']['kind']} on {manifest['dataset']['dataset']}"
        receipt = client.send(contract.createLine, label, sender=owner)
        receipts.append(receipt)
        line = int(next(e for e in receipt.events if e.event_name == "LineCreated").line)
        click.echo(
            f"  line {line} ({label!r}) created: gas {receipt.gas_used:,}, tx {receipt.txn_hash}"
        )
    latest = int(client.call(contract.versionCount, line))
    parent = latest if parent is None else parent
    receipt = client.send(
        contract.register,
        line,
        version_input(
            deployed.model.address,
            deployed.trainer.address,
            cids,
            parent=parent,
            accuracy=accuracy,
            block=block,
        ),
        sender=owner,
    )
    receipts.append(receipt)
    manifest["registry"] = {"address": contract.address, "line": line}
    write_manifest(manifest_path, manifest)
    return Published(latest + 1, cids, accuracy, block, receipts)


@click.command()
@click.option(
    "--registry",
    default=None,
    help="A ModelRegistry's address [default: the manifest's, or a new one on local networks].",
)
@click.option(
    "--line",
    type=click.IntRange(1),
    default=None,
    help="The registry line to publish to [default: the manifest's, or a new line].",
)
@click.option("--name", default=None, help="A new line's name (in its LineCreated event).")
@ipfs_option
@store_option
@deployment_option
@network_option
@account_option
@one_line_errors
def cli(registry, line, name, ipfs, store_root, manifest_path, network, account):
    """Register the deployed model's current state as a new version, with its artifacts."""
    manifest = read_manifest(manifest_path)
    store = open_store(ipfs, root=store_root)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        owner = load_account(account, provider)
        published = publish(deployed, manifest_path, owner, provider, store, registry, line, name)
    click.echo(
        f"Version {published.version} registered: accuracy {published.accuracy_ppm / 1e4:.2f}% "
        f"at block {published.block}; tx {published.receipts[-1].txn_hash} "
        f"(gas {published.receipts[-1].gas_used:,})"
    )
