"""A prediction market's hidden test set: salted leaves, their Merkle tree and proofs exactly as
PredictionMarket checks them, and the provider's secret file.

A leaf is keccak256(keccak256(abi.encode(index, salt, label, sample))) (the double hash keeps a
leaf from passing for an inner node); the tree is `ml.merkle.MerkleTree` (OpenZeppelin's
MerkleProof: pairs hashed in sorted order, a node without a sibling moves up). The salt keeps
the root from revealing anything: without it, a test set over a small feature space could be
found by hashing guesses.

>>> ts = TestSet.make([b"\\x00\\x01", b"\\x00\\x02", b"\\x00\\x03"], [0, 1, 1], seed=7)
>>> ts.verify(2, ts.proof(2))
True
>>> TestSet.from_json(ts.to_json()).root == ts.root
True
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from eth_abi import encode
from eth_utils import keccak

from ml.encoders import canonical_json
from ml.errors import CollabMLError
from ml.merkle import MerkleTree

FORMAT = "collab-ml/test-set/1"
#: The most leaves a market commits to (PredictionMarket.MAX_TEST_SET_SIZE); a test set
#: published as a registry artifact may be larger.
MAX_SIZE = 1024


class TestSetError(CollabMLError, ValueError):
    """A test-set file that cannot be used."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class TestLeaf:
    index: int
    salt: bytes  # 32 bytes
    label: int
    sample: bytes

    __test__ = False

    @property
    def hash(self) -> bytes:
        inner = keccak(
            encode(
                ["uint256", "bytes32", "uint256", "bytes"],
                [self.index, self.salt, self.label, self.sample],
            )
        )
        return keccak(inner)


class TestSet:
    """The leaves, indexed 0..size-1, and their tree."""

    __test__ = False

    def __init__(self, leaves: list[TestLeaf]):
        if not leaves:
            raise TestSetError("a test set has at least one sample")
        for i, leaf in enumerate(leaves):
            if leaf.index != i:
                raise TestSetError(f"test-set leaf {i} has index {leaf.index}")
            if len(leaf.salt) != 32:
                raise TestSetError(f"test-set leaf {i}: the salt must be 32 bytes")
        self.leaves = list(leaves)
        self._tree = MerkleTree([leaf.hash for leaf in leaves])

    @classmethod
    def make(cls, samples, labels, *, seed: int | None = None) -> TestSet:
        """A test set of encoded `samples` (bytes) and `labels`, salted from `seed` (for
        reproducible tests and simulations) or, by default, from the OS's randomness."""
        if seed is None:
            salts = [secrets.token_bytes(32) for _ in samples]
        else:
            rng = np.random.default_rng(seed)
            salts = [rng.bytes(32) for _ in samples]
        return cls(
            [
                TestLeaf(i, salt, int(label), bytes(sample))
                for i, (sample, label, salt) in enumerate(zip(samples, labels, salts, strict=True))
            ]
        )

    def __len__(self) -> int:
        return len(self.leaves)

    @property
    def root(self) -> bytes:
        return self._tree.root

    def proof(self, index: int) -> list[bytes]:
        """The siblings from leaf `index` up to the root."""
        return self._tree.proof(index)

    def verify(self, index: int, proof: list[bytes]) -> bool:
        """MerkleProof.verify of leaf `index` against the root."""
        return MerkleTree.verify(self.leaves[index].hash, proof, self.root)

    def reveal_args(self, start: int, count: int) -> list[tuple]:
        """revealTestSet's argument for leaves [start, start + count)."""
        return [
            (leaf.index, leaf.salt, leaf.label, leaf.sample, self.proof(leaf.index))
            for leaf in self.leaves[start : start + count]
        ]

    @property
    def samples(self) -> list[bytes]:
        return [leaf.sample for leaf in self.leaves]

    @property
    def labels(self) -> list[int]:
        return [leaf.label for leaf in self.leaves]

    # ------------------------------------------------------------------ the provider's file

    def _document(self) -> dict:
        return {
            "format": FORMAT,
            "root": "0x" + self.root.hex(),
            "leaves": [
                {
                    "salt": "0x" + leaf.salt.hex(),
                    "label": leaf.label,
                    "sample": "0x" + leaf.sample.hex(),
                }
                for leaf in self.leaves
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self._document(), indent=1)

    def to_bytes(self) -> bytes:
        """The test-set artifact (`ml.artifacts.kinds`): the same document as canonical JSON."""
        return canonical_json(self._document()).encode()

    @classmethod
    def from_json(cls, text: str) -> TestSet:
        try:
            raw = json.loads(text)
            if raw.get("format") != FORMAT:
                raise TestSetError(
                    f"not a test-set file (format {raw.get('format')!r}, expected {FORMAT})"
                )
            leaves = [
                TestLeaf(
                    i,
                    bytes.fromhex(leaf["salt"][2:]),
                    int(leaf["label"]),
                    bytes.fromhex(leaf["sample"][2:]),
                )
                for i, leaf in enumerate(raw["leaves"])
            ]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
            if isinstance(err, TestSetError):
                raise
            raise TestSetError(
                f"not a readable test-set file ({type(err).__name__}: {err})"
            ) from None
        test_set = cls(leaves)
        if "root" in raw and raw["root"] != "0x" + test_set.root.hex():
            raise TestSetError("the test-set file's root does not match its leaves (edited?)")
        return test_set

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def load(cls, path: Path) -> TestSet:
        try:
            text = Path(path).read_text()
        except OSError as err:
            raise TestSetError(f"cannot read the test-set file {path}: {err.strerror}") from None
        return cls.from_json(text)
