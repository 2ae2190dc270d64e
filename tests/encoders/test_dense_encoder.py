"""DenseEncoder and the vectorised fixed-point conversion: exact rounding, int32 checks."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ml.encoders import DenseEncoder, Encoder
from ml.encoders.base import to_fixed_int32
from ml.errors import FixedPointOverflow, InvalidSample, NotFittedError
from ml.fixed_point import INT32_MAX, ONE, to_fixed
from ml.packing import decode_dense, encode_dense

MANY = settings(max_examples=1000, deadline=None)

in_range = st.floats(-2147.48, 2147.48, allow_nan=False)
# x * 1e6 is exactly n + 1/2 only for odd multiples of 1/128 (1e6 = 2**6 * 5**6); the floats
# nearest to (n + 1/2) / 1e6, and their neighbours, are the near ties decided exactly.
exact_ties = st.integers(-270_000, 270_000).map(lambda k: k / 128)
near_ties = st.builds(
    lambda n, step: float(np.nextafter((n + 0.5) / ONE, math.copysign(math.inf, step)))
    if step
    else (n + 0.5) / ONE,
    st.integers(-(2**31), 2**31 - 2),
    st.integers(-1, 1),
)


@MANY
@given(arrays(np.float64, st.integers(1, 40), elements=in_range | exact_ties | near_ties))
def test_vectorised_fixed_point_equals_to_fixed(values):
    values = values[np.abs(values) * ONE < INT32_MAX]
    assert to_fixed_int32(values).tolist() == [to_fixed(float(v)) for v in values]


def test_vectorised_fixed_point_on_exact_ties_and_edges():
    values = [0.0078125, -0.0078125, 0.5, -0.5, 2.5e-7, 1 / 3, -5e-7, 2147.483647, -2147.483648]
    assert to_fixed_int32(values).tolist() == [to_fixed(v) for v in values]
    assert to_fixed_int32([0.0078125]).tolist() == [7813]  # 7812.5: away from zero
    assert Fraction(0.0078125) * ONE == Fraction(15625, 2)


def test_values_outside_int32_are_refused():
    for bad in (2147.4837, -2147.4837, 1e300):
        with pytest.raises(FixedPointOverflow, match="does not fit int32|outside int32"):
            to_fixed_int32([0.0, bad])


def test_l2_normalisation():
    encoder = DenseEncoder(normalise="l2").fit([[1.0, 1.0]])
    assert encoder.encode([3.0, -4.0]) == [600_000, -800_000]
    assert encoder.encode([0.0, 0.0]) == [0, 0]  # a zero vector stays zero
    norm = math.sqrt(2)
    assert encoder.encode([1.0, 1.0]) == [to_fixed(1 / norm)] * 2


def test_maxabs_uses_the_fitting_data_and_is_recorded():
    encoder = DenseEncoder(normalise="maxabs", scale=2.0).fit([[2.0, -8.0, 0.0], [1.0, 4.0, 0.0]])
    assert encoder.max_abs_ == [2.0, 8.0, 0.0]
    assert encoder.encode([1.0, 2.0, 5.0]) == [1_000_000, 500_000, 10_000_000]
    assert encoder.to_spec()["max_abs"] == [2.0, 8.0, 0.0]
    assert Encoder.from_json(encoder.to_json()).encode([1.0, 2.0, 5.0]) == encoder.encode(
        [1.0, 2.0, 5.0]
    )


def test_none_only_scales():
    encoder = DenseEncoder(normalise="none", scale=0.5).fit(np.zeros((1, 2)))
    assert encoder.encode([3.0, -1.5]) == [1_500_000, -750_000]


def test_overflow_is_reported_with_the_position_and_a_hint():
    encoder = DenseEncoder(normalise="none", scale=1000.0).fit([[1.0, 1.0]])
    with pytest.raises(FixedPointOverflow, match=r"value 1 = 3000\.0 .*lower the scale"):
        encoder.encode([1.0, 3.0])
    with pytest.raises(FixedPointOverflow, match=r"sample 1, value 0"):
        encoder.encode_batch([[1.0, 1.0], [-2.5, 0.0]])
    assert isinstance(FixedPointOverflow("x"), OverflowError)


def test_l2_normalisation_is_safe_for_tiny_and_huge_rows():
    encoder = DenseEncoder(normalise="l2").fit([[1.0, 1.0]])
    # Squaring 1e-160 underflows to a subnormal; a naive norm gave 1.0000056 here.
    assert encoder.encode([1e-160, 0.0]) == [ONE, 0]
    assert encoder.encode([5e-324, -5e-324]) == [707107, -707107]
    assert encoder.encode([1e300, 1e300]) == [707107, 707107]
    assert encoder.encode([0.0, 0.0]) == [0, 0]


def test_bad_samples_are_refused():
    encoder = DenseEncoder().fit([[1.0, 2.0]])
    with pytest.raises(InvalidSample, match="wrong dimension: 3 values, the encoder takes 2"):
        encoder.encode([1.0, 2.0, 3.0])
    with pytest.raises(InvalidSample, match="value 1 is nan"):
        encoder.encode([1.0, math.nan])
    with pytest.raises(InvalidSample, match="sample 1, value 0 is inf"):
        encoder.encode_batch([[1.0, 2.0], [math.inf, 0.0]])
    with pytest.raises(NotFittedError):
        DenseEncoder().encode([1.0])
    with pytest.raises(ValueError, match="normalise"):
        DenseEncoder(normalise="l1")
    with pytest.raises(ValueError, match="scale"):
        DenseEncoder(scale=0.0)


@MANY
@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)), elements=in_range),
    st.sampled_from(["l2", "maxabs", "none"]),
)
def test_samples_are_valid_int32_and_the_batch_equals_one_by_one(X, normalise):
    scale = 1.0 if normalise != "none" else 0.5
    encoder = DenseEncoder(normalise=normalise, scale=scale).fit(X)
    batch = encoder.encode_batch(X)
    assert batch == [encoder.encode(row) for row in X]
    for row, sample in zip(encoder.transform(X), batch, strict=True):
        assert decode_dense(encode_dense(sample, encoder.num_features)) == sample
        assert sample == [to_fixed(float(v)) for v in row]
        if normalise != "none":
            assert all(abs(v) <= ONE for v in sample)
