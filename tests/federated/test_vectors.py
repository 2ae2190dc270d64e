"""Federated vectors as artifacts: canonical bytes that round-trip, and chunk proofs that
verify against the root for every chunk and fail for any changed value."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.artifacts.cid import cid_of
from ml.federated.vectors import MAX_ABS, ChunkedVector, InvalidVector
from ml.merkle import MerkleTree

values = st.lists(st.integers(-MAX_ABS, MAX_ABS), min_size=1, max_size=40)
sizes = st.integers(1, 9)


@settings(max_examples=150, deadline=None)
@given(values, sizes)
def test_bytes_round_trip_and_name_one_cid(vals, size):
    vector = ChunkedVector.of(vals, size)
    data = vector.to_bytes()
    again = ChunkedVector.from_bytes(data)
    assert again == vector and again.root == vector.root
    assert cid_of(again.to_bytes()) == cid_of(data)


@settings(max_examples=150, deadline=None)
@given(values, sizes, st.data())
def test_every_chunk_proves_against_the_root_and_a_changed_value_does_not(vals, size, data):
    vector = ChunkedVector.of(vals, size)
    assert sum(len(vector.chunk(i)) for i in range(vector.chunk_count)) == len(vals)
    for i in range(vector.chunk_count):
        assert MerkleTree.verify(vector.leaf(i, vector.chunk(i)), vector.proof(i), vector.root)
    i = data.draw(st.integers(0, vector.chunk_count - 1))
    chunk = vector.chunk(i)
    j = data.draw(st.integers(0, len(chunk) - 1))
    chunk[j] += 1
    assert not MerkleTree.verify(vector.leaf(i, chunk), vector.proof(i), vector.root)
    # A chunk proven at another index does not verify either (the index is in the leaf).
    if vector.chunk_count > 1:
        other = (i + 1) % vector.chunk_count
        leaf = vector.leaf(other, vector.chunk(i))
        assert not MerkleTree.verify(leaf, vector.proof(i), vector.root)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ChunkedVector.of([], 4), "at least one value"),
        (lambda: ChunkedVector.of([1], 0), "chunk size 0 is outside"),
        (lambda: ChunkedVector.of([MAX_ABS + 1], 4), "value 0 is"),
        (lambda: ChunkedVector.of([1, True], 4), "value 1 is True"),
        (lambda: ChunkedVector.of([1, 2], 1).chunk(2), "no chunk 2: the vector has 2"),
        (lambda: ChunkedVector.from_bytes(b"\xff"), "not JSON"),
        (lambda: ChunkedVector.from_bytes(b'{"format": "x"}'), "not a collab-ml/federated"),
        (
            lambda: ChunkedVector.from_bytes(
                ChunkedVector.of([1000], 2).to_bytes().replace(b'"1000"', b'"1_000"')
            ),
            "not the vector's canonical form",
        ),
    ],
)
def test_bad_vectors_are_one_line_errors(make, message):
    with pytest.raises(InvalidVector, match=message) as raised:
        make()
    assert "\n" not in str(raised.value)
