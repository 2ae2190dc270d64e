// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

interface ICredits {
    function credits(address account) external view returns (uint256);
}

/// @title CreditReader (test only)
/// @notice A receiver that reads the trainer's `credits(watched)` while a withdrawal pays it, to
/// show that the credit is zeroed before the ether moves (checks-effects-interactions). It
/// contributes, claims and withdraws through the forwarding functions below; `watched` is itself
/// unless `watch` names another account (the payer of a `withdrawTo` to this contract).
contract CreditReader {
    ICollaborativeTrainer public immutable trainer;
    address public watched;
    /// @notice `credits(watched)` as read during the last payment; max until the first one.
    uint256 public creditSeen = type(uint256).max;
    uint256 public payments;

    constructor(ICollaborativeTrainer trainer_) {
        trainer = trainer_;
        watched = address(this);
    }

    function watch(address account) external {
        watched = account;
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

    receive() external payable {
        ++payments;
        creditSeen = ICredits(address(trainer)).credits(watched);
    }
}
