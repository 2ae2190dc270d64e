// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {FIXED_ONE} from "./FixedPoint.sol";
import {
    INT32_MAX,
    INT32_MIN,
    INT64_MAX,
    INT64_MIN,
    MASK32,
    MASK64,
    PARAMETERS_SLOT
} from "./PackedWords.sol";

/// @title SparseLoops
/// @notice The hot loops over a sparse sample's features (uint16 indices, strictly increasing)
/// and the packed parameter words they address (PackedWords' layout): sums, steps and counts.
/// They are assembly because each runs once per feature of every prediction and update:
/// written in plain Solidity they cost ~450 gas of overhead per feature, about a fifth of the
/// storage cost they wrap. Each is short and has a Python twin in the mirror (ml/models).
/// Every value saturates at its lane's range, so no update reverts for overflow.
library SparseLoops {
    /// @dev The feature index at `position` of a sparse sample (no checks).
    function featureAt(bytes calldata sample, uint256 position) internal pure returns (uint256 f) {
        assembly ("memory-safe") {
            f := shr(240, calldataload(add(sample.offset, shl(1, position))))
        }
    }

    /// @dev Reverts with FeaturesNotIncreasing for the pair at `position` (found by a loop).
    function revertNotIncreasing(bytes calldata sample, uint256 position) internal pure {
        revert IClassifier.FeaturesNotIncreasing(
            position, featureAt(sample, position - 1), featureAt(sample, position)
        );
    }

    /// @dev Sum of the int64 parameters `f * stride + offset` over the features f of a sparse
    /// sample of `n` features. Reverts if the features are not strictly increasing.
    function sumAtFeatures(bytes calldata sample, uint256 n, uint256 stride, uint256 offset)
        internal
        view
        returns (int256 sum)
    {
        uint256 bad;
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, shl(1, n))
            let next := 0 // smallest feature allowed next
            let current := not(0) // word held in `word`
            let word := 0
            for {} lt(p, end) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    bad := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                let index := add(mul(f, stride), offset)
                let w := shr(2, index)
                if iszero(eq(w, current)) {
                    current := w
                    word := sload(add(PARAMETERS_SLOT, w))
                }
                // |sum| <= 2^16 * 2^63: no overflow.
                sum := add(sum, signextend(7, shr(shl(6, and(index, 3)), word)))
            }
        }
        if (bad != 0) revertNotIncreasing(sample, bad - 1);
    }

    /// @dev Adds `delta` to the int64 parameter `f * stride + offset` of every feature f of a
    /// sparse sample, saturating at the int64 range, checking order as it goes, and returns the
    /// growth of their sum of squares, sum of new^2 - old^2 = (new - old)(new + old). Each
    /// touched word is read once and written once, however many lanes change.
    function addAtFeatures(
        bytes calldata sample,
        uint256 n,
        uint256 stride,
        uint256 offset,
        int256 delta
    ) internal returns (int256 squareGrowth) {
        uint256 bad;
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, shl(1, n))
            let next := 0
            let current := not(0)
            let word := 0
            for {} lt(p, end) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    bad := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                let index := add(mul(f, stride), offset)
                let w := shr(2, index)
                if iszero(eq(w, current)) {
                    if iszero(eq(current, not(0))) {
                        sstore(add(PARAMETERS_SLOT, current), word)
                    }
                    current := w
                    word := sload(add(PARAMETERS_SLOT, w))
                }
                let shift := shl(6, and(index, 3))
                let old := signextend(7, shr(shift, word))
                // |old| < 2^63 and |delta| < 2^254, so the sum cannot wrap int256; it then
                // saturates at the int64 range.
                let value := add(old, delta)
                if sgt(value, INT64_MAX) { value := INT64_MAX }
                if slt(value, INT64_MIN) { value := INT64_MIN }
                // |new - old| <= 2^64 and |new + old| < 2^64: each term is below 2^128 and the
                // sum of at most 2^16 of them below 2^144.
                squareGrowth := add(squareGrowth, mul(sub(value, old), add(value, old)))
                word := or(and(word, not(shl(shift, MASK64))), shl(shift, and(value, MASK64)))
            }
            if iszero(bad) { sstore(add(PARAMETERS_SLOT, current), word) }
        }
        if (bad != 0) revertNotIncreasing(sample, bad - 1);
    }

    /// @dev One pass for a mistake-driven update of parameters 0..F-1 (stride 1): returns the
    /// sum of the parameters at the features of a sparse sample and stages in memory, from the
    /// free memory pointer on, each touched word as it would be with `delta` added to those
    /// parameters, saturated at the int64 range; `commitStaged` writes them if the caller
    /// decides to update. Order is checked.
    function sumAndStage(bytes calldata sample, uint256 n, int256 delta)
        internal
        view
        returns (int256 sum)
    {
        uint256 stopped; // position + 1 of an out-of-order feature that stopped the loop; 0: none
        assembly ("memory-safe") {
            let out := mload(0x40)
            let p := sample.offset
            n := add(p, shl(1, n)) // the end of the sample
            let next := 0 // smallest feature allowed next
            let current := not(0) // the word held in `word`
            let word := 0
            let updated := 0 // `word` with the staged values
            for {} lt(p, n) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    stopped := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                if iszero(eq(shr(2, f), current)) {
                    if iszero(eq(current, not(0))) {
                        mstore(out, current)
                        mstore(add(out, 0x20), updated)
                        out := add(out, 0x40)
                    }
                    current := shr(2, f)
                    word := sload(add(PARAMETERS_SLOT, current))
                    updated := word
                }
                f := shl(6, and(f, 3)) // from here on, the lane's bit offset
                let old := signextend(7, shr(f, word))
                sum := add(sum, old)
                // |old|, |delta| < 2^63: exact in int256, then saturated at the int64 range.
                let new := add(old, delta)
                if sgt(new, INT64_MAX) { new := INT64_MAX }
                if slt(new, INT64_MIN) { new := INT64_MIN }
                // Each lane is staged once (features are distinct): flip old into new.
                updated := xor(updated, shl(f, and(xor(old, new), MASK64)))
            }
            mstore(out, current)
            mstore(add(out, 0x20), updated)
            mstore(0x40, add(out, 0x40))
        }
        if (stopped != 0) revertNotIncreasing(sample, stopped - 1);
    }

    /// @dev One pass over pairs of int64 lanes that share a word (the averaged perceptrons'
    /// weight w at `f * stride + offset`, even, and its running sum u at the next lane) at the
    /// features f of a sparse sample: returns the sums of both lanes over the features and,
    /// unless both deltas are zero, stages in memory as `sumAndStage` does each touched word
    /// with w + `delta` and u + `sumDelta`, saturated at the int64 range (`commitStaged` writes
    /// them). Each word is read once, whichever lanes it holds. Order is checked.
    function pairSumsAndStage(
        bytes calldata sample,
        uint256 n,
        uint256 stride,
        uint256 offset,
        int256 delta,
        int256 sumDelta
    ) internal view returns (int256 sum, int256 sumOfSums) {
        uint256 stopped; // position + 1 of an out-of-order feature that stopped the loop; 0: none
        assembly ("memory-safe") {
            function stage(key, value) {
                let out := mload(0x40)
                mstore(out, key)
                mstore(add(out, 0x20), value)
                mstore(0x40, add(out, 0x40))
            }
            function saturated(value) -> s {
                s := value
                if sgt(s, INT64_MAX) { s := INT64_MAX }
                if slt(s, INT64_MIN) { s := INT64_MIN }
            }
            let p := sample.offset
            n := add(p, shl(1, n)) // the end of the sample
            let next := 0 // smallest feature allowed next
            let current := not(0) // the word held in `word`
            let word := 0 // with the staged values (each pair of lanes is staged once)
            for {} lt(p, n) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    stopped := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                f := add(mul(f, stride), offset) // from here on, w's index
                if iszero(eq(shr(2, f), current)) {
                    if and(iszero(eq(current, not(0))), iszero(iszero(or(delta, sumDelta)))) {
                        stage(current, word)
                    }
                    current := shr(2, f)
                    word := sload(add(PARAMETERS_SLOT, current))
                }
                f := shl(6, and(f, 3)) // from here on, w's bit offset (u's is 64 more)
                let w := signextend(7, shr(f, word))
                let u := signextend(7, shr(add(f, 64), word))
                // |w|, |u| < 2^63 over at most 2^16 features: no overflow.
                sum := add(sum, w)
                sumOfSums := add(sumOfSums, u)
                if or(delta, sumDelta) {
                    // |delta| < 2^63 and |sumDelta| < 2^126 (c * step): exact in int256.
                    let flips := and(xor(w, saturated(add(w, delta))), MASK64)
                    flips := or(flips, shl(64, and(xor(u, saturated(add(u, sumDelta))), MASK64)))
                    word := xor(word, shl(f, flips))
                }
            }
            if or(delta, sumDelta) { stage(current, word) }
        }
        if (stopped != 0) revertNotIncreasing(sample, stopped - 1);
    }

    function freeMemory() internal pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Writes the words staged by `sumAndStage` or `pairSumsAndStage` (from `staged`, the
    /// free memory pointer before it ran, to the free memory pointer now).
    function commitStaged(uint256 staged) internal {
        assembly ("memory-safe") {
            let stagedEnd := mload(0x40)
            for {} lt(staged, stagedEnd) { staged := add(staged, 0x40) } {
                sstore(add(PARAMETERS_SLOT, mload(staged)), mload(add(staged, 0x20)))
            }
        }
    }

    /// @dev Adds one to the uint32 count `f * stride + offset` (8 per word) of every feature f
    /// of a sparse sample, checking order; a count at 2^32 - 1 stays there (saturates). Returns
    /// how many counts rose, which is what the class's occurrence total must add.
    function incrementAtFeatures(bytes calldata sample, uint256 n, uint256 stride, uint256 offset)
        internal
        returns (uint256 added)
    {
        uint256 bad; // position + 1 of an out-of-order feature
        assembly ("memory-safe") {
            let p := sample.offset
            n := add(p, shl(1, n)) // the end of the sample (n >= 1)
            let next := 0
            // Start with the first feature's word loaded, so that a change of word always stores.
            let current := shr(3, add(mul(shr(240, calldataload(p)), stride), offset))
            let word := sload(add(PARAMETERS_SLOT, current))
            for {} lt(p, n) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    bad := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                f := add(mul(f, stride), offset) // from here on, the count's index
                if iszero(eq(shr(3, f), current)) {
                    sstore(add(PARAMETERS_SLOT, current), word)
                    current := shr(3, f)
                    word := sload(add(PARAMETERS_SLOT, current))
                }
                let shift := shl(5, and(f, 7))
                // A lane below 2^32 - 1 takes the one without carrying into the next lane; a
                // full lane keeps its value. `added` counts at most 2^16 features.
                let rises := iszero(eq(and(shr(shift, word), MASK32), MASK32))
                word := add(word, shl(shift, rises))
                added := add(added, rises)
            }
            if iszero(bad) { sstore(add(PARAMETERS_SLOT, current), word) }
        }
        if (bad != 0) revertNotIncreasing(sample, bad - 1);
    }
}
