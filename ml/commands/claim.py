"""`ape run claim`: what the trainer's `claimable` view offers the account on each contribution
(found from the trainer's events): refunds of its own the model agrees with, reports of others'
it disagrees with; then the withdrawal. The rules are the contract's, not re-implemented."""

from __future__ import annotations

import click

from ml.chain import ChainError, wei_to_eth
from ml.commands.common import (
    Deployed,
    account_option,
    amount_text,
    client_for,
    connected,
    deployment_option,
    load_account,
    network_option,
    one_line_errors,
    read_manifest,
)
from ml.mechanisms import Action, Claim

ZERO = "0x" + "00" * 20


def open_contributions(deployed: Deployed) -> dict[tuple[bytes, int], object]:
    """(data, label) -> the latest ContributionAdded event of each content since deployment."""
    from ape import chain

    head = chain.blocks.head.number
    events = deployed.trainer.ContributionAdded.range(deployed.start_block, head + 1)
    return {(bytes(e.data), int(e.label)): e for e in events}


def claims_for(deployed: Deployed, account, contributions) -> list[tuple]:
    """("refund" | "report", data, label, Claim) of what the trainer's `claimable`
    view offers the account now on each contribution (also offers that pay nothing)."""
    # Views at the pending block: the latest may be old (a local chain mines only on demand),
    # and the claims are sent into the next one.
    claims = []
    for data, label in contributions:
        offer = Claim.of(deployed.trainer.claimable(data, label, account, block_id="pending"))
        if offer.action != Action.NONE:
            claims.append((offer.action.name.lower(), data, label, offer))
    return claims


def _pays(claim) -> bool:
    return claim[3].pays


@click.command()
@click.option("--text", default=None, help="Claim only this contribution (with --label).")
@click.option("--label", default=None, help="The label of --text.")
@click.option("--dry-run", is_flag=True, help="List what can be claimed and send nothing.")
@deployment_option
@network_option
@account_option
@one_line_errors
def cli(text, label, dry_run, manifest_path, network, account):
    """Claim every refund and take the account is entitled to now, then withdraw."""
    if (text is None) != (label is None):
        raise click.UsageError("--text and --label go together")
    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        sender = load_account(account, provider)
        client = client_for(deployed)
        if text is not None:
            key = (deployed.encode(deployed.parse_input(text)), deployed.label_index(label))
            contributor = deployed.trainer.contribution(*key)[0]
            if contributor == ZERO:
                raise ChainError(
                    f"UnknownContribution: no open contribution of {text!r} labelled {label!r}"
                )
            contributions = [key]
        else:
            contributions = list(open_contributions(deployed))
        claims = claims_for(deployed, sender, contributions)
        # Refunds first: the reputation they earn may entitle the account to takes.
        claimed = _claim(client, deployed, sender, claims, dry_run, "refund")
        if claimed and not dry_run:
            claims = claims_for(deployed, sender, contributions)
        claimed += _claim(client, deployed, sender, claims, dry_run, "report")
        click.echo(
            f"{claimed} claim(s) for {sender.address} among {len(contributions)} contribution(s)"
        )
        skipped = sum(not _pays(c) for c in claims_for(deployed, sender, contributions))
        if skipped:
            click.echo(f"{skipped} more would pay nothing (they would only close it): not sent")
        credit = deployed.trainer.credits(sender)
        if credit and not dry_run:
            receipt = client.send(deployed.trainer.withdraw, sender=sender)
            click.echo(
                f"Withdrew {wei_to_eth(credit)}: gas {receipt.gas_used:,}, tx {receipt.txn_hash}"
            )
        elif credit:
            click.echo(f"Would withdraw {wei_to_eth(credit)}")
        elif not claimed:
            click.echo("Nothing to claim or withdraw now")


def _claim(client, deployed, sender, claims, dry_run, kind) -> int:
    """Sends (or with dry_run lists) the claims of `kind`; returns how many."""
    done = 0
    for action, data, label_index, offer in filter(_pays, claims):
        if action != kind:
            continue
        name, paid = deployed.class_names[label_index], amount_text(offer.amount, offer.reputation)
        done += 1
        if dry_run:
            click.echo(f"  would {action} {name!r} sample for {paid}")
            continue
        receipt = client.send(getattr(deployed.trainer, action), data, label_index, sender=sender)
        click.echo(
            f"  {action} {name!r} sample: {paid}, gas {receipt.gas_used:,}, tx {receipt.txn_hash}"
        )
    return done
