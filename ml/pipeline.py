"""From a dataset to an initial model and its encoder: what `ape run deploy` trains.

A `Source` names the data (a bundled dataset or a labelled-text CSV) and how it is split, so
that anyone can rebuild the same test set later (`ape run status`). Texts are encoded by a
vocabulary, hashing or sentence-embedding encoder; numeric datasets by the dense encoder (dense
models) or the binary one (sparse models). The initial part trains the model off chain; the
test part measures it; the train part is what contributors add (the simulation's pool).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ml import datasets
from ml.encoders import (
    BinaryEncoder,
    DenseEncoder,
    Encoder,
    HashingEncoder,
    SentenceEmbeddingEncoder,
    VocabularyEncoder,
)
from ml.errors import DatasetNotFound, InvalidDataset, InvalidSample
from ml.fixed_point import ONE
from ml.models import MODELS as MODEL_CLASSES
from ml.training import Trained, train_model

NUMERIC = {
    "digits": datasets.digits,
    "breast-cancer": datasets.breast_cancer,
    "wine": datasets.wine,
    "iris": datasets.iris,
}
#: The bundled short reviews (ml/data/sample_reviews.csv).
REVIEWS = "reviews"
#: The bundled UCI SMS Spam Collection (ml/data/sms_spam.csv).
SMS_SPAM = "sms-spam"
#: The labelled-text CSVs shipped in ml/data, by dataset name.
TEXT = {REVIEWS: datasets.SAMPLE_REVIEWS, SMS_SPAM: datasets.SMS_SPAM}
BUNDLED = (*TEXT, *NUMERIC)
MODELS = tuple(MODEL_CLASSES)
TEXT_ENCODERS = ("vocabulary", "hashing", "embedding")
NUMERIC_ENCODERS = ("dense", "binary")
ENCODERS = (*TEXT_ENCODERS, *NUMERIC_ENCODERS)


def check_dataset(dataset: str) -> None:
    """Raises DatasetNotFound unless `dataset` is a bundled name or a file."""
    if dataset not in BUNDLED and not Path(dataset).is_file():
        raise DatasetNotFound(
            f"{dataset!r} is neither a bundled dataset ({', '.join(BUNDLED)}) nor a CSV file"
        )


@dataclass(frozen=True)
class Source:
    """A dataset and its split: everything needed to rebuild the same parts."""

    dataset: str  # a NUMERIC name, a TEXT name, or a CSV path
    seed: int = 0
    test_share: float = 0.2
    initial_share: float = 0.3
    text_column: str | None = None
    label_column: str | None = None
    # a federated global model that labels the initial part (`ml.federated.distill.Teacher`)
    teacher: dict | None = None

    @property
    def is_text(self) -> bool:
        return self.dataset not in NUMERIC

    def to_dict(self) -> dict:
        """Without a teacher, the fields every manifest has always had (their CIDs stay)."""
        fields = asdict(self)
        if self.teacher is None:
            del fields["teacher"]
        return fields


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
    """The initial, train (for contributors) and test parts of `source`; with a teacher, the
    initial part labelled by it (`ml.federated.distill`)."""
    parts = _load(source)
    if source.teacher is not None:
        from ml.federated.distill import relabel

        parts = relabel(source, parts)
    return parts


def _load(source: Source) -> Parts:
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
    path = TEXT.get(source.dataset, source.dataset)
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
#: contributions do not lower (docs/learning-rules.md); for numeric data, naive Bayes (on the
#: binary encoder's features).
DEFAULT_TEXT_MODEL = "averaged-sparse-perceptron"
DEFAULT_NUMERIC_MODEL = "naive-bayes"


def default_model(source: Source) -> str:
    return DEFAULT_TEXT_MODEL if source.is_text else DEFAULT_NUMERIC_MODEL


def default_encoder(source: Source, model: str) -> str:
    sparse = MODEL_CLASSES[model].sparse
    if not source.is_text:
        return "binary" if sparse else "dense"
    return "vocabulary" if sparse else "embedding"


def make_encoder(kind: str, source: Source, model: str, features: int | None) -> Encoder:
    """An unfitted encoder of `kind` for `model` on `source`; raises InvalidDataset with the
    fix when they do not go together."""
    sparse = MODEL_CLASSES[model].sparse
    if kind in NUMERIC_ENCODERS:
        if source.is_text:
            raise InvalidDataset(f"the {kind} encoder takes vectors: use a text encoder for texts")
        if sparse and kind == "dense":
            raise InvalidDataset(f"{model} takes sparse samples: use the binary encoder")
        if not sparse and kind == "binary":
            raise InvalidDataset(f"{model} takes dense vectors: use the dense encoder")
        return BinaryEncoder() if sparse else DenseEncoder(normalise="maxabs")
    if not source.is_text:
        raise InvalidDataset(f"the {kind} encoder takes texts; {source.dataset} is numeric")
    if kind == "embedding":
        if sparse:
            raise InvalidDataset(f"{model} takes sparse samples: use the vocabulary encoder")
        return SentenceEmbeddingEncoder(dimensions=features or 32)
    if not sparse:
        raise InvalidDataset(f"{model} takes dense vectors: use the embedding encoder for texts")
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


@dataclass
class Encoded:
    """Each part in the model's representation (present indices or fixed-point values), less
    the inputs the model cannot take (`_encodable`)."""

    initial: list[list[int]]
    y_initial: np.ndarray
    train: list[list[int]]
    y_train: np.ndarray
    test: list[list[int]]
    y_test: np.ndarray
    class_names: list[str]
    num_features: int


def fit(encoder: Encoder, parts: Parts) -> Encoder:
    """Fits `encoder` on the initial and train inputs (the labels are not used: a vocabulary
    or a scale needs only the corpus, and never the test part)."""
    return encoder.fit(parts.initial + parts.train)


def refit(spec: dict, source: Source) -> Encoder:
    """A new encoder of `spec`'s kind and hyperparameters, fitted on `source` as `deploy` fits
    one: a published spec is re-derived from the data when this one's spec equals it."""
    kind = type(Encoder.from_spec(spec))
    return fit(kind(**spec["parameters"]), load(source))


