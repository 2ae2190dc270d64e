"""`ape run status`: the model's accuracy on the deployment's test set (a market's: the revealed
part of its own), contributions, deposits held, a market's phase, progress and scores, and the
top reputation holders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ml import pipeline
from ml.chain import wei_to_eth
from ml.commands.common import (
    Deployed,
    amount_text,
    connected,
    deployment_option,
    network_option,
    one_line_errors,
    read_manifest,
)
from ml.commands.score import steps_done
from ml.errors import InvalidSample
from ml.mechanisms import Claim, Phase


@click.command()
@click.option(
    "--test-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A labelled-text CSV to measure on, instead of the test part of the deployment's dataset.",
)
@click.option(
    "--top",
    default=5,
    show_default=True,
    help="Reputation holders to list (and, for a scored market, the best contributions).",
)
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
        head = chain.blocks.head.number + 1
        click.echo(f"Model {manifest['model']['kind']} at {deployed.model.address}")
        judged = deployed.mechanism.takes_test_set and not test_file
        if judged:  # the market's own test set, as far as it is revealed: never the secret
            revealed = trainer.TestSampleRevealed.range(deployed.start_block, head)
            samples = [(bytes(e.sample), int(e.label)) for e in revealed]
            skipped, where = 0, "revealed test samples"
        else:
            samples, skipped = _encoded_test_part(deployed, test_file)
            where = "test samples"
        if samples:
            correct = sum(int(trainer.predict(data) == y) for data, y in samples)
            initial = manifest["model"]["initial_accuracy"]
            click.echo(
                f"Accuracy {correct / len(samples):.2%} on {len(samples)} {where} by view calls"
                + ("" if judged else f" (at deployment {initial:.2%})")
                + (f"; {skipped} not encodable" if skipped else "")
            )
        else:
            click.echo("Accuracy: no test sample revealed yet (the test set is hidden until then)")
        added = list(trainer.ContributionAdded.range(deployed.start_block, head))
        line = f"Contributions {len(added)}"
        for what, event in deployed.mechanism.settlement_events:
            count = len(list(getattr(trainer, event).range(deployed.start_block, head)))
            line += f", {what} {count}"
        line += f"; ETH held {wei_to_eth(trainer.balance)}"
        line += f"; next deposit {wei_to_eth(trainer.requiredDeposit(block_id='pending'))}"
        click.echo(line)
        if deployed.mechanism.takes_test_set:
            _market(deployed, added, head, top)
        else:
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


def _encoded_test_part(deployed: Deployed, test_file) -> tuple[list[tuple[bytes, int]], int]:
    """(contract input, label) of the test part of the deployment's dataset, or of every row
    of `test_file`; and how many inputs the encoder could not encode."""
    source = pipeline.Source(**deployed.manifest["dataset"])
    if test_file:
        source = pipeline.Source(str(test_file), test_share=0.99, initial_share=0)
    parts = pipeline.load(source)
    samples, skipped = [], 0
    for raw, y in zip(parts.test, parts.y_test, strict=True):
        try:
            samples.append((deployed.encode(raw), int(y)))
        except InvalidSample:
            skipped += 1
    return samples, skipped


def _when(timestamp: int, now: int) -> str:
    """'2026-12-02T06:25:54+00:00 (in 2.0 h)': a chain time, and how far it is from `now`."""
    moment = datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
    seconds = abs(timestamp - now)
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            delta = f"{seconds / size:.1f} {unit}"
            break
    else:
        delta = f"{seconds} s"
    return f"{moment} ({'in ' + delta if timestamp > now else delta + ' ago'})"


def _market(deployed: Deployed, added: list, head: int, top: int) -> None:
    """A market's phase, deadlines, stakes, pool, reveal and scoring progress, and once it is
    scored the best contributions with their scores and claims."""
    from ape import chain

    trainer = deployed.trainer  # (its `provider` view is shadowed by ape's provider attribute)
    now = chain.pending_timestamp
    phase = Phase(trainer.phase(block_id="pending"))
    size, count, stake = trainer.testSetSize(), trainer.contributionCount(), trainer.stake()
    click.echo(
        f"Market: phase {phase.name.lower()}; contributions until {_when(trainer.windowEnd(), now)}"
        f"; test set revealed by {_when(trainer.revealDeadline(), now)}"
    )
    click.echo(
        f"Stakes {wei_to_eth(stake)} each, {wei_to_eth(stake * count)} staked by {count} "
        f"contribution(s) (at most {trainer.maxContributions()}); reward pool "
        f"{wei_to_eth(trainer.rewardPool())} from {trainer.call_view_method('provider')}"
    )
    done, total = steps_done(trainer.cursor(), size, count)
    click.echo(
        f"Test set: {trainer.revealedCount()} of {size} leaves revealed; scoring "
        f"{done:,} of {total:,} steps done"
    )
    if phase == Phase.FORFEITED:
        share = trainer.forfeitShare() if trainer.forfeited() else trainer.rewardPool() // count
        click.echo(
            f"Forfeited (not revealed in time): each contribution claims its stake plus "
            f"{wei_to_eth(share)} (`ape run claim`)"
        )
    scored = {
        bytes(e.id): int(e.score)
        for e in trainer.ContributionScored.range(deployed.start_block, head)
    }
    if not scored:
        return
    rows = sorted(
        ((scored[bytes(e.id)], e) for e in added if bytes(e.id) in scored),
        key=lambda row: -row[0],
    )
    click.echo(f"Scores ({len(scored)} of {count} scored; the best {min(top, len(rows))}):")
    for score, e in rows[:top]:
        offer = Claim.of(trainer.claimable(e.data, e.label, e.contributor, block_id="pending"))
        claim = amount_text(offer.amount, offer.reputation) if offer.pays else "nothing"
        click.echo(
            f"  {score:+d}  {e.contributor}  {deployed.class_names[int(e.label)]!r}  claims {claim}"
        )
