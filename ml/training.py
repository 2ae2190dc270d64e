"""Off-chain float training of initial models, and their quantisation into on-chain mirrors.

Each `train_*` function fits the float model, builds the mirror that deploys it, and measures
both on a test set, so that the accuracy lost by quantisation is known before deploying.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.errors import InvalidDataset
from ml.fixed_point import INT64_MAX, to_fixed
from ml.models import (
    MODELS,
    AveragedMulticlassSparsePerceptron,
    AveragedSparsePerceptron,
    DensePerceptron,
    MulticlassSparsePerceptron,
    NaiveBayes,
    NearestCentroid,
    OnChainModel,
    SparseNearestCentroid,
    SparsePerceptron,
)
from ml.packing import present_indices


@dataclass
class Trained:
    """A float model's accuracy and that of its quantised mirror on the same test set."""

    mirror: OnChainModel
    float_accuracy: float
    quantised_accuracy: float

    @property
    def quantisation_loss(self) -> float:
        """Accuracy lost by quantisation, in percentage points (negative: gained)."""
        return 100.0 * (self.float_accuracy - self.quantised_accuracy)

    def summary(self) -> str:
        return (
            f"{self.mirror.kind}: float {self.float_accuracy:.2%}, "
            f"on-chain {self.quantised_accuracy:.2%} ({self.quantisation_loss:+.2f} pp lost)"
        )


def _accuracy(predictions, y) -> float:
    return float(np.mean(np.asarray(predictions) == np.asarray(y)))


def train_perceptron(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    sparse: bool,
    averaged: bool = False,
    num_classes: int = 2,
    multiclass: bool | None = None,
    learning_rate: float = 0.5,
    epochs: int = 5,
    seed: int = 0,
    class_names=None,
) -> Trained:
    """The contracts' perceptron rule in float (binary: class 1 iff score > 0; multi-class:
    argmax with the lowest index on ties; mistakes move weights and intercepts by lr * x),
    over `epochs` seeded shuffles of the training set, then quantised. `averaged`: the model
    is the average of the weights after every sample seen, and the mirror's state (current
    weights, counter, weighted sums) makes the contract's average equal to it."""
    X_train, X_test = np.asarray(X_train, dtype=float), np.asarray(X_test, dtype=float)
    rng = np.random.default_rng(seed)
    F = X_train.shape[1]
    if multiclass is None:  # a multi-class model may also learn two classes
        multiclass = num_classes > 2
    W = np.zeros((num_classes if multiclass else 1, F))
    b = np.zeros(W.shape[0])
    # Daume's trick, as on chain: `seen` updates so far, U and u_b the steps times `seen`.
    U, u_b, seen = np.zeros_like(W), np.zeros_like(b), 0
    for _ in range(epochs):
        for i in rng.permutation(len(X_train)):
            W_before, b_before = W.copy(), b.copy()
            x, label = X_train[i], int(y_train[i])
            scores = W @ x + b
            if multiclass:
                predicted = int(np.argmax(scores))  # first maximum: the lowest index
                if predicted != label:
                    W[label] += learning_rate * x
                    W[predicted] -= learning_rate * x
                    b[label] += learning_rate
                    b[predicted] -= learning_rate
            else:
                predicted = int(scores[0] > 0)
                if predicted != label:
                    step = learning_rate if label == 1 else -learning_rate
                    W[0] += step * x
                    b[0] += step
            U += seen * (W - W_before)
            u_b += seen * (b - b_before)
            seen += 1
    W_avg, b_avg = (W - U / seen, b - u_b / seen) if averaged else (W, b)

    def float_predict(X):
        scores = X @ W_avg.T + b_avg
        return np.argmax(scores, axis=1) if multiclass else (scores[:, 0] > 0).astype(int)

    names = {"class_names": class_names}

    def feature_major(W, b) -> list[int]:  # w[f][c] at f * C + c, then the intercepts
        return [to_fixed(W[c, f]) for f in range(F) for c in range(num_classes)] + [
            to_fixed(v) for v in b
        ]

    if multiclass and averaged:
        mirror = AveragedMulticlassSparsePerceptron(
            num_features=F, num_classes=num_classes, learning_rate=learning_rate, **names
        )
        mirror.set_average(feature_major(W, b), feature_major(W_avg, b_avg), seen)
    elif multiclass:
        mirror = MulticlassSparsePerceptron(
            num_features=F, num_classes=num_classes, learning_rate=learning_rate, **names
        )
        mirror.params_ = feature_major(W, b)
    elif averaged:
        mirror = AveragedSparsePerceptron(num_features=F, learning_rate=learning_rate, **names)
        mirror.set_average(
            [to_fixed(v) for v in W[0]],
            [to_fixed(v) for v in W_avg[0]],
            to_fixed(b[0]),
            to_fixed(b_avg[0]),
            seen,
        )
    elif sparse:
        mirror = SparsePerceptron(
            num_features=F, learning_rate=learning_rate, intercept=b[0], **names
        )
        mirror.params_ = [to_fixed(v) for v in W[0]]
    else:
        mirror = DensePerceptron(
            num_features=F, learning_rate=learning_rate, intercept=b[0], **names
        )
        mirror.params_ = [to_fixed(v) for v in W[0]]
    if any(abs(v) > INT64_MAX for v in mirror.params_):
        raise OverflowError("trained weights exceed int64")
    test = present_indices(X_test) if sparse else X_test
    return Trained(
        mirror, _accuracy(float_predict(X_test), y_test), _accuracy(mirror.predict(test), y_test)
    )


