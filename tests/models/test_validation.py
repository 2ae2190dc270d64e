"""Every validation error of the models: the named error with its deciding values, and no
change to the model's state."""

import pytest
from helpers import reverts_with

from ml.deploy import deploy_model
from ml.errors import ComponentOutOfRange
from ml.fixed_point import INT32_MAX, INT64_MAX, ONE, UINT32_MAX
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
from ml.packing import encode_dense

F, D, C = 10, 4, 3


def small_models():
    nb = NaiveBayes(num_features=F, num_classes=C)
    nb.class_samples_ = [1, 1, 1]
    nc = NearestCentroid(num_features=D, num_classes=C)
    nc.counts_ = [1, 1, 1]
    snc = SparseNearestCentroid(num_features=F, num_classes=C)
    snc.counts_ = [1, 1, 1]
    return {
        "sparse-perceptron": SparsePerceptron(num_features=F),
        "averaged-sparse-perceptron": AveragedSparsePerceptron(num_features=F),
        "multiclass-sparse-perceptron": MulticlassSparsePerceptron(num_features=F, num_classes=C),
        "averaged-multiclass-sparse-perceptron": AveragedMulticlassSparsePerceptron(
            num_features=F, num_classes=C
        ),
        "dense-perceptron": DensePerceptron(num_features=D),
        "naive-bayes": nb,
        "nearest-centroid": nc,
        "sparse-nearest-centroid": snc,
    }


SPARSE = [k for k, m in small_models().items() if m.sparse]
DENSE = [k for k, m in small_models().items() if not m.sparse]
ALL = sorted(small_models())


@pytest.fixture
def deployed(owner):
    def deploy(kind, model=None, finalize=True):
        model = model or small_models()[kind]
        return model, deploy_model(model, owner, finalize=finalize).contract

    return deploy


def state(model, contract):
    return type(model).from_contract(contract).state()


def valid_sample(model) -> bytes:
    return model.encode_fixed([1, 3] if model.sparse else [ONE] * model.num_features)


@pytest.mark.parametrize("kind", ALL)
def test_empty_sample(kind, deployed, owner):
    model, contract = deployed(kind)
    before = state(model, contract)
    with reverts_with(contract.EmptySample):
        contract.predict(b"")
    with reverts_with(contract.EmptySample):
        contract.update(b"", 0, sender=owner)
    assert state(model, contract) == before


@pytest.mark.parametrize("kind", ALL)
def test_malformed_sample(kind, deployed, owner):
    model, contract = deployed(kind)
    unit = 2 if model.sparse else 4
    before = state(model, contract)
    with reverts_with(contract.MalformedSample, length=unit + 1, bytesPerValue=unit):
        contract.update(b"\x00" * (unit + 1), 0, sender=owner)
    assert state(model, contract) == before


@pytest.mark.parametrize("kind", DENSE)
def test_wrong_dimension(kind, deployed, owner):
    model, contract = deployed(kind)
    before = state(model, contract)
    for dimension in (D - 1, D + 1):
        with reverts_with(contract.WrongDimension, dimension=dimension, expected=D):
            contract.update(encode_dense([1] * dimension), 1, sender=owner)
        with reverts_with(contract.WrongDimension, dimension=dimension, expected=D):
            contract.predict(encode_dense([1] * dimension))
    assert state(model, contract) == before


@pytest.mark.parametrize("kind", DENSE)
@pytest.mark.parametrize("value", [ONE + 1, -ONE - 1, 2**31 - 1, -(2**31)])
def test_component_out_of_range(kind, value, deployed, owner):
    """Each dense component must lie in [-ONE, ONE]; the first one outside is named."""
    model, contract = deployed(kind)
    before = state(model, contract)
    sample = [ONE, -ONE, value, value + (1 if value < 0 else -1) * 5 * ONE]
    with pytest.raises(ComponentOutOfRange) as refused:
        model.check_dense(sample)
    assert (refused.value.index, refused.value.value) == (2, value)
    data = encode_dense(sample)
    with reverts_with(contract.ComponentOutOfRange, index=2, value=value):
        contract.predict(data)
    for label in range(model.num_classes):
        with reverts_with(contract.ComponentOutOfRange, index=2, value=value):
            contract.update(data, label, sender=owner)
    assert state(model, contract) == before


