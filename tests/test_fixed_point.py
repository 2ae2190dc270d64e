"""ml.fixed_point and ml.packing: the rounding rule and the byte/word layouts (pure Python,
thousands of examples)."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.errors import FixedPointOverflow, InvalidSample
from ml.fixed_point import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, ONE, div_round, mul, to_fixed
from ml.packing import (
    decode_dense,
    decode_sparse,
    encode_dense,
    encode_sparse,
    pack_int64,
    pack_uint32,
    unpack_int64,
    unpack_uint32,
)

MANY = settings(max_examples=2000, deadline=None)


@MANY
@given(st.integers(-(2**200), 2**200), st.integers(1, 2**120))
def test_div_round_is_nearest_with_ties_away_from_zero(n, d):
    q = div_round(n, d)
    exact = Fraction(n, d)
    assert abs(q - exact) <= Fraction(1, 2)
    if abs(q - exact) == Fraction(1, 2):
        assert abs(q) > abs(exact)


@MANY
@given(st.integers(-(2**100), 2**100), st.integers(-(2**100), 2**100))
def test_mul_is_rounded_product(a, b):
    assert mul(a, b) == div_round(a * b, ONE)
    assert mul(a, ONE) == a
    assert mul(-a, b) == -mul(a, b)


@MANY
@given(st.floats(-1e9, 1e9, allow_nan=False))
def test_to_fixed_rounds_the_exact_binary_value(x):
    f = to_fixed(x)
    assert abs(f - Fraction(x) * ONE) <= Fraction(1, 2)


def test_to_fixed_examples():
    assert to_fixed(0.5) == 500_000
    assert to_fixed(Fraction(-1, 2 * ONE)) == -1  # an exact tie: away from zero
    assert to_fixed(-5e-7) == 0  # the float is just above -0.0000005 in binary: no tie
    assert to_fixed(1 / 3) == 333_333


@MANY
@given(st.lists(st.integers(INT64_MIN, INT64_MAX), max_size=30))
def test_int64_words_round_trip(values):
    words = pack_int64(values)
    assert len(words) == (len(values) + 3) // 4
    assert all(0 <= w < 2**256 for w in words)
    assert unpack_int64(words, len(values)) == values


@MANY
@given(st.lists(st.integers(0, 2**32 - 1), max_size=40))
def test_uint32_words_round_trip(values):
    assert unpack_uint32(pack_uint32(values), len(values)) == values


def test_packing_rejects_out_of_range_values():
    with pytest.raises(FixedPointOverflow):
        pack_int64([INT64_MAX + 1])
    with pytest.raises(FixedPointOverflow):
        pack_uint32([-1])


@MANY
@given(st.sets(st.integers(0, 2**16 - 1), min_size=1, max_size=50))
def test_sparse_bytes_round_trip(indices):
    data = encode_sparse(sorted(indices))
    assert len(data) == 2 * len(indices)
    assert decode_sparse(data) == sorted(indices)


@MANY
@given(st.lists(st.integers(INT32_MIN, INT32_MAX), min_size=1, max_size=50))
def test_dense_bytes_round_trip(values):
    assert decode_dense(encode_dense(values)) == values


@pytest.mark.parametrize(
    "indices, message",
    [
        ([], "empty"),
        ([3, 3], "strictly increasing"),
        ([5, 2], "strictly increasing"),
        ([10], "out of range"),
    ],
)
def test_sparse_samples_the_contracts_reject_are_rejected(indices, message):
    with pytest.raises(InvalidSample, match=message):
        encode_sparse(indices, num_features=10)


def test_dense_values_must_fit_int32():
    with pytest.raises(InvalidSample, match="int32"):
        encode_dense([INT32_MAX + 1])
