"""Held-out accuracy of each learning rule as honest contributions arrive (`ml.learning_rules`).

Run with ``python scripts/bench_learning_rules.py`` (or ``ape run bench_learning_rules``): for
every bundled dataset (the shipped SMS Spam Collection and reviews, and scikit-learn's), each
model is trained off chain on 10% of the data and then learns, through its bit-exact mirror,
the next `--contributions` contributions in data order with their true labels (the multi-class
perceptrons on the datasets of more than two classes). Prints the table of
docs/learning-rules.md.
"""

import click

from ml import pipeline
from ml.learning_rules import sparse_task, trajectory

KINDS = ("sparse-perceptron", "averaged-sparse-perceptron", "naive-bayes")
#: on the datasets of more than two classes
MULTICLASS_KINDS = ("multiclass-sparse-perceptron", "averaged-multiclass-sparse-perceptron")


@click.command()
@click.option("--contributions", default=300, show_default=True, help="Honest contributions.")
@click.option("--seed", default=0, show_default=True, help="Seed of the split.")
def cli(contributions, seed):
    click.echo("| dataset | model | contributions | start | end | lowest | end - start |")
    click.echo("|---|---|---:|---:|---:|---:|---:|")
    for dataset in pipeline.BUNDLED:
        task = sparse_task(dataset, contributions=contributions, seed=seed)
        for kind in KINDS + (MULTICLASS_KINDS if len(task.class_names) > 2 else ()):
            r = trajectory(kind, task, dataset)
            click.echo(
                f"| {r.dataset} | {kind} | {r.contributions} | {r.start:.2%} | {r.end:.2%} | "
                f"{r.low:.2%} | {100 * (r.end - r.start):+.2f} |"
            )


if __name__ == "__main__":
    cli()
