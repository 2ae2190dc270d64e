// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

/// @title EtherRefuser (test only)
/// @notice A contributor contract that cannot receive ether: its receive() reverts without
/// data, so every payment to it fails (Address.sendValue then reverts with FailedCall). It
/// contributes, claims and withdraws through the forwarding functions below.
contract EtherRefuser {
    ICollaborativeTrainer public immutable trainer;

    /// @dev OpenZeppelin's Errors.FailedCall, declared here so that tools decode it when the
    /// trainer's withdraw bubbles it up through this contract.
    error FailedCall();

    constructor(ICollaborativeTrainer trainer_) {
        trainer = trainer_;
    }

    function addData(bytes calldata data, uint256 label) external payable {
        trainer.addData{value: msg.value}(data, label);
    }

    function refund(bytes calldata data, uint256 label) external {
        trainer.refund(data, label);
    }

    function withdraw() external {
        trainer.withdraw();
    }

    /// @notice Moves this contract's credit to `to` (issue 9, finding 7).
    function withdrawTo(address payable to) external {
        trainer.withdrawTo(to);
    }

    receive() external payable {
        revert();
    }
}
