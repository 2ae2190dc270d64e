"""Content identifiers exactly as `ipfs add --cid-version=1 --raw-leaves` makes them, so that an
artifact added by any IPFS node has the CID we computed: the bytes cut into 256 KiB chunks,
each a raw block (codec 0x55); more than one chunk are joined by UnixFS file nodes (dag-pb,
codec 0x70) of at most 174 links in Kubo's balanced layout; sha2-256 multihashes throughout.

A CID is kept as its binary form (`Cid.bytes`) and printed in base32 (`bafk...` for a raw block,
`bafy...` for a dag-pb node), as Kubo prints CIDv1. Comparing CIDs compares the bytes, so a CID
printed in another base (js-ipfs prints base58btc, `zb2...`) parses to the same value.

>>> str(cid_of(b""))
'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
>>> Cid.parse(str(cid_of(b"hello"))) == cid_of(b"hello")
True
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from ml.errors import CollabMLError

CHUNK_SIZE = 256 * 1024  # Kubo's default chunker, size-262144
MAX_LINKS = 174  # Kubo's balanced layout: links per UnixFS node
RAW = 0x55
DAG_PB = 0x70
SHA2_256 = 0x12
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class InvalidCid(CollabMLError, ValueError):
    """A string or bytes that is not a CIDv1 with a sha2-256 multihash."""


def varint(value: int) -> bytes:
    """Unsigned LEB128, as multiformats and protobuf write integers."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while at < len(data):
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7
    raise InvalidCid("truncated varint")


@dataclass(frozen=True, order=True)
class Cid:
    """A CIDv1: codec (raw or dag-pb) and the sha2-256 digest of the block."""

    codec: int
    digest: bytes

    @property
    def bytes(self) -> bytes:
        return varint(1) + varint(self.codec) + bytes([SHA2_256, 32]) + self.digest

    def __str__(self) -> str:
        return "b" + base64.b32encode(self.bytes).decode().lower().rstrip("=")

    @classmethod
    def of_block(cls, codec: int, block: bytes) -> Cid:
        return cls(codec, hashlib.sha256(block).digest())

    @classmethod
    def from_bytes(cls, raw: bytes) -> Cid:
        version, at = _read_varint(raw, 0)
        if version != 1:
            raise InvalidCid(f"CID version {version}: only CIDv1 is used here")
        codec, at = _read_varint(raw, at)
        if codec not in (RAW, DAG_PB):
            raise InvalidCid(f"CID codec 0x{codec:x}: expected raw (0x55) or dag-pb (0x70)")
        if raw[at : at + 2] != bytes([SHA2_256, 32]) or len(raw) != at + 34:
            raise InvalidCid("CID multihash: expected sha2-256 with a 32-byte digest")
        return cls(codec, raw[at + 2 :])

    @classmethod
    def parse(cls, text: str) -> Cid:
        """A CIDv1 string in base32 (`b...`, Kubo) or base58btc (`z...`, js-ipfs)."""
        text = text.strip()
        try:
            if text.startswith("b"):
                body = text[1:].upper()
                raw = base64.b32decode(body + "=" * (-len(body) % 8))
            elif text.startswith("z"):
                number = 0
                for ch in text[1:]:
                    number = number * 58 + _BASE58.index(ch)
                raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
            else:
                raise InvalidCid(
                    f"{text[:20]!r} is not a CIDv1 (expected base32 'b...' or base58 'z...')"
                )
        except (ValueError, base64.binascii.Error) as err:
            if isinstance(err, InvalidCid):
                raise
            raise InvalidCid(f"{text[:20]!r} does not parse as a CID") from None
        return cls.from_bytes(raw)


# ---------------------------------------------------------------------------- UnixFS over dag-pb


def _field(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def _length_delimited(number: int, payload: bytes) -> bytes:
    return _field(number, 2) + varint(len(payload)) + payload


def file_node(children: list[tuple[Cid, int, int]]) -> bytes:
    """The dag-pb block of a UnixFS file node over `children` (CID, file bytes below it,
    cumulative block size below it): links first, then the UnixFS data, as dag-pb orders
    them; every link has an empty name, as `ipfs add` writes it."""
    data = _field(1, 0) + varint(2)  # Type: File
    data += _field(3, 0) + varint(sum(size for _, size, _ in children))  # filesize
    for _, size, _ in children:
        data += _field(4, 0) + varint(size)  # blocksizes
    links = b"".join(
        _length_delimited(
            2,
            _length_delimited(1, cid.bytes) + _length_delimited(2, b"") + _field(3, 0) + varint(t),
        )
        for cid, _, t in children
    )
    return links + _length_delimited(1, data)


class _Builder:
    """Kubo's balanced layout (go-unixfs `balanced.Layout`): the first leaf is the root; while
    chunks remain, the root becomes the first child of a node one level deeper, which is filled
    with subtrees of the level below, each filled to MAX_LINKS."""

    def __init__(self, data: bytes, blocks: dict[Cid, bytes] | None):
        self.data = data
        self.at = 0
        self.blocks = blocks

    def done(self) -> bool:
        return self.at >= len(self.data)

    def _put(self, cid: Cid, block: bytes) -> None:
        if self.blocks is not None:
            self.blocks[cid] = block

    def leaf(self) -> tuple[Cid, int, int]:
        chunk = self.data[self.at : self.at + CHUNK_SIZE]
        self.at += CHUNK_SIZE
        cid = Cid.of_block(RAW, chunk)
        self._put(cid, chunk)
        return cid, len(chunk), len(chunk)

    def node(self, children: list[tuple[Cid, int, int]]) -> tuple[Cid, int, int]:
        block = file_node(children)
        cid = Cid.of_block(DAG_PB, block)
        self._put(cid, block)
        size = sum(s for _, s, _ in children)
        return cid, size, len(block) + sum(t for _, _, t in children)

    def fill(self, first: tuple[Cid, int, int] | None, depth: int) -> tuple[Cid, int, int]:
        children = [first] if first else []
        while len(children) < MAX_LINKS and not self.done():
            children.append(self.leaf() if depth == 1 else self.fill(None, depth - 1))
        return self.node(children)

    def build(self) -> Cid:
        root = self.leaf()  # an empty file is one empty raw block
        depth = 1
        while not self.done():
            root = self.fill(root, depth)
            depth += 1
        return root[0]


def cid_of(data: bytes) -> Cid:
    """The CID `ipfs add --cid-version=1 --raw-leaves` gives `data`."""
    return _Builder(bytes(data), None).build()


def blocks_of(data: bytes) -> tuple[Cid, dict[Cid, bytes]]:
    """The root CID and every block of `data`'s DAG (for a CAR file)."""
    blocks: dict[Cid, bytes] = {}
    return _Builder(bytes(data), blocks).build(), blocks
