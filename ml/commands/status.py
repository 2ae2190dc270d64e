"""`ape run status`: the model's accuracy on the deployment's test set, contributions, deposits
held and the top reputation holders."""

from __future__ import annotations

from pathlib import Path

import click

from ml import pipeline
from ml.chain import wei_to_eth
from ml.commands.common import (
    Deployed,
    connected,
    deployment_option,
    network_option,
    one_line_errors,
    read_manifest,
)
from ml.errors import InvalidSample


@click.command()
@click.option(
    "--test-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A labelled-text CSV to measure on, instead of the test part of the deployment's dataset.",
)
@click.option("--top", default=5, show_default=True, help="Reputation holders to list.")
@deployment_option
@network_option
@one_line_errors
def cli(test_file, top, manifest_path, network):
    """Show the model's accuracy, contributions, deposits and reputation."""
    from ape import chain

    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        trainer = deployed.trainer
        source = pipeline.Source(**manifest["dataset"])
        if test_file:
            source = pipeline.Source(str(test_file), test_share=0.99, initial_share=0)
        parts = pipeline.load(source)
        inputs, labels = (parts.test, parts.y_test)
        correct = total = skipped = 0
        for raw, y in zip(inputs, labels, strict=True):
            try:
                data = deployed.encode(raw)
            except InvalidSample:
                skipped += 1
                continue
            correct += int(trainer.predict(data) == int(y))
            total += 1
        initial = manifest["model"]["initial_accuracy"]
        click.echo(f"Model {manifest['model']['kind']} at {deployed.model.address}")
        click.echo(
            f"Accuracy {correct / max(total, 1):.2%} on {total} test samples by view calls "
            f"(at deployment {initial:.2%})" + (f"; {skipped} not encodable" if skipped else "")
        )
        head = chain.blocks.head.number + 1
        added = list(trainer.ContributionAdded.range(deployed.start_block, head))
        line = f"Contributions {len(added)}"
        for what, event in deployed.mechanism.settlement_events:
            count = len(list(getattr(trainer, event).range(deployed.start_block, head)))
            line += f", {what} {count}"
        line += f"; ETH held {wei_to_eth(trainer.balance)}"
        line += f"; next deposit {wei_to_eth(trainer.requiredDeposit(block_id='pending'))}"
        click.echo(line)
        informative = sum(bool(e.earnsReputation) for e in added)
        click.echo(
            f"Mechanism {deployed.mechanism.kind}: {informative} of the contributions "
            "informative (new content the model got wrong: their refund earns reputation)"
        )
        rep = deployed.reputation
        holders = {e.to for e in rep.Transfer.range(deployed.start_block, head)}
        ranked = sorted(((rep.balanceOf(a), a) for a in holders), reverse=True)
        ranked = [(b, a) for b, a in ranked if b][:top]
        click.echo(f"Reputation: {rep.totalSupply()} in all" + (":" if ranked else ""))
        for balance, address in ranked:
            click.echo(f"  {address}  {balance}")
