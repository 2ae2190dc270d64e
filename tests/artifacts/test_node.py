"""Against a live IPFS node (started by the `ipfs_node` fixture): add, cat, pin and CIDs equal
to the embedded store's for sizes from 0 B to several MB, including multi-level DAGs; CAR
export and import between the two stores keep CIDs; a node that is not there is a one-line
error."""

import numpy as np
import pytest

from ml.artifacts.cid import CHUNK_SIZE, MAX_LINKS, cid_of
from ml.artifacts.store import EmbeddedStore, NodeStore, StoreError

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3_000_000, MAX_LINKS * CHUNK_SIZE + 1]


@pytest.fixture(scope="module")
def node(ipfs_node):
    return NodeStore(ipfs_node)


@pytest.mark.parametrize("size", SIZES)
def test_the_node_gives_the_embedded_stores_cid(node, tmp_path, size):
    data = np.random.default_rng(size).bytes(size)
    cid = node.add(data)
    assert cid == cid_of(data) == EmbeddedStore(tmp_path).add(data)
    assert node.cat(cid) == data
    assert node.has(cid)
    node.pin(cid)


def test_car_moves_between_the_stores_keeping_cids(node, tmp_path):
    embedded = EmbeddedStore(tmp_path / "a")
    data = np.random.default_rng(7).bytes(2 * CHUNK_SIZE + 9)
    cid = embedded.add(data)
    assert node.import_car(embedded.export_car(cid)) == cid
    assert node.cat(cid) == data
    back = EmbeddedStore(tmp_path / "b")
    assert back.import_car(node.export_car(cid)) == cid


def test_a_node_that_is_not_running_is_a_one_line_error():
    with pytest.raises(StoreError, match="no IPFS node answers") as raised:
        NodeStore("http://127.0.0.1:9")
    assert "\n" not in str(raised.value)
