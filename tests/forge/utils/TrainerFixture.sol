// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {SparsePerceptron} from "../../../contracts/models/SparsePerceptron.sol";

/// @notice The model the trainer suites share: a sparse perceptron over 16 features with every
/// weight and the intercept 0 (so everything is predicted class 0 at first) and a learning rate
/// of 1.0, so that one contribution the model gets wrong flips its prediction on that sample.
abstract contract TrainerFixture is Test {
    uint256 internal constant NUM_FEATURES = 16;
    int256 internal constant ONE = 1e6;
    uint256 internal constant COST_WEIGHT = 1e15;
    uint256 internal constant REFUND_WAIT = 1 days;
    uint256 internal constant ANY_ADDRESS_WAIT = 9 days;

    /// @dev A finalised, untrained model owned by this contract (hand it to the trainer).
    function deployModel() internal returns (SparsePerceptron m) {
        string[] memory names = new string[](2);
        names[0] = "neg";
        names[1] = "pos";
        m = new SparsePerceptron(address(this), NUM_FEATURES, ONE, 0, names);
        m.finalize();
    }

    /// @dev A sparse sample of the given strictly increasing features.
    function sparse(uint16 a, uint16 b) internal pure returns (bytes memory) {
        return abi.encodePacked(a, b);
    }
}
