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
    /// @notice keccak256 of the canonical bytes of the dataset manifest the initial model was
    /// trained from: anyone holding the manifest can check which data the model started from.
    /// Zero when the deployer recorded no manifest.
    bytes32 public immutable datasetManifestHash;

    /// @notice The longest commit-reveal window a trainer accepts.
    uint256 public constant MAX_COMMIT_REVEAL_WINDOW = 30 days;
    /// @notice The longest wait a trainer accepts.
    uint256 public constant MAX_WAIT = 10 * 365 days;

    /// @notice Wei each account may withdraw.
    mapping(address account => uint256) public credits;
    mapping(bytes32 commitment => uint256 committedAt) public commitments;

    constructor(
        IClassifier model_,
        uint256 refundWait_,
        uint256 commitRevealWindow_,
        bytes32 encoderSpecHash_,
        bytes32 datasetManifestHash_
    ) {
        if (address(model_).code.length == 0) {
            revert InvalidParameters("model is not a contract");
        }
        if (refundWait_ > MAX_WAIT) revert InvalidParameters("refund wait over ten years");
        // Bounded so that committedAt + window can never overflow, and commitments expire.
        if (commitRevealWindow_ > MAX_COMMIT_REVEAL_WINDOW) {
            revert InvalidParameters("commit-reveal window over 30 days");
        }
        model = model_;
        reputation = new ReputationToken("Collaborative ML reputation", "CMLREP");
        refundWait = refundWait_;
        commitRevealWindow = commitRevealWindow_;
        // The model's bound: the longest sample whose prediction (the judgement of a refund
        // or a report) is sure to fit one transaction.
        maxSampleBytes = model_.maxSampleBytes();
        encoderSpecHash = encoderSpecHash_;
        emit EncoderRecorded(encoderSpecHash_);
        datasetManifestHash = datasetManifestHash_;
        emit DatasetRecorded(datasetManifestHash_);
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
        (bool seen, uint256 depositWei) = _record(key);
        bool earns = _learn(data, label, seen);
        // The model is the trainer's own (deployed first, then owned by it), and every entry
        // point that writes records is nonReentrant: the call above cannot reenter to exploit
        // this write to the record opened before it (a warm 200 gas).
        // slither-disable-next-line reentrancy-no-eth,reentrancy-benign
        if (earns) _records[key].stakeAndFlag |= EARNS_REPUTATION;
        emit ContributionAdded(
            contributionId(key, msg.sender, block.timestamp),
            msg.sender,
            label,
            depositWei,
            block.timestamp,
            data,
            earns
        );
    }

    /// @dev Opens the record of a new contribution of content `key` by the caller, taking its
    /// stake; returns whether the content was ever contributed before, and the deposit in wei.
    function _record(bytes32 key) private returns (bool seen, uint256 depositWei) {
        Record storage record = _records[key];
        if (record.remaining != 0) {
            revert DuplicateContribution(contributionId(key, record.contributor, record.addedAt));
        }
        // A closed record keeps its author: content is "seen" for ever after its first add.
        seen = record.contributor != address(0);
        // Exactly the same second is what would repeat the id (slither: a strict equality on
        // purpose; no one gains by steering a timestamp to it, it only refuses the add).
        // slither-disable-next-line incorrect-equality
        if (seen && record.contributor == msg.sender && record.addedAt == block.timestamp) {
            revert ContributionIdTaken(contributionId(key, msg.sender, block.timestamp));
        }
        uint32 stake;
        uint32 remaining;
        (stake, remaining, depositWei) = _stake();
        // Times are stored in 32 bits: contributions stop (revert) in 2106 rather than wrap.
        (record.contributor, record.addedAt, record.stakeAndFlag, record.remaining) =
        (msg.sender, SafeCast.toUint32(block.timestamp), stake, remaining);
    }

    // ------------------------------------------------------------------ claiming

    function refund(bytes calldata data, uint256 label) external virtual nonReentrant {
        (bytes32 key, bytes32 id, Record memory r) = _open(data, label);
        if (msg.sender != r.contributor) revert NotContributor(msg.sender, r.contributor);
        uint256 refundableAt = uint256(r.addedAt) + refundWait;
        if (block.timestamp < refundableAt) revert RefundTooEarly(r.addedAt, refundableAt);
        uint256 predicted = model.predict(data);
        if (predicted != label) revert ModelDisagrees(label, predicted);
        _records[key].remaining = 0;
        _settleRefund(key, id, r, _earnsReputation(r));
    }

    function withdraw() external nonReentrant {
        _withdraw(payable(msg.sender));
    }

    function withdrawTo(address payable to) external nonReentrant {
        if (to == address(0)) revert InvalidRecipient(to);
        _withdraw(to);
    }

    /// @dev Checks-effects-interactions: the credit is zero before any ether moves, so a
    /// receiver that reads `credits` during the payment sees nothing left.
    function _withdraw(address payable to) private {
        uint256 amount = credits[msg.sender];
        // slither-disable-next-line incorrect-equality (nothing to pay is exactly zero)
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        Address.sendValue(to, amount);
    }

    // ------------------------------------------------------------------ views

    function predict(bytes calldata data) external view returns (uint256) {
        return model.predict(data);
    }

    function earnsReputation(bytes calldata data, uint256 label) external view returns (bool) {
        Record memory r = _records[contentKey(data, label)];
        return r.remaining != 0 && _earnsReputation(r);
    }

    function requiredDeposit() public view returns (uint256) {
        return requiredDepositAt(block.timestamp);
    }

    function requiredDepositAt(uint256 timestamp) public view virtual returns (uint256);

    function claimable(bytes calldata data, uint256 label, address account)
        external
        view
        returns (Claim action, uint256 amount, uint256 reputationEarned)
    {
        Record memory r = _records[contentKey(data, label)];
        if (r.remaining == 0) return (Claim.None, 0, 0);
        return _claimable(data, label, account, r, _earnsReputation(r));
    }

    // ------------------------------------------------------------------ for mechanisms

    /// @dev Validates the sample and label of an accepted contribution (reverts undo
    /// everything) and learns from it; returns whether its refund earns reputation. The
    /// trainers learn at once: reputation rewards information, not repetition, so only new
    /// content (`!seen`) that the model got wrong before learning it earns any.
    function _learn(bytes calldata data, uint256 label, bool seen)
        internal
        virtual
        returns (bool earns)
    {
        uint256 predictedBefore = model.update(data, label);
        return !seen && predictedBefore != label;
    }

    /// @dev Checks msg.value and returns the stake recorded for a new contribution, what of it
    /// can be claimed (> 0: the record is open) and the deposit in wei for the event.
    function _stake() internal virtual returns (uint32 stake, uint32 remaining, uint256 depositWei);

    /// @dev Pays the author of the validated contribution `id` of content `key` (its record is
    /// already closed); `earns`: whether it mints reputation.
    function _settleRefund(bytes32 key, bytes32 id, Record memory r, bool earns) internal virtual;

    /// @dev `claimable` for an open record `r` of (data, label).
    function _claimable(
        bytes calldata data,
        uint256 label,
        address account,
        Record memory r,
        bool earns
    ) internal view virtual returns (Claim action, uint256 amount, uint256 reputationEarned);

    /// @dev Whether the refund wait of `r` is over.
    function _refundWaitOver(Record memory r) internal view returns (bool) {
        return block.timestamp >= uint256(r.addedAt) + refundWait;
    }

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
