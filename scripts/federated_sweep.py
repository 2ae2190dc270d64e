"""`ape run federated_sweep` (or `make federated-sweep`): the Byzantine sweep of the federated
rounds off chain (`ml.federated.sweep`): every rule against every attack at 10-50% attackers;
writes sweep.json, sweep.png and the tables of docs/federated.md (accuracy, and the
money: net ETH per attacker and per honest participant)."""

import json
from pathlib import Path

import click

from ml.commands.common import one_line_errors
from ml.datasets import digits
from ml.federated.mlp import Architecture
from ml.federated.rounds import Data
from ml.federated.sweep import plot, render_markdown, sweep, to_json


@click.command()
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option("--out", default="reports/federated-sweep", show_default=True)
@one_line_errors  # a user's mistake (an --out that is a file) is one line, not a traceback
def cli(rounds, seed, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = Data.of(digits(seed=seed), validation=200)
    arch = Architecture(features=64, hidden=16, classes=10)
    points = sweep(
        arch,
        data,
        rounds=rounds,
        seed=seed,
        progress=lambda p: click.echo(f"{p.rule} {p.attack} {p.share:.0%}: {p.accuracy:.1%}"),
    )
    (out / "sweep.json").write_text(json.dumps(to_json(points), indent=1) + "\n")
    plot(points, out / "sweep.png")
    table = render_markdown(points, rounds=rounds)
    (out / "table.md").write_text(table)
    click.echo(table)
    click.echo(f"sweep.json, sweep.png and table.md in {out}")


if __name__ == "__main__":
    cli()
