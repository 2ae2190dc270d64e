"""Datasets bundled with scikit-learn or shipped in ml/data (nothing is downloaded), labelled-text
CSV files, and deterministic splits."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.errors import DatasetNotFound, InvalidDataset
from ml.packing import present_indices


@dataclass(frozen=True)
class Split:
    """Train / test parts of a dataset, with its class names."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]

    @property
    def num_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def split(X, y, class_names, *, test_size: float = 0.2, seed: int = 0) -> Split:
    """A stratified train / test split that depends only on `seed`."""
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(
        np.asarray(X), np.asarray(y), test_size=test_size, random_state=seed, stratify=y
    )
    return Split(X_train, y_train, X_test, y_test, list(class_names))


def digits(*, seed: int = 0) -> Split:
    """8x8 digit images as dense vectors in [0, 1] (pixel / 16), 10 classes."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return split(data.data / 16.0, data.target, [str(c) for c in range(10)], seed=seed)


def binarise(X, threshold: float = 0.5) -> np.ndarray:
    """0/1 features: 1 where a value is at least `threshold` (a present pixel)."""
    return (np.asarray(X) >= threshold).astype(np.int8)


def digits_binary(*, seed: int = 0) -> Split:
    """Digits as present pixels (value >= 8 of 16), 10 classes; rows are 0/1 vectors."""
    d = digits(seed=seed)
    return Split(binarise(d.X_train), d.y_train, binarise(d.X_test), d.y_test, d.class_names)


def breast_cancer(*, seed: int = 0) -> Split:
    """Breast cancer features standardised with the training part's mean and deviation,
    then scaled into the unit ball's neighbourhood (divided by sqrt(features)) and clipped to
    [-1, 1], the bound dense models accept per component (a few outliers exceed it)."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    s = split(data.data, data.target, list(data.target_names), seed=seed)
    mean, std = s.X_train.mean(axis=0), s.X_train.std(axis=0)
    scale = std * np.sqrt(s.num_features)

    def scaled(X):
        return np.clip((X - mean) / scale, -1.0, 1.0)

    return Split(scaled(s.X_train), s.y_train, scaled(s.X_test), s.y_test, s.class_names)


def indices(X) -> list[list[int]]:
    """The sparse samples (present-feature indices) of a 0/1 matrix."""
    return present_indices(X)


def _standardised(s: Split) -> Split:
    """`s` with each feature centred and scaled by the training part's mean and deviation,
    then divided by sqrt(features) (as `breast_cancer`); constant features are only centred."""
    mean, std = s.X_train.mean(axis=0), s.X_train.std(axis=0)
    scale = np.where(std > 0, std, 1.0) * np.sqrt(s.num_features)
    return Split(
        (s.X_train - mean) / scale, s.y_train, (s.X_test - mean) / scale, s.y_test, s.class_names
    )


def wine(*, seed: int = 0) -> Split:
    """Wine recognition: 13 chemical measurements of wines from 3 cultivars, standardised with
    the training part's mean and deviation and divided by sqrt(13); 178 samples."""
    from sklearn.datasets import load_wine

    data = load_wine()
    names = [str(name) for name in data.target_names]
    return _standardised(split(data.data, data.target, names, seed=seed))


def iris(*, seed: int = 0) -> Split:
    """Iris: 4 flower measurements (cm) of 3 species, standardised with the training part's mean
    and deviation and divided by sqrt(4); 150 samples."""
    from sklearn.datasets import load_iris

    data = load_iris()
    names = [str(name) for name in data.target_names]
    return _standardised(split(data.data, data.target, names, seed=seed))


# ---------------------------------------------------------------------- labelled texts

#: A small labelled-text CSV shipped with the package (100 short movie-review-like sentences
#: written for this project, 50 positive and 50 negative; ``review,sentiment`` header).
SAMPLE_REVIEWS = Path(__file__).parent / "data" / "sample_reviews.csv"
#: The UCI SMS Spam Collection (5,574 messages, ham or spam; ``text,label`` header; CC BY 4.0,
#: attribution in ml/data/README.md).
SMS_SPAM = Path(__file__).parent / "data" / "sms_spam.csv"

#: Column names recognised when `load_text_csv` is not told which columns to use.
TEXT_COLUMN_NAMES = ("text", "review", "sentence", "document", "content")
LABEL_COLUMN_NAMES = ("label", "sentiment", "class", "target", "category")


@dataclass(frozen=True)
class TextSplit:
    """Labelled texts split three ways, with the class names (labels index `class_names`).

    ``initial`` trains the model before it is deployed, ``train`` is what contributors add
    afterwards, ``test`` measures it.
    """

    texts_train: list[str]
    y_train: np.ndarray
    texts_initial: list[str]
    y_initial: np.ndarray
    texts_test: list[str]
    y_test: np.ndarray
    class_names: list[str]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.texts_train) + len(self.texts_initial) + len(self.texts_test)


