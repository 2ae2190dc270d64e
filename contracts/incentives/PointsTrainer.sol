// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {CollaborativeTrainer} from "../trainer/CollaborativeTrainer.sol";

/// @title PointsTrainer
/// @notice Gamified incentives: no deposit. After `refundWait`, the author of a contribution
/// the model agrees with claims REFUND_POINTS of reputation; if the model disagrees, another
/// address that already holds reputation reports it and earns REPORT_POINTS (fewer: reporting
/// is cheaper than contributing, and since bad data costs nothing here, a reporter could
/// otherwise farm points from its own sybils' junk; holding reputation first limits that to
/// those who have contributed validated data). Each contribution is claimed once, either way.
contract PointsTrainer is CollaborativeTrainer {
    uint256 public constant REFUND_POINTS = 2;
    uint256 public constant REPORT_POINTS = 1;

    error DepositNotAccepted(uint256 value);

    event PointsAwarded(bytes32 indexed id, address indexed account, uint256 points);

    constructor(
        IClassifier model_,
        uint256 refundWait_,
        uint256 commitRevealWindow_,
        bytes32 encoderSpecHash_
    ) CollaborativeTrainer(model_, refundWait_, commitRevealWindow_, encoderSpecHash_) {}

    /// @notice Reports a contribution the model disagrees with, for REPORT_POINTS.
    function report(bytes calldata data, uint256 label) external nonReentrant {
        (bytes32 key, bytes32 id, Record memory r) = _open(data, label);
        _checkReporter(r);
        // Exact: reputation cannot be transferred, so no one steers a balance to a value.
        // slither-disable-next-line incorrect-equality
        if (reputation.balanceOf(msg.sender) == 0) revert NoReputation(msg.sender);
        _checkModelDisagrees(data, label);
        _records[key].remaining = 0;
        reputation.mint(msg.sender, REPORT_POINTS);
        emit PointsAwarded(id, msg.sender, REPORT_POINTS);
    }

    /// @dev No deposit; the record is open for one claim.
    function _stake() internal view override returns (uint32, uint32, uint256) {
        if (msg.value != 0) revert DepositNotAccepted(msg.value);
        return (0, 1, 0);
    }

    function _settleRefund(bytes32 id, Record memory r) internal override {
        reputation.mint(r.contributor, REFUND_POINTS);
        emit PointsAwarded(id, r.contributor, REFUND_POINTS);
    }
}
