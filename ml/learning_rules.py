"""Does honest data hurt a model? Its held-out accuracy as honest contributions arrive.

The model is trained off chain on a small initial share (exactly as `ape run deploy` trains
it), then learns, through its bit-exact mirror (the chain's arithmetic), from the next
contributions of the data in their order with their true labels; the test part's accuracy is
measured before and after every contribution. Sparse models read texts through a 1,000-word
vocabulary and numeric datasets through the binary encoder (a measurement is present in the
upper half of its range), as deploy encodes them. Binary models on a dataset of more than two
classes learn its first class against the rest. `python scripts/bench_learning_rules.py`
prints the table of docs/learning-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ml import pipeline
from ml.encoders import BinaryEncoder, VocabularyEncoder
from ml.models import MODELS


@dataclass(frozen=True)
class Trajectory:
    """Held-out accuracy before the contributions (`start`), after them (`end`) and at its
    lowest after any of them (`low`), over `contributions` honest contributions."""

    kind: str
    dataset: str
    contributions: int
    start: float
    end: float
    low: float


def sparse_task(
    dataset: str, *, contributions: int = 300, initial_share: float = 0.1, seed: int = 0
) -> pipeline.Encoded:
    """`dataset` (a bundled name or a labelled-text CSV) split by `ml.pipeline.load` and encoded
    for sparse models by `ml.pipeline.encode`, as deploy does it, with at most `contributions`
    contributions in the train part."""
    source = pipeline.Source(dataset, seed=seed, initial_share=initial_share)
    encoder = VocabularyEncoder(max_features=1000) if source.is_text else BinaryEncoder()
    task = pipeline.encode(encoder, pipeline.load(source))
    task.train, task.y_train = task.train[:contributions], task.y_train[:contributions]
    return task


def _one_against_rest(task: pipeline.Encoded) -> pipeline.Encoded:
    """The task of telling the first class from the others (class 1: the first class)."""

    def first(y):
        return (np.asarray(y) == 0).astype(np.int64)

    return replace(
        task,
        y_initial=first(task.y_initial),
        y_train=first(task.y_train),
        y_test=first(task.y_test),
        class_names=["rest", task.class_names[0]],
    )


def trajectory(
    kind: str, task: pipeline.Encoded, name: str, *, learning_rate: float = 0.5
) -> Trajectory:
    """Trains `kind` on the task's initial part as deploy does (`ml.pipeline.train`) and
    applies its train part in order as honest contributions."""
    if MODELS[kind].binary and len(task.class_names) > 2:
        task, name = _one_against_rest(task), f"{name} ({task.class_names[0]} vs rest)"
    model = pipeline.train(kind, task, learning_rate=learning_rate).mirror

    def accuracy() -> float:
        predictions = [model.predict_fixed(s) for s in task.test]
        return float(np.mean(np.asarray(predictions) == task.y_test))

    start = low = accuracy()
    for sample, label in zip(task.train, task.y_train, strict=True):
        model.learn_fixed(sample, int(label))
        low = min(low, accuracy())
    return Trajectory(kind, name, len(task.train), start, accuracy(), low)
