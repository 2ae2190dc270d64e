"""The binary encoder: numeric vectors to the present features sparse models take (a value at
least its feature's midpoint in the fitting data), as the digits are usually binarised."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml import datasets
from ml.encoders import BinaryEncoder
from ml.errors import InvalidSample, NotFittedError


def test_a_feature_is_present_from_the_midpoint_of_its_fitted_range():
    encoder = BinaryEncoder().fit([[0.0, -2.0, 7.0], [4.0, 2.0, 7.0]])
    assert encoder.thresholds_ == [2.0, 0.0, None]  # the constant feature is never present
    assert encoder.encode([2.0, -0.1, 99.0]) == [0]
    assert encoder.encode_batch([[1.9, 0.0, 7.0], [5.0, 5.0, 0.0]]) == [[1], [0, 1]]
    assert encoder.num_features == 3 and encoder.sparse


def test_the_digits_pixels_of_8_of_16_and_more():
    split = datasets.digits(seed=0)
    encoder = BinaryEncoder().fit(split.X_train)
    full_range = [i for i, t in enumerate(encoder.thresholds_) if t == 0.5]
    assert len(full_range) > 40  # most pixels range over [0, 16] / 16 in the data
    binary = datasets.binarise(split.X_test)
    for row, sample in zip(split.X_test[:200], binary[:200], strict=True):
        if sample[full_range].any():
            present = set(encoder.encode(row))
            assert {i for i in full_range if sample[i]} == present & set(full_range)


def test_empty_and_unfitted_samples_are_refused():
    encoder = BinaryEncoder().fit([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(InvalidSample, match="no feature at or above its threshold"):
        encoder.encode([0.1, 0.2])
    with pytest.raises(InvalidSample, match="sample 1 has no feature"):
        encoder.encode_batch([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(InvalidSample, match="wrong dimension"):
        encoder.encode([1.0])
    with pytest.raises(NotFittedError):
        BinaryEncoder().encode([1.0])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=3), min_size=2, max_size=12).map(
        np.array
    )
)
def test_the_batch_equals_one_by_one_and_samples_are_sorted(X):
    encoder = BinaryEncoder().fit(X)
    for row in X:
        try:
            sample = encoder.encode(row)
        except InvalidSample:
            continue
        assert sample == sorted(set(sample)) and encoder.encode_batch([row]) == [sample]
