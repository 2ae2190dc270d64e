// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IClassifier} from "../interfaces/IClassifier.sol";
import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";
import {DataHandler} from "../data/DataHandler.sol";
import {ReputationToken} from "../token/ReputationToken.sol";

/// @title CollaborativeTrainer
/// @notice The entry point shared by every incentive mechanism: validates and records
/// contributions (DataHandler), updates the model in the same transaction, handles the optional
/// commit-reveal mode, keeps pull-payment credits and pays them out in `withdraw`. The
/// mechanism (a contract deriving from this one) decides stakes and settlements.
/// The data handler and the mechanism are compiled into the trainer rather than deployed as
/// separate contracts: each extra contract on the path of a contribution costs a cold call and
/// a copy of the sample, and one contract has no trust boundary to guard. The model is separate
/// (any IClassifier), and so is the reputation token, which the trainer creates and alone mints.
abstract contract CollaborativeTrainer is
    ICollaborativeTrainer,
    DataHandler,
    ReentrancyGuardTransient
{
    /// @notice The model; the trainer must be its owner before the first contribution.
    IClassifier public immutable model;
    /// @notice Non-transferable reputation, minted only by this trainer.
    ReputationToken public immutable reputation;
    /// @notice Seconds after a contribution before it can be refunded or reported.
    uint256 public immutable refundWait;
    /// @notice Seconds a commitment stays revealable; 0 means commit-reveal is off.
    uint256 public immutable commitRevealWindow;
    /// @notice Longest sample accepted, in bytes: checked before any other work.
    uint256 public immutable maxSampleBytes;
    /// @notice keccak256 of the encoder's JSON spec (`ml.encoders`): anyone holding the spec can
    /// check they turn text or vectors into samples exactly as everyone else does. Zero when
    /// the deployer recorded no encoder (samples are supplied already encoded).
    bytes32 public immutable encoderSpecHash;

    /// @notice Wei each account may withdraw.
    mapping(address account => uint256) public credits;
    mapping(bytes32 commitment => uint256 committedAt) public commitments;

    constructor(
        IClassifier model_,
        uint256 refundWait_,
        uint256 commitRevealWindow_,
        bytes32 encoderSpecHash_
    ) {
        if (address(model_).code.length == 0) {
            revert InvalidParameters("model is not a contract");
        }
        if (refundWait_ > 10 * 365 days) revert InvalidParameters("refund wait over ten years");
        model = model_;
        reputation = new ReputationToken("Collaborative ML reputation", "CMLREP");
        refundWait = refundWait_;
        commitRevealWindow = commitRevealWindow_;
        // 4 bytes per value is the most any model's sample encoding uses.
        maxSampleBytes = 4 * model_.numFeatures();
        encoderSpecHash = encoderSpecHash_;
        emit EncoderRecorded(encoderSpecHash_);
    }

    // ------------------------------------------------------------------ contributing

    function addData(bytes calldata data, uint256 label) external payable nonReentrant {
        if (commitRevealWindow != 0) revert CommitRevealRequired();
        _add(data, label);
    }

    /// @notice The commitment `reveal` checks: it binds the sender, so a copy is worthless.
    function commitmentOf(bytes calldata data, uint256 label, bytes32 salt, address contributor)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(keccak256(data), label, salt, contributor));
    }

    function commit(bytes32 commitment) external {
        if (commitRevealWindow == 0) revert CommitRevealDisabled();
        if (commitments[commitment] != 0) revert CommitmentExists(commitment);
        commitments[commitment] = block.timestamp;
        emit Committed(commitment, msg.sender);
    }

    /// @notice Adds a contribution committed in an earlier block and at most
    /// `commitRevealWindow` seconds ago.
    function reveal(bytes calldata data, uint256 label, bytes32 salt)
        external
        payable
        nonReentrant
    {
        if (commitRevealWindow == 0) revert CommitRevealDisabled();
        bytes32 commitment = commitmentOf(data, label, salt, msg.sender);
        uint256 committedAt = commitments[commitment];
        if (committedAt == 0) revert UnknownCommitment(commitment);
        if (block.timestamp <= committedAt) revert RevealTooEarly(committedAt);
        if (block.timestamp > committedAt + commitRevealWindow) {
            revert RevealTooLate(committedAt, committedAt + commitRevealWindow);
        }
        delete commitments[commitment];
        _add(data, label);
    }

    function _add(bytes calldata data, uint256 label) private {
        if (data.length > maxSampleBytes) revert SampleTooLarge(data.length, maxSampleBytes);
        bytes32 key = contentKey(data, label);
        Record storage record = _records[key];
        if (record.remaining != 0) {
            revert DuplicateContribution(contributionId(key, record.contributor, record.addedAt));
        }
        (uint32 stake, uint32 remaining, uint256 depositWei) = _stake();
        // Times are stored in 32 bits: contributions stop (revert) in 2106 rather than wrap.
        (record.contributor, record.addedAt, record.stake, record.remaining) =
        (msg.sender, SafeCast.toUint32(block.timestamp), stake, remaining);
        model.update(data, label); // validates the sample and label; reverts undo everything
        emit ContributionAdded(
            contributionId(key, msg.sender, block.timestamp),
            msg.sender,
            label,
            depositWei,
            block.timestamp,
            data
        );
    }

    // ------------------------------------------------------------------ claiming

    function refund(bytes calldata data, uint256 label) external nonReentrant {
        (bytes32 key, bytes32 id, Record memory r) = _open(data, label);
        if (msg.sender != r.contributor) revert NotContributor(msg.sender, r.contributor);
        uint256 refundableAt = uint256(r.addedAt) + refundWait;
        if (block.timestamp < refundableAt) revert RefundTooEarly(r.addedAt, refundableAt);
        uint256 predicted = model.predict(data);
        if (predicted != label) revert ModelDisagrees(label, predicted);
        _records[key].remaining = 0;
        _settleRefund(id, r);
    }

    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ------------------------------------------------------------------ views

    function predict(bytes calldata data) external view returns (uint256) {
        return model.predict(data);
    }

    // ------------------------------------------------------------------ for mechanisms

    /// @dev Checks msg.value and returns the stake recorded for a new contribution, what of it
    /// can be claimed (> 0: the record is open) and the deposit in wei for the event.
    function _stake() internal virtual returns (uint32 stake, uint32 remaining, uint256 depositWei);

    /// @dev Pays the author of a validated contribution (its record is already closed).
    function _settleRefund(bytes32 id, Record memory r) internal virtual;

    /// @dev The record of an open contribution, with its keys; reverts if unknown or claimed.
    function _open(bytes calldata data, uint256 label)
        internal
        view
        returns (bytes32 key, bytes32 id, Record memory r)
    {
        key = contentKey(data, label);
        r = _records[key];
        if (r.contributor == address(0)) revert UnknownContribution(key);
        id = contributionId(key, r.contributor, r.addedAt);
        if (r.remaining == 0) revert AlreadyClaimed(id);
    }

    /// @dev Reverts unless `r` may be reported by the caller now: not its author, after the
    /// refund wait. (The model's verdict is checked last, being the expensive part.)
    function _checkReporter(Record memory r) internal view {
        if (msg.sender == r.contributor) revert SelfTake(msg.sender);
        uint256 takeableAt = uint256(r.addedAt) + refundWait;
        if (block.timestamp < takeableAt) revert TakeTooEarly(r.addedAt, takeableAt);
    }

    /// @dev Reverts if the current model agrees with `label` for `data`.
    function _checkModelDisagrees(bytes calldata data, uint256 label) internal view {
        if (model.predict(data) == label) revert ModelAgrees(label);
    }
}
