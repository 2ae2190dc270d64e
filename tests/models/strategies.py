"""Hypothesis strategies for random on-chain models and samples, extremes included."""

from hypothesis import strategies as st

from ml.fixed_point import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, ONE, UINT32_MAX
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


def _mostly_small(lo: int, hi: int, small: int):
    """Integers in [lo, hi], usually within +-small of 0, sometimes at or near the bounds."""
    return st.one_of(
        st.integers(max(lo, -small), min(hi, small)),
        st.integers(lo, hi),
        st.sampled_from([lo, lo + 1, hi - 1, hi]),
    )


int64s = _mostly_small(INT64_MIN, INT64_MAX, 3 * ONE)
int32s = _mostly_small(INT32_MIN, INT32_MAX, 3 * ONE)
learning_rates = st.one_of(st.sampled_from([1, ONE // 2, ONE]), st.integers(1, 2**40))


def with_tie(draw, params: list[int], num_classes: int, stride_is_class: bool, per_class: int):
    """Sometimes copies class 0's parameters onto class 1, so that predictions meet exact ties
    (and the lowest-index rule decides)."""
    if not draw(st.booleans()):
        return params
    params = list(params)
    for i in range(per_class):
        if stride_is_class:  # feature-major: parameter f * C + c
            params[i * num_classes + 1] = params[i * num_classes]
        else:  # class-major: parameter c * D + d
            params[per_class + i] = params[i]
    return params


def sparse_samples(num_features: int, max_size: int = 12):
    return st.lists(
        st.integers(0, num_features - 1), min_size=1, max_size=max_size, unique=True
    ).map(sorted)


#: dense sample components: within [-ONE, ONE], the bound the contracts accept
components = _mostly_small(-ONE, ONE, ONE // 4)


def dense_samples(dimensions: int):
    return st.lists(components, min_size=dimensions, max_size=dimensions)


@st.composite
def sparse_perceptrons(draw):
    F = draw(st.integers(1, 40))
    model = SparsePerceptron(num_features=F, class_names=["Negative", "Positive"])
    model.learning_rate_fixed = draw(learning_rates)
    model.intercept_ = draw(int64s)
    model.params_ = draw(st.lists(int64s, min_size=F, max_size=F))
    return model, sparse_samples(F), st.integers(0, 1)


@st.composite
def averaged_sparse_perceptrons(draw):
    F = draw(st.integers(1, 40))
    model = AveragedSparsePerceptron(num_features=F, class_names=["Negative", "Positive"])
    model.learning_rate_fixed = draw(learning_rates)
    model.intercept_ = draw(int64s)
    params = draw(st.lists(int64s, min_size=2 * F + 1, max_size=2 * F + 1))
    updates = draw(st.one_of(st.integers(0, 10**4), int64s))  # the counter
    model.params_ = [*params, updates]
    return model, sparse_samples(F), st.integers(0, 1)


@st.composite
def multiclass_sparse_perceptrons(draw):
    F, C = draw(st.integers(1, 30)), draw(st.integers(2, 5))
    model = MulticlassSparsePerceptron(num_features=F, num_classes=C)
    model.learning_rate_fixed = draw(learning_rates)
    params = draw(st.lists(int64s, min_size=model.param_count, max_size=model.param_count))
    model.params_ = with_tie(draw, params, C, True, F + 1)  # weights and intercepts
    return model, sparse_samples(F), st.integers(0, C - 1)


@st.composite
def averaged_multiclass_sparse_perceptrons(draw):
    F, C = draw(st.integers(1, 20)), draw(st.integers(2, 5))
    model = AveragedMulticlassSparsePerceptron(num_features=F, num_classes=C)
    model.learning_rate_fixed = draw(learning_rates)
    n = model.param_count - 1
    params = draw(st.lists(int64s, min_size=n, max_size=n))
    updates = draw(st.one_of(st.integers(0, 10**4), int64s))
    if draw(st.booleans()):  # class 1 a copy of class 0 (weights, sums, intercepts): ties
        for f in range(F + 1):
            params[2 * (f * C + 1) : 2 * (f * C + 2)] = params[2 * f * C : 2 * f * C + 2]
    model.params_ = [*params, updates]
    return model, sparse_samples(F), st.integers(0, C - 1)


@st.composite
def dense_perceptrons(draw):
    D = draw(st.integers(1, 24))
    model = DensePerceptron(num_features=D)
    model.learning_rate_fixed = draw(learning_rates)
    model.intercept_ = draw(_mostly_small(-(2**62), 2**62, 3 * ONE))
    model.params_ = draw(st.lists(int32s, min_size=D, max_size=D))
    return model, dense_samples(D), st.integers(0, 1)


@st.composite
def naive_bayes_models(draw):
    F, C = draw(st.integers(1, 30)), draw(st.integers(2, 4))
    model = NaiveBayes(num_features=F, num_classes=C)
    model.smoothing_fixed = draw(st.one_of(st.sampled_from([1, ONE]), st.integers(1, 2**32)))
    counts = draw(
        st.lists(
            _mostly_small(0, UINT32_MAX, 50), min_size=model.param_count, max_size=model.param_count
        )
    )
    model.params_ = counts
    model.class_occurrences_ = [sum(counts[c::C]) for c in range(C)]
    model.class_samples_ = draw(
        st.lists(
            st.one_of(st.just(0), st.integers(1, 10**6), st.integers(1, 2**64 - 1)),
            min_size=C,
            max_size=C,
        )
    )
    return model, sparse_samples(F, 20), st.integers(0, C - 1)


@st.composite
def nearest_centroids(draw):
    D, C = draw(st.integers(1, 20)), draw(st.integers(2, 4))
    model = NearestCentroid(num_features=D, num_classes=C)
    params = draw(st.lists(int32s, min_size=model.param_count, max_size=model.param_count))
    model.params_ = with_tie(draw, params, C, False, D)
    model.counts_ = draw(
        st.lists(
            st.one_of(st.just(0), st.integers(1, 1000), st.integers(1, 2**64 - 1)),
            min_size=C,
            max_size=C,
        )
    )
    return model, dense_samples(D), st.integers(0, C - 1)


@st.composite
def sparse_nearest_centroids(draw):
    F, C = draw(st.integers(1, 30)), draw(st.integers(2, 4))
    model = SparseNearestCentroid(num_features=F, num_classes=C)
    model._set_sums(draw(st.lists(int64s, min_size=model.param_count, max_size=model.param_count)))
    model.counts_ = draw(
        st.lists(
            st.one_of(st.just(0), st.integers(1, 1000), st.integers(1, 2**32 - 1)),
            min_size=C,
            max_size=C,
        )
    )
    return model, sparse_samples(F), st.integers(0, C - 1)


MODEL_STRATEGIES = {
    "sparse-perceptron": sparse_perceptrons,
    "averaged-sparse-perceptron": averaged_sparse_perceptrons,
    "multiclass-sparse-perceptron": multiclass_sparse_perceptrons,
    "averaged-multiclass-sparse-perceptron": averaged_multiclass_sparse_perceptrons,
    "dense-perceptron": dense_perceptrons,
    "naive-bayes": naive_bayes_models,
    "nearest-centroid": nearest_centroids,
    "sparse-nearest-centroid": sparse_nearest_centroids,
}


# ------------------------------------------------------------------ at the limits
# Parameters at or within a few steps of their lane's limits, and large learning rates, so that
# a short run of updates drives many of them into saturation.


def _near(limit: int, step: int):
    return st.integers(0, 3).map(lambda k: limit - k * step)


def _limits(lo: int, hi: int, step: int):
    return st.one_of(_near(hi, step), _near(lo, -step), st.sampled_from([lo, hi]))


big_rates = st.one_of(st.sampled_from([ONE // 2, ONE, 2**40]), st.integers(1, 2**62))


def _saturating_binary(cls):
    @st.composite
    def strategy(draw):
        F = draw(st.integers(1, 12))
        model = cls(num_features=F)
        model.learning_rate_fixed = draw(big_rates)
        model.intercept_ = draw(_limits(INT64_MIN, INT64_MAX, ONE))
        n = model.param_count
        model.params_ = draw(st.lists(_limits(INT64_MIN, INT64_MAX, ONE), min_size=n, max_size=n))
        return model, sparse_samples(F, 6), st.integers(0, 1)

    return strategy


def _saturating_multiclass(cls):
    @st.composite
    def strategy(draw):
        F, C = draw(st.integers(1, 8)), draw(st.integers(2, 4))
        model = cls(num_features=F, num_classes=C)
        model.learning_rate_fixed = draw(big_rates)
        n = model.param_count
        model.params_ = draw(st.lists(_limits(INT64_MIN, INT64_MAX, ONE), min_size=n, max_size=n))
        return model, sparse_samples(F, 6), st.integers(0, C - 1)

    return strategy


@st.composite
def saturating_dense_perceptrons(draw):
    D = draw(st.integers(1, 8))
    model = DensePerceptron(num_features=D)
    model.learning_rate_fixed = draw(st.one_of(big_rates, st.just(2**63 - 1)))
    model.intercept_ = draw(_limits(INT64_MIN, INT64_MAX, ONE))
    model.params_ = draw(st.lists(_limits(INT32_MIN, INT32_MAX, ONE // 2), min_size=D, max_size=D))
    return model, dense_samples(D), st.integers(0, 1)


@st.composite
def saturating_naive_bayes(draw):
    F, C = draw(st.integers(1, 8)), draw(st.integers(2, 3))
    model = NaiveBayes(num_features=F, num_classes=C)
    n = model.param_count
    counts = draw(st.lists(st.integers(0, 2).map(lambda k: UINT32_MAX - k), min_size=n, max_size=n))
    model.params_ = counts
    model.class_occurrences_ = [sum(counts[c::C]) for c in range(C)]
    model.class_samples_ = draw(
        st.lists(st.integers(0, 2).map(lambda k: 2**64 - 1 - k), min_size=C, max_size=C)
    )
    return model, sparse_samples(F, 6), st.integers(0, C - 1)


@st.composite
def saturating_nearest_centroids(draw):
    D, C = draw(st.integers(1, 6)), draw(st.integers(2, 3))
    model = NearestCentroid(num_features=D, num_classes=C)
    n = model.param_count
    model.params_ = draw(st.lists(_limits(INT32_MIN, INT32_MAX, 1), min_size=n, max_size=n))
    model.counts_ = draw(
        st.lists(st.integers(0, 2).map(lambda k: 2**64 - 1 - k), min_size=C, max_size=C)
    )
    return model, dense_samples(D), st.integers(0, C - 1)


@st.composite
def saturating_sparse_nearest_centroids(draw):
    F, C = draw(st.integers(1, 8)), draw(st.integers(2, 3))
    model = SparseNearestCentroid(num_features=F, num_classes=C)
    n = model.param_count
    model._set_sums(draw(st.lists(_limits(INT64_MIN, INT64_MAX, ONE), min_size=n, max_size=n)))
    model.counts_ = draw(
        st.lists(st.integers(0, 2).map(lambda k: 2**32 - 1 - k), min_size=C, max_size=C)
    )
    return model, sparse_samples(F, 6), st.integers(0, C - 1)


SATURATING_STRATEGIES = {
    "sparse-perceptron": _saturating_binary(SparsePerceptron),
    "averaged-sparse-perceptron": _saturating_binary(AveragedSparsePerceptron),
    "multiclass-sparse-perceptron": _saturating_multiclass(MulticlassSparsePerceptron),
    "averaged-multiclass-sparse-perceptron": _saturating_multiclass(
        AveragedMulticlassSparsePerceptron
    ),
    "dense-perceptron": saturating_dense_perceptrons,
    "naive-bayes": saturating_naive_bayes,
    "nearest-centroid": saturating_nearest_centroids,
    "sparse-nearest-centroid": saturating_sparse_nearest_centroids,
}
