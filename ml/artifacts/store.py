"""Where artifacts live, behind one interface: the embedded store (a directory on disk, the
default: no daemon needed) and a real IPFS node over its HTTP RPC API. Both give the same CID
for the same bytes (`ml.artifacts.cid`), and both re-check content against its CID when it is
read, so a corrupt or substituted artifact is refused rather than used."""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from ml.errors import CollabMLError

from .car import read_car, write_car
from .cid import CHUNK_SIZE, Cid, cid_of


class StoreError(CollabMLError, RuntimeError):
    """An artifact that is missing, corrupt, or a node that cannot be reached."""


class Store(Protocol):
    def add(self, data: bytes) -> Cid:
        """Stores `data` (pinned, on a node); returns its CID."""

    def cat(self, cid: Cid) -> bytes:
        """The content of `cid`, checked to hash to it."""

    def has(self, cid: Cid) -> bool: ...

    def export_car(self, cid: Cid) -> bytes:
        """A CAR v1 of `cid`'s DAG."""

    def import_car(self, car: bytes) -> Cid:
        """Stores the file a CAR carries; returns its root."""


def _checked(cid: Cid, data: bytes, where: str) -> bytes:
    actual = cid_of(data)
    if actual != cid:
        raise StoreError(f"{where}: the content of {cid} hashes to {actual}: refusing it")
    return data


class EmbeddedStore:
    """One file per artifact, named by its CID, under `root`; written atomically."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, cid: Cid) -> Path:
        return self.root / str(cid)

    def add(self, data: bytes) -> Cid:
        cid = cid_of(data)
        path = self._path(cid)
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".adding-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        return cid

    def cat(self, cid: Cid) -> bytes:
        try:
            data = self._path(cid).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{cid} is not in the embedded store at {self.root}") from None
        return _checked(cid, data, f"the embedded store at {self.root}")

    def has(self, cid: Cid) -> bool:
        return self._path(cid).exists()

    def export_car(self, cid: Cid) -> bytes:
        return write_car(self.cat(cid))

    def import_car(self, car: bytes) -> Cid:
        _, data = read_car(car)
        return self.add(data)


class NodeStore:
    """An IPFS node's HTTP RPC API (Kubo's, which js-ipfs also serves) through `ipfshttpclient`.
    `Client(addr)` is built directly: `connect()` refuses every daemon newer than 0.7, and the
    API calls used here have not changed since."""

    def __init__(self, address: str):
        import ipfshttpclient

        self.address = address
        self._client = ipfshttpclient.Client(_multiaddr(address))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # urllib3 2 warns on every request
                identity = self._client.id()
        except ipfshttpclient.exceptions.ConnectionError:
            raise StoreError(
                f"no IPFS node answers at {address}: start one (e.g. `jsipfs daemon "
                "--offline`) or use the embedded store"
            ) from None
        except Exception as err:  # noqa: BLE001 (any other failure: not a node's API)
            identity = err
        if not isinstance(identity, Mapping) or "ID" not in identity:
            raise StoreError(
                f"{address} answers, but not as an IPFS node's RPC API (its /api/v0/id gave "
                f"{str(identity)[:60]!r}): give the node's API address (port 5001 by default)"
            )

    def _call(self, what: str, call):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # urllib3 2 warns on every request
            try:
                return call()
            except Exception as err:  # noqa: BLE001
                raise StoreError(
                    f"the IPFS node at {self.address} failed to {what}: {err}"
                ) from None

    def add(self, data: bytes) -> Cid:
        answer = self._call(
            "add",
            lambda: self._client.add(
                io.BytesIO(data),
                cid_version=1,
                raw_leaves=True,
                chunker=f"size-{CHUNK_SIZE}",
                pin=True,
            ),
        )
        try:
            cid = Cid.parse(answer if isinstance(answer, str) else answer["Hash"])
        except (KeyError, TypeError, ValueError):  # InvalidCid is a ValueError
            raise StoreError(
                f"the IPFS node at {self.address} answered add with {str(answer)[:60]!r}, not a CID"
            ) from None
        if cid != cid_of(data):
            raise StoreError(
                f"the IPFS node at {self.address} gave {cid} for content whose CID is "
                f"{cid_of(data)} (its chunker settings differ: use import_car)"
            )
        return cid

    def cat(self, cid: Cid) -> bytes:
        data = self._call(f"cat {cid}", lambda: self._client.cat(str(cid)))
        return _checked(cid, data, f"the IPFS node at {self.address}")

    def has(self, cid: Cid) -> bool:
        try:
            self._call("stat", lambda: self._client.block.stat(str(cid), timeout=5))
        except StoreError:
            return False
        return True

    def pin(self, cid: Cid) -> None:
        self._call(f"pin {cid}", lambda: self._client.pin.add(str(cid)))

    def export_car(self, cid: Cid) -> bytes:
        return write_car(self.cat(cid))

    def import_car(self, car: bytes) -> Cid:
        root, _ = read_car(car)  # checked before it is sent
        self._call("import a CAR", lambda: self._client.dag.imprt(io.BytesIO(car)))
        return root


def _multiaddr(address: str) -> str:
    """`http://127.0.0.1:5001` (or a multiaddr) as the multiaddr ipfshttpclient takes."""
    if address.startswith("/"):
        return address
    from urllib.parse import urlparse

    url = urlparse(address)
    if url.scheme not in ("http", "https") or not url.hostname or not url.port:
        raise StoreError(f"{address!r} is not an IPFS API address like http://127.0.0.1:5001")
    return f"/ip4/{url.hostname}/tcp/{url.port}/{url.scheme}"


def open_store(address: str | None, *, root: Path | str) -> Store:
    """The node at `address` (`--ipfs`), or the embedded store under `root`."""
    return NodeStore(address) if address else EmbeddedStore(root)