def test_component_bound_checked_without_any_centroid(deployed, owner):
    """A nearest centroid with no samples in any class measures no distance; it still checks."""
    model = NearestCentroid(num_features=D, num_classes=C)
    model, contract = deployed("nearest-centroid", model)
    data = encode_dense([0, 0, 0, -ONE - 1])
    with reverts_with(contract.ComponentOutOfRange, index=3, value=-ONE - 1):
        contract.predict(data)
    with reverts_with(contract.ComponentOutOfRange, index=3, value=-ONE - 1):
        contract.update(data, 0, sender=owner)
    assert contract.predict(encode_dense([ONE, -ONE, 0, 0])) == 0


def sparse_bytes(*indices) -> bytes:
    return b"".join(i.to_bytes(2, "big") for i in indices)


@pytest.mark.parametrize("kind", SPARSE)
def test_feature_out_of_range(kind, deployed, owner):
    model, contract = deployed(kind)
    before = state(model, contract)
    with reverts_with(contract.FeatureOutOfRange, feature=F, numFeatures=F):
        contract.update(sparse_bytes(1, F), 1, sender=owner)
    with reverts_with(contract.FeatureOutOfRange, feature=65535, numFeatures=F):
        contract.predict(sparse_bytes(65535))
    assert state(model, contract) == before


@pytest.mark.parametrize("kind", SPARSE)
@pytest.mark.parametrize(
    "indices, position, previous, feature",
    [((3, 3), 1, 3, 3), ((2, 5, 4, 9), 2, 5, 4), ((7, 1, 9), 1, 7, 1)],
    ids=["duplicate", "decreasing", "decreasing-first"],
)
def test_features_not_increasing(kind, indices, position, previous, feature, deployed, owner):
    model, contract = deployed(kind)
    before = state(model, contract)
    with reverts_with(
        contract.FeaturesNotIncreasing, position=position, previous=previous, feature=feature
    ):
        contract.update(sparse_bytes(*indices), 1, sender=owner)
    with reverts_with(
        contract.FeaturesNotIncreasing, position=position, previous=previous, feature=feature
    ):
        contract.predict(sparse_bytes(*indices))
    assert state(model, contract) == before


@pytest.mark.parametrize("kind", ALL)
def test_unknown_class(kind, deployed, owner):
    model, contract = deployed(kind)
    before = state(model, contract)
    classes = model.num_classes
    with reverts_with(contract.UnknownClass, label=classes, numClasses=classes):
        contract.update(valid_sample(model), classes, sender=owner)
    assert state(model, contract) == before


def saturating_models():
    """Models one update away from leaving their storage range: (model, sample, label, and the
    parameter index and the limit it must stop at)."""
    # Score on [3, 5] is -1 + (-MAX) + MAX < 0: label 1 raises both weights; weight 5 saturates.
    sp = SparsePerceptron(num_features=F, intercept=-1.0)
    sp.params_[3], sp.params_[5] = -INT64_MAX, INT64_MAX
    # The same for the averaged perceptron, whose counter is at its limit: the weighted sums
    # (counter times step) saturate too, and so does the counter.
    ap = AveragedSparsePerceptron(num_features=F, intercept=-1.0)
    ap.params_[6], ap.params_[10], ap.params_[2 * F + 1] = -INT64_MAX, INT64_MAX, INT64_MAX
    # Class 2 scores MAX + 1 on [4], class 0 scores MAX: label 0 raises w[4][0] past int64.
    mc = MulticlassSparsePerceptron(num_features=F, num_classes=C)
    mc.params_[F * C + 2], mc.params_[4 * C + 2] = INT64_MAX, 1
    mc.params_[4 * C + 0] = INT64_MAX
    # Score = -200000 + (MAX32 - 100) * 0.05 < 0: label 1 adds round(0.5 * 0.05) = 0.025 to w[2].
    dp = DensePerceptron(num_features=D, intercept=-200_000.0)
    dp.params_[2] = INT32_MAX - 100
    nb = NaiveBayes(num_features=F, num_classes=C)
    nb.set_counts([[0] * F, [0] * 6 + [UINT32_MAX] + [0] * 3, [0] * F], [1, 1, 1])
    snc = SparseNearestCentroid(num_features=F, num_classes=C)
    sums = [0] * (F * C)
    sums[8 * C + 1] = INT64_MAX - ONE + 1
    snc._set_sums(sums)
    snc.counts_ = [1, 1, 1]
    return {
        "sparse-perceptron": (sp, [3, 5], 1, 5, INT64_MAX),
        "averaged-sparse-perceptron": (ap, [3, 5], 1, 11, INT64_MAX),
        "multiclass-sparse-perceptron": (mc, [4], 0, 4 * C, INT64_MAX),
        "dense-perceptron": (dp, [0, 0, 50_000, 0], 1, 2, INT32_MAX),
        "naive-bayes": (nb, [6, 7], 1, 6 * C + 1, UINT32_MAX),
        "sparse-nearest-centroid": (snc, [8], 1, 8 * C + 1, INT64_MAX),
    }


