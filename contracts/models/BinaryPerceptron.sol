// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";

/// @title BinaryPerceptron
/// @notice What the binary perceptrons share: a learning rate and an intercept, kept in slot 0
/// beside the owner (ModelBase's `_bias`), which every update reads anyway.
abstract contract BinaryPerceptron is ModelBase {
    /// @notice Step of each update, fixed point (ONE = 1e6).
    int256 public immutable learningRate;

    constructor(int256 learningRate_, int64 intercept_) {
        if (learningRate_ <= 0 || learningRate_ > type(int64).max) {
            revert InvalidConfiguration("learning rate must be in (0, int64 max]");
        }
        learningRate = learningRate_;
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
