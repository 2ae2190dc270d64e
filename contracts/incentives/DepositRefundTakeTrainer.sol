// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IClassifier} from "../interfaces/IClassifier.sol";
import {ICollaborativeTrainer} from "../interfaces/ICollaborativeTrainer.sol";
import {CollaborativeTrainer} from "../trainer/CollaborativeTrainer.sol";

/// @title DepositRefundTakeTrainer
/// @notice Deposit, Refund, Take ("self-assessment"): every contribution stakes a deposit that
/// falls with the time since the model was last updated, so flooding the model is expensive:
///   required = ceil(costWeight * 3600 / max(1, isqrt(seconds since the last update))),
/// rounded up to whole DEPOSIT_UNITs (1e12 wei), at least one unit. Overpayment is credited.
/// - refund: after `refundWait`, if the current model agrees with the label, the author is
///   credited the whole remaining deposit, and earns 1 reputation if the contribution taught
///   the model something (new content the model predicted wrongly before learning it).
/// - take: after `refundWait`, while the model disagrees, any other address holding reputation
///   is credited floor(deposit * its reputation / total reputation) (capped at what is left),
///   once per contribution. After `anyAddressWait` anyone takes all that is left, so no deposit
///   stays locked. A take burns no reputation: losing the deposit is the penalty, and
///   reputation counts validated contributions only.
/// Every amount is credited and paid by `withdraw`; the contract's balance always equals open
/// deposits plus unwithdrawn credits.
contract DepositRefundTakeTrainer is CollaborativeTrainer {
    /// @notice Reputation earned by a refunded (validated) contribution.
    uint256 public constant REFUND_REPUTATION = 1;

    uint256 public immutable costWeight;
    uint256 public immutable anyAddressWait;

    /// @notice When the model last learnt from a contribution.
    uint256 public lastUpdateTime;
    /// @dev Whether an address has taken its share of a contribution (by contribution id).
    mapping(bytes32 id => mapping(address taker => bool)) private _taken;

    /// @notice `amount` wei refunded to `contributor`, who earned `reputationMinted`.
    event DepositRefunded(
        bytes32 indexed id, address indexed contributor, uint256 amount, uint256 reputationMinted
    );
    event DepositTaken(bytes32 indexed id, address indexed taker, uint256 amount);

    constructor(
        IClassifier model_,
        uint256 costWeight_,
        uint256 refundWait_,
        uint256 anyAddressWait_,
        uint256 commitRevealWindow_,
        bytes32 encoderSpecHash_,
        bytes32 datasetManifestHash_
    )
        CollaborativeTrainer(
            model_, refundWait_, commitRevealWindow_, encoderSpecHash_, datasetManifestHash_
        )
    {
        if (costWeight_ == 0) revert InvalidParameters("cost weight must be positive");
        // The largest deposit (right after an update) must fit the record's 31-bit stake.
        // Compared without multiplying, so that no cost weight can overflow here.
        if (costWeight_ > (MAX_STAKE_UNITS * DEPOSIT_UNIT) / 3600) {
            revert InvalidParameters("cost weight too large: deposits over 2147 ether");
        }
        // A real take window: between the two waits only reputation holders take their share.
        if (refundWait_ >= anyAddressWait_) {
            revert InvalidParameters("refund wait must be shorter than the any-address wait");
        }
        if (anyAddressWait_ > MAX_WAIT) revert InvalidParameters("wait over ten years");
        costWeight = costWeight_;
        anyAddressWait = anyAddressWait_;
        lastUpdateTime = block.timestamp;
    }

    /// @inheritdoc ICollaborativeTrainer
    function requiredDepositAt(uint256 timestamp) public view override returns (uint256) {
        uint256 elapsed = timestamp > lastUpdateTime ? timestamp - lastUpdateTime : 0;
        uint256 divisor = Math.max(1, Math.sqrt(elapsed));
        return Math.ceilDiv(costWeight * 3600, divisor * DEPOSIT_UNIT) * DEPOSIT_UNIT;
    }

    /// @notice Takes (part of) the deposit of a contribution the model disagrees with.
    function report(bytes calldata data, uint256 label) external nonReentrant {
        (bytes32 key, bytes32 id, Record memory r) = _open(data, label);
        uint256 units;
        if (block.timestamp >= uint256(r.addedAt) + anyAddressWait) {
            units = r.remaining; // anyone, everything left: no deposit stays locked
        } else {
            _checkReporter(r);
            if (_taken[id][msg.sender]) revert AlreadyTaken(id, msg.sender);
            uint256 held = reputation.balanceOf(msg.sender);
            // Exact comparisons are safe here: reputation cannot be sent to anyone, so no one
            // can steer a balance to a chosen value (slither's strict-equality concern).
            // slither-disable-next-line incorrect-equality
            if (held == 0) revert NoReputation(msg.sender);
            _checkModelDisagrees(data, label);
            units = _share(r, held);
            // slither-disable-next-line incorrect-equality
            if (units == 0) revert NothingToTake(id, msg.sender);
            _taken[id][msg.sender] = true;
        }
        // units <= r.remaining < 2^31: the record keeps what is left.
        _records[key].remaining = uint32(r.remaining - units);
        uint256 amount = units * DEPOSIT_UNIT;
        credits[msg.sender] += amount;
        emit DepositTaken(id, msg.sender, amount);
    }

    /// @dev floor(stake * held / total reputation), at most what is left (units).
    function _share(Record memory r, uint256 held) private view returns (uint256) {
        // slither-disable-next-line incorrect-equality (non-transferable: see report)
        if (held == 0) return 0;
        return Math.min(_stakeOf(r) * held / reputation.totalSupply(), r.remaining);
    }

    function _stake() internal override returns (uint32, uint32, uint256) {
        uint256 required = requiredDeposit();
        if (msg.value < required) revert InsufficientDeposit(msg.value, required);
        lastUpdateTime = block.timestamp;
        if (msg.value > required) {
            credits[msg.sender] += msg.value - required;
            emit OverpaymentCredited(msg.sender, msg.value - required);
        }
        // required <= costWeight * 3600 rounded up, checked against 2^31 units at deployment.
        uint32 units = uint32(required / DEPOSIT_UNIT);
        return (units, units, required);
    }

    function _settleRefund(bytes32, bytes32 id, Record memory r, bool earns) internal override {
        uint256 amount = uint256(r.remaining) * DEPOSIT_UNIT;
        credits[r.contributor] += amount;
        uint256 minted = earns ? REFUND_REPUTATION : 0;
        if (earns) reputation.mint(r.contributor, minted);
        emit DepositRefunded(id, r.contributor, amount, minted);
    }

    /// @dev The author refunds while the model agrees (deposit back: the most it can get);
    /// after the any-address wait anyone, the author too, takes everything left; before it,
    /// another reputation holder takes its share once while the model disagrees.
    function _claimable(
        bytes calldata data,
        uint256 label,
        address account,
        Record memory r,
        bool earns
    ) internal view override returns (Claim, uint256, uint256) {
        if (!_refundWaitOver(r)) return (Claim.None, 0, 0);
        uint256 left = uint256(r.remaining) * DEPOSIT_UNIT;
        bool agrees = model.predict(data) == label;
        if (account == r.contributor && agrees) {
            return (Claim.Refund, left, earns ? REFUND_REPUTATION : 0);
        }
        if (block.timestamp >= uint256(r.addedAt) + anyAddressWait) {
            return (Claim.Report, left, 0);
        }
        if (account == r.contributor || agrees) return (Claim.None, 0, 0);
        if (_taken[contributionId(contentKey(data, label), r.contributor, r.addedAt)][account]) {
            return (Claim.None, 0, 0);
        }
        uint256 units = _share(r, reputation.balanceOf(account));
        // slither-disable-next-line incorrect-equality (non-transferable: see report)
        if (units == 0) return (Claim.None, 0, 0);
        return (Claim.Report, units * DEPOSIT_UNIT, 0);
    }
}
