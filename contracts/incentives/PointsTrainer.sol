// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IClassifier} from "../interfaces/IClassifier.sol";
import {CollaborativeTrainer} from "../trainer/CollaborativeTrainer.sol";

/// @title PointsTrainer
/// @notice Gamified incentives: no deposit. After `refundWait`, the author of a contribution
/// the model agrees with refunds it and, if it taught the model something (new content the
/// model predicted wrongly before learning it), earns REFUND_POINTS of reputation. If the model
/// disagrees, anyone but the author may report it after the wait, which closes it and earns
/// nothing: bad data is free here, so any reward for finding it could be farmed from one's own
/// sybils' junk (the reference's Points also pays nothing for reports). Each contribution is
/// claimed once, either way.
contract PointsTrainer is CollaborativeTrainer {
    uint256 public constant REFUND_POINTS = 2;
    uint256 public constant REPORT_POINTS = 0;

    error DepositNotAccepted(uint256 value);

    event PointsAwarded(bytes32 indexed id, address indexed account, uint256 points);

    constructor(
        IClassifier model_,
        uint256 refundWait_,
        uint256 commitRevealWindow_,
        bytes32 encoderSpecHash_,
        bytes32 datasetManifestHash_
    )
        CollaborativeTrainer(
            model_, refundWait_, commitRevealWindow_, encoderSpecHash_, datasetManifestHash_
        )
    {}

    /// @notice Closes a contribution the model disagrees with (REPORT_POINTS: nothing earned).
    function report(bytes calldata data, uint256 label) external nonReentrant {
        (bytes32 key, bytes32 id, Record memory r) = _open(data, label);
        _checkReporter(r);
        _checkModelDisagrees(data, label);
        _records[key].remaining = 0;
        emit PointsAwarded(id, msg.sender, REPORT_POINTS);
    }

    /// @notice No deposit, ever.
    function requiredDepositAt(uint256) public pure override returns (uint256) {
        return 0;
    }

    /// @dev No deposit; the record is open for one claim.
    function _stake() internal view override returns (uint32, uint32, uint256) {
        if (msg.value != 0) revert DepositNotAccepted(msg.value);
        return (0, 1, 0);
    }

    function _settleRefund(bytes32, bytes32 id, Record memory r, bool earns) internal override {
        uint256 points = earns ? REFUND_POINTS : 0;
        if (earns) reputation.mint(r.contributor, points);
        emit PointsAwarded(id, r.contributor, points);
    }

    function _claimable(
        bytes calldata data,
        uint256 label,
        address account,
        Record memory r,
        bool earns
    ) internal view override returns (Claim, uint256, uint256) {
        if (!_refundWaitOver(r)) return (Claim.None, 0, 0);
        bool agrees = model.predict(data) == label;
        if (account == r.contributor) {
            return agrees ? (Claim.Refund, 0, earns ? REFUND_POINTS : 0) : (Claim.None, 0, 0);
        }
        return agrees ? (Claim.None, 0, 0) : (Claim.Report, 0, REPORT_POINTS);
    }
}
