"""Does honest data hurt a model? Its held-out accuracy as honest contributions arrive.

The model is trained off chain on a small initial share (exactly as `ape run deploy` trains it),
then learns, through its bit-exact mirror (the chain's arithmetic), from the next contributions
of the data in their order with their true labels; the test part's accuracy is measured before
and after every contribution. Sparse models read texts through a 1,000-word vocabulary and
numeric datasets as binarised features (one present feature per quartile of each measurement,
quartiles of the initial share). Binary models on a dataset of more than two classes learn its
first class against the rest. `python scripts/bench_learning_rules.py` prints the table of
docs/learning-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml import pipeline
from ml.encoders import VocabularyEncoder
from ml.models import MODELS
from ml.training import train_model


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


@dataclass
class SparseTask:
    """A dataset as sparse samples: the initial, contributed and test parts."""

    name: str
    num_features: int
    class_names: list[str]
    initial: list[list[int]]
    y_initial: np.ndarray
    contributed: list[list[int]]
    y_contributed: np.ndarray
    test: list[list[int]]
    y_test: np.ndarray


def _quartile_features(initial, *parts):
    """0/1 matrices: feature 4d + q is present when measurement d is in quartile q of the
    initial share."""
    edges = np.quantile(np.asarray(initial), [0.25, 0.5, 0.75], axis=0)  # (3, D)

    def binarised(rows):
        rows = np.asarray(rows, dtype=float)
        quartile = (rows[:, None, :] > edges[None, :, :]).sum(axis=1)  # (n, D) in 0..3
        return [sorted(4 * d + int(q) for d, q in enumerate(row)) for row in quartile]

    return [binarised(p) for p in (initial, *parts)]


def sparse_task(
    dataset: str, *, contributions: int = 300, initial_share: float = 0.1, seed: int = 0
) -> SparseTask:
    """`dataset` (a bundled name or a labelled-text CSV) split by `ml.pipeline.load`, encoded
    for sparse models, with at most `contributions` contributions."""
    source = pipeline.Source(dataset, seed=seed, initial_share=initial_share)
    parts = pipeline.load(source)
    if source.is_text:
        encoder = VocabularyEncoder(max_features=1000).fit(parts.initial + parts.train)
        coded = [
            pipeline.encodable(encoder, x, y)
            for x, y in (
                (parts.initial, parts.y_initial),
                (parts.train, parts.y_train),
                (parts.test, parts.y_test),
            )
        ]
        F = encoder.num_features
    else:
        samples = _quartile_features(parts.initial, parts.train, parts.test)
        ys = (parts.y_initial, parts.y_train, parts.y_test)
        coded = [(s, np.asarray(y, dtype=np.int64)) for s, y in zip(samples, ys, strict=True)]
        F = 4 * len(parts.initial[0])
    (initial, y_initial), (train, y_train), (test, y_test) = coded
    return SparseTask(
        dataset,
        F,
        list(parts.class_names),
        initial,
        y_initial,
        train[:contributions],
        y_train[:contributions],
        test,
        y_test,
    )


def _one_against_rest(task: SparseTask) -> SparseTask:
    first = task.class_names[0]
    return SparseTask(
        f"{task.name} ({first} vs rest)",
        task.num_features,
        ["rest", first],
        task.initial,
        (task.y_initial == 0).astype(np.int64),
        task.contributed,
        (task.y_contributed == 0).astype(np.int64),
        task.test,
        (task.y_test == 0).astype(np.int64),
    )


def trajectory(kind: str, task: SparseTask, *, learning_rate: float = 0.5) -> Trajectory:
    """Trains `kind` on the task's initial part and applies its contributions in order."""
    if MODELS[kind].binary and len(task.class_names) > 2:
        task = _one_against_rest(task)
    F = task.num_features
    model = train_model(
        kind,
        pipeline.dense_matrix(task.initial, F, True),
        task.y_initial,
        pipeline.dense_matrix(task.test, F, True),
        task.y_test,
        class_names=task.class_names,
        learning_rate=learning_rate,
    ).mirror

    def accuracy() -> float:
        predictions = [model.predict_fixed(s) for s in task.test]
        return float(np.mean(np.asarray(predictions) == task.y_test))

    start = low = accuracy()
    for sample, label in zip(task.contributed, task.y_contributed, strict=True):
        model.learn_fixed(sample, int(label))
        low = min(low, accuracy())
    return Trajectory(kind, task.name, len(task.contributed), start, accuracy(), low)
