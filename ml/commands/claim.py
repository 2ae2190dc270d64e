"""`ape run claim`: refunds of the account's own contributions the model agrees with, takes of
others' it disagrees with (found from the trainer's events), then the withdrawal."""

from __future__ import annotations

import click

from ml.chain import ChainError, wei_to_eth
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

ZERO = "0x" + "00" * 20


def open_contributions(deployed: Deployed) -> dict[tuple[bytes, int], object]:
    """(data, label) -> the latest ContributionAdded event of each content since deployment."""
    from ape import chain

    head = chain.blocks.head.number
    events = deployed.trainer.ContributionAdded.range(deployed.start_block, head + 1)
    return {(bytes(e.data), int(e.label)): e for e in events}


def claims_for(deployed: Deployed, account, contributions) -> list[tuple[str, bytes, int, int]]:
    """("refund" | "report", data, label, wei or points) the account can claim now."""
    from ape import chain

    # Views at the pending block: the latest may be old (a local chain mines only on demand),
    # and the claims are sent into the next one.
    trainer, now, at = deployed.trainer, chain.pending_timestamp, {"block_id": "pending"}
    claims = []
    for data, label in contributions:
        if deployed.deposits:
            refundable, takeable = trainer.claimable(data, label, account, **at)
            if refundable:
                claims.append(("refund", data, label, refundable))
            elif takeable:
                claims.append(("report", data, label, takeable))
            continue
        contributor, added_at, _, remaining = trainer.contribution(data, label, **at)
        if not remaining or now < added_at + trainer.refundWait():
            continue
        agrees = trainer.predict(data, **at) == label
        if contributor == account.address and agrees:
            claims.append(("refund", data, label, trainer.REFUND_POINTS()))
        elif (
            contributor != account.address and not agrees and deployed.reputation.balanceOf(account)
        ):
            claims.append(("report", data, label, trainer.REPORT_POINTS()))
    return claims


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
        unit = wei_to_eth if deployed.deposits else (lambda v: f"{v} points")
        claims = claims_for(deployed, sender, contributions)
        # Refunds first: the reputation they earn may entitle the account to takes.
        claimed = _claim(client, deployed, sender, claims, unit, dry_run, "refund")
        if claimed and not dry_run:
            claims = claims_for(deployed, sender, contributions)
        claimed += _claim(client, deployed, sender, claims, unit, dry_run, "report")
        click.echo(
            f"{claimed} claim(s) for {sender.address} among {len(contributions)} contribution(s)"
        )
        if not deployed.deposits:
            return
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


def _claim(client, deployed, sender, claims, unit, dry_run, kind) -> int:
    """Sends (or with dry_run lists) the claims of `kind`; returns how many."""
    done = 0
    for action, data, label_index, amount in claims:
        if action != kind:
            continue
        name = deployed.class_names[label_index]
        done += 1
        if dry_run:
            click.echo(f"  would {action} {name!r} sample for {unit(amount)}")
            continue
        receipt = client.send(getattr(deployed.trainer, action), data, label_index, sender=sender)
        click.echo(
            f"  {action} {name!r} sample: {unit(amount)}, gas {receipt.gas_used:,}, "
            f"tx {receipt.txn_hash}"
        )
    return done
