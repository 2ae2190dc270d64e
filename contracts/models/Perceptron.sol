// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelBase} from "./ModelBase.sol";

/// @title Perceptron
/// @notice What every perceptron shares: its learning rate, the step of each update.
abstract contract Perceptron is ModelBase {
    /// @notice Step of each update, fixed point (ONE = 1e6).
    int256 public immutable learningRate;

    constructor(int256 learningRate_) {
        if (learningRate_ <= 0 || learningRate_ > type(int64).max) {
            revert InvalidConfiguration("learning rate must be in (0, int64 max]");
        }
        learningRate = learningRate_;
    }
}
