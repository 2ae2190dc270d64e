// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";
import {BinaryPerceptron} from "./BinaryPerceptron.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {DenseLoops} from "../libraries/DenseLoops.sol";
import {FIXED_ONE} from "../libraries/FixedPoint.sol";

/// @title DensePerceptron
/// @notice Binary perceptron over a fixed-point vector x: score = b + w . x; predicts class 1
/// when score > 0, else 0. On a mistake w[d] moves by round(lr * x[d]) towards the true class
/// and the intercept by lr (the intercept is learnt).
/// Storage: weights int32, 8 per word (|w| < 2147.48; a step that would leave that range stops
/// at its end: weights and intercept saturate, so no update reverts for overflow); the
/// intercept (int64) shares slot 0 with the owner.
contract DensePerceptron is BinaryPerceptron {
    constructor(
        address owner_,
        uint256 dimensions,
        int256 learningRate_,
        int64 intercept_,
        string[] memory names
    )
        ModelBase(owner_, 2, dimensions, dimensions, PackedWords.INT32_LANES, names)
        BinaryPerceptron(learningRate_, intercept_)
    {}

    function _predictGas() internal view override returns (uint256, uint256) {
        return (30_000, 560);
    }

    function _dense() internal pure override returns (bool) {
        return true;
    }

    function modelKind() external pure returns (string memory) {
        return "dense-perceptron";
    }

    /// @dev b * FIXED_ONE + w . x, in FIXED_ONE^2 units (both terms are products of two fixed-point values).
    function _score(bytes calldata sample) internal view returns (int256) {
        _checkDense(sample);
        return int256(_bias) * 1e6 + DenseLoops.dotDense32(sample, 0);
    }

    function _predict(bytes calldata sample) internal view override returns (uint256) {
        return _score(sample) > 0 ? 1 : 0;
    }

    function _update(bytes calldata sample, uint256 label)
        internal
        override
        returns (bool, uint256 predicted)
    {
        predicted = _score(sample) > 0 ? 1 : 0;
        if (predicted == label) return (false, predicted);
        int256 step = _step(label);
        DenseLoops.stepDense32(sample, 0, step, 0, 1e6);
        _bias = int64(_saturatedInt64(_bias + step));
        return (true, predicted);
    }
}