def load_text_csv(
    path: str | os.PathLike,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    seed: int = 0,
    test_size: float | int = 0.2,
    initial_size: float | int = 0.1,
) -> TextSplit:
    """Labelled texts from a CSV file, split into train / initial / test parts.

    The file is UTF-8 (a byte-order mark is allowed) with a header row. Label names become class
    indices in sorted order (``negative`` -> 0, ``positive`` -> 1). Both splits are stratified
    and depend only on the rows and `seed`.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    text_column, label_column : str, optional
        The columns holding the text and the label. When not given, the first column named one
        of `TEXT_COLUMN_NAMES` / `LABEL_COLUMN_NAMES` (in that order, case-insensitively) is
        used; failing that, a two-column file is read as text then label (so the common
        ``review,sentiment`` layout needs no options).
    seed : int, default 0
        Seed of the splits.
    test_size, initial_size : float or int
        The test and initial parts: a fraction of all rows (test rounded up, initial rounded to
        nearest) or a number of rows. The train part is the rest; ``initial_size=0`` leaves the
        initial part empty.

    Returns
    -------
    TextSplit

    Raises
    ------
    DatasetNotFound
        If the file does not exist.
    InvalidDataset
        If a column is missing or cannot be guessed, a text or label is empty, there are fewer
        than two classes, or the parts cannot be made.

    Examples
    --------
    >>> data = load_text_csv(SAMPLE_REVIEWS)
    >>> data.class_names, len(data.texts_train), len(data.texts_initial), len(data.texts_test)
    (['negative', 'positive'], 70, 10, 20)
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetNotFound(f"no labelled-text CSV file at {path}")
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if not header:
            raise InvalidDataset(f"{path} is empty: a header row is needed")
        header = [name.strip() for name in header]
        text_at = _column(header, text_column, TEXT_COLUMN_NAMES, 0, "text", path)
        label_at = _column(header, label_column, LABEL_COLUMN_NAMES, 1, "label", path)
        if text_at == label_at:
            raise InvalidDataset(
                f"the text and the label cannot both be column {header[text_at]!r}"
            )
        texts, labels = [], []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            line = reader.line_num
            if len(row) != len(header):
                raise InvalidDataset(
                    f"{path}, line {line}: {len(row)} fields, the header has {len(header)}"
                )
            text, label = row[text_at], row[label_at].strip()
            if not text.strip() or not label:
                raise InvalidDataset(f"{path}, line {line}: empty text or label")
            texts.append(text)
            labels.append(label)
    class_names = sorted(set(labels))
    if len(class_names) < 2:
        raise InvalidDataset(f"{path} has {len(class_names)} class(es); at least 2 are needed")
    class_index = {name: index for index, name in enumerate(class_names)}
    y = np.array([class_index[label] for label in labels], dtype=np.int64)
    return _split_texts(texts, y, class_names, seed, test_size, initial_size, path)


def sample_reviews(
    *, seed: int = 0, test_size: float | int = 0.2, initial_size: float | int = 0.1
) -> TextSplit:
    """The shipped `SAMPLE_REVIEWS` (100 short reviews, 2 classes) as a `TextSplit`."""
    return load_text_csv(SAMPLE_REVIEWS, seed=seed, test_size=test_size, initial_size=initial_size)


def _column(
    header: list[str], given: str | None, known: tuple[str, ...], fallback: int, role: str, path
) -> int:
    if given is not None:
        if given not in header:
            raise InvalidDataset(f"{path} has no column {given!r}; its columns are {header}")
        return header.index(given)
    lowered = [name.lower() for name in header]
    for name in known:
        if name in lowered:
            return lowered.index(name)
    if len(header) == 2:
        return fallback
    raise InvalidDataset(
        f"cannot tell which column of {path} holds the {role} (columns {header}); "
        f"pass {role}_column="
    )


def _part_size(size: float | int, total: int, name: str, round_up: bool) -> int:
    if isinstance(size, bool) or not isinstance(size, int | float):
        raise TypeError(f"{name} must be a fraction or a number of rows, got {size!r}")
    if isinstance(size, float):
        if not 0 <= size < 1:
            raise ValueError(f"{name} as a fraction must be in [0, 1), got {size}")
        return math.ceil(size * total) if round_up else round(size * total)
    if size < 0:
        raise ValueError(f"{name} must not be negative, got {size}")
    return size


def _split_texts(texts, y, class_names, seed, test_size, initial_size, path) -> TextSplit:
    from sklearn.model_selection import train_test_split

    total = len(texts)
    n_test = _part_size(test_size, total, "test_size", round_up=True)
    n_initial = _part_size(initial_size, total, "initial_size", round_up=False)
    if n_test < 1 or n_test + n_initial >= total:
        raise InvalidDataset(
            f"{path}: {total} rows cannot give {n_test} test and {n_initial} initial rows and "
            "still leave training rows (the test part needs at least one)"
        )
    positions = np.arange(total)
    try:
        rest, test = train_test_split(positions, test_size=n_test, random_state=seed, stratify=y)
        if n_initial:
            train, initial = train_test_split(
                rest, test_size=n_initial, random_state=seed, stratify=y[rest]
            )
        else:
            train, initial = rest, rest[:0]
    except ValueError as error:  # a class too small to stratify
        raise InvalidDataset(f"{path}: cannot split the rows by class: {error}") from error

    def part(indices):
        return [texts[i] for i in indices], y[indices]

    return TextSplit(*part(train), *part(initial), *part(test), class_names)
