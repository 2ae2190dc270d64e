"""A minimal JSON-RPC client over one keep-alive HTTP connection: the simulation's hot loop
sends tens of thousands of requests, and web3.py's per-call formatting and middleware cost
more than the node takes to answer them."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

from ml.errors import CollabMLError


class RpcError(CollabMLError, RuntimeError):
    """The node answered a request with an error."""


class Rpc:
    def __init__(self, uri: str):
        url = urlparse(uri)
        if url.scheme != "http" or not url.hostname:
            raise RpcError(f"expected an http:// node URI, got {uri!r}")
        self._connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=120)
        self._path = url.path or "/"
        self._id = 0

    def _post(self, payload):
        body = json.dumps(payload)
        self._connection.request("POST", self._path, body, {"Content-Type": "application/json"})
        return json.loads(self._connection.getresponse().read())

    def call(self, method: str, *params):
        self._id += 1
        answer = self._post({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        if "error" in answer:
            raise RpcError(f"{method}: {answer['error'].get('message', answer['error'])}")
        return answer["result"]

    def batch(self, requests: list[tuple[str, list]]) -> list:
        """Results of several requests sent in one HTTP round trip, in order. Only for requests
        whose order does not matter (reads): a node may serve a batch's calls concurrently."""
        if not requests:
            return []
        first = self._id + 1
        self._id += len(requests)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": p}
            for i, (m, p) in enumerate(requests)
        ]
        answers = {a["id"]: a for a in self._post(payload)}
        results = []
        for i, (method, _) in enumerate(requests):
            answer = answers[first + i]
            if "error" in answer:
                raise RpcError(f"{method}: {answer['error'].get('message', answer['error'])}")
            results.append(answer["result"])
        return results

    def close(self) -> None:
        self._connection.close()
