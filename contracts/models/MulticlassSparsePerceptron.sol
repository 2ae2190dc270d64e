// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {Perceptron} from "./Perceptron.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";
import {FIXED_ONE} from "../libraries/FixedPoint.sol";

/// @title MulticlassSparsePerceptron
/// @notice One weight vector per class over binary features given as present indices;
/// predicts the class with the largest score b[c] + sum of w[f][c] (ties: the lowest index).
/// On a mistake the true class's weights and intercept rise by the learning rate and the
/// predicted class's fall by it. Intercepts are learnt.
/// Storage: int64, 4 per word, feature-major (parameter f * C + c is w[f][c], so the weights of
/// all classes of a feature share words); the intercepts follow at F * C + c. Every value
/// saturates at the int64 range, so no update reverts for overflow.
contract MulticlassSparsePerceptron is Perceptron {
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
            (numFeatures_ + 1) * numClasses_,
            PackedWords.INT64_LANES,
            names
        )
        Perceptron(learningRate_)
    {}

    function _predictGas() internal view override returns (uint256, uint256) {
        // Per feature: ceil(C / 4) cold words and one pass of each class's loop.
        uint256 classes = numClasses;
        return (30_000 + 1_200 * classes, 2_100 * ((classes + 3) >> 2) + 360 * classes + 100);
    }

    function modelKind() external pure returns (string memory) {
        return "multiclass-sparse-perceptron";
    }

    function intercept(uint256 class_) external view returns (int256) {
        if (class_ >= numClasses) revert UnknownClass(class_, numClasses);
        return _int64At(numFeatures * numClasses + class_);
    }

    /// @dev The class with the largest score; ties go to the lowest class index.
    function _argmax(bytes calldata sample, uint256 n) internal view returns (uint256 best) {
        uint256 classes = numClasses;
        uint256 interceptBase = numFeatures * classes;
        int256 bestScore = 0;
        for (uint256 c = 0; c < classes; ++c) {
            int256 score =
                _int64At(interceptBase + c) + SparseLoops.sumAtFeatures(sample, n, classes, c);
            if (c == 0 || score > bestScore) {
                best = c;
                bestScore = score;
            }
        }
    }

    function _predict(bytes calldata sample) internal view override returns (uint256) {
        return _argmax(sample, _sparseLength(sample));
    }

    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        uint256 n = _sparseLength(sample);
        predicted = _argmax(sample, n);
        if (predicted == label) return (false, predicted);
        uint256 classes = numClasses;
        // The growth of the sum of squares (the sparse centroid's |S|^2) is not needed here.
        // slither-disable-next-line unused-return
        SparseLoops.addAtFeatures(sample, n, classes, label, learningRate);
        // slither-disable-next-line unused-return
        SparseLoops.addAtFeatures(sample, n, classes, predicted, -learningRate);
        _addAt(numFeatures * classes + label, learningRate);
        _addAt(numFeatures * classes + predicted, -learningRate);
        return (true, predicted);
    }
}
