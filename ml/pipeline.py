"""From a dataset to an initial model and its encoder: what `ape run deploy` trains.

A `Source` names the data (a bundled dataset or a labelled-text CSV) and how it is split, so
that anyone can rebuild the same test set later (`ape run status`). Texts are encoded by a
vocabulary, hashing or sentence-embedding encoder; numeric datasets by the dense encoder. The
initial part trains the model off chain; the test part measures it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ml import datasets
from ml.encoders import (
    DenseEncoder,
    Encoder,
    HashingEncoder,
    SentenceEmbeddingEncoder,
    VocabularyEncoder,
)
from ml.errors import InvalidDataset, InvalidSample
from ml.fixed_point import ONE
from ml.models import MODELS as MODEL_CLASSES
from ml.training import Trained, train_model

NUMERIC = {
    "digits": datasets.digits,
    "breast-cancer": datasets.breast_cancer,
    "wine": datasets.wine,
    "iris": datasets.iris,
}
#: The bundled dataset of short reviews (ml/data/sample_reviews.csv).
REVIEWS = "reviews"
MODELS = tuple(MODEL_CLASSES)
DENSE_MODELS = tuple(kind for kind, cls in MODEL_CLASSES.items() if not cls.sparse)
TEXT_ENCODERS = ("vocabulary", "hashing", "embedding")
ENCODERS = (*TEXT_ENCODERS, "dense")


@dataclass(frozen=True)
class Source:
    """A dataset and its split: everything needed to rebuild the same parts."""

    dataset: str  # a NUMERIC name, REVIEWS, or a CSV path
    seed: int = 0
    test_share: float = 0.2
    initial_share: float = 0.3
    text_column: str | None = None
    label_column: str | None = None

    @property
    def is_text(self) -> bool:
        return self.dataset not in NUMERIC

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Parts:
    """Raw inputs (texts or float vectors) and labels of each part."""

    initial: list
    y_initial: np.ndarray
    train: list
    y_train: np.ndarray
    test: list
    y_test: np.ndarray
    class_names: list[str]


def load(source: Source) -> Parts:
    """The initial, train (for contributors) and test parts of `source`."""
    if not source.is_text:
        data = NUMERIC[source.dataset](seed=source.seed)
        n_initial = max(1, round(source.initial_share * len(data.X_train)))
        X = [list(map(float, row)) for row in data.X_train]
        return Parts(
            X[:n_initial],
            data.y_train[:n_initial],
            X[n_initial:],
            data.y_train[n_initial:],
            [list(map(float, row)) for row in data.X_test],
            data.y_test,
            data.class_names,
        )
    path = datasets.SAMPLE_REVIEWS if source.dataset == REVIEWS else source.dataset
    text = datasets.load_text_csv(
        path,
        text_column=source.text_column,
        label_column=source.label_column,
        seed=source.seed,
        test_size=source.test_share,
        initial_size=source.initial_share,
    )
    if not text.texts_initial:
        raise InvalidDataset("the initial share is empty: the model needs data to start from")
    return Parts(
        text.texts_initial,
        text.y_initial,
        text.texts_train,
        text.y_train,
        text.texts_test,
        text.y_test,
        text.class_names,
    )


#: Deploy's model for texts: the averaged perceptron, whose held-out accuracy honest
#: contributions do not lower (docs/learning-rules.md); for numeric data, a dense model that
#: takes any number of classes.
DEFAULT_TEXT_MODEL = "averaged-sparse-perceptron"
DEFAULT_NUMERIC_MODEL = "nearest-centroid"


def default_model(source: Source) -> str:
    return DEFAULT_TEXT_MODEL if source.is_text else DEFAULT_NUMERIC_MODEL


def default_encoder(source: Source, model: str) -> str:
    if not source.is_text:
        return "dense"
    return "vocabulary" if MODEL_CLASSES[model].sparse else "embedding"


def make_encoder(kind: str, source: Source, model: str, features: int | None) -> Encoder:
    """An unfitted encoder of `kind` for `model` on `source`; raises InvalidDataset with the
    fix when they do not go together."""
    sparse = MODEL_CLASSES[model].sparse
    if kind == "dense":
        if source.is_text:
            raise InvalidDataset("the dense encoder takes vectors: use a text encoder for texts")
        if sparse:
            raise InvalidDataset(
                f"{model} takes sparse samples: use a dense model ({', '.join(DENSE_MODELS)}) "
                "with a numeric dataset"
            )
        return DenseEncoder(normalise="maxabs")
    if not source.is_text:
        raise InvalidDataset(f"the {kind} encoder takes texts; {source.dataset} is numeric")
    if kind == "embedding":
        if sparse:
            raise InvalidDataset(f"{model} takes sparse samples: use --encoder vocabulary")
        return SentenceEmbeddingEncoder(dimensions=features or 32)
    if not sparse:
        raise InvalidDataset(f"{model} takes dense vectors: use --encoder embedding for texts")
    if kind == "hashing":
        return HashingEncoder(num_features=features or 1024)
    return VocabularyEncoder(max_features=features or 1000)


def dense_matrix(samples: list[list[int]], num_features: int, sparse: bool) -> np.ndarray:
    """Encoded samples as the float matrix the trainers take: 0/1 rows for sparse samples,
    the fixed-point values as reals for dense ones."""
    if not sparse:
        return np.asarray(samples, dtype=float) / ONE
    X = np.zeros((len(samples), num_features))
    for row, indices in enumerate(samples):
        X[row, indices] = 1.0
    return X


def train(model: str, encoder: Encoder, parts: Parts, *, learning_rate: float = 0.5) -> Trained:
    """Fits `encoder` on the initial and train inputs (the labels are not used: a vocabulary
    or a scale needs only the corpus, and never the test part), trains `model` on the initial
    part and measures it on the test part (samples the encoder cannot encode, e.g. texts with
    no known word, are skipped)."""
    encoder.fit(parts.initial + parts.train)
    sparse = MODEL_CLASSES[model].sparse
    X_initial, y_initial = encodable(encoder, parts.initial, parts.y_initial)
    X_test, y_test = encodable(encoder, parts.test, parts.y_test)
    F = encoder.num_features
    X_initial, X_test = dense_matrix(X_initial, F, sparse), dense_matrix(X_test, F, sparse)
    return train_model(
        model,
        X_initial,
        y_initial,
        X_test,
        y_test,
        class_names=parts.class_names,
        learning_rate=learning_rate,
    )


def encodable(encoder: Encoder, inputs: list, y) -> tuple[list[list[int]], np.ndarray]:
    """The samples of `inputs` that `encoder` can encode (a text with no known word cannot)
    and their labels."""
    samples, labels = [], []
    for x, label in zip(inputs, y, strict=True):
        try:
            samples.append(encoder.encode(x))
        except InvalidSample:
            continue
        labels.append(int(label))
    return samples, np.asarray(labels, dtype=np.int64)
