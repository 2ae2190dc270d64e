// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";

/// @title ReentrantWithdrawer (test only)
/// @notice A contributor contract whose receive() re-enters the trainer while `withdraw` is
/// paying it. It contributes, claims and withdraws through the forwarding functions below (so
/// the trainer sees it as the contributor); `arm` chooses the reentrant call. With `swallow` the
/// failure of the reentrant call is recorded and the payment accepted; without it the failure
/// is bubbled up, so the trainer's payment (and the whole withdraw) fails.
contract ReentrantWithdrawer {
    enum Reentry {
        None,
        Withdraw,
        Refund,
        Report,
        AddData
    }

    ICollaborativeTrainer public immutable trainer;
    Reentry public reentry;
    bool public swallow;
    /// @notice The contribution the reentrant refund, report or addData names.
    bytes public reentryData;
    uint256 public reentryLabel;
    /// @notice Payments received, and the outcome of the last reentrant call.
    uint256 public payments;
    bool public reentrySucceeded;
    bytes public reentryError;

    /// @dev The trainer's reentrancy error, declared here so that tools decode it when it
    /// bubbles up through this contract.
    error ReentrancyGuardReentrantCall();

    constructor(ICollaborativeTrainer trainer_) {
        trainer = trainer_;
    }

    function arm(Reentry reentry_, bool swallow_, bytes calldata data, uint256 label) external {
        reentry = reentry_;
        swallow = swallow_;
        reentryData = data;
        reentryLabel = label;
    }

    function addData(bytes calldata data, uint256 label) external payable {
        trainer.addData{value: msg.value}(data, label);
    }

    function refund(bytes calldata data, uint256 label) external {
        trainer.refund(data, label);
    }

    function report(bytes calldata data, uint256 label) external {
        trainer.report(data, label);
    }

    function withdraw() external {
        trainer.withdraw();
    }

    receive() external payable {
        ++payments;
        Reentry r = reentry;
        if (r == Reentry.None) return;
        bytes memory payload;
        if (r == Reentry.Withdraw) {
            payload = abi.encodeCall(ICollaborativeTrainer.withdraw, ());
        } else if (r == Reentry.Refund) {
            payload = abi.encodeCall(ICollaborativeTrainer.refund, (reentryData, reentryLabel));
        } else if (r == Reentry.Report) {
            payload = abi.encodeCall(ICollaborativeTrainer.report, (reentryData, reentryLabel));
        } else {
            payload = abi.encodeCall(ICollaborativeTrainer.addData, (reentryData, reentryLabel));
        }
        uint256 value = r == Reentry.AddData ? msg.value : 0;
        (bool ok, bytes memory result) = address(trainer).call{value: value}(payload);
        reentrySucceeded = ok;
        reentryError = ok ? bytes("") : result;
        if (!ok && !swallow) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
