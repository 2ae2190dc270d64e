// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {CreditReader} from "./CreditReader.sol";
import {DepositRefundTakeTrainer} from "../../../contracts/incentives/DepositRefundTakeTrainer.sol";
import {ReputationToken} from "../../../contracts/token/ReputationToken.sol";

/// @notice Drives a DepositRefundTakeTrainer for the invariant suite: a few fixed actors (the
/// last one a contract, CreditReader, that reads its credit while being paid) add samples from
/// a fixed set, refund, report, withdraw (to themselves or to another actor) and let time pass,
/// sometimes to the very second a wait ends or the second before. Every action calls the
/// trainer as an actor (vm.prank) and swallows the trainer's reverts, so the fuzzer's sequences
/// keep going.
/// Ghost variables record what went in and out of the trainer, measured from balances and
/// credits, and what the rules say each successful call should have done, computed here from
/// the handler's own bookkeeping (never from the trainer's arithmetic): the deposit formula,
/// each payout, the model's verdict at the time of the call, who already took a share, which
/// contributions are informative, when each wait ends. A successful call that breaks a rule
/// counts a violation (the invariants require none): asserting here would be swallowed, since
/// the campaign runs with fail_on_revert = false.
/// The model starts with every weight 0 (everything predicted class 0) and learns with a step
/// of 1.0, so each contribution it gets wrong flips its prediction on that sample: refunds,
/// takes and informative contributions all happen, and later contributions can flip it back.
contract TrainerHandler is Test {
    DepositRefundTakeTrainer public immutable trainer;
    ReputationToken public immutable reputation;
    uint256 public immutable unit;
    uint256 public immutable costWeight;
    uint256 public immutable refundWait;
    uint256 public immutable anyAddressWait;
    /// @notice The actor that is a contract reading its credit while it is paid.
    CreditReader public immutable reader;

    uint256 public constant ACTOR_COUNT = 5;
    /// @notice Samples are the 64 pairs {i, 8 + j} of features, i and j in 0..7.
    uint256 public constant SAMPLE_COUNT = 64;
    uint256 public constant MAX_WARP = 10 days;
    uint256 internal constant MAX_AGE = type(uint256).max;
    uint256 public constant MAX_OVERPAYMENT = 5e12;
    uint256 internal constant STARTING_BALANCE = 1000 ether;

    address[] internal _actors;

    /// @notice One accepted contribution, as observed from outside the trainer.
    struct Contribution {
        uint16 combo; // sample * 2 + label
        address contributor;
        uint256 addedAt;
        uint256 deposit; // wei kept as the deposit: value sent minus the overpayment credited
        uint256 paidOut; // wei credited by refund and reports on it
        bool informative; // new content the model predicted wrongly just before it was added
    }

    Contribution[] internal _contributions;
    /// @dev combo => index + 1 in `_contributions` of its latest contribution (0: never added).
    mapping(uint256 combo => uint256) internal _latest;
    /// @dev The (sample, label) combinations ever added: the trainer's possibly open records.
    uint16[] internal _knownCombos;
    /// @dev Whether `taker` has taken a share of contribution `index` (before anyAddressWait).
    mapping(uint256 index => mapping(address taker => bool)) internal _tookShare;

    // ---------------------------------------------------------------- ghost variables
    uint256 public ghost_ethIn; // wei actors sent with accepted contributions
    uint256 public ghost_depositsIn; // of which deposits
    uint256 public ghost_overpaidIn; // of which credited back as overpayment
    uint256 public ghost_totalCredited;
    uint256 public ghost_totalWithdrawn;
    uint256 public ghost_refunded;
    uint256 public ghost_taken;
    uint256 public ghost_reputationMinted; // what the rule says refunds minted
    uint256 public ghost_informativeRefunds;
    /// @dev When the model last learnt (an accepted contribution), for the deposit formula.
    uint256 public ghost_lastUpdate;
    mapping(address => uint256) public ghost_credited;
    mapping(address => uint256) public ghost_withdrawn;

    /// @notice Successful calls that broke a rule, one counter per rule (the invariants want 0).
    struct Violations {
        uint256 depositFormula; // a deposit other than the formula's
        uint256 duplicateAccepted; // an add accepted while the same content was open
        uint256 refundAmount; // a refund other than everything left
        uint256 shareAmount; // a share other than min(floor(stake * held / total), left)
        uint256 anyAddressAmount; // an any-address take other than everything left
        uint256 refundWithoutAgreement; // a refund while the model disagreed
        uint256 takeWithAgreement; // a share taken while the model agreed
        uint256 refundByOther; // a refund credited to or called by someone not the author
        uint256 selfTake; // a share taken by the author
        uint256 doubleTake; // a second share of one contribution by one taker
        uint256 reputationMinted; // a change of reputation other than the informative refund's
        uint256 earnsReputationView; // earnsReputation() disagreeing with the rule
        uint256 earlyRefund; // a refund before addedAt + refundWait
        uint256 earlyTake; // a share taken before addedAt + refundWait
        uint256 earlyAnyAddressTake; // a non-holder's take before addedAt + anyAddressWait
        uint256 withdrawAmount; // a withdrawal that paid other than the whole credit
        uint256 creditSeenDuringPayment; // a receiver saw its credit still there while paid
    }

    Violations internal _violations;

    /// @dev The chain time of the campaign: every action starts by warping to it.
    uint256 public currentTime;

    // ---------------------------------------------------------------- call summary
    struct CallSummary {
        uint256 addData;
        uint256 addDataOk;
        uint256 informativeAdds;
        uint256 overpaid;
        uint256 refund;
        uint256 refundOk;
        uint256 informativeRefundOk; // refunds that minted reputation
        uint256 report;
        uint256 reportOk; // shares taken by reputation holders
        uint256 anyAddressTakeOk; // everything left taken after anyAddressWait
        uint256 withdraw;
        uint256 withdrawOk;
        uint256 withdrawToOk; // withdrawals paid to another actor
        uint256 readerPaid; // payments received by the contract actor
        uint256 warp;
        uint256 warpToEdge; // warps to the second a wait ends, or the second before
    }

    CallSummary internal _calls;

    constructor(DepositRefundTakeTrainer trainer_) {
        trainer = trainer_;
        reputation = trainer_.reputation();
        unit = trainer_.DEPOSIT_UNIT();
        costWeight = trainer_.costWeight();
        refundWait = trainer_.refundWait();
        anyAddressWait = trainer_.anyAddressWait();
        currentTime = block.timestamp;
        ghost_lastUpdate = trainer_.lastUpdateTime();
        for (uint256 i = 0; i + 1 < ACTOR_COUNT; ++i) {
            address actor = vm.addr(0xA11CE + i);
            vm.label(actor, string.concat("actor", _digit(i)));
            _actors.push(actor);
        }
        reader = new CreditReader(address(trainer_));
        vm.label(address(reader), "reader");
        _actors.push(address(reader));
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            vm.deal(_actors[i], STARTING_BALANCE);
        }
    }

    modifier atCurrentTime() {
        vm.warp(currentTime);
        _;
    }

    /// @dev Counts a violation unless reputation's supply changed by exactly `_expectedMint`
    /// (which an action sets when the rule says its call minted).
    uint256 private _expectedMint;

    modifier checksReputation() {
        uint256 supplyBefore = reputation.totalSupply();
        _expectedMint = 0;
        _;
        if (reputation.totalSupply() != supplyBefore + _expectedMint) {
            ++_violations.reputationMinted;
        }
        ghost_reputationMinted += _expectedMint;
    }

    // ---------------------------------------------------------------- actions

    /// @notice An actor contributes, a quarter of the time each: a (sample, label) already
    /// contributed (duplicates and re-adds); a known sample with the other label (it flips the
    /// model against the first: what reports need); sample `sampleSeed` (mod 64) labelled
    /// `labelSeed` (mod 2); or that sample labelled with the class the model does not predict;
    /// sending
    /// the required deposit, or a little more when `extraSeed` is a multiple of 3.
    function addData(uint256 actorSeed, uint256 sampleSeed, uint256 labelSeed, uint256 extraSeed)
        external
        atCurrentTime
        checksReputation
    {
        ++_calls.addData;
        address actor = _actor(actorSeed);
        uint256 combo = _chooseCombo(sampleSeed, labelSeed);
        (bytes memory data, uint256 label) = _content(combo);
        uint256 value = trainer.requiredDeposit()
            + (extraSeed % 3 == 0 ? bound(extraSeed, 1, MAX_OVERPAYMENT) : 0);
        if (actor.balance < value) vm.deal(actor, actor.balance + STARTING_BALANCE);

        // What the rules say, before the call: the deposit, whether the content is open, and
        // whether it is informative (never contributed, and the model predicts another class).
        Expected memory e = Expected({
            deposit: _depositFormula(block.timestamp - ghost_lastUpdate),
            wasOpen: _latest[combo] != 0 && _isOpen(_latest[combo] - 1),
            informative: _latest[combo] == 0 && trainer.predict(data) != label,
            balanceBefore: actor.balance,
            creditBefore: trainer.credits(actor)
        });
        vm.prank(actor);
        try trainer.addData{value: value}(data, label) {
            _recordAdd(actor, combo, e);
        } catch {}
    }

    /// @dev What an add should do, and the balances before it.
    struct Expected {
        uint256 deposit;
        bool wasOpen;
        bool informative;
        uint256 balanceBefore;
        uint256 creditBefore;
    }

    /// @dev The combination an add contributes (see addData).
    function _chooseCombo(uint256 sampleSeed, uint256 labelSeed) internal view returns (uint256) {
        uint256 kind = (sampleSeed >> 128) % 4;
        if (_knownCombos.length != 0 && kind == 0) {
            return _knownCombos[sampleSeed % _knownCombos.length];
        }
        if (_knownCombos.length != 0 && kind == 3) {
            // A known sample with the other label: it contradicts (and flips) the model.
            return _knownCombos[sampleSeed % _knownCombos.length] ^ 1;
        }
        uint256 sample = bound(sampleSeed, 0, SAMPLE_COUNT - 1);
        // kind 1: the label seeded; 2: the class the model does not predict (new content so
        // labelled is informative).
        uint256 label = kind == 1 ? bound(labelSeed, 0, 1) : 1 - trainer.predict(sampleData(sample));
        return sample * 2 + label;
    }

    /// @dev Checks and records an accepted add.
    function _recordAdd(address actor, uint256 combo, Expected memory e) internal {
        (bytes memory data, uint256 label) = _content(combo);
        uint256 sent = e.balanceBefore - actor.balance;
        uint256 overpaid = trainer.credits(actor) - e.creditBefore;
        ++_calls.addDataOk;
        if (overpaid != 0) ++_calls.overpaid;
        if (e.informative) ++_calls.informativeAdds;
        if (e.wasOpen) ++_violations.duplicateAccepted;
        if (sent - overpaid != e.deposit) ++_violations.depositFormula;
        if (trainer.earnsReputation(data, label) != e.informative) {
            ++_violations.earnsReputationView;
        }
        ghost_ethIn += sent;
        ghost_overpaidIn += overpaid;
        ghost_depositsIn += sent - overpaid;
        ghost_lastUpdate = block.timestamp;
        _credit(actor, overpaid);

        if (_latest[combo] == 0) _knownCombos.push(uint16(combo));
        _contributions.push(
            Contribution(uint16(combo), actor, block.timestamp, sent - overpaid, 0, e.informative)
        );
        _latest[combo] = _contributions.length;
    }

    /// @notice Refund of one of the known contributions; usually by its author, of one the model
    /// agrees with and whose refund wait is over (or ends in a second).
    function refund(uint256 actorSeed, uint256 keySeed) external atCurrentTime checksReputation {
        ++_calls.refund;
        if (_knownCombos.length == 0) return;
        uint256 combo = _pickCombo(keySeed, true, refundWait - 1, type(uint256).max);
        (bytes memory data, uint256 label) = _content(combo);
        uint256 index = _latest[combo] - 1;
        Contribution memory c = _contributions[index];
        address caller = _biased(actorSeed) ? c.contributor : _actor(actorSeed);
        // The model's verdict at the time of the refund (same block, same state).
        bool agrees = trainer.predict(data) == label;

        uint256 creditBefore = trainer.credits(caller);
        uint256 heldBefore = reputation.balanceOf(caller);
        vm.prank(caller);
        try trainer.refund(data, label) {
            uint256 amount = trainer.credits(caller) - creditBefore;
            ++_calls.refundOk;
            if (!agrees) ++_violations.refundWithoutAgreement;
            if (caller != c.contributor) ++_violations.refundByOther;
            if (block.timestamp < c.addedAt + refundWait) ++_violations.earlyRefund;
            if (amount != c.deposit - c.paidOut) ++_violations.refundAmount;
            if (c.informative) {
                ++_calls.informativeRefundOk;
                ++ghost_informativeRefunds;
                _expectedMint = trainer.REFUND_REPUTATION();
            }
            if (reputation.balanceOf(caller) != heldBefore + _expectedMint) {
                ++_violations.reputationMinted;
            }
            ghost_refunded += amount;
            _credit(caller, amount);
            _contributions[index].paidOut += amount;
            // The refund closes the record: nothing of the deposit is left to pay.
            (,,, uint256 remaining) = trainer.contribution(data, label);
            if (remaining != 0) ++_violations.refundAmount;
        } catch {}
    }

    /// @notice Report of one of the known contributions; the caller is usually a reputation
    /// holder other than its author.
    function report(uint256 actorSeed, uint256 keySeed) external atCurrentTime checksReputation {
        ++_calls.report;
        if (_knownCombos.length == 0) return;
        (uint256 combo, address caller) = _pickReport(keySeed, actorSeed);
        (bytes memory data, uint256 label) = _content(combo);
        uint256 index = _latest[combo] - 1;
        Contribution memory c = _contributions[index];
        bool agrees = trainer.predict(data) == label;
        uint256 held = reputation.balanceOf(caller);
        uint256 total = reputation.totalSupply();
        uint256 leftUnits = (c.deposit - c.paidOut) / unit;

        uint256 creditBefore = trainer.credits(caller);
        vm.prank(caller);
        try trainer.report(data, label) {
            uint256 amount = trainer.credits(caller) - creditBefore;
            if (block.timestamp >= c.addedAt + anyAddressWait) {
                ++_calls.anyAddressTakeOk;
                if (amount != leftUnits * unit) ++_violations.anyAddressAmount;
            } else {
                ++_calls.reportOk;
                if (held == 0) ++_violations.earlyAnyAddressTake;
                if (block.timestamp < c.addedAt + refundWait) ++_violations.earlyTake;
                if (agrees) ++_violations.takeWithAgreement;
                if (caller == c.contributor) ++_violations.selfTake;
                if (_tookShare[index][caller]) ++_violations.doubleTake;
                _tookShare[index][caller] = true;
                uint256 share = total == 0 ? 0 : (c.deposit / unit) * held / total;
                if (share > leftUnits) share = leftUnits;
                if (amount != share * unit) ++_violations.shareAmount;
            }
            ghost_taken += amount;
            _credit(caller, amount);
            _contributions[index].paidOut += amount;
        } catch {}
    }

    /// @notice An actor (usually one with credit) withdraws: to itself by withdraw()
    /// (`toSeed` % 3 == 0), or by withdrawTo to the contract actor (1) or to the actor seeded
    /// by `toSeed` / 3 (2).
    function withdraw(uint256 actorSeed, uint256 toSeed) external atCurrentTime checksReputation {
        ++_calls.withdraw;
        address caller = _creditedActor(actorSeed);
        if (toSeed % 3 == 0) _withdraw(caller, caller, false);
        else _withdraw(caller, toSeed % 3 == 1 ? address(reader) : _actor(toSeed / 3), true);
    }

    /// @notice Time passes: up to MAX_WARP seconds, or (3 times in 4) up to a fifth of it, so
    /// that sequences often stop between the refund wait and the any-address wait. When bits
    /// 200 and up of the seed are 1 mod 3, to the very second a wait of an open contribution
    /// ends, or the second before (the boundaries an off-by-one comparison gets wrong).
    function warp(uint256 secondsSeed) external atCurrentTime {
        ++_calls.warp;
        if ((secondsSeed >> 200) % 3 == 1 && _knownCombos.length != 0) {
            uint256 combo = _pickCombo(secondsSeed, (secondsSeed >> 8) % 2 == 0, 0, MAX_AGE);
            Contribution memory c = _contributions[_latest[combo] - 1];
            uint256 wait = secondsSeed % 2 == 0 ? refundWait : anyAddressWait;
            uint256 target = c.addedAt + wait - ((secondsSeed >> 1) % 2);
            if (target > currentTime) {
                ++_calls.warpToEdge;
                currentTime = target;
            }
        } else {
            currentTime += bound(secondsSeed, 0, secondsSeed % 4 == 0 ? MAX_WARP : MAX_WARP / 5);
        }
        vm.warp(currentTime);
    }

    // ---------------------------------------------------------------- views for the invariants

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function callSummary() external view returns (CallSummary memory) {
        return _calls;
    }

    function violations() external view returns (Violations memory) {
        return _violations;
    }

    /// @notice Logs the call summary (shown with -vv).
    function logCallSummary() external view {
        CallSummary memory c = _calls;
        _log("addData calls", c.addData);
        _log("  accepted", c.addDataOk);
        _log("  informative", c.informativeAdds);
        _log("  with overpayment", c.overpaid);
        _log("refund calls", c.refund);
        _log("  refunded", c.refundOk);
        _log("  refunded, minting reputation", c.informativeRefundOk);
        _log("report calls", c.report);
        _log("  shares taken", c.reportOk);
        _log("  any-address takes", c.anyAddressTakeOk);
        _log("withdraw calls", c.withdraw);
        _log("  withdrawn", c.withdrawOk);
        _log("  withdrawn to another actor", c.withdrawToOk);
        _log("  paid to the contract actor", c.readerPaid);
        _log("warp calls", c.warp);
        _log("warps to a wait's edge", c.warpToEdge);
    }

    function knownComboCount() external view returns (uint256) {
        return _knownCombos.length;
    }

    /// @notice The i-th (data, label) ever contributed: its record may be open.
    function knownCombo(uint256 i) external view returns (bytes memory data, uint256 label) {
        return _content(_knownCombos[i]);
    }

    function contributionCount() external view returns (uint256) {
        return _contributions.length;
    }

    function contributionAt(uint256 i) external view returns (Contribution memory) {
        return _contributions[i];
    }

    /// @notice Whether contribution `i` is the latest one of its content (older ones are closed).
    function isLatest(uint256 i) external view returns (bool) {
        return _latest[_contributions[i].combo] == i + 1;
    }

    /// @notice Sample `sample`: features i = sample / 8 and 8 + sample % 8, as big-endian uint16
    /// feature indices (strictly increasing, as sparse samples must be).
    function sampleData(uint256 sample) public pure returns (bytes memory) {
        return abi.encodePacked(uint16(sample / 8), uint16(8 + sample % 8));
    }

    // ---------------------------------------------------------------- internals

    function _content(uint256 combo) internal pure returns (bytes memory data, uint256 label) {
        return (sampleData(combo / 2), combo % 2);
    }

    function _isOpen(uint256 index) internal view returns (bool) {
        Contribution memory c = _contributions[index];
        return c.paidOut < c.deposit;
    }

    /// @dev The deposit formula, computed here: ceil(costWeight * 3600 / max(1, isqrt(elapsed)))
    /// in whole units.
    function _depositFormula(uint256 elapsed) internal view returns (uint256) {
        uint256 root = _isqrt(elapsed);
        uint256 divisor = (root == 0 ? 1 : root) * unit;
        return (costWeight * 3600 + divisor - 1) / divisor * unit;
    }

    /// @dev floor(sqrt(x)) by Newton's method (the contract uses OpenZeppelin's Math.sqrt).
    function _isqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }

    function _withdraw(address caller, address to, bool toOther) internal {
        uint256 credit = trainer.credits(caller);
        uint256 balanceBefore = to.balance;
        reader.watch(caller);
        vm.prank(caller);
        bool ok;
        if (toOther) {
            try trainer.withdrawTo(payable(to)) {
                ok = true;
            } catch {}
        } else {
            try trainer.withdraw() {
                ok = true;
            } catch {}
        }
        if (!ok) return;
        uint256 amount = to.balance - balanceBefore;
        ++_calls.withdrawOk;
        if (toOther && to != caller) ++_calls.withdrawToOk;
        if (to == address(reader)) {
            ++_calls.readerPaid;
            if (reader.seenCredit() != 0) ++_violations.creditSeenDuringPayment;
        }
        if (amount != credit || trainer.credits(caller) != 0) ++_violations.withdrawAmount;
        ghost_withdrawn[caller] += amount;
        ghost_totalWithdrawn += amount;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }

    /// @dev The seeded actor, or (when the seed is biased) the first from it that has credit.
    function _creditedActor(uint256 seed) internal view returns (address caller) {
        caller = _actor(seed);
        if (_biased(seed) && trainer.credits(caller) == 0) {
            for (uint256 i = 1; i < ACTOR_COUNT; ++i) {
                if (trainer.credits(_actor(seed % ACTOR_COUNT + i)) != 0) {
                    return _actor(seed % ACTOR_COUNT + i);
                }
            }
        }
    }

    /// @dev One of the known combinations; when the seed is biased, the first open one from
    /// the seeded position on that the model agrees with (`agreeing`) or not, and that is
    /// between `minAge` (included) and `maxAge` (excluded) seconds old, if any.
    function _pickCombo(uint256 seed, bool agreeing, uint256 minAge, uint256 maxAge)
        internal
        view
        returns (uint256)
    {
        uint256 n = _knownCombos.length;
        uint256 start = seed % n;
        if (_biased(seed)) {
            for (uint256 i = 0; i < n; ++i) {
                uint256 combo = _knownCombos[(start + i) % n];
                uint256 index = _latest[combo] - 1;
                uint256 age = block.timestamp - _contributions[index].addedAt;
                if (!_isOpen(index) || age < minAge || age >= maxAge) continue;
                (bytes memory data, uint256 label) = _content(combo);
                if ((trainer.predict(data) == label) == agreeing) return combo;
            }
        }
        return _knownCombos[start];
    }

    /// @dev The contribution and caller of a report. Unbiased: the seeded ones. Biased: half
    /// the time an open contribution in its take window (from the second before it opens) that
    /// the model disagrees with, and a reputation holder other than its author that has not
    /// taken a share of it yet (or, 1 time in 4, one that has: a second take); else one past
    /// its any-address wait (from the second before), and the seeded caller.
    function _pickReport(uint256 keySeed, uint256 actorSeed)
        internal
        view
        returns (uint256 combo, address caller)
    {
        combo = _knownCombos[keySeed % _knownCombos.length];
        caller = _actor(actorSeed);
        if (!_biased(keySeed)) return (combo, caller);
        if ((keySeed >> 16) % 2 == 1) {
            return (_pickCombo(keySeed, false, anyAddressWait - 1, MAX_AGE), caller);
        }
        uint256 n = _knownCombos.length;
        for (uint256 i = 0; i < n; ++i) {
            uint256 candidateCombo = _knownCombos[(keySeed + i) % n];
            uint256 index = _latest[candidateCombo] - 1;
            uint256 age = block.timestamp - _contributions[index].addedAt;
            if (!_isOpen(index) || age + 1 < refundWait || age >= anyAddressWait) continue;
            (bytes memory data, uint256 label) = _content(candidateCombo);
            if (trainer.predict(data) == label) continue;
            address taker = _shareTaker(index, actorSeed);
            if (taker != address(0)) return (candidateCombo, taker);
        }
    }

    /// @dev A reputation holder other than the author of contribution `index` that has not
    /// taken a share of it yet (or, 1 time in 4, one that has), from the seeded actor on.
    function _shareTaker(uint256 index, uint256 actorSeed) internal view returns (address) {
        bool again = (actorSeed >> 16) % 4 == 0;
        address contributor = _contributions[index].contributor;
        for (uint256 k = 0; k < ACTOR_COUNT; ++k) {
            address candidate = _actor(actorSeed % ACTOR_COUNT + k);
            if (
                candidate != contributor && reputation.balanceOf(candidate) != 0
                    && _tookShare[index][candidate] == again
            ) return candidate;
        }
        return address(0);
    }

    /// @dev Bits 8 and up of a seed choose, 3 times in 4, the caller most likely to succeed;
    /// seeds below 256 (the scripted tests') name the actor directly.
    function _biased(uint256 seed) internal pure returns (bool) {
        return (seed >> 8) % 4 != 0;
    }

    function _credit(address account, uint256 amount) internal {
        ghost_credited[account] += amount;
        ghost_totalCredited += amount;
    }

    function _digit(uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked(bytes1(uint8(48 + i))));
    }
}
