"""Every accepted sample can be judged: a sample of exactly `maxSampleBytes()`, laid out at its
most expensive (every feature in its own storage words, every class scored), predicts within
PREDICT_GAS_BUDGET; the mirror gives the same limit; a dense model whose predict could exceed
the budget is refused at construction."""

import pytest
from helpers import reverts_with

from ml.deploy import deploy_model
from ml.fixed_point import ONE
from ml.models import (
    AveragedMulticlassSparsePerceptron,
    AveragedSparsePerceptron,
    DensePerceptron,
    MulticlassSparsePerceptron,
    NaiveBayes,
    NearestCentroid,
    SparseNearestCentroid,
    SparsePerceptron,
)
from ml.models.base import PREDICT_GAS_BUDGET

F = 2**16


def worst_case(kind: str, classes: int):
    """The model, in the state that makes predict cost the most that we know of."""
    if kind == "sparse-perceptron":
        return SparsePerceptron(num_features=F)
    if kind == "averaged-sparse-perceptron":
        return AveragedSparsePerceptron(num_features=F)
    if kind == "averaged-multiclass-sparse-perceptron":
        return AveragedMulticlassSparsePerceptron(num_features=F, num_classes=classes)
    if kind == "multiclass-sparse-perceptron":
        return MulticlassSparsePerceptron(num_features=F, num_classes=classes)
    if kind == "naive-bayes":  # every class scored, the largest smoothing
        model = NaiveBayes(num_features=F, num_classes=classes, alpha=4294.967296)
        model.class_samples_ = [2**64 - 1] * classes
        return model
    if kind == "sparse-nearest-centroid":
        model = SparseNearestCentroid(num_features=F, num_classes=classes)
        model.counts_ = [2**32 - 1] * classes
        return model
    raise ValueError(kind)


def predict_gas(chain, owner, contract, data: bytes) -> int:
    call = {"from": owner.address, "to": contract.address}
    return chain.provider.web3.eth.estimate_gas(
        {**call, "data": bytes(contract.predict.encode_input(data))}
    )


@pytest.mark.parametrize(
    "kind, classes",
    [
        ("sparse-perceptron", 2),
        ("averaged-sparse-perceptron", 2),
        ("multiclass-sparse-perceptron", 2),
        ("multiclass-sparse-perceptron", 16),
        ("averaged-multiclass-sparse-perceptron", 2),
        ("averaged-multiclass-sparse-perceptron", 16),
        ("naive-bayes", 2),
        ("naive-bayes", 16),
        ("sparse-nearest-centroid", 2),
        ("sparse-nearest-centroid", 16),
    ],
)
def test_the_longest_accepted_sparse_sample_predicts_within_the_budget(kind, classes, chain, owner):
    model = worst_case(kind, classes)
    contract = deploy_model(model, owner).contract
    limit = contract.maxSampleBytes()
    assert limit == model.max_sample_bytes
    assert limit < 2 * F  # the budget, not the feature count, decides here
    # Features 4 apart: each feature's parameters start a storage word of their own (the
    # averaged perceptron's two lanes per feature included).
    sample = [4 * j for j in range(limit // 2)]
    gas = predict_gas(chain, owner, contract, model.encode_fixed(sample))
    assert gas <= PREDICT_GAS_BUDGET
    assert gas >= 0.75 * PREDICT_GAS_BUDGET  # the coefficients are not wastefully loose


def test_small_sparse_models_accept_every_feature(owner):
    model = NaiveBayes(num_features=100, num_classes=3)
    assert deploy_model(model, owner).contract.maxSampleBytes() == 200 == model.max_sample_bytes


@pytest.mark.parametrize(
    "model",
    [DensePerceptron(num_features=4096), NearestCentroid(num_features=512, num_classes=16)],
    ids=["dense-perceptron", "nearest-centroid"],
)
def test_dense_models_accept_exactly_their_dimension_within_the_budget(model, chain, owner):
    if model.kind == "nearest-centroid":
        model.counts_ = [1] * model.num_classes
    contract = deploy_model(model, owner).contract
    assert contract.maxSampleBytes() == 4 * model.num_features == model.max_sample_bytes
    data = model.encode_fixed([ONE] * model.num_features)
    assert predict_gas(chain, owner, contract, data) <= PREDICT_GAS_BUDGET


def test_a_dense_model_over_the_budget_is_refused(project, owner):
    for name, mirror, args in (
        ("DensePerceptron", lambda d: DensePerceptron(num_features=d), lambda d: [ONE, 0]),
        (
            "NearestCentroid",
            lambda d: NearestCentroid(num_features=d, num_classes=16),
            lambda d: [],
        ),
    ):
        base, per = mirror(1).predict_gas()
        largest = (PREDICT_GAS_BUDGET - base) // per
        container = getattr(project, name)

        def deploy(d, name=name, args=args, container=container):
            if name == "DensePerceptron":
                return container.deploy(owner, d, *args(d), ["a", "b"], sender=owner)
            names = [str(c) for c in range(16)]
            return container.deploy(owner, 16, d, [0] * 16, names, sender=owner)

        deploy(largest)  # the largest dimension still accepted
        with reverts_with(
            container.InvalidConfiguration, reason="dense predict exceeds the gas budget"
        ):
            deploy(largest + 1)
        with pytest.raises(ValueError, match="gas budget"):
            mirror(largest + 1)
