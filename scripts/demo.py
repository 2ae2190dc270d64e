"""The main demo: start the embedded chain, deploy, call, and print what happened and where.

Run with `make demo` (anvil) or `ape run demo` (ape's in-process chain).
"""

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, network_option
from ape.exceptions import ContractLogicError


def _show(label: str, receipt) -> None:
    click.echo(
        f"  {label:<34} block {receipt.block_number:>3}  gas {receipt.gas_used:>7,}  "
        f"tx {receipt.txn_hash}"
    )


@click.command(cls=ConnectedProviderCommand)
@network_option()
def cli(ecosystem, network, provider):
    """Deploy the reputation token, mint, and show that it cannot be transferred."""
    deployer, alice, bob = accounts.test_accounts[:3]
    click.echo(
        f"Chain: {provider.name} at {getattr(provider, 'uri', 'in-process')} "
        f"(chain id {chain.chain_id}, block {chain.blocks.height})"
    )

    token = deployer.deploy(project.ReputationToken, "Reputation", "REP")
    click.echo(f"Deployed ReputationToken at {token.address}")
    _show("deploy", chain.get_receipt(token.txn_hash))

    receipt = token.mint(alice, 3, sender=deployer)
    _show(f"mint 3 to {alice.address[:10]}…", receipt)
    for event in receipt.events:
        click.echo(f"    event {event.event_name}({dict(event.event_arguments)})")

    try:
        token.transfer(bob, 1, sender=alice)
        raise click.ClickException("transfer succeeded, but reputation must not be transferable")
    except ContractLogicError as err:
        click.echo(f"  transfer 1 to {bob.address[:10]}… reverted as intended: {err!r}")

    click.echo(
        f"Balances: alice {token.balanceOf(alice)}, bob {token.balanceOf(bob)}; "
        f"total supply {token.totalSupply()}"
    )
