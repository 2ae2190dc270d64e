// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {Perceptron} from "./Perceptron.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";

/// @title AveragedMulticlassSparsePerceptron
/// @notice Averaged multi-class perceptron over present feature indices. It learns as
/// MulticlassSparsePerceptron: when the current weights' argmax is wrong, the true class's
/// weights and intercept rise by the learning rate and that class's fall by it. It predicts the
/// argmax (ties: the lowest index) of the average of the weights over the states after every
/// update, kept as AveragedSparsePerceptron keeps it: a counter c of updates and u = sum of each
/// step times the updates before it, so that class k's averaged score times c is
/// c * (b[k] + sum w[f][k]) - (u_b[k] + sum u[f][k]).
/// Storage: int64, 4 per word, feature-major and interleaved: parameter 2(fC + k) is w[f][k]
/// and 2(fC + k) + 1 is u[f][k]; the intercepts follow at 2(FC + k) and 2(FC + k) + 1, then c
/// at 2(F + 1)C. Every value saturates at the int64 range, so no update reverts for overflow.
contract AveragedMulticlassSparsePerceptron is Perceptron {
    constructor(
        address owner_,
        uint256 numClasses_,
        uint256 numFeatures_,
        int256 learningRate_,
        string[] memory names
    )
        ModelBase(
            owner_,
            numClasses_,
            numFeatures_,
            2 * (numFeatures_ + 1) * numClasses_ + 1,
            PackedWords.INT64_LANES,
            names
        )
        Perceptron(learningRate_)
    {}

    function _predictGas() internal view override returns (uint256, uint256) {
        // Per feature: ceil(C / 2) cold words and one pass of each class's loop.
        uint256 classes = numClasses;
        return (35_000 + 3_000 * classes, 2_100 * ((classes + 1) >> 1) + 450 * classes + 100);
    }

    function modelKind() external pure returns (string memory) {
        return "averaged-multiclass-sparse-perceptron";
    }

    /// @notice The number of updates the average is over.
    function updates() external view returns (int256) {
        return _int64At(2 * (numFeatures + 1) * numClasses);
    }

    /// @dev The argmax of the current scores and of c times the averaged ones (ties: the
    /// lowest index).
    function _argmaxes(bytes calldata sample, uint256 n)
        internal
        view
        returns (uint256 current, uint256 averaged)
    {
        uint256 classes = numClasses;
        uint256 interceptBase = 2 * numFeatures * classes;
        int256 c = _int64At(interceptBase + 2 * classes);
        int256 bestCurrent = 0;
        int256 bestAveraged = 0;
        for (uint256 k = 0; k < classes; ++k) {
            uint256 lane = interceptBase + 2 * k;
            (int256 score, int256 sums) =
                SparseLoops.pairSumsAndStage(sample, n, 2 * classes, 2 * k, 0, 0);
            score += _int64At(lane);
            sums += _int64At(lane + 1);
            // |c| < 2^63 and |score| < 2^80: the product fits int256.
            int256 average = c * score - sums;
            if (k == 0 || score > bestCurrent) {
                current = k;
                bestCurrent = score;
            }
            if (k == 0 || average > bestAveraged) {
                averaged = k;
                bestAveraged = average;
            }
        }
    }

    function _predict(bytes calldata sample) internal view override returns (uint256 averaged) {
        (, averaged) = _argmaxes(sample, _sparseLength(sample));
    }

    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        uint256 n = _sparseLength(sample);
        uint256 current;
        (current, predicted) = _argmaxes(sample, n);
        uint256 classes = numClasses;
        uint256 interceptBase = 2 * numFeatures * classes;
        uint256 counter = interceptBase + 2 * classes;
        int256 c = _int64At(counter);
        if (current != label) {
            int256 lr = learningRate;
            _step(sample, n, label, lr, c);
            _step(sample, n, current, -lr, c);
            _addAt(interceptBase + 2 * label, lr);
            _addAt(interceptBase + 2 * label + 1, c * lr);
            _addAt(interceptBase + 2 * current, -lr);
            _addAt(interceptBase + 2 * current + 1, -c * lr);
        }
        // Every update counts, mistake or not: the average moves towards the current weights.
        _addAt(counter, 1);
        return (true, predicted);
    }

    /// @dev Adds `delta` to class k's weights and c * delta to their sums at the sample's
    /// features, in one pass (c * delta: |c|, |delta| < 2^63, within the bound
    /// pairSumsAndStage takes).
    function _step(bytes calldata sample, uint256 n, uint256 k, int256 delta, int256 c) private {
        uint256 staged = SparseLoops.freeMemory();
        // The sums were taken by _argmaxes before any step.
        // slither-disable-next-line unused-return
        SparseLoops.pairSumsAndStage(sample, n, 2 * numClasses, 2 * k, delta, c * delta);
        SparseLoops.commitStaged(staged);
    }
}
