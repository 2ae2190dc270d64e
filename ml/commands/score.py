"""`ape run score`: push a prediction market's scoring to completion, in transactions that
each stay well under the 2^24 gas cap. Anyone may run it; `ape run reveal` ends with it.

Scoring replays the contributions in order (a step is one model update or one prediction);
the market keeps only their content keys, so each `evaluate` is given the data of the
contributions its steps reach, from the ContributionAdded events, and checks it."""

from __future__ import annotations

import click

from ml import mechanisms
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

#: Gas a default-sized reveal or scoring transaction aims under: half the 2^24 cap, so that a
#: state that moved between the estimate and inclusion still fits.
GAS_BUDGET = 2**23
#: Where the default sizes start before fitting them to GAS_BUDGET.
FIRST_GUESS = 64


def send_fitted(client, method, args_for, sender, count: int | None, what: str, guess: int):
    """Sends `method(*args_for(n))` with n = `count`, or, when None, the largest n from `guess`
    down whose dry run stays under GAS_BUDGET (scaled by the estimate). Returns the receipt and
    the n that the gas it used suggests for the next transaction of the kind."""
    if count is None:
        count = guess
        while count > 1:
            gas = client.preflight(method, *args_for(count), sender=sender)
            if gas <= GAS_BUDGET:
                break
            count = max(1, count * GAS_BUDGET // gas * 9 // 10)
    receipt = client.send(method, *args_for(count), sender=sender)
    click.echo(f"  {what} {count}: gas {receipt.gas_used:,}, tx {receipt.txn_hash}")
    return receipt, max(1, count * GAS_BUDGET * 9 // 10 // max(receipt.gas_used, 1))


def require_market(deployed: Deployed) -> None:
    """One line unless the deployment's mechanism judges by a test set."""
    if not deployed.mechanism.takes_test_set:
        takers = ", ".join(m.kind for m in mechanisms.MECHANISMS.values() if m.takes_test_set)
        raise click.ClickException(
            f"this deployment is a {deployed.mechanism.kind} trainer: only a {takers} "
            "deployment has a test set to reveal and score"
        )


def contributions(deployed: Deployed) -> list[tuple[bytes, int]]:
    """(data, label) of every contribution, in the order the market recorded them."""
    from ape import chain

    events = deployed.trainer.ContributionAdded.range(
        deployed.start_block, chain.blocks.head.number + 1
    )
    return [(bytes(e.data), int(e.label)) for e in events]


def steps_done(cursor, size: int, count: int) -> tuple[int, int]:
    """(steps done, steps in all) of scoring `count` contributions on `size` test samples:
    round 0 predicts every test sample, each later round applies one contribution first."""
    total = size + count * (1 + size)
    if cursor.done:
        return total, total
    if cursor.round == 0:
        return cursor.testIndex, total
    return size + (cursor.round - 1) * (1 + size) + cursor.applied + cursor.testIndex, total


def push_scoring(deployed: Deployed, client, sender, max_steps: int | None) -> None:
    """Sends `evaluate` until the market is settled, `max_steps` per
    transaction, or None for as many as GAS_BUDGET allows."""
    trainer = deployed.trainer
    size = trainer.testSetSize()
    replay = contributions(deployed)
    sent, guess = 0, FIRST_GUESS
    while not (cursor := trainer.cursor()).done:
        # The first contribution whose update is not applied yet, and as many after it as the
        # steps can reach (one round is 1 + size steps).
        start = cursor.round - 1 if cursor.round and not cursor.applied else cursor.round

        def args(steps, start=start):
            return steps, replay[start : start + steps // (1 + size) + 1]

        done, total = steps_done(cursor, size, len(replay))
        _, guess = send_fitted(
            client, trainer.evaluate, args, sender, max_steps, "steps", min(guess, total - done)
        )
        sent += 1
        done, total = steps_done(trainer.cursor(), size, len(replay))
        click.echo(f"  scoring: {done:,} of {total:,} steps done")
    click.echo(f"Scored: {sent} transaction(s) sent; the market is settled (`ape run claim`)")


@click.command()
@click.option(
    "--max-steps",
    type=click.IntRange(1),
    default=None,
    help="Steps (one update or one prediction each) per transaction [default: as many as "
    f"fit in {GAS_BUDGET:,} gas].",
)
@deployment_option
@network_option
@account_option
@one_line_errors
def cli(max_steps, manifest_path, network, account):
    """Push a prediction market's scoring to the end (anyone may; it pays only gas)."""
    manifest = read_manifest(manifest_path)
    with connected(network) as provider:
        deployed = Deployed(manifest, provider)
        require_market(deployed)
        sender = load_account(account, provider)
        push_scoring(deployed, client_for(deployed), sender, max_steps)
