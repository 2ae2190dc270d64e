// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {DepositRefundTakeTrainer} from "../../../contracts/incentives/DepositRefundTakeTrainer.sol";
import {ReputationToken} from "../../../contracts/token/ReputationToken.sol";

/// @notice Drives a DepositRefundTakeTrainer for the invariant suite: a few fixed actors add a
/// handful of fixed samples, refund, report, withdraw and let time pass. Every action calls the
/// trainer as an actor (vm.prank) and swallows the trainer's expected reverts, so the fuzzer's
/// sequences keep going. Ghost variables record what went in and out of the trainer, measured
/// from balances and credits (never from the trainer's own arithmetic).
/// Samples [0,1], [2,3], [4,5] are predicted class 1 and [8,9], [10,11] class 0 by the model
/// of the suite, and stay so: a contribution is refundable iff its label is that class.
contract TrainerHandler is Test {
    DepositRefundTakeTrainer public immutable trainer;
    ReputationToken public immutable reputation;
    uint256 public immutable unit;

    uint256 public constant ACTOR_COUNT = 5;
    uint256 public constant SAMPLE_COUNT = 5;
    uint256 public constant MAX_WARP = 10 days;
    uint256 public constant MAX_OVERPAYMENT = 5e12;
    uint256 internal constant STARTING_BALANCE = 1000 ether;

    address[] internal _actors;

    /// @notice One accepted contribution, as observed from outside the trainer.
    struct Contribution {
        uint8 combo; // sample * 2 + label
        address contributor;
        uint256 addedAt;
        uint256 deposit; // wei kept as the deposit: value sent minus the overpayment credited
        uint256 paidOut; // wei credited by refund and reports on it
    }

    Contribution[] internal _contributions;
    /// @dev combo => index + 1 in `_contributions` of its latest contribution (0: never added).
    mapping(uint256 combo => uint256) internal _latest;
    /// @dev The (sample, label) combinations ever added: the trainer's possibly open records.
    uint8[] internal _knownCombos;

    // ---------------------------------------------------------------- ghost variables
    uint256 public ghost_ethIn; // wei actors sent with accepted contributions
    uint256 public ghost_depositsIn; // of which deposits
    uint256 public ghost_overpaidIn; // of which credited back as overpayment
    uint256 public ghost_totalCredited;
    uint256 public ghost_totalWithdrawn;
    uint256 public ghost_refunded;
    uint256 public ghost_taken;
    mapping(address => uint256) public ghost_credited;
    mapping(address => uint256) public ghost_withdrawn;

    /// @dev The chain time of the campaign: every action starts by warping to it.
    uint256 public currentTime;

    // ---------------------------------------------------------------- call summary
    struct CallSummary {
        uint256 addData;
        uint256 addDataOk;
        uint256 overpaid;
        uint256 refund;
        uint256 refundOk;
        uint256 report;
        uint256 reportOk; // shares taken by reputation holders
        uint256 anyAddressTakeOk; // everything left taken after anyAddressWait
        uint256 withdraw;
        uint256 withdrawOk;
        uint256 warp;
    }

    CallSummary internal _calls;

    constructor(DepositRefundTakeTrainer trainer_) {
        trainer = trainer_;
        reputation = trainer_.reputation();
        unit = trainer_.DEPOSIT_UNIT();
        currentTime = block.timestamp;
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address actor = vm.addr(0xA11CE + i);
            vm.label(actor, string.concat("actor", _digit(i)));
            vm.deal(actor, STARTING_BALANCE);
            _actors.push(actor);
        }
    }

    modifier atCurrentTime() {
        vm.warp(currentTime);
        _;
    }

    // ---------------------------------------------------------------- actions

    /// @notice An actor contributes sample `sampleSeed` (mod 5) labelled `labelSeed` (mod 2),
    /// sending the required deposit, or a little more when `extraSeed` is a multiple of 3.
    function addData(uint256 actorSeed, uint256 sampleSeed, uint256 labelSeed, uint256 extraSeed)
        external
        atCurrentTime
    {
        ++_calls.addData;
        address actor = _actor(actorSeed);
        uint256 sample = bound(sampleSeed, 0, SAMPLE_COUNT - 1);
        uint256 label = bound(labelSeed, 0, 1);
        uint256 extra = extraSeed % 3 == 0 ? bound(extraSeed, 1, MAX_OVERPAYMENT) : 0;
        uint256 value = trainer.requiredDeposit() + extra;
        if (actor.balance < value) vm.deal(actor, actor.balance + STARTING_BALANCE);

        bytes memory data = sampleData(sample);
        uint256 balanceBefore = actor.balance;
        uint256 creditBefore = trainer.credits(actor);
        vm.prank(actor);
        try trainer.addData{value: value}(data, label) {
            uint256 sent = balanceBefore - actor.balance;
            uint256 overpaid = trainer.credits(actor) - creditBefore;
            ++_calls.addDataOk;
            if (overpaid != 0) ++_calls.overpaid;
            ghost_ethIn += sent;
            ghost_overpaidIn += overpaid;
            ghost_depositsIn += sent - overpaid;
            _credit(actor, overpaid);

            uint8 combo = uint8(sample * 2 + label);
            if (_latest[combo] == 0) _knownCombos.push(combo);
            _contributions.push(Contribution(combo, actor, block.timestamp, sent - overpaid, 0));
            _latest[combo] = _contributions.length;
        } catch {}
    }

    /// @notice Refund of one of the known contributions; the caller is usually its author.
    function refund(uint256 actorSeed, uint256 keySeed) external atCurrentTime {
        ++_calls.refund;
        if (_knownCombos.length == 0) return;
        uint256 combo = _pickCombo(keySeed, true);
        (address contributor,,,) = trainer.contribution(sampleData(combo / 2), combo % 2);
        address caller = _actor(actorSeed);
        if (_biased(actorSeed)) caller = contributor;

        uint256 creditBefore = trainer.credits(caller);
        vm.prank(caller);
        try trainer.refund(sampleData(combo / 2), combo % 2) {
            uint256 amount = trainer.credits(caller) - creditBefore;
            ++_calls.refundOk;
            ghost_refunded += amount;
            _credit(caller, amount);
            _contributions[_latest[combo] - 1].paidOut += amount;
        } catch {}
    }

    /// @notice Report of one of the known contributions; the caller is usually a reputation
    /// holder other than its author.
    function report(uint256 actorSeed, uint256 keySeed) external atCurrentTime {
        ++_calls.report;
        if (_knownCombos.length == 0) return;
        uint256 combo = _pickCombo(keySeed, false);
        (address contributor, uint256 addedAt,,) =
            trainer.contribution(sampleData(combo / 2), combo % 2);
        address caller = _actor(actorSeed);
        if (_biased(actorSeed)) {
            for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
                address candidate = _actor(actorSeed % ACTOR_COUNT + i);
                if (candidate != contributor && reputation.balanceOf(candidate) != 0) {
                    caller = candidate;
                    break;
                }
            }
        }

        uint256 creditBefore = trainer.credits(caller);
        vm.prank(caller);
        try trainer.report(sampleData(combo / 2), combo % 2) {
            uint256 amount = trainer.credits(caller) - creditBefore;
            if (block.timestamp >= addedAt + trainer.anyAddressWait()) ++_calls.anyAddressTakeOk;
            else ++_calls.reportOk;
            ghost_taken += amount;
            _credit(caller, amount);
            _contributions[_latest[combo] - 1].paidOut += amount;
        } catch {}
    }

    /// @notice An actor withdraws its credits; usually one that has some.
    function withdraw(uint256 actorSeed) external atCurrentTime {
        ++_calls.withdraw;
        address caller = _actor(actorSeed);
        if (_biased(actorSeed) && trainer.credits(caller) == 0) {
            for (uint256 i = 1; i < ACTOR_COUNT; ++i) {
                if (trainer.credits(_actor(actorSeed % ACTOR_COUNT + i)) != 0) {
                    caller = _actor(actorSeed % ACTOR_COUNT + i);
                    break;
                }
            }
        }
        uint256 balanceBefore = caller.balance;
        vm.prank(caller);
        try trainer.withdraw() {
            uint256 amount = caller.balance - balanceBefore;
            ++_calls.withdrawOk;
            ghost_withdrawn[caller] += amount;
            ghost_totalWithdrawn += amount;
        } catch {}
    }

    /// @notice Time passes: up to MAX_WARP seconds, or (3 times in 4) up to a fifth of it, so
    /// that sequences often stop between the refund wait and the any-address wait.
    function warp(uint256 secondsSeed) external {
        ++_calls.warp;
        currentTime += bound(secondsSeed, 0, secondsSeed % 4 == 0 ? MAX_WARP : MAX_WARP / 5);
        vm.warp(currentTime);
    }

    // ---------------------------------------------------------------- views for the invariants

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function callSummary() external view returns (CallSummary memory) {
        return _calls;
    }

    /// @notice Logs the call summary (shown with -vv).
    function logCallSummary() external view {
        CallSummary memory c = _calls;
        _log("addData calls", c.addData);
        _log("  accepted", c.addDataOk);
        _log("  with overpayment", c.overpaid);
        _log("refund calls", c.refund);
        _log("  refunded", c.refundOk);
        _log("report calls", c.report);
        _log("  shares taken", c.reportOk);
        _log("  any-address takes", c.anyAddressTakeOk);
        _log("withdraw calls", c.withdraw);
        _log("  withdrawn", c.withdrawOk);
        _log("warp calls", c.warp);
    }

    function knownComboCount() external view returns (uint256) {
        return _knownCombos.length;
    }

    /// @notice The i-th (data, label) ever contributed: its record may be open.
    function knownCombo(uint256 i) external view returns (bytes memory data, uint256 label) {
        uint256 combo = _knownCombos[i];
        return (sampleData(combo / 2), combo % 2);
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

    /// @notice The fixed samples: [0,1], [2,3], [4,5] (class 1) and [8,9], [10,11] (class 0),
    /// as big-endian uint16 feature indices.
    function sampleData(uint256 sample) public pure returns (bytes memory) {
        uint16 first = uint16(sample < 3 ? 2 * sample : 2 * sample + 2);
        return abi.encodePacked(first, first + 1);
    }

    // ---------------------------------------------------------------- internals

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }

    /// @dev Bits 8 and up of a seed choose, 3 times in 4, the caller most likely to succeed;
    /// seeds below 256 (the scripted test's) name the actor directly.
    /// @dev One of the known combinations; when the seed is biased, the first open one from
    /// the seeded position on that the model agrees with (`agreeing`) or not, if any.
    function _pickCombo(uint256 seed, bool agreeing) internal view returns (uint256) {
        uint256 n = _knownCombos.length;
        uint256 start = seed % n;
        if (_biased(seed)) {
            for (uint256 i = 0; i < n; ++i) {
                uint256 combo = _knownCombos[(start + i) % n];
                bytes memory data = sampleData(combo / 2);
                (,,, uint256 remaining) = trainer.contribution(data, combo % 2);
                if (remaining != 0 && (trainer.predict(data) == combo % 2) == agreeing) {
                    return combo;
                }
            }
        }
        return _knownCombos[start];
    }

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

    /// @dev console.log(string, uint256), as forge-std's console does (forge decodes the call).
    function _log(string memory text, uint256 value) internal view {
        address console = 0x000000000000000000636F6e736F6c652e6c6f67;
        (bool ok,) = console.staticcall(abi.encodeWithSignature("log(string,uint256)", text, value));
        ok;
    }
}
