// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface ICredits {
    function credits(address account) external view returns (uint256);
}

/// @notice A receiver that, while it is being paid, reads the credit of the account being paid
/// out (`watched`) and records it: checks-effects-interactions says it must already be 0.
contract CreditReader {
    ICredits public immutable trainer;
    address public watched;
    /// @notice The watched account's credit as this contract saw it in its last receive().
    uint256 public seenCredit;
    uint256 public payments;

    constructor(address trainer_) {
        trainer = ICredits(trainer_);
    }

    /// @notice Watch `account`'s credit in the next payments (clears what was seen).
    function watch(address account) external {
        watched = account;
        seenCredit = 0;
    }

    receive() external payable {
        seenCredit = trainer.credits(watched);
        ++payments;
    }
}