def encode(encoder: Encoder, parts: Parts) -> Encoded:
    """Fits `encoder` (`fit`) and encodes every part."""
    fit(encoder, parts)
    return Encoded(
        *_encodable(encoder, parts.initial, parts.y_initial),
        *_encodable(encoder, parts.train, parts.y_train),
        *_encodable(encoder, parts.test, parts.y_test),
        parts.class_names,
        encoder.num_features,
    )


def train(
    model: str,
    encoded: Encoded,
    *,
    with_train_part: bool = False,
    learning_rate: float = 0.5,
    alpha: float = 1.0,
    seed: int = 0,
) -> Trained:
    """Trains `model` on the initial part (with the train part too: what all the data would
    give) and measures it on the test part."""
    sparse = MODEL_CLASSES[model].sparse
    X, y = encoded.initial, encoded.y_initial
    if with_train_part:
        X, y = X + encoded.train, np.concatenate([y, encoded.y_train])
    if not X:
        raise InvalidDataset("no initial sample can be encoded: the model needs data to start")
    if not encoded.test:
        raise InvalidDataset("no test sample can be encoded: the model cannot be measured")
    F = encoded.num_features
    return train_model(
        model,
        dense_matrix(X, F, sparse),
        y,
        dense_matrix(encoded.test, F, sparse),
        encoded.y_test,
        class_names=encoded.class_names,
        learning_rate=learning_rate,
        alpha=alpha,
        seed=seed,
    )


def _encodable(encoder: Encoder, inputs: list, y) -> tuple[list[list[int]], np.ndarray]:
    """The samples a model takes, with their labels: inputs the encoder cannot encode (a text
    with no known word) or beyond a dense model's [-1, 1] (a test vector outside the range the
    encoder was fitted on) are left out."""
    try:
        samples = encoder.encode_batch(inputs)
    except InvalidSample:
        samples = [_encoded(encoder, x) for x in inputs]
    kept = [
        i
        for i, sample in enumerate(samples)
        if sample is not None and (encoder.sparse or max(map(abs, sample)) <= ONE)
    ]
    return [samples[i] for i in kept], np.asarray(y, dtype=np.int64)[kept]


def _encoded(encoder: Encoder, x) -> list[int] | None:
    try:
        return encoder.encode(x)
    except InvalidSample:
        return None
