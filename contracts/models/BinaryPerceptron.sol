// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Perceptron} from "./Perceptron.sol";

/// @title BinaryPerceptron
/// @notice What the binary perceptrons share: an intercept, kept in slot 0 beside the owner
/// (ModelBase's `_bias`), which every update reads anyway, and the step towards a label.
abstract contract BinaryPerceptron is Perceptron {
    constructor(int256 learningRate_, int64 intercept_) Perceptron(learningRate_) {
        _bias = intercept_;
    }

    function intercept() external view returns (int256) {
        return _bias;
    }

    /// @dev The step towards `label`: +lr for class 1, -lr for class 0.
    function _step(uint256 label) internal view returns (int256) {
        return label == 1 ? learningRate : -learningRate;
    }
}
