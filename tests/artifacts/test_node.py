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


@pytest.fixture
def impostor():
    """impostor(answers) -> the address of a loopback HTTP server that answers every POST to
    /api/v0/<path> with answers[path] (bytes), or a web page: not an IPFS node."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def start(answers: dict[str, bytes]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0].removeprefix("/api/v0/")
                body = answers.get(path, b"<html>a web page</html>")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_server_that_answers_garbage_is_a_one_line_error(impostor):
    """Something answers on the port but is not a node: refused when the store opens, and a
    'node' whose add answers no CID is refused at the add."""
    with pytest.raises(StoreError, match="answers, but not as an IPFS node's RPC API") as raised:
        NodeStore(impostor({}))
    assert "\n" not in str(raised.value)
    half = NodeStore(impostor({"id": b'{"ID": "12D3KooW"}', "add": b'{"Name": "x"}'}))
    with pytest.raises(StoreError, match="answered add with .* not a CID") as raised:
        half.add(b"data")
    assert "\n" not in str(raised.value)
