// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {DepositRefundTakeTrainer} from "../../contracts/incentives/DepositRefundTakeTrainer.sol";
import {ICollaborativeTrainer} from "../../contracts/interfaces/ICollaborativeTrainer.sol";
import {SparsePerceptron} from "../../contracts/models/SparsePerceptron.sol";

/// @notice The deposit formula of the Deposit-Refund-Take trainer:
///   requiredDepositAt(t) = ceil(costWeight * 3600 / (max(1, isqrt(t - lastUpdate)) * 1e12)) * 1e12
/// checked against an independent computation, at its edges (no time elapsed, times far in the
/// future, the largest cost weight) and for its shape (never below one unit, non-increasing).
contract DepositFormulaTest is Test {
    uint256 internal constant UNIT = 1e12;
    uint256 internal constant HOUR = 3600;
    /// @dev The largest stake of a record, in units: 31 bits (bit 31 flags reputation).
    uint256 internal constant MAX_STAKE_UNITS = 2 ** 31 - 1;
    /// @dev The largest cost weight whose deposit right after an update, in units, fits 31 bits.
    uint256 internal constant MAX_COST_WEIGHT = (MAX_STAKE_UNITS * UNIT) / HOUR;
    uint256 internal constant DAY = 1 days;

    SparsePerceptron internal model;
    DepositRefundTakeTrainer internal trainer; // cost weight 1e15, waits 1 and 9 days

    function setUp() public {
        vm.warp(1_700_000_000);
        model = new SparsePerceptron(address(this), 16, 1000, 0, _names());
        trainer = _trainer(1e15);
    }

    function _trainer(uint256 costWeight) internal returns (DepositRefundTakeTrainer) {
        return
            new DepositRefundTakeTrainer(model, costWeight, DAY, 9 * DAY, 0, bytes32(0), bytes32(0));
    }

    /// @dev floor(sqrt(x)), bit by bit (independent of the contract's Math.sqrt).
    function _isqrt(uint256 x) internal pure returns (uint256 root) {
        uint256 bit = uint256(1) << 254;
        while (bit > x) bit >>= 2;
        while (bit != 0) {
            if (x >= root + bit) {
                x -= root + bit;
                root = (root >> 1) + bit;
            } else {
                root >>= 1;
            }
            bit >>= 2;
        }
    }

    /// @dev The formula, computed independently: whole units, rounded up.
    function _expected(uint256 costWeight, uint256 elapsed) internal pure returns (uint256) {
        uint256 root = _isqrt(elapsed);
        uint256 divisor = (root == 0 ? 1 : root) * UNIT;
        uint256 numerator = costWeight * HOUR;
        return (numerator / divisor + (numerator % divisor == 0 ? 0 : 1)) * UNIT;
    }

    // ---------------------------------------------------------------- the reference itself

    function test_IsqrtReference() public pure {
        assertEq(_isqrt(0), 0, "isqrt 0");
        assertEq(_isqrt(1), 1, "isqrt 1");
        assertEq(_isqrt(3), 1, "isqrt 3");
        assertEq(_isqrt(4), 2, "isqrt 4");
        assertEq(_isqrt(86_400), 293, "isqrt one day");
        assertEq(_isqrt(type(uint256).max), type(uint128).max, "isqrt max");
    }

    /// The reference square root is the floor: r^2 <= x < (r + 1)^2.
    function testFuzz_IsqrtReferenceIsFloor(uint256 x) public pure {
        uint256 r = _isqrt(x);
        assertLe(r * r, x, "r^2 <= x");
        if (r < type(uint128).max) assertGe((r + 1) * (r + 1), x + 1, "x < (r + 1)^2");
    }

    // ---------------------------------------------------------------- the formula

    /// The deposit equals the independent formula for any cost weight the constructor accepts
    /// and any time up to type(uint64).max seconds after the last update.
    function testFuzz_MatchesIndependentFormula(uint256 costWeight, uint64 elapsed) public {
        costWeight = bound(costWeight, 1, MAX_COST_WEIGHT);
        DepositRefundTakeTrainer t = _trainer(costWeight);
        uint256 last = t.lastUpdateTime();
        assertEq(t.requiredDepositAt(last + elapsed), _expected(costWeight, elapsed), "formula");
    }

    /// With no time since the last update (or a time before it) the divisor is 1: the deposit
    /// is costWeight * 3600 rounded up to whole units.
    function testFuzz_NoTimeElapsedDividesByOne(uint256 costWeight, uint256 before) public {
        costWeight = bound(costWeight, 1, MAX_COST_WEIGHT);
        DepositRefundTakeTrainer t = _trainer(costWeight);
        uint256 last = t.lastUpdateTime();
        uint256 full = ((costWeight * HOUR + UNIT - 1) / UNIT) * UNIT;
        assertEq(t.requiredDepositAt(last), full, "no time elapsed");
        assertEq(t.requiredDeposit(), full, "now, right after deployment");
        assertEq(t.requiredDepositAt(bound(before, 0, last)), full, "a time before the update");
        // One second later isqrt(1) = 1 as well.
        assertEq(t.requiredDepositAt(last + 1), full, "one second later");
    }

    /// Far in the future (up to uint64 max seconds later, and even at the largest timestamp)
    /// the deposit never reverts and never falls below one unit.
    function testFuzz_HugeTimesNeverBelowOneUnit(uint256 costWeight, uint64 elapsed, uint256 t2)
        public
    {
        costWeight = bound(costWeight, 1, MAX_COST_WEIGHT);
        DepositRefundTakeTrainer t = _trainer(costWeight);
        uint256 last = t.lastUpdateTime();
        uint256 required = t.requiredDepositAt(last + elapsed);
        assertGe(required, UNIT, "at least one unit");
        assertEq(required % UNIT, 0, "whole units");
        t2 = bound(t2, last, type(uint256).max);
        uint256 atT2 = t.requiredDepositAt(t2);
        assertGe(atT2, UNIT, "at least one unit, any timestamp");
        assertEq(atT2, _expected(costWeight, t2 - last), "formula, any timestamp");
        assertEq(
            t.requiredDepositAt(type(uint256).max),
            _expected(costWeight, type(uint256).max - last),
            "formula at the largest timestamp"
        );
    }

    /// The smallest cost weight after a very long time is exactly one unit.
    function test_SmallestDepositIsOneUnit() public {
        DepositRefundTakeTrainer t = _trainer(1);
        assertEq(t.requiredDepositAt(t.lastUpdateTime() + type(uint64).max), UNIT, "one unit");
        assertEq(t.requiredDepositAt(type(uint256).max), UNIT, "one unit at the end of time");
    }

    /// The deposit never rises as time passes.
    function testFuzz_NonIncreasingInTime(uint256 costWeight, uint64 a, uint64 b) public {
        costWeight = bound(costWeight, 1, MAX_COST_WEIGHT);
        DepositRefundTakeTrainer t = _trainer(costWeight);
        (uint64 early, uint64 late) = a <= b ? (a, b) : (b, a);
        uint256 last = t.lastUpdateTime();
        assertGe(
            t.requiredDepositAt(last + early), t.requiredDepositAt(last + late), "non-increasing"
        );
    }

    /// Same, for the deployment used by the trainer suites, second by second over short gaps.
    function testFuzz_NonIncreasingAcrossOneSecond(uint32 elapsed) public view {
        uint256 last = trainer.lastUpdateTime();
        assertGe(
            trainer.requiredDepositAt(last + elapsed),
            trainer.requiredDepositAt(last + uint256(elapsed) + 1),
            "non-increasing"
        );
    }

    // ---------------------------------------------------------------- the largest cost weight

    /// The largest cost weight the constructor accepts is deployable and its deposits do not
    /// overflow at any time; its largest deposit fits the record's 31-bit stake.
    function testFuzz_LargestCostWeightDoesNotOverflow(uint256 elapsed) public {
        DepositRefundTakeTrainer t = _trainer(MAX_COST_WEIGHT);
        assertEq(t.costWeight(), MAX_COST_WEIGHT, "deployed");
        uint256 last = t.lastUpdateTime();
        uint256 full = t.requiredDepositAt(last);
        assertLe(full / UNIT, MAX_STAKE_UNITS, "largest deposit fits 31 bits of units");
        assertEq(t.MAX_STAKE_UNITS(), MAX_STAKE_UNITS, "the trainer's bound");
        assertEq(full, _expected(MAX_COST_WEIGHT, 0), "largest deposit");
        elapsed = bound(elapsed, 0, type(uint256).max - last);
        assertEq(
            t.requiredDepositAt(last + elapsed),
            _expected(MAX_COST_WEIGHT, elapsed),
            "formula at the largest cost weight"
        );
    }

    /// One more wei of cost weight is rejected with InvalidParameters.
    function test_OneWeiMoreCostWeightIsRejected() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.InvalidParameters.selector,
                "cost weight too large: deposits over 2147 ether"
            )
        );
        _trainer(MAX_COST_WEIGHT + 1);
    }

    /// Any cost weight above the largest (whose costWeight * 3600 still fits uint256) is
    /// rejected with InvalidParameters.
    function testFuzz_TooLargeCostWeightIsRejected(uint256 costWeight) public {
        costWeight = bound(costWeight, MAX_COST_WEIGHT + 1, type(uint256).max / HOUR);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.InvalidParameters.selector,
                "cost weight too large: deposits over 2147 ether"
            )
        );
        _trainer(costWeight);
    }

    /// A cost weight so large that costWeight * 3600 overflows uint256 is rejected as well.
    /// (It reverts with Panic(0x11) from that multiplication, not InvalidParameters: see the
    /// report that accompanies this suite.)
    function testFuzz_OverflowingCostWeightIsRejected(uint256 costWeight) public {
        costWeight = bound(costWeight, type(uint256).max / HOUR + 1, type(uint256).max);
        vm.expectRevert();
        _trainer(costWeight);
    }

    // ---------------------------------------------------------------- what addData charges

    /// addData charges exactly requiredDeposit(): one wei less is rejected with
    /// InsufficientDeposit(sent, required), the exact amount is accepted and restarts the clock.
    function testFuzz_AddDataChargesTheFormula(uint32 elapsed) public {
        SparsePerceptron m = new SparsePerceptron(address(this), 16, 1000, 0, _names());
        uint256[] memory words = new uint256[](4);
        words[0] = 1e6; // feature 0 weighs 1.0: [0] is predicted class 1
        m.initializeChunk(0, words);
        m.finalize();
        DepositRefundTakeTrainer t = _trainerOf(m);
        m.transferOwnership(address(t));

        uint256 last = t.lastUpdateTime();
        // Records keep 32-bit times: contributions are accepted until 2106, not after.
        elapsed = uint32(bound(elapsed, 0, type(uint32).max - last));
        vm.warp(last + elapsed);
        uint256 required = _expected(1e15, elapsed);
        assertEq(t.requiredDeposit(), required, "requiredDeposit follows the formula");
        bytes memory sample = abi.encodePacked(uint16(0));
        address contributor = address(0xC0FFEE);
        vm.deal(contributor, required);

        vm.prank(contributor);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.InsufficientDeposit.selector, required - 1, required
            )
        );
        t.addData{value: required - 1}(sample, 1);

        vm.prank(contributor);
        t.addData{value: required}(sample, 1);
        (,, uint256 stake, uint256 remaining) = t.contribution(sample, 1);
        assertEq(stake * UNIT, required, "the stake is the deposit");
        assertEq(remaining, stake, "nothing claimed yet");
        assertEq(address(t).balance, required, "the trainer holds the deposit");
        assertEq(t.lastUpdateTime(), last + elapsed, "the clock restarts");
        assertEq(t.requiredDeposit(), _expected(1e15, 0), "the next deposit is the largest");
    }

    function _names() internal pure returns (string[] memory names) {
        names = new string[](2);
        names[0] = "neg";
        names[1] = "pos";
    }

    function _trainerOf(SparsePerceptron m) internal returns (DepositRefundTakeTrainer) {
        return new DepositRefundTakeTrainer(m, 1e15, DAY, 9 * DAY, 0, bytes32(0), bytes32(0));
    }

    // ---------------------------------------------------------------- the constructor

    function test_ZeroCostWeightIsRejected() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.InvalidParameters.selector, "cost weight must be positive"
            )
        );
        _trainer(0);
    }

    /// A refund wait at least the any-address wait (no take window) is rejected with
    /// InvalidParameters.
    function testFuzz_RefundWaitNotUnderAnyAddressWaitIsRejected(
        uint256 refundWait,
        uint256 anyAddressWait
    ) public {
        refundWait = bound(refundWait, 0, 10 * 365 days);
        anyAddressWait = bound(anyAddressWait, 0, refundWait);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.InvalidParameters.selector,
                "refund wait must be shorter than the any-address wait"
            )
        );
        new DepositRefundTakeTrainer(
            model, 1e15, refundWait, anyAddressWait, 0, bytes32(0), bytes32(0)
        );
    }

    /// Any refund wait shorter than the any-address wait is accepted: a take window of one
    /// second is enough.
    function testFuzz_ShorterRefundWaitIsAccepted(uint256 refundWait, uint256 gap) public {
        refundWait = bound(refundWait, 0, 10 * 365 days - 1);
        uint256 anyAddressWait = refundWait + bound(gap, 1, 10 * 365 days - refundWait);
        DepositRefundTakeTrainer t = new DepositRefundTakeTrainer(
            model, 1e15, refundWait, anyAddressWait, 0, bytes32(0), bytes32(0)
        );
        assertEq(t.refundWait(), refundWait, "refund wait");
        assertEq(t.anyAddressWait(), anyAddressWait, "any-address wait");
    }
}
