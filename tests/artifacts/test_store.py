"""The embedded store: what goes in comes out under the same CID, content that no longer hashes
to its CID is refused, and CAR export/import keeps CIDs."""

import pytest

from ml.artifacts.cid import CHUNK_SIZE, cid_of
from ml.artifacts.store import EmbeddedStore, StoreError, open_store


@pytest.fixture
def store(tmp_path):
    return EmbeddedStore(tmp_path / "store")


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE + 1])
def test_add_then_cat(store, size):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    cid = store.add(data)
    assert cid == cid_of(data) and store.has(cid)
    assert store.cat(cid) == data
    assert store.add(data) == cid  # idempotent


def test_corrupt_content_is_refused(store):
    cid = store.add(b"model words")
    (store.root / str(cid)).write_bytes(b"model wordz")
    with pytest.raises(StoreError, match="hashes to"):
        store.cat(cid)


def test_a_missing_artifact_is_a_one_line_error(store):
    with pytest.raises(StoreError, match="not in the embedded store"):
        store.cat(cid_of(b"never added"))


def test_car_export_and_import_keep_the_cid(store, tmp_path):
    data = b"\x01" * (2 * CHUNK_SIZE + 3)
    cid = store.add(data)
    other = EmbeddedStore(tmp_path / "other")
    assert other.import_car(store.export_car(cid)) == cid
    assert other.cat(cid) == data


def test_open_store_defaults_to_the_embedded_one(tmp_path):
    assert isinstance(open_store(None, root=tmp_path), EmbeddedStore)


@pytest.mark.parametrize("address", ["localhost:5001", "ftp://127.0.0.1:5001", "http://x"])
def test_a_bad_node_address_is_a_one_line_error(address, tmp_path):
    with pytest.raises(StoreError, match="not an IPFS API address"):
        open_store(address, root=tmp_path)
