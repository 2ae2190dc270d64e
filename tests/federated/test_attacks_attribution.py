"""The attacks stay inside the contract's range and do what their papers say; attribution
clips at zero, falls back to equal weights, and its shares pay out every wei."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.federated import attacks
from ml.federated.attribution import leave_one_out, shares
from ml.federated.vectors import MAX_ABS

HONEST = [[10, -4, 0], [12, -6, 2], [8, -5, 1]]


def test_attacks_stay_in_range_and_point_where_their_papers_say():
    assert attacks.sign_flip([3, -2, MAX_ABS], scale=4) == [-12, 8, -MAX_ABS]
    assert attacks.free_ride(3) == [0, 0, 0]
    noise = attacks.gaussian(1000, 50, seed=1)
    assert noise == attacks.gaussian(1000, 50, seed=1) and 40 < np.std(noise) < 60
    assert attacks.inner_product_manipulation(HONEST, 0.5) == [-5, 2, -0]
    # ALIE hides within the honest spread: z standard deviations below the mean.
    z = attacks.alie_z(participants=10, byzantine=2)
    assert 0 < z < 1  # Baruch et al.: z_max = 0.25 for n = 10, f = 2
    assert abs(z - 0.2533) < 1e-3
    forged = attacks.a_little_is_enough(HONEST, z)
    lows, highs = np.min(HONEST, axis=0), np.max(HONEST, axis=0)
    assert all(lo <= v <= hi for v, lo, hi in zip(forged, lows, highs, strict=True))
    assert list(attacks.flip_labels([0, 3, 9], 10)) == [9, 6, 0]


def _evaluator(useful):
    """correct(vector) counts the useful participants whose marker is in the aggregate."""
    return lambda vector: sum(1 for i in useful if vector[i])


def _aggregate(indices):
    marks = [0] * 5
    for i in indices:
        marks[i] = 1
    return marks


def test_leave_one_out_clips_harm_to_zero_and_falls_back_to_equal_weights():
    paths = {"scored": 0, "fallback": 0}
    # 0 and 2 help; 1 hurts (the count drops with it), clipped to 0; 3 does nothing.
    hurt = lambda vector: _evaluator([0, 2])(vector) - vector[1]  # noqa: E731
    weights = leave_one_out([0, 1, 2, 3], _aggregate, hurt)
    assert weights == {0: 1, 1: 0, 2: 1, 3: 0}
    paths["scored"] += 1
    # Nobody matters alone: equal weights for everyone the rule kept.
    assert leave_one_out([1, 3], _aggregate, _evaluator([0])) == {1: 1, 3: 1}
    paths["fallback"] += 1
    assert leave_one_out([], _aggregate, _evaluator([])) == {}
    assert all(paths.values())


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.integers(0, 30), st.integers(0, 10**6), max_size=12), st.integers(0, 10**21)
)
def test_shares_pay_out_every_wei_by_weight(weights, total):
    out = shares(weights, total)
    assert set(out) == set(weights)
    if sum(weights.values()):
        assert sum(out.values()) == total
        weight_sum = sum(weights.values())
        for i, w in weights.items():
            exact = total * w // weight_sum
            assert out[i] - exact in (0, 1) and (w or out[i] == 0)
    else:
        assert not any(out.values())


def test_a_negative_total_is_refused():
    with pytest.raises(ValueError, match="a total of -1 wei"):
        shares({0: 1}, -1)
