// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {DenseLoops} from "../libraries/DenseLoops.sol";

/// @title NearestCentroid
/// @notice Multi-class nearest centroid over fixed-point vectors: predicts the class whose mean
/// is closest in squared Euclidean distance (computed exactly in integers; ties: the lowest
/// class index; classes with no samples are skipped). An update moves the true class's mean
/// towards the sample by 1/(n + 1), each coordinate rounded to nearest (the running mean).
/// Storage: means int32, 8 per word, class-major (parameter c * D + d); a mean lies between
/// values of int32 inputs, so it never leaves int32. Sample counts per class in `sampleCounts`;
/// a count at 2^64 - 1 stays there (the mean still moves by 1/2^64), so no update reverts.
contract NearestCentroid is ModelBase {
    /// @notice Samples each class's mean is made of (initial counts, then one per update).
    uint64[] public sampleCounts;

    constructor(
        address owner_,
        uint256 numClasses_,
        uint256 dimensions,
        uint64[] memory initialCounts,
        string[] memory names
    )
        ModelBase(
            owner_,
            numClasses_,
            dimensions,
            numClasses_ * dimensions,
            PackedWords.INT32_LANES,
            names
        )
    {
        if (initialCounts.length != numClasses_) {
            revert InvalidConfiguration("one count per class");
        }
        sampleCounts = initialCounts;
    }

    function _predictGas() internal view override returns (uint256, uint256) {
        // Per dimension: one distance term per class, a cold word per 8 of them.
        uint256 classes = numClasses;
        return (30_000 + 1_500 * classes, 100 + 520 * classes);
    }

    function _dense() internal pure override returns (bool) {
        return true;
    }

    function modelKind() external pure returns (string memory) {
        return "nearest-centroid";
    }

    function _predict(bytes calldata sample) internal view override returns (uint256 best) {
        _checkDense(sample);
        uint256 classes = numClasses;
        uint256 dimensions = numFeatures;
        uint256 bestDistance = type(uint256).max;
        for (uint256 c = 0; c < classes; ++c) {
            if (sampleCounts[c] == 0) continue;
            uint256 distance = DenseLoops.squaredDistanceDense32(sample, c * dimensions);
            if (distance < bestDistance) {
                best = c;
                bestDistance = distance;
            }
        }
        // With no class to measure, no loop has checked the bound.
        if (bestDistance == type(uint256).max) DenseLoops.checkDenseBounds(sample);
    }

    /// @dev The prediction first (its cost is the price of `predictedBefore`); it also checks
    /// the sample and leaves the label's mean words warm.
    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        predicted = _predict(sample);
        uint64 count = sampleCounts[label];
        DenseLoops.stepDense32(sample, label * numFeatures, 1, 1, uint256(count) + 1);
        if (count != type(uint64).max) sampleCounts[label] = count + 1;
        return (true, predicted);
    }
}
