// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The project's Merkle tree built in Solidity, as ml/merkle.py builds it and
/// OpenZeppelin's MerkleProof verifies it: sorted-pair hashing, a node without a sibling moved
/// up unchanged. Leaves are given already hashed. For the fixtures' independent side.
library MerkleBuilder {
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            level = _up(level);
        }
        return level[0];
    }

    /// @dev The siblings from leaf `index` up to the root.
    function proof(bytes32[] memory leaves, uint256 index)
        internal
        pure
        returns (bytes32[] memory siblings)
    {
        bytes32[] memory level = leaves;
        bytes32[] memory found = new bytes32[](256);
        uint256 n = 0;
        while (level.length > 1) {
            if ((index ^ 1) < level.length) found[n++] = level[index ^ 1];
            level = _up(level);
            index /= 2;
        }
        siblings = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            siblings[i] = found[i];
        }
    }

    function _pair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev The level above `level` (pairs hashed, an odd last node moved up).
    function _up(bytes32[] memory level) private pure returns (bytes32[] memory up) {
        up = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < up.length; ++i) {
            up[i] = 2 * i + 1 < level.length ? _pair(level[2 * i], level[2 * i + 1]) : level[2 * i];
        }
    }
}
