"""`ape run federated_sweep` (or `make federated-sweep`): the Byzantine sweep of the federated
rounds off chain (`ml.federated.sweep`): every rule against every attack at 10-50% attackers;
writes sweep.json, sweep.png and the tables of docs/federated.md (accuracy, and the
money: net ETH per attacker and per honest participant).

`--privacy` (or `make federated-privacy`): the differential-privacy trade-off instead, accuracy
against epsilon for each noise multiplier (privacy.json, privacy.png, privacy.md)."""

import json
from dataclasses import asdict
from pathlib import Path

import click

from ml.commands.common import one_line_errors
from ml.datasets import digits
from ml.federated.mlp import Architecture
from ml.federated.rounds import Data
from ml.federated.sweep import (
    plot,
    plot_privacy,
    privacy_sweep,
    render_markdown,
    render_privacy_markdown,
    sweep,
    to_json,
)


@click.command()
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option("--privacy", is_flag=True, help="The privacy trade-off instead of the attacks.")
@click.option("--out", default="reports/federated-sweep", show_default=True)
@one_line_errors  # a user's mistake (an --out that is a file) is one line, not a traceback
def cli(rounds, seed, privacy, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = Data.of(digits(seed=seed), validation=200)
    arch = Architecture(features=64, hidden=16, classes=10)
    if privacy:
        points = privacy_sweep(
            arch,
            data,
            rounds=rounds,
            seed=seed,
            progress=lambda p: click.echo(
                f"{p.rule} noise {p.noise_multiplier:g}: epsilon {p.epsilon:.4g}, {p.accuracy:.1%}"
            ),
        )
        name = "privacy"
        rows = [asdict(p) for p in points]
        plot_privacy(points, out / f"{name}.png")
        table = render_privacy_markdown(points, rounds=rounds)
    else:
        points = sweep(
            arch,
            data,
            rounds=rounds,
            seed=seed,
            progress=lambda p: click.echo(f"{p.rule} {p.attack} {p.share:.0%}: {p.accuracy:.1%}"),
        )
        name, rows = "sweep", to_json(points)
        plot(points, out / f"{name}.png")
        table = render_markdown(points, rounds=rounds)
    (out / f"{name}.json").write_text(json.dumps(rows, indent=1) + "\n")
    (out / f"{name}.md").write_text(table)
    click.echo(table)
    click.echo(f"{name}.json, {name}.png and {name}.md in {out}")


if __name__ == "__main__":
    cli()
