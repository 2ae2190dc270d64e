"""Held-out accuracy of each learning rule as honest contributions arrive (`ml.learning_rules`).

Run with ``python scripts/bench_learning_rules.py`` (or ``ape run bench_learning_rules``): for
the shipped SMS Spam Collection (when ml/data/sms_spam.csv is present) and every bundled
dataset, each model is trained off chain on 10% of the data and then learns, through its
bit-exact mirror, the next `--contributions` contributions in data order with their true
labels (the multi-class perceptrons on the datasets of more than two classes). Prints the
table of docs/learning-rules.md.
"""

from pathlib import Path

import click

from ml import pipeline
from ml.learning_rules import sparse_task, trajectory

SMS = Path(__file__).resolve().parent.parent / "ml" / "data" / "sms_spam.csv"
KINDS = ("sparse-perceptron", "averaged-sparse-perceptron", "naive-bayes")
#: on the datasets of more than two classes
MULTICLASS_KINDS = ("multiclass-sparse-perceptron", "averaged-multiclass-sparse-perceptron")


@click.command()
@click.option("--contributions", default=300, show_default=True, help="Honest contributions.")
@click.option("--seed", default=0, show_default=True, help="Seed of the split.")
def cli(contributions, seed):
    datasets = ([str(SMS)] if SMS.is_file() else []) + [pipeline.REVIEWS, *pipeline.NUMERIC]
    click.echo("| dataset | model | contributions | start | end | lowest | end - start |")
    click.echo("|---|---|---:|---:|---:|---:|---:|")
    for dataset in datasets:
        task = sparse_task(dataset, contributions=contributions, seed=seed)
        for kind in KINDS + (MULTICLASS_KINDS if len(task.class_names) > 2 else ()):
            r = trajectory(kind, task)
            name = Path(r.dataset).name if dataset == str(SMS) else r.dataset
            click.echo(
                f"| {name} | {kind} | {r.contributions} | {r.start:.2%} | {r.end:.2%} | "
                f"{r.low:.2%} | {100 * (r.end - r.start):+.2f} |"
            )


if __name__ == "__main__":
    cli()
