"""`ape run contribute`: add one labelled input to the model, with the deposit it requires."""

from __future__ import annotations

import click

from ml.chain import wei_to_eth
from ml.commands.common import (
    Deployed,
    account_option,
    client_for,
    connected,
    deployment_option,
    is_local,
    load_account,
    network_option,
    one_line_errors,
    read_manifest,
)


@click.command()
@click.argument("text")
@click.option("--label", required=True, help="The class (its name or index).")
@click.option(
    "--deposit",
    type=click.IntRange(0),
    default=None,
    help="Wei to send (default: the required deposit now; any excess is credited back).",
)
@click.option("--dry-run", is_flag=True, help="Show the required deposit and send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before spending on a non-local network.")
@deployment_option
@network_option
@account_option
@one_line_errors
def cli(text, label, deposit, dry_run, yes, manifest_path, network, account):
    """Contribute TEXT (or numbers, for vector models) labelled --label."""
    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        label_index = deployed.label_index(label)
        data = deployed.encode(deployed.parse_input(text))
        sender = load_account(account, provider)
        client = client_for(deployed)
        # Every mechanism answers requiredDeposit (0 without deposits); at the pending block:
        # the latest may be old on a local chain.
        required = client.call(deployed.trainer.requiredDeposit, block_id="pending")
        value = required if deposit is None else deposit
        predicted = client.call(deployed.trainer.predict, data)
        click.echo(
            f"The model now predicts {deployed.class_names[predicted]!r}; required deposit "
            f"{wei_to_eth(required)} ({required} wei); sending {wei_to_eth(value)} from "
            f"{sender.address}"
        )
        if dry_run:
            client.preflight(
                deployed.trainer.addData, data, label_index, sender=sender, value=value
            )
            click.echo("Dry run: the contribution would be accepted; nothing sent")
            return
        if not is_local(provider) and not yes:
            click.confirm(f"Send {wei_to_eth(value)} on {provider.network_choice}?", abort=True)
        receipt = client.send(
            deployed.trainer.addData, data, label_index, sender=sender, value=value
        )
        [event] = receipt.decode_logs(deployed.trainer.ContributionAdded)
        click.echo(
            f"Contributed as {deployed.class_names[label_index]!r}: id 0x{bytes(event.id).hex()}, "
            f"block {receipt.block_number}, gas {receipt.gas_used:,}, tx {receipt.txn_hash}"
        )
        if deployed.mechanism.takes_test_set:
            click.echo(
                f"Scored by the hidden test set after the window (ends at timestamp "
                f"{deployed.trainer.windowEnd()}) and the reveal; claim with `ape run claim` "
                "once the market is settled (`ape run status`)"
            )
            return
        refund_at = event.addedAt + deployed.trainer.refundWait()
        informative = (
            "its refund earns reputation (new content the model got wrong)"
            if event.earnsReputation
            else "its refund earns no reputation (content seen before, or the model already "
            "predicted this label)"
        )
        click.echo(f"Claimable from timestamp {refund_at} with `ape run claim`; {informative}")
