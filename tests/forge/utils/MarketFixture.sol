// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleBuilder} from "./MerkleBuilder.sol";
import {TrainerFixture} from "./TrainerFixture.sol";
import {PredictionMarket} from "../../../contracts/incentives/PredictionMarket.sol";
import {SparsePerceptron} from "../../../contracts/models/SparsePerceptron.sol";

/// @notice What the market suites share: the trainers' model (TrainerFixture), a market over it,
/// and the provider's side of a test set, computed here independently of the contract: the
/// leaves keccak256(bytes.concat(keccak256(abi.encode(index, salt, label, sample)))), their
/// Merkle tree with sorted-pair hashing and a node without a sibling moved up unchanged (as
/// ml/test_set.py builds it), and the proof of each leaf.
abstract contract MarketFixture is TrainerFixture {
    uint256 internal constant STAKE = 1e15;
    uint256 internal constant POOL = 1 ether;
    uint256 internal constant WINDOW = 7 days;
    uint256 internal constant REVEAL_WINDOW = 3 days;

    /// @notice One test sample as the provider holds it.
    struct Secret {
        bytes32 salt;
        uint256 label;
        bytes sample;
    }

    /// @dev The provider's test set of the market under test (set by `setTestSet`).
    Secret[] internal _secrets;

    function setTestSet(Secret[] memory secrets) internal {
        delete _secrets;
        for (uint256 i = 0; i < secrets.length; ++i) {
            _secrets.push(secrets[i]);
        }
    }

    function leafHash(uint256 index, Secret memory s) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, s.salt, s.label, s.sample))));
    }

    function _leaves() private view returns (bytes32[] memory level) {
        level = new bytes32[](_secrets.length);
        for (uint256 i = 0; i < level.length; ++i) {
            level[i] = leafHash(i, _secrets[i]);
        }
    }

    function testSetRoot() internal view returns (bytes32) {
        return MerkleBuilder.root(_leaves());
    }

    /// @dev The siblings from leaf `index` up to the root.
    function proofOf(uint256 index) internal view returns (bytes32[] memory) {
        return MerkleBuilder.proof(_leaves(), index);
    }

    /// @dev The leaf `index` of the provider's test set, with its proof.
    function leafOf(uint256 index) internal view returns (PredictionMarket.TestLeaf memory) {
        Secret memory s = _secrets[index];
        return PredictionMarket.TestLeaf(index, s.salt, s.label, s.sample, proofOf(index));
    }

    /// @dev Leaves [start, start + count) of the provider's test set.
    function leavesOf(uint256 start, uint256 count)
        internal
        view
        returns (PredictionMarket.TestLeaf[] memory leaves)
    {
        leaves = new PredictionMarket.TestLeaf[](count);
        for (uint256 i = 0; i < count; ++i) {
            leaves[i] = leafOf(start + i);
        }
    }

    function one(PredictionMarket.TestLeaf memory leaf)
        internal
        pure
        returns (PredictionMarket.TestLeaf[] memory leaves)
    {
        leaves = new PredictionMarket.TestLeaf[](1);
        leaves[0] = leaf;
    }

    /// @dev A market over a fresh model (handed to it) committed to the provider's test set,
    /// deployed by the caller with POOL wei.
    function deployMarket(uint256 maxContributions, uint256 commitRevealWindow)
        internal
        returns (PredictionMarket market, SparsePerceptron m)
    {
        return deployMarket(maxContributions, commitRevealWindow, WINDOW, REVEAL_WINDOW);
    }

    /// @dev The same with the participation and reveal windows given.
    function deployMarket(
        uint256 maxContributions,
        uint256 commitRevealWindow,
        uint256 window,
        uint256 revealWindow
    ) internal returns (PredictionMarket market, SparsePerceptron m) {
        m = deployModel();
        market = new PredictionMarket{value: POOL}(
            m,
            STAKE,
            window,
            revealWindow,
            maxContributions,
            commitRevealWindow,
            testSetRoot(),
            _secrets.length,
            bytes32(0),
            bytes32(0)
        );
        m.transferOwnership(address(market));
    }
}
