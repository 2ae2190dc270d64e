"""A federated update or aggregate as an artifact: a vector of fixed-point integers cut into
chunks of `chunk_size` coordinates, each chunk a leaf of the project's Merkle tree
(`ml.merkle`), so that one chunk can be proven on chain against the root its author committed
to, and a posted aggregate challenged one chunk at a time.

A chunk's leaf is keccak256(keccak256(abi.encode(uint256 index, int256[] values))): the same
bytes a contract hashes with `keccak256(bytes.concat(keccak256(abi.encode(i, chunk))))`. The
canonical bytes are canonical JSON with the values as decimal strings (JSON numbers are exact
only to 2^53), so the same vector always has the same CID.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from eth_abi import encode
from eth_utils import keccak

from ml.encoders import canonical_json
from ml.errors import CollabMLError
from ml.merkle import MerkleTree

FORMAT = "collab-ml/federated-vector/1"
#: The largest |value| of a coordinate: sums of 2^16 weighted values stay far inside int256.
MAX_ABS = 2**64
#: The most coordinates of a chunk (a challenge re-executes one chunk of every update).
MAX_CHUNK_SIZE = 1024


def in_range(value) -> bool:
    """Whether `value` is an int (not a bool) with |value| <= MAX_ABS: a valid coordinate."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ABS


class InvalidVector(CollabMLError, ValueError):
    """Values or bytes that are not a federated vector."""


@dataclass(frozen=True)
class ChunkedVector:
    values: tuple[int, ...]
    chunk_size: int

    def __post_init__(self):
        if not self.values:
            raise InvalidVector("a federated vector has at least one value")
        if not 1 <= self.chunk_size <= MAX_CHUNK_SIZE:
            raise InvalidVector(f"chunk size {self.chunk_size} is outside [1, {MAX_CHUNK_SIZE}]")
        for i, value in enumerate(self.values):
            if not in_range(value):
                raise InvalidVector(f"value {i} is {value!r}: give an integer within ±2^64")

    @classmethod
    def of(cls, values, chunk_size: int) -> ChunkedVector:
        return cls(tuple(values), chunk_size)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def chunk_count(self) -> int:
        return -(-len(self.values) // self.chunk_size)

    def chunk(self, index: int) -> list[int]:
        if not 0 <= index < self.chunk_count:
            raise InvalidVector(f"no chunk {index}: the vector has {self.chunk_count}")
        start = index * self.chunk_size
        return list(self.values[start : start + self.chunk_size])

    @staticmethod
    def leaf(index: int, chunk: list[int]) -> bytes:
        """The Merkle leaf of chunk `index` with `chunk`'s values (what a contract computes)."""
        return keccak(keccak(encode(["uint256", "int256[]"], [index, chunk])))

    @cached_property
    def _tree(self) -> MerkleTree:
        return MerkleTree([self.leaf(i, self.chunk(i)) for i in range(self.chunk_count)])

    @property
    def root(self) -> bytes:
        return self._tree.root

    def proof(self, index: int) -> list[bytes]:
        """The Merkle siblings proving chunk `index` against `root`."""
        self.chunk(index)  # the range check
        return self._tree.proof(index)

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "chunk_size": self.chunk_size,
            "values": [str(v) for v in self.values],
        }
        return canonical_json(document).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> ChunkedVector:
        try:
            raw = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InvalidVector(f"not JSON: {err}") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise InvalidVector(f"not a {FORMAT} document")
        values, size = raw.get("values"), raw.get("chunk_size")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidVector("values must be a list of decimal strings")
        if isinstance(size, bool) or not isinstance(size, int):
            raise InvalidVector(f"chunk_size must be an integer, got {size!r}")
        try:
            vector = cls(tuple(int(v) for v in values), size)
        except ValueError as err:  # int() of a string that is not decimal
            raise InvalidVector(str(err)) from None
        if vector.to_bytes() != data:
            raise InvalidVector("the bytes are not the vector's canonical form")
        return vector
