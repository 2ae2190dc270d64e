// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

/// @title SameSecondReAdder (test only)
/// @notice Adds, refunds and re-adds a contribution in one transaction, hence in one second,
/// which externally owned accounts cannot do on a chain whose blocks have strictly increasing
/// timestamps. Needs a trainer whose refund wait is 0.
contract SameSecondReAdder {
    ICollaborativeTrainer public immutable trainer;

    /// @dev The trainer's error, declared here so that tools decode it when it bubbles up
    /// through this contract.
    error ContributionIdTaken(bytes32 id);

    constructor(ICollaborativeTrainer trainer_) {
        trainer = trainer_;
    }

    function addData(bytes calldata data, uint256 label) external payable {
        trainer.addData{value: msg.value}(data, label);
    }

    function refund(bytes calldata data, uint256 label) external {
        trainer.refund(data, label);
    }

    /// @notice Adds (data, label) with `firstValue`, refunds it, then has `reAdder` (this
    /// contract or another one) add it again with the rest of msg.value, all in this second.
    function addRefundReAdd(
        bytes calldata data,
        uint256 label,
        uint256 firstValue,
        SameSecondReAdder reAdder
    ) external payable {
        trainer.addData{value: firstValue}(data, label);
        trainer.refund(data, label);
        reAdder.addData{value: msg.value - firstValue}(data, label);
    }

    /// @notice Adds (data, label) and refunds it in this second.
    function addAndRefund(bytes calldata data, uint256 label) external payable {
        trainer.addData{value: msg.value}(data, label);
        trainer.refund(data, label);
    }
}
