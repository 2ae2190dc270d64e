// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {FIXED_ONE} from "./FixedPoint.sol";
import {INT32_MAX, INT32_MIN, MASK32, PARAMETERS_SLOT} from "./PackedWords.sol";

/// @title DenseLoops
/// @notice The hot loops over a dense sample (big-endian int32 per dimension, fixed point,
/// each within [-ONE, ONE]) and int32 parameters, 8 per word (PackedWords' layout). Assembly
/// for the same reason as SparseLoops'; each has a Python twin in the mirror (ml/models).
library DenseLoops {
    /// @dev Reverts with ComponentOutOfRange for the first component of a dense sample outside
    /// [-FIXED_ONE, FIXED_ONE]. The hot loops only note that some component is outside (one OR each); this
    /// finds which, on the failing path only.
    function checkDenseBounds(bytes calldata sample) internal pure {
        for (uint256 d = 0; d < sample.length >> 2; ++d) {
            int256 x;
            assembly ("memory-safe") {
                x := signextend(3, shr(224, calldataload(add(sample.offset, shl(2, d)))))
            }
            if (x > FIXED_ONE || x < -FIXED_ONE) revert IClassifier.ComponentOutOfRange(d, x);
        }
    }

    /// @dev Sum over d of x[d] * p[offset + d] for a dense sample x and int32 parameters p
    /// (8 per word). |x|, |p| < 2^31 and d < 2^16, so the sum stays below 2^78.
    function dotDense32(bytes calldata sample, uint256 offset) internal view returns (int256 dot) {
        uint256 outside; // non-zero once a component is outside [-FIXED_ONE, FIXED_ONE]
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, sample.length)
            let index := offset
            let current := not(0)
            let word := 0
            for {} lt(p, end) {
                p := add(p, 4)
                index := add(index, 1)
            } {
                let w := shr(3, index)
                if iszero(eq(w, current)) {
                    current := w
                    word := sload(add(PARAMETERS_SLOT, w))
                }
                let x := signextend(3, shr(224, calldataload(p)))
                // x + FIXED_ONE lies in [0, 2 FIXED_ONE] exactly when |x| <= FIXED_ONE (a negative sum wraps high).
                outside := or(outside, gt(add(x, FIXED_ONE), add(FIXED_ONE, FIXED_ONE)))
                dot := add(dot, mul(x, signextend(3, shr(shl(5, and(index, 7)), word))))
            }
        }
        if (outside != 0) checkDenseBounds(sample);
    }

    /// @dev Sum over d of (x[d] - p[offset + d])^2 for a dense sample x and int32 parameters p:
    /// the squared distance to a centroid, in FIXED_ONE^2 units (below 2^16 * 2^64).
    function squaredDistanceDense32(bytes calldata sample, uint256 offset)
        internal
        view
        returns (uint256 distance)
    {
        uint256 outside; // non-zero once a component is outside [-FIXED_ONE, FIXED_ONE]
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, sample.length)
            let index := offset
            let current := not(0)
            let word := 0
            for {} lt(p, end) {
                p := add(p, 4)
                index := add(index, 1)
            } {
                let w := shr(3, index)
                if iszero(eq(w, current)) {
                    current := w
                    word := sload(add(PARAMETERS_SLOT, w))
                }
                let x := signextend(3, shr(224, calldataload(p)))
                // x + FIXED_ONE lies in [0, 2 FIXED_ONE] exactly when |x| <= FIXED_ONE (a negative sum wraps high).
                outside := or(outside, gt(add(x, FIXED_ONE), add(FIXED_ONE, FIXED_ONE)))
                let diff := sub(x, signextend(3, shr(shl(5, and(index, 7)), word)))
                distance := add(distance, mul(diff, diff))
            }
        }
        if (outside != 0) checkDenseBounds(sample);
    }

    /// @dev p[offset + d] += divRound(scale * x[d] - pull * p[offset + d], divisor) for every
    /// dimension d of a dense sample (int32 parameters, 8 per word), saturating at the int32
    /// range. The perceptron's step is (scale, pull, divisor) = (+-lr, 0, FIXED_ONE); the running
    /// mean's is (1, 1, n + 1), whose result lies between the old mean and x, so it never
    /// saturates.
    function stepDense32(
        bytes calldata sample,
        uint256 offset,
        int256 scale,
        int256 pull,
        uint256 divisor
    ) internal {
        assembly ("memory-safe") {
            // FixedPoint.divRound: to nearest, ties away from zero.
            function divRound(num, den) -> q {
                q := sdiv(num, den)
                let r := smod(num, den)
                if sgt(r, 0) { if iszero(slt(add(r, r), den)) { q := add(q, 1) } }
                if slt(r, 0) { if iszero(sgt(add(r, r), sub(0, den))) { q := sub(q, 1) } }
            }
            let p := sample.offset
            let end := add(p, sample.length)
            let index := offset
            let current := not(0)
            let word := 0
            for {} lt(p, end) {
                p := add(p, 4)
                index := add(index, 1)
            } {
                let w := shr(3, index)
                if iszero(eq(w, current)) {
                    if iszero(eq(current, not(0))) {
                        sstore(add(PARAMETERS_SLOT, current), word)
                    }
                    current := w
                    word := sload(add(PARAMETERS_SLOT, w))
                }
                let shift := shl(5, and(index, 7))
                let old := signextend(3, shr(shift, word))
                let x := signextend(3, shr(224, calldataload(p)))
                // |scale * x|, |pull * old| < 2^63 * 2^31: no overflow.
                // The step is below 2^94 in magnitude, so the sum is exact; then saturated.
                let value := add(old, divRound(sub(mul(scale, x), mul(pull, old)), divisor))
                if sgt(value, INT32_MAX) { value := INT32_MAX }
                if slt(value, INT32_MIN) { value := INT32_MIN }
                word := or(and(word, not(shl(shift, MASK32))), shl(shift, and(value, MASK32)))
            }
            sstore(add(PARAMETERS_SLOT, current), word)
        }
    }
}
