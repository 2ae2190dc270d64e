"""Datasets bundled with scikit-learn (nothing is downloaded) and deterministic splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    then scaled into the unit ball's neighbourhood (divided by sqrt(features))."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    s = split(data.data, data.target, list(data.target_names), seed=seed)
    mean, std = s.X_train.mean(axis=0), s.X_train.std(axis=0)
    scale = std * np.sqrt(s.num_features)
    return Split(
        (s.X_train - mean) / scale, s.y_train, (s.X_test - mean) / scale, s.y_test, s.class_names
    )


def indices(X) -> list[list[int]]:
    """The sparse samples (present-feature indices) of a 0/1 matrix."""
    return present_indices(X)