def train_naive_bayes(
    X_train, y_train, X_test, y_test, *, num_classes: int, alpha: float = 1.0, class_names=None
) -> Trained:
    """scikit-learn's MultinomialNB on the 0/1 matrix; the mirror holds the same counts."""
    from sklearn.naive_bayes import MultinomialNB

    X_train = (np.asarray(X_train) != 0).astype(np.int64)
    X_test = (np.asarray(X_test) != 0).astype(np.int64)
    nb = MultinomialNB(alpha=alpha).fit(X_train, y_train)
    mirror = NaiveBayes(
        num_features=X_train.shape[1],
        num_classes=num_classes,
        alpha=alpha,
        class_names=class_names,
    )
    counts = np.zeros((num_classes, X_train.shape[1]), dtype=np.int64)
    samples = np.zeros(num_classes, dtype=np.int64)
    for x, label in zip(X_train, y_train, strict=True):
        counts[int(label)] += x
        samples[int(label)] += 1
    mirror.set_counts(counts, samples)
    return Trained(
        mirror,
        _accuracy(nb.predict(X_test), y_test),
        _accuracy(mirror.predict(present_indices(X_test)), y_test),
    )


def train_nearest_centroid(
    X_train, y_train, X_test, y_test, *, num_classes: int, sparse: bool, class_names=None
) -> Trained:
    """scikit-learn's NearestCentroid; the mirror holds the quantised means (dense) or the
    exact sums of the 0/1 features (sparse)."""
    from sklearn.neighbors import NearestCentroid as FloatNearestCentroid

    X_train, X_test = np.asarray(X_train, dtype=float), np.asarray(X_test, dtype=float)
    nc = FloatNearestCentroid().fit(X_train, y_train)
    counts = np.bincount(np.asarray(y_train, dtype=int), minlength=num_classes)
    means = np.zeros((num_classes, X_train.shape[1]))
    means[nc.classes_.astype(int)] = nc.centroids_
    cls = SparseNearestCentroid if sparse else NearestCentroid
    mirror = cls(num_features=X_train.shape[1], num_classes=num_classes, class_names=class_names)
    if sparse:
        sums = np.zeros((num_classes, X_train.shape[1]), dtype=np.int64)
        for x, label in zip(X_train, y_train, strict=True):
            sums[int(label)] += (x != 0).astype(np.int64)
        mirror._set_sums(
            [to_fixed(int(sums[c, f])) for f in range(sums.shape[1]) for c in range(num_classes)]
        )
        mirror.counts_ = [int(n) for n in counts]
        test = present_indices(X_test)
    else:
        mirror.set_centroids(means, counts)
        test = X_test
    return Trained(
        mirror, _accuracy(nc.predict(X_test), y_test), _accuracy(mirror.predict(test), y_test)
    )


def train_model(
    kind: str,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    class_names,
    learning_rate: float = 0.5,
    alpha: float = 1.0,
    seed: int = 0,
) -> Trained:
    """The `train_*` function of the model `kind` (a key of `ml.models.MODELS`) on 0/1 rows
    (sparse kinds) or real rows (dense kinds). Raises InvalidDataset for a binary perceptron
    on data of more than two classes."""
    k = len(class_names)
    sparse = MODELS[kind].sparse
    names = {"class_names": list(class_names)}
    if kind == "naive-bayes":
        return train_naive_bayes(
            X_train, y_train, X_test, y_test, num_classes=k, alpha=alpha, **names
        )
    if kind in ("nearest-centroid", "sparse-nearest-centroid"):
        return train_nearest_centroid(
            X_train, y_train, X_test, y_test, num_classes=k, sparse=sparse, **names
        )
    if MODELS[kind].binary and k != 2:
        raise InvalidDataset(
            f"{kind} is binary and the data has {k} classes: use "
            "multiclass-sparse-perceptron, naive-bayes or a nearest centroid"
        )
    return train_perceptron(
        X_train,
        y_train,
        X_test,
        y_test,
        sparse=sparse,
        averaged=kind in (AveragedSparsePerceptron.kind, AveragedMulticlassSparsePerceptron.kind),
        num_classes=k,
        multiclass=not MODELS[kind].binary,
        learning_rate=learning_rate,
        seed=seed,
        **names,
    )
