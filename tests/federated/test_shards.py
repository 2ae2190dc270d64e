"""Participants' shards: a partition of the indices, reproducible from the seed, and as
skewed over labels as alpha says."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.federated.shards import InvalidSplit, dirichlet, iid

labelings = st.lists(st.integers(0, 4), min_size=10, max_size=200)


def _is_partition(shards, n):
    flat = [i for shard in shards for i in shard]
    return sorted(flat) == list(range(n)) and all(shards)


@settings(max_examples=100, deadline=None)
@given(labelings, st.integers(1, 10), st.floats(0.01, 100), st.integers(0, 2**32))
def test_every_index_lands_in_exactly_one_non_empty_shard(labels, participants, alpha, seed):
    for shards in (
        iid(labels, participants, seed=seed),
        dirichlet(labels, participants, alpha=alpha, seed=seed),
    ):
        assert len(shards) == participants and _is_partition(shards, len(labels))
    assert dirichlet(labels, participants, alpha=alpha, seed=seed) == dirichlet(
        labels, participants, alpha=alpha, seed=seed
    )


def test_a_small_alpha_skews_the_label_mix_and_a_large_one_does_not():
    labels = np.repeat(np.arange(10), 100)  # 10 classes of 100

    def mean_classes(alpha):
        shards = dirichlet(labels, 10, alpha=alpha, seed=3)
        return np.mean([len(set(labels[s])) for s in shards])

    assert mean_classes(0.05) < 4 < 9 < mean_classes(1000)
    sizes = [len(s) for s in iid(labels, 7, seed=1)]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: iid([0, 1], 3, seed=0), "2 samples cannot give each of 3"),
        (lambda: iid([0, 1], 0, seed=0), "participants must be a positive integer"),
        (lambda: dirichlet([0, 1], 2, alpha=0, seed=0), "alpha must be a positive"),
        (lambda: dirichlet([0, 1], 2, alpha=float("inf"), seed=0), "alpha must be a positive"),
    ],
)
def test_bad_splits_are_one_line_errors(call, message):
    with pytest.raises(InvalidSplit, match=message):
        call()
