"""The one Merkle tree of the project, exactly as OpenZeppelin's `MerkleProof` verifies it:
each pair of nodes is hashed in sorted order (keccak256 of the smaller then the larger), and
a node without a sibling moves up unchanged. Leaves are given already hashed; the callers
double-hash them (keccak256(keccak256(abi.encode(...)))) so that no leaf is a pair's preimage.
A market's test set and a federated update's chunks are both committed with it."""

from __future__ import annotations

from eth_utils import keccak


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


class MerkleTree:
    def __init__(self, leaves: list[bytes]):
        if not leaves:
            raise ValueError("a Merkle tree has at least one leaf")
        self._levels = [list(leaves)]
        while len(self._levels[-1]) > 1:
            level = self._levels[-1]
            up = [_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                up.append(level[-1])
            self._levels.append(up)

    def __len__(self) -> int:
        return len(self._levels[0])

    @property
    def root(self) -> bytes:
        return self._levels[-1][0]

    def proof(self, index: int) -> list[bytes]:
        """The siblings from leaf `index` up to the root."""
        proof = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index //= 2
        return proof

    @staticmethod
    def verify(leaf: bytes, proof: list[bytes], root: bytes) -> bool:
        """MerkleProof.verify: whether `proof` leads from `leaf` to `root`."""
        node = leaf
        for sibling in proof:
            node = _pair(node, sibling)
        return node == root
