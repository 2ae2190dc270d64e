// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";
import {FIXED_ONE} from "../libraries/FixedPoint.sol";

/// @title SparseNearestCentroid
/// @notice Multi-class nearest centroid over binary features given as present indices (each
/// present feature has value 1). Each class keeps the exact sum S[c] of its samples and their
/// number n[c], so its centroid S[c] / n[c] is the running mean with no rounding at all, and
/// only the features present in a sample are touched by an update. The squared distance
/// |x - S/n|^2 = |x|^2 + (|S|^2 - 2 n x.S) / n^2 is compared across classes by cross-multiplying,
/// exactly in integers (ties: the lowest class index; classes with no samples are skipped).
/// Storage: sums int64, 4 per word, feature-major (parameter f * C + c); per class one slot
/// holding n (uint64) and |S|^2 (uint192, FIXED_ONE^2 units). n is kept at most 2^32 - 1 so that the
/// cross products stay below 2^208. Sums saturate at the int64 range and n at 2^32 - 1, so no
/// update reverts for overflow; |S|^2 adds the exact growth of the squares, so it stays the
/// squared norm of the stored sums.
contract SparseNearestCentroid is ModelBase {
    struct ClassState {
        uint64 count;
        uint192 squaredNorm;
    }

    uint256 private constant MAX_COUNT = type(uint32).max;

    ClassState[] private _classes;

    constructor(
        address owner_,
        uint256 numClasses_,
        uint256 numFeatures_,
        uint64[] memory initialCounts,
        string[] memory names
    )
        ModelBase(
            owner_,
            numClasses_,
            numFeatures_,
            numFeatures_ * numClasses_,
            PackedWords.INT64_LANES,
            names
        )
    {
        if (initialCounts.length != numClasses_) {
            revert InvalidConfiguration("one count per class");
        }
        for (uint256 c = 0; c < numClasses_; ++c) {
            if (initialCounts[c] > MAX_COUNT) revert ClassCountOverflow(c);
            _classes.push(ClassState(initialCounts[c], 0));
        }
    }

    function _predictGas() internal view override returns (uint256, uint256) {
        // Per feature: ceil(C / 4) cold words and one pass of each class's loop.
        uint256 classes = numClasses;
        return (30_000 + 4_000 * classes, 2_100 * ((classes + 3) >> 2) + 360 * classes + 100);
    }

    function modelKind() external pure returns (string memory) {
        return "sparse-nearest-centroid";
    }

    /// @notice Samples in class `class_` and the squared norm of its sum (FIXED_ONE^2 units).
    function classState(uint256 class_) external view returns (uint256 count, uint256 squaredNorm) {
        ClassState memory state = _classes[class_];
        return (state.count, state.squaredNorm);
    }

    /// @dev Initial sums also add their squares to their class's |S|^2.
    function _initializeWords(uint256 first, uint256[] calldata values) internal override {
        super._initializeWords(first, values);
        uint256 classes = numClasses;
        uint256[] memory added = new uint256[](classes);
        for (uint256 i = 0; i < values.length; ++i) {
            for (uint256 lane = 0; lane < 4; ++lane) {
                int256 sum = PackedWords.int64At(values[i], lane);
                added[((first + i) * 4 + lane) % classes] += uint256(sum * sum);
            }
        }
        for (uint256 c = 0; c < classes; ++c) {
            _classes[c].squaredNorm += uint192(added[c]); // |S|^2 <= 2^16 * 2^126
        }
    }

    function _predict(bytes calldata sample) internal view override returns (uint256 best) {
        uint256 n = _sparseLength(sample);
        uint256 classes = numClasses;
        int256 bestScaled = 0; // (|S|^2 - 2 n x.S) of the best class so far
        uint256 bestCount = 0; // its n; 0 while no class has been seen
        for (uint256 c = 0; c < classes; ++c) {
            ClassState memory state = _classes[c];
            if (state.count == 0) continue;
            int256 count = int256(uint256(state.count));
            int256 scaled = int256(uint256(state.squaredNorm)) - 2 * FIXED_ONE * count
                * SparseLoops.sumAtFeatures(sample, n, classes, c);
            // scaled / count^2 < bestScaled / bestCount^2, cross-multiplied (both counts > 0).
            if (
                bestCount == 0
                    || scaled * int256(bestCount * bestCount) < bestScaled * count * count
            ) {
                best = c;
                bestScaled = scaled;
                bestCount = uint256(count);
            }
        }
    }

    /// @dev The prediction first (its cost is the price of `predictedBefore`); it also leaves
    /// every word the sums touch warm.
    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        predicted = _predict(sample);
        uint256 n = sample.length >> 1; // validated by the prediction
        ClassState memory state = _classes[label];
        int256 growth = SparseLoops.addAtFeatures(sample, n, numClasses, label, FIXED_ONE);
        // The new |S|^2 is a sum of squares of int64 sums (>= 0, below 2^16 * 2^126).
        uint256 norm = uint256(int256(uint256(state.squaredNorm)) + growth);
        uint64 count = state.count < MAX_COUNT ? state.count + 1 : state.count;
        _classes[label] = ClassState(count, uint192(norm));
        return (true, predicted);
    }
}
