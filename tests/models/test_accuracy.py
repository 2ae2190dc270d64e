"""Accuracy on real data (scikit-learn's bundled datasets): each model, queried through its
contract on the chain, is within 1 percentage point of the same model trained in float, and
its predictions equal its mirror's."""

import numpy as np
import pytest

from ml import datasets
from ml.deploy import deploy_model
from ml.models import MODELS
from ml.training import (
    train_model,
    train_naive_bayes,
    train_nearest_centroid,
    train_perceptron,
)

TEST_SAMPLES = 120  # per model: enough to measure, few enough for py-evm


def _binary(split):
    """Digits binarised into present pixels, as the binary task 'digit >= 5'."""
    return datasets.Split(
        split.X_train,
        (split.y_train >= 5).astype(int),
        split.X_test,
        (split.y_test >= 5).astype(int),
        ["0-4", "5-9"],
    )


def trained(kind):
    dense, binary, cancer = datasets.digits(), datasets.digits_binary(), datasets.breast_cancer()
    if kind == "nearest-centroid":
        s, train = dense, lambda s: train_nearest_centroid(*_parts(s), num_classes=10, sparse=False)
    elif kind == "sparse-nearest-centroid":
        s, train = binary, lambda s: train_nearest_centroid(*_parts(s), num_classes=10, sparse=True)
    elif kind == "naive-bayes":
        s, train = binary, lambda s: train_naive_bayes(*_parts(s), num_classes=10)
    elif kind == "multiclass-sparse-perceptron":
        s, train = binary, lambda s: train_perceptron(*_parts(s), sparse=True, num_classes=10)
    elif kind == "averaged-multiclass-sparse-perceptron":
        s, train = (
            binary,
            lambda s: train_perceptron(*_parts(s), sparse=True, num_classes=10, averaged=True),
        )
    elif kind == "sparse-perceptron":
        s, train = _binary(binary), lambda s: train_perceptron(*_parts(s), sparse=True)
    elif kind == "averaged-sparse-perceptron":
        s, train = (
            _binary(binary),
            lambda s: train_perceptron(*_parts(s), sparse=True, averaged=True),
        )
    else:
        s, train = cancer, lambda s: train_perceptron(*_parts(s), sparse=False)
    s = datasets.Split(
        s.X_train, s.y_train, s.X_test[:TEST_SAMPLES], s.y_test[:TEST_SAMPLES], s.class_names
    )
    return s, train(s)


def _parts(s):
    return s.X_train, s.y_train, s.X_test, s.y_test


@pytest.mark.parametrize(
    "kind",
    [
        "sparse-perceptron",
        "averaged-sparse-perceptron",
        "multiclass-sparse-perceptron",
        "averaged-multiclass-sparse-perceptron",
        "dense-perceptron",
        "naive-bayes",
        "nearest-centroid",
        "sparse-nearest-centroid",
    ],
)
def test_on_chain_accuracy_is_within_one_point_of_float(kind, owner, chain):
    split, result = trained(kind)
    model = result.mirror
    # The whole test set through the mirror, the first TEST_SAMPLES also through the contract.
    assert result.quantised_accuracy == pytest.approx(result.float_accuracy, abs=0.01)
    assert result.quantised_accuracy > 0.7  # the models really learnt the task

    contract = deploy_model(model, owner).contract
    samples = datasets.indices(split.X_test) if model.sparse else split.X_test
    samples, labels = samples[:TEST_SAMPLES], split.y_test[:TEST_SAMPLES]
    on_chain = np.array([contract.predict(model.encode(x)) for x in samples])

    assert on_chain.tolist() == model.predict(samples).tolist()
    mirror_accuracy = float(np.mean(model.predict(samples) == labels))
    assert float(np.mean(on_chain == labels)) == mirror_accuracy


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_training_gives_the_kind_asked_for_on_two_classes(kind):
    """A multi-class model trained on two classes stays that model (not the binary one)."""
    s = datasets.breast_cancer()
    X_train, X_test = s.X_train[:100], s.X_test[:20]
    if MODELS[kind].sparse:  # present: above a little below the mean (no row is empty)
        X_train, X_test = (X_train > -0.05).astype(float), (X_test > -0.05).astype(float)
    result = train_model(
        kind, X_train, s.y_train[:100], X_test, s.y_test[:20], class_names=s.class_names
    )
    assert result.mirror.kind == kind
