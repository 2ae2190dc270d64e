"""`ape run reveal`: the provider reveals a prediction market's test set from the secret file
`ape run deploy` wrote, in chunks (each leaf checked against the manifest's commitment before
anything is sent), then pushes scoring to the end (`ape run score`). Re-running continues from
what the chain holds: revealed leaves are skipped, scoring resumes at the market's cursor."""

from __future__ import annotations

from pathlib import Path

import click

from ml.commands.common import (
    Deployed,
    account_option,
    client_for,
    connected,
    deployment_option,
    load_account,
    network_option,
    one_line_errors,
    read_manifest,
)
from ml.commands.score import FIRST_GUESS, GAS_BUDGET, push_scoring, require_market, send_fitted
from ml.test_set import TestSet


def secret_test_set(manifest: dict, manifest_path: Path, given: Path | None) -> TestSet:
    """The provider's test set (`given`, else the file the manifest names), checked leaf by
    leaf against the commitment the manifest records."""
    commitment = manifest["trainer"].get("test_set")
    if commitment is None:
        raise click.ClickException(f"{manifest_path} records no test set: not a market")
    path = given or manifest_path.parent / commitment["file"]
    test_set = TestSet.load(path)
    root = "0x" + test_set.root.hex()
    if root != commitment["root"] or len(test_set) != commitment["size"]:
        raise click.ClickException(
            f"{path} is not this market's test set: root {root} and {len(test_set)} leaves, the "
            f"market committed to {commitment['root']} and {commitment['size']}"
        )
    for index in range(len(test_set)):
        if not test_set.verify(index, test_set.proof(index)):
            raise click.ClickException(f"{path}: leaf {index} is not in the committed root")
    return test_set


@click.command()
@click.option(
    "--test-set",
    "test_set_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The secret test-set file [default: the one the manifest names].",
)
@click.option(
    "--chunk",
    type=click.IntRange(1),
    default=None,
    help=f"Leaves per transaction [default: as many as fit in {GAS_BUDGET:,} gas].",
)
@click.option(
    "--max-steps",
    type=click.IntRange(1),
    default=None,
    help="Scoring steps per transaction [default: as many as fit in the same gas].",
)
@click.option("--no-score", is_flag=True, help="Only reveal; leave scoring to `ape run score`.")
@deployment_option
@network_option
@account_option
@one_line_errors
def cli(test_set_file, chunk, max_steps, no_score, manifest_path, network, account):
    """Reveal a market's hidden test set, then score every contribution."""
    from ape import chain

    manifest = read_manifest(manifest_path)
    test_set = secret_test_set(manifest, manifest_path, test_set_file)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        require_market(deployed)
        trainer = deployed.trainer
        if "0x" + bytes(trainer.testSetRoot()).hex() != "0x" + test_set.root.hex():
            raise click.ClickException("the market on chain committed to another test-set root")
        sender = load_account(account, provider)
        client = client_for(deployed)
        head = chain.blocks.head.number + 1
        revealed = {
            int(e.index) for e in trainer.TestSampleRevealed.range(deployed.start_block, head)
        }
        left = [i for i in range(len(test_set)) if i not in revealed]
        click.echo(f"Test set: {len(revealed)} of {len(test_set)} leaves revealed before")
        guess = FIRST_GUESS
        while left:

            def args(count, left=left):
                return ([test_set.reveal_args(i, 1)[0] for i in left[:count]],)

            receipt, guess = send_fitted(
                client,
                trainer.revealTestSet,
                args,
                sender,
                chunk and min(chunk, len(left)),
                "leaves",
                min(guess, len(left)),
            )
            done = {int(e.index) for e in receipt.decode_logs(trainer.TestSampleRevealed)}
            left = [i for i in left if i not in done]
        click.echo(f"Revealed: {trainer.revealedCount()} of {len(test_set)} leaves on chain")
        if no_score:
            return
        push_scoring(deployed, client, sender, max_steps)
