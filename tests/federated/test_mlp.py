"""The participants' torch MLP on the bundled digits: parameters survive quantisation, local
training is reproducible bit for bit, and FedAvg rounds over IID shards learn."""

import pytest

from ml.datasets import digits
from ml.federated.mlp import Architecture, InvalidUpdate, accuracy, apply, local_update
from ml.federated.shards import iid

ARCH = Architecture(features=64, hidden=16, classes=10)


@pytest.fixture(scope="module")
def data():
    return digits(seed=0)


def test_a_vector_loaded_and_read_back_is_the_same_integers():
    vector = ARCH.initial(seed=1)
    assert len(vector) == ARCH.size == 16 * 65 + 10 * 17
    assert ARCH.to_vector(ARCH.load(vector)) == vector


def test_the_same_shard_and_seed_give_the_same_update(data):
    start = ARCH.initial(seed=1)
    X, y = data.X_train[:200], data.y_train[:200]
    first = local_update(ARCH, start, X, y, seed=5)
    assert first == local_update(ARCH, start, X, y, seed=5)
    assert first != local_update(ARCH, start, X, y, seed=6)
    assert any(first)


def test_fedavg_rounds_over_iid_shards_learn(data):
    """Four participants, three rounds of the floor mean of their updates: the global model's
    test accuracy rises far above chance (10%)."""
    vector = ARCH.initial(seed=1)
    shards = iid(data.y_train, 4, seed=2)
    before = accuracy(ARCH, vector, data.X_test, data.y_test)
    for round_ in range(3):
        updates = [
            local_update(
                ARCH, vector, data.X_train[s], data.y_train[s], epochs=2, lr=0.5, seed=round_
            )
            for s in shards
        ]
        mean = [sum(column) // len(updates) for column in zip(*updates, strict=True)]
        vector = apply(vector, mean)
    after = accuracy(ARCH, vector, data.X_test, data.y_test)
    assert before < 0.2 and after > 0.8, (before, after)


def test_a_vector_of_the_wrong_shape_or_range_is_refused():
    with pytest.raises(InvalidUpdate, match="has 1210 coordinates, got 3"):
        ARCH.load([1, 2, 3])
    with pytest.raises(InvalidUpdate, match="coordinate 0 is"):
        ARCH.load([2**65] + [0] * (ARCH.size - 1))
    with pytest.raises(InvalidUpdate, match="the update has 2 coordinates, the model 3"):
        apply([1, 2, 3], [1, 2])
