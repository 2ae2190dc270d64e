// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {BinaryPerceptron} from "./BinaryPerceptron.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";
import {FIXED_ONE} from "../libraries/FixedPoint.sol";

/// @title SparsePerceptron
/// @notice Binary perceptron over binary features given as the indices of the present ones.
/// score = b + sum of w[f] over present f; predicts class 1 when score > 0, else class 0.
/// Mistake-driven: when the prediction is wrong, every present weight and the intercept move
/// by the learning rate towards the true class (the intercept is learnt, unlike the reference).
/// Storage: weights are int64, 4 per word (parameter f is feature f); the intercept is kept
/// in slot 0 beside the owner, which every update reads anyway. Weights and intercept
/// saturate at the int64 range, so no update reverts for overflow.
contract SparsePerceptron is BinaryPerceptron {
    constructor(
        address owner_,
        uint256 numFeatures_,
        int256 learningRate_,
        int64 intercept_,
        string[] memory names
    )
        ModelBase(owner_, 2, numFeatures_, numFeatures_, PackedWords.INT64_LANES, names)
        BinaryPerceptron(learningRate_, intercept_)
    {}

    function _predictGas() internal view override returns (uint256, uint256) {
        return (40_000, 2_600);
    }

    function modelKind() external pure returns (string memory) {
        return "sparse-perceptron";
    }

    function _predict(bytes calldata sample) internal view override returns (uint256) {
        return _bias + SparseLoops.sumAtFeatures(sample, _sparseLength(sample), 1, 0) > 0 ? 1 : 0;
    }

    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        uint256 n = _sparseLength(sample);
        int256 delta = _step(label);
        uint256 staged = SparseLoops.freeMemory();
        int256 sum = SparseLoops.sumAndStage(sample, n, delta);
        predicted = _bias + sum > 0 ? 1 : 0;
        if (predicted == label) return (false, predicted);
        SparseLoops.commitStaged(staged);
        _bias = int64(_saturatedInt64(_bias + delta));
        return (true, predicted);
    }
}
