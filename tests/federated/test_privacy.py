"""Differential privacy of the updates (ml/federated/privacy.py): clipping is exact and never
exceeds the clip, the noise is seeded and of the stated deviation, no noise and no clipping
change nothing, the accountant's epsilon falls as the noise grows and grows with the rounds,
and every setting out of range is refused by name."""

import math
from collections import Counter
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.datasets import digits
from ml.federated.mlp import Architecture
from ml.federated.privacy import InvalidPrivacy, Privacy, clip_update, epsilon, privatise
from ml.federated.rounds import Data, Participant, Training, run
from ml.federated.shards import iid
from ml.fixed_point import ONE

coordinates = st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=40)
PATHS = Counter()


@settings(max_examples=200, deadline=None)
@given(coordinates, st.integers(1, 10**13))
def test_clipping_is_exact_and_never_exceeds_the_clip(update, clip):
    clipped = clip_update(update, clip)
    squares = sum(v * v for v in update)
    if squares <= clip * clip:
        PATHS["within"] += 1
        assert clipped == update
    else:
        PATHS["clipped"] += 1
        assert sum(v * v for v in clipped) <= clip * clip
        # the direction kept: each coordinate scaled by the same factor, rounded toward zero
        norm = math.isqrt(squares - 1) + 1
        for v, c in zip(update, clipped, strict=True):
            assert abs(c) <= abs(v) and (c == 0 or (c > 0) == (v > 0))
            assert abs(c) == abs(v) * clip // norm


def test_the_clipping_property_ran_both_paths():
    test_clipping_is_exact_and_never_exceeds_the_clip()
    assert PATHS["within"] > 0 and PATHS["clipped"] > 0, PATHS


@given(coordinates, st.integers(0, 2**32))
def test_no_noise_and_no_clipping_change_nothing(update, seed):
    assert privatise(update, Privacy(None), seed=seed) == update
    assert privatise(update, Privacy(None, 0.0), seed=seed) == update


def test_the_noise_is_seeded_and_of_the_stated_deviation():
    update = [0] * 20_000
    privacy = Privacy(clip=2.0, noise_multiplier=0.5)
    first = privatise(update, privacy, seed=7)
    assert first == privatise(update, privacy, seed=7)  # reproducible from its seed
    assert first != privatise(update, privacy, seed=8)
    noise = np.asarray(first, dtype=float) / ONE
    assert abs(noise.mean()) < 0.03 and abs(noise.std() - 1.0) < 0.03  # 0.5 x clip 2.0


def test_a_large_update_is_clipped_before_the_noise():
    update = [3 * ONE, 4 * ONE]  # norm 5
    assert privatise(update, Privacy(clip=1.0), seed=0) == [600_000, 800_000]


def test_epsilon_falls_as_the_noise_grows_and_grows_with_the_rounds():
    noises = [0.3, 0.5, 1.0, 2.0, 4.0]
    spent = [epsilon(Privacy(1.0, z), 5) for z in noises]
    assert all(a > b for a, b in pairwise(spent)), spent
    over_rounds = [epsilon(Privacy(1.0, 1.0), r) for r in (1, 2, 5, 10)]
    assert all(a < b for a, b in pairwise(over_rounds)), over_rounds
    assert epsilon(Privacy(1.0, 1.0), 0) == 0.0
    assert epsilon(Privacy(1.0, 0.0), 3) == math.inf  # clipping alone is no privacy
    # a stricter delta costs more epsilon
    assert epsilon(Privacy(1.0, 1.0, delta=1e-8), 5) > epsilon(Privacy(1.0, 1.0, delta=1e-3), 5)


@pytest.mark.parametrize(
    "clip, noise, delta, message",
    [
        (1.0, -0.1, 1e-5, "noise multiplier -0.1: give a number from 0"),
        (1.0, math.nan, 1e-5, "noise multiplier nan"),
        (0.0, 1.0, 1e-5, "clip 0.0: give an L2 norm above 0"),
        (-1.0, 0.0, 1e-5, "clip -1.0"),
        (math.inf, 1.0, 1e-5, "clip inf"),
        (None, 1.0, 1e-5, "noise multiplier 1.0 needs a clip"),
        (1.0, 1.0, 0.0, "delta 0.0: give a probability strictly between 0 and 1"),
        (1.0, 1.0, 1.0, "delta 1.0"),
    ],
)
def test_settings_out_of_range_are_refused_by_name(clip, noise, delta, message):
    with pytest.raises(InvalidPrivacy, match=message.replace("(", r"\(")):
        Privacy(clip, noise, delta)


def test_rounds_record_the_privacy_each_participant_spent():
    split = digits(seed=0)
    data = Data.of(split, validation=100)
    arch = Architecture(features=64, hidden=4, classes=10)
    shards = iid(data.y_train, 4, seed=0)
    kinds = ["honest", "honest", "honest", "gaussian"]
    participants = [Participant(k, s) for k, s in zip(kinds, shards, strict=True)]
    common = dict(rule="median", params={}, rounds=2, seed=0)
    plain = run(arch, data, participants, **common)
    none = run(arch, data, participants, **common, training=Training(privacy=Privacy(None)))
    assert [r.accuracy for r in none] == [r.accuracy for r in plain]  # nothing changed
    assert all(r.epsilons == {0: math.inf, 1: math.inf, 2: math.inf} for r in none)
    private = Privacy(clip=1.0, noise_multiplier=1.0)
    noised = run(arch, data, participants, **common, training=Training(privacy=private))
    assert [r.accuracy for r in noised] != [r.accuracy for r in plain]
    for number, r in enumerate(noised, start=1):
        assert set(r.epsilons) == {0, 1, 2}  # those that train; the attacker sends noise anyway
        assert r.epsilons[0] == pytest.approx(epsilon(private, number))
    assert noised[0].epsilons[0] < noised[1].epsilons[0]
