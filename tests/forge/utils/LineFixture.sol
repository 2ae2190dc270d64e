// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleBuilder} from "./MerkleBuilder.sol";
import {Test} from "./Test.sol";
import {FederatedLine} from "../../../contracts/federated/FederatedLine.sol";
import {FederatedAggregation} from "../../../contracts/federated/FederatedAggregation.sol";

/// @notice What the line suites share: a FederatedLine with small terms (dimension 10 in chunks
/// of 4: three chunks, the last of length 2), members, and the participants' and the
/// aggregator's side of a round computed here independently of the contract. An update is held
/// as its chunks (so that a malformed one, a chunk of the wrong length, can be committed); its
/// root is the Merkle tree of the leaves keccak256(bytes.concat(keccak256(abi.encode(index,
/// chunk)))) with sorted-pair hashing and a node without a sibling moved up unchanged (as
/// ml/merkle.py builds it). The aggregate of a round is recomputed chunk by chunk with
/// FederatedAggregation.
abstract contract LineFixture is Test {
    uint256 internal constant DIMENSION = 10;
    uint256 internal constant CHUNK = 4;
    uint256 internal constant CHUNKS = 3;
    uint256 internal constant STAKE = 1 ether;
    uint256 internal constant REWARD = 1 ether;
    uint256 internal constant BOND = 2 ether;
    uint256 internal constant NON_REVEAL_PPM = 500_000;
    uint256 internal constant REJECT_PPM = 250_000;
    uint256 internal constant WINDOW = 1 hours;
    uint256 internal constant COOLDOWN = 1 days;
    uint256 internal constant QUORUM = 3;
    uint256 internal constant MAX_PARTICIPANTS = 8;
    uint256 internal constant FUNDING = 10 ether;

    bytes32 internal constant ARCHITECTURE = keccak256("architecture");
    bytes32 internal constant INITIAL_MODEL = keccak256("initial model");
    bytes32 internal constant VALIDATION = keccak256("validation set");

    address internal constant AGGREGATOR = address(0xA66);
    address internal constant CHALLENGER = address(0xC4A1);

    FederatedLine internal line;

    // ---------------------------------------------------------------- deployment

    function defaultTask() internal pure returns (FederatedLine.Task memory) {
        return FederatedLine.Task(ARCHITECTURE, INITIAL_MODEL, VALIDATION, DIMENSION, CHUNK);
    }

    function defaultTerms() internal pure returns (FederatedLine.Terms memory) {
        return FederatedLine.Terms({
            stake: STAKE,
            rewardPerRound: REWARD,
            aggregatorBond: BOND,
            nonRevealSlashPpm: NON_REVEAL_PPM,
            rejectSlashPpm: REJECT_PPM,
            commitWindow: WINDOW,
            revealWindow: WINDOW,
            aggregateWindow: WINDOW,
            challengeWindow: WINDOW,
            cooldown: COOLDOWN,
            quorum: QUORUM,
            maxParticipants: MAX_PARTICIPANTS
        });
    }

    function ruleOf(FederatedLine.Rule rule) internal pure returns (FederatedLine.RuleSpec memory) {
        return FederatedLine.RuleSpec(rule, 0, 0, 0);
    }

    /// @dev A line of the default task and terms under `spec`, funded with FUNDING by this
    /// contract (its creator).
    function deployLine(FederatedLine.RuleSpec memory spec) internal returns (FederatedLine) {
        return deployLine(defaultTask(), spec, defaultTerms());
    }

    function deployLine(
        FederatedLine.Task memory task,
        FederatedLine.RuleSpec memory spec,
        FederatedLine.Terms memory terms
    ) internal returns (FederatedLine l) {
        l = new FederatedLine{value: FUNDING}(AGGREGATOR, task, spec, terms);
        vm.deal(AGGREGATOR, 1000 ether);
        vm.deal(CHALLENGER, 10 ether);
    }

    // ---------------------------------------------------------------- members

    function member(uint256 i) internal pure returns (address) {
        return address(uint160(0x1000 + i));
    }

    function join(FederatedLine l, address who) internal {
        vm.deal(who, who.balance + STAKE);
        vm.prank(who);
        l.join{value: STAKE}();
    }

    /// @dev Members 0..n-1 join.
    function joinMembers(FederatedLine l, uint256 n) internal {
        for (uint256 i = 0; i < n; ++i) {
            join(l, member(i));
        }
    }

    function stakeOf(FederatedLine l, address who) internal view returns (uint256 s) {
        (, s,,) = l.members(who);
    }

    // ---------------------------------------------------------------- updates and Merkle trees

    /// @dev The chunks of a flat vector (chunk size `size`, the last one shorter).
    function split(int256[] memory v, uint256 size) internal pure returns (int256[][] memory c) {
        uint256 count = (v.length + size - 1) / size;
        c = new int256[][](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 len = i + 1 < count ? size : v.length - i * size;
            c[i] = new int256[](len);
            for (uint256 j = 0; j < len; ++j) {
                c[i][j] = v[i * size + j];
            }
        }
    }

    function split(int256[] memory v) internal pure returns (int256[][] memory) {
        return split(v, CHUNK);
    }

    /// @dev A vector of the default dimension with v[j] = base + j * step.
    function vec(int256 base, int256 step) internal pure returns (int256[] memory v) {
        v = new int256[](DIMENSION);
        for (uint256 j = 0; j < DIMENSION; ++j) {
            v[j] = base + int256(j) * step;
        }
    }

    function leafOf(uint256 index, int256[] memory chunk) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, chunk))));
    }

    function _leaves(int256[][] memory chunks) private pure returns (bytes32[] memory level) {
        level = new bytes32[](chunks.length);
        for (uint256 i = 0; i < chunks.length; ++i) {
            level[i] = leafOf(i, chunks[i]);
        }
    }

    function rootOf(int256[][] memory chunks) internal pure returns (bytes32) {
        return MerkleBuilder.root(_leaves(chunks));
    }

    /// @dev The siblings from leaf `index` up to the root.
    function proofOf(int256[][] memory chunks, uint256 index)
        internal
        pure
        returns (bytes32[] memory)
    {
        return MerkleBuilder.proof(_leaves(chunks), index);
    }

    // ---------------------------------------------------------------- commit and reveal

    function cidOf(address who, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("cid", who, round));
    }

    function saltOf(address who, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", who, round));
    }

    function commitmentFor(FederatedLine l, uint256 round, address who, bytes32 root)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(address(l), round, who, cidOf(who, round), root, saltOf(who, round))
        );
    }

    function open(FederatedLine l) internal returns (uint256 round) {
        vm.prank(AGGREGATOR);
        round = l.openRound();
    }

    function commitUpdate(FederatedLine l, uint256 round, address who, int256[][] memory chunks)
        internal
    {
        vm.prank(who);
        l.commit(round, commitmentFor(l, round, who, rootOf(chunks)));
    }

    function revealUpdate(FederatedLine l, uint256 round, address who, int256[][] memory chunks)
        internal
    {
        vm.prank(who);
        l.reveal(round, cidOf(who, round), rootOf(chunks), saltOf(who, round));
    }

    function deadlines(FederatedLine l, uint256 round)
        internal
        view
        returns (uint256 commitD, uint256 revealD, uint256 aggregateD, uint256 challengeD)
    {
        (,, uint64 c, uint64 r, uint64 a, uint64 ch,,,,,) = l.rounds(round);
        return (c, r, a, ch);
    }

    function statusOf(FederatedLine l, uint256 round) internal view returns (FederatedLine.Status) {
        (FederatedLine.Status s,,,,,,,,,,) = l.rounds(round);
        return s;
    }

    function outcomeOf(FederatedLine l, uint256 round)
        internal
        view
        returns (FederatedLine.Outcome)
    {
        (, FederatedLine.Outcome o,,,,,,,,,) = l.rounds(round);
        return o;
    }

    function toReveal(FederatedLine l, uint256 round) internal {
        (uint256 c,,,) = deadlines(l, round);
        vm.warp(c + 1);
    }

    function toAggregate(FederatedLine l, uint256 round) internal {
        (, uint256 r,,) = deadlines(l, round);
        vm.warp(r + 1);
    }

    function toSettle(FederatedLine l, uint256 round) internal {
        (,,, uint256 ch) = deadlines(l, round);
        vm.warp(ch + 1);
    }

    /// @dev Opens a round; members 0..updates.length-1 commit their update, the first
    /// `revealers` of them reveal (in index order); the clock ends past the reveal deadline.
    function runRound(FederatedLine l, int256[][][] memory updates, uint256 revealers)
        internal
        returns (uint256 round)
    {
        round = open(l);
        for (uint256 i = 0; i < updates.length; ++i) {
            commitUpdate(l, round, member(i), updates[i]);
        }
        toReveal(l, round);
        for (uint256 i = 0; i < revealers; ++i) {
            revealUpdate(l, round, member(i), updates[i]);
        }
        toAggregate(l, round);
    }

    // ---------------------------------------------------------------- the aggregate

    /// @dev The inputs (not rejected) of `updates` (in reveal order) under `mask`.
    function inputsOf(int256[][][] memory updates, uint256 mask)
        internal
        pure
        returns (int256[][][] memory inputs)
    {
        uint256 count = 0;
        for (uint256 k = 0; k < updates.length; ++k) {
            if ((mask >> k) & 1 == 0) ++count;
        }
        inputs = new int256[][][](count);
        uint256 n = 0;
        for (uint256 k = 0; k < updates.length; ++k) {
            if ((mask >> k) & 1 == 0) inputs[n++] = updates[k];
        }
    }

    /// @dev Chunk `chunk` of every input.
    function column(int256[][][] memory inputs, uint256 chunk)
        internal
        pure
        returns (int256[][] memory c)
    {
        c = new int256[][](inputs.length);
        for (uint256 k = 0; k < inputs.length; ++k) {
            c[k] = inputs[k][chunk];
        }
    }

    /// @dev The rule's aggregate of well-formed inputs, chunk by chunk.
    function aggregateOf(FederatedLine.RuleSpec memory spec, int256[][][] memory inputs)
        internal
        pure
        returns (int256[][] memory out)
    {
        uint256 chunks = inputs[0].length;
        out = new int256[][](chunks);
        for (uint256 c = 0; c < chunks; ++c) {
            int256[][] memory values = column(inputs, c);
            if (spec.rule == FederatedLine.Rule.Median) {
                out[c] = FederatedAggregation.median(values);
            } else if (spec.rule == FederatedLine.Rule.TrimmedMean) {
                out[c] = FederatedAggregation.trimmedMean(values, spec.trim);
            } else {
                uint256[] memory ones = new uint256[](values.length);
                for (uint256 k = 0; k < ones.length; ++k) {
                    ones[k] = 1;
                }
                out[c] = FederatedAggregation.mean(values, ones);
            }
        }
    }

    function modelCidOf(uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("model", round));
    }

    function post(
        FederatedLine l,
        uint256 round,
        int256[][] memory aggregate,
        uint256 mask,
        uint256[] memory weights
    ) internal {
        vm.prank(AGGREGATOR);
        l.postAggregate{value: BOND}(round, modelCidOf(round), rootOf(aggregate), mask, weights);
    }

    /// @dev The challenge's calldata for chunk `chunk`: the inputs' chunks with their proofs
    /// and the aggregate's chunk with its proof.
    function challengeArgs(int256[][][] memory inputs, int256[][] memory aggregate, uint256 chunk)
        internal
        pure
        returns (int256[][] memory values, bytes32[][] memory proofs, bytes32[] memory aggProof)
    {
        values = column(inputs, chunk);
        proofs = new bytes32[][](inputs.length);
        for (uint256 k = 0; k < inputs.length; ++k) {
            proofs[k] = proofOf(inputs[k], chunk);
        }
        aggProof = proofOf(aggregate, chunk);
    }

    function challengeAs(
        FederatedLine l,
        address who,
        uint256 round,
        int256[][][] memory inputs,
        int256[][] memory aggregate,
        uint256 chunk
    ) internal {
        (int256[][] memory values, bytes32[][] memory proofs, bytes32[] memory aggProof) =
            challengeArgs(inputs, aggregate, chunk);
        vm.prank(who);
        l.challenge(round, chunk, values, proofs, aggregate[chunk], aggProof);
    }

    function uints(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory w) {
        w = new uint256[](3);
        w[0] = a;
        w[1] = b;
        w[2] = c;
    }

    function uints(uint256 a, uint256 b, uint256 c, uint256 d)
        internal
        pure
        returns (uint256[] memory w)
    {
        w = new uint256[](4);
        w[0] = a;
        w[1] = b;
        w[2] = c;
        w[3] = d;
    }

    function settleRound(FederatedLine l, uint256 round, uint256[] memory weights) internal {
        l.settle(round, weights);
    }
}