@pytest.mark.parametrize("kind", sorted(saturating_models()))
def test_parameters_saturate_instead_of_reverting(kind, deployed, owner):
    """The update that would overflow a lane succeeds on chain and in the mirror, the lane
    stops at its limit, and both agree on every stored value."""
    model, sample, label, index, limit = saturating_models()[kind]
    model, contract = deployed(kind, model)
    model.update_fixed(sample, label)
    assert model.params_[index] == limit
    contract.update(model.encode_fixed(sample), label, sender=owner)
    assert state(model, contract) == model.state()


def test_a_saturated_dense_weight_still_moves_back(deployed, owner):
    """Finding 2 of issue 9: six contributions at lr 0.5 used to pin a dense weight at the int32
    limit, after which every honest correction pushing it further reverted. Now the weight
    saturates, corrections that push further succeed, and one that pulls it back moves it."""
    model = DensePerceptron(num_features=D, learning_rate=0.5)
    model.params_[0] = INT32_MAX - 1
    model, contract = deployed("dense-perceptron", model)
    push = [ONE, 0, 0, 0]
    for label in (1, 0, 1):  # a mistake each time: the model flips its prediction
        model.update_fixed(push, label)
        contract.update(encode_dense(push), label, sender=owner)
        assert state(model, contract) == model.state()
    assert model.params_[0] < INT32_MAX


def full_class_models():
    nb = NaiveBayes(num_features=F, num_classes=C)
    nb.class_samples_ = [1, 2**64 - 1, 1]
    nc = NearestCentroid(num_features=D, num_classes=C)
    nc.counts_ = [1, 2**64 - 1, 1]
    snc = SparseNearestCentroid(num_features=F, num_classes=C)
    snc.counts_ = [1, 2**32 - 1, 1]
    return {"naive-bayes": nb, "nearest-centroid": nc, "sparse-nearest-centroid": snc}


@pytest.mark.parametrize("kind", sorted(full_class_models()))
def test_class_counts_saturate(kind, deployed, owner):
    model, contract = deployed(kind, full_class_models()[kind])
    full = model.state()
    sample = [1, 3] if model.sparse else [ONE] * D
    model.update_fixed(sample, 1)
    contract.update(valid_sample(model), 1, sender=owner)
    assert state(model, contract) == model.state()
    counts = "class_samples_" if kind == "naive-bayes" else "counts_"
    assert getattr(model, counts)[1] == full[counts][1]


@pytest.mark.parametrize("kind", ALL)
def test_ties_go_to_the_lowest_class(kind, deployed):
    """Classes 0 and 1 identical (class 2, if any, far away): both predict class 0."""
    model = small_models()[kind]
    if kind in ("sparse-perceptron", "averaged-sparse-perceptron", "dense-perceptron"):
        model.intercept_ = 0  # score exactly 0: class 0
    elif kind == "nearest-centroid":
        model.set_centroids([[0.5] * D, [0.5] * D, [-9.0] * D], [3, 3, 3])
    elif kind == "sparse-nearest-centroid":
        model.set_centroids([[0.5] * F, [0.5] * F, [1.0] * F], [4, 4, 4])
    elif kind == "naive-bayes":
        model.set_counts([[2] * F, [2] * F, [0] * F], [5, 5, 1])
    model, contract = deployed(kind, model)
    sample = valid_sample(model)
    assert contract.predict(sample) == 0
    assert model.predict_fixed([1, 3] if model.sparse else [ONE] * D) == 0
