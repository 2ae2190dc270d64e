"""`ape run federated_distill` (or `make federated-distill`): the distillation report
(`ml.federated.distill.report`): on digits and the SMS texts, the federated global model, the
on-chain models distilled from it and the same models trained on true labels (distill.json,
distill.md)."""

import json
from dataclasses import asdict
from pathlib import Path

import click

from ml.commands.common import one_line_errors
from ml.federated.distill import REPORT_MODELS, render_markdown, report


@click.command()
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    type=click.Choice(tuple(REPORT_MODELS)),
    help="[default: all]",
)
@click.option("--out", default="reports/federated-distill", show_default=True)
@one_line_errors
def cli(rounds, seed, datasets, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for dataset in datasets or REPORT_MODELS:
        rows += report(dataset, rounds=rounds, seed=seed)
        click.echo(f"{dataset}: done")
    (out / "distill.json").write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    table = render_markdown(rows, rounds=rounds)
    (out / "distill.md").write_text(table)
    click.echo(table)
    click.echo(f"distill.json and distill.md in {out}")


if __name__ == "__main__":
    cli()
