// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

/// @title SameBlockRevealer (test only)
/// @notice Commits and reveals in one transaction, hence in one block, which an externally owned
/// account cannot do on a chain that mines every transaction at once. `commitment` must be the
/// trainer's commitmentOf(data, label, salt, address(this)).
contract SameBlockRevealer {
    /// @dev The trainer's error, declared here so that tools decode it when it bubbles up
    /// through this contract.
    error RevealTooEarly(uint256 committedAt);

    function commitAndReveal(
        ICollaborativeTrainer trainer,
        bytes32 commitment,
        bytes calldata data,
        uint256 label,
        bytes32 salt
    ) external payable {
        trainer.commit(commitment);
        trainer.reveal{value: msg.value}(data, label, salt);
    }
}
