// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {LineHandler} from "./handlers/LineHandler.sol";
import {FederatedLine} from "../../contracts/federated/FederatedLine.sol";

/// @notice Invariants of the federated line under random lives (see LineHandler): members
/// joining, topping up, leaving and exiting; rounds opened, committed, revealed, aggregated
/// (sometimes wrongly), challenged and settled; withdrawals, funding, a rare close, time
/// passing. After every call the ether adds up (balance == totalStaked + pool + bondsHeld +
/// totalCredits, and everything paid in == balance + everything withdrawn), the contract's
/// totals are the sums over the actors, reputation is the weights of accepted rounds, and no
/// call broke a rule. Across the campaign the important paths must have run.
contract LineInvariantsTest is Test {
    LineHandler internal handler;
    FederatedLine internal line;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new LineHandler{value: 10 ether}();
        line = handler.lineAddress();

        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = LineHandler.join.selector;
        selectors[1] = LineHandler.topUp.selector;
        selectors[2] = LineHandler.leave.selector;
        selectors[3] = LineHandler.exit.selector;
        selectors[4] = LineHandler.openRound.selector;
        selectors[5] = LineHandler.commit.selector;
        selectors[6] = LineHandler.reveal.selector;
        selectors[7] = LineHandler.postAggregate.selector;
        selectors[8] = LineHandler.challenge.selector;
        selectors[9] = LineHandler.settle.selector;
        selectors[10] = LineHandler.withdraw.selector;
        selectors[11] = LineHandler.fund.selector;
        selectors[12] = LineHandler.close.selector;
        selectors[13] = LineHandler.warp.selector;
        selectors[14] = LineHandler.advance.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
        targetContract(address(handler));
    }

    // ---------------------------------------------------------------- checks

    /// (a) The line holds exactly what it owes.
    function checkConservation() internal view {
        assertEq(
            address(line).balance,
            line.totalStaked() + line.pool() + line.bondsHeld() + line.totalCredits(),
            "balance == staked + pool + bonds + credits"
        );
    }

    /// (b) totalStaked is the sum of the members' stakes (only actors can be members).
    function checkStakes() internal view {
        address[] memory actors = handler.actors();
        uint256 sum = 0;
        uint256 count = 0;
        for (uint256 i = 0; i < actors.length; ++i) {
            (bool joined, uint256 stake,,) = line.members(actors[i]);
            sum += stake;
            if (joined) ++count;
        }
        assertEq(line.totalStaked(), sum, "totalStaked == sum of stakes");
        assertEq(line.memberCount(), count, "memberCount == actors joined");
    }

    /// (c) totalCredits is the sum of the credits of everyone who can be credited.
    function checkCredits() internal view {
        address[] memory actors = handler.actors();
        uint256 sum = line.credits(address(handler)) + line.credits(line.aggregator())
            + line.credits(address(0xC4A1));
        for (uint256 i = 0; i < actors.length; ++i) {
            sum += line.credits(actors[i]);
        }
        assertEq(line.totalCredits(), sum, "totalCredits == sum of credits");
    }

    /// (d) Everything paid in (funding, stakes, top-ups, bonds) is in the line or withdrawn.
    function checkGhostAccounting() internal view {
        assertEq(
            handler.ghost_paidIn(),
            address(line).balance + handler.ghost_withdrawn(),
            "paid in == balance + withdrawn"
        );
    }

    /// (e) Reputation is the weights minted in accepted rounds; and no rule was broken.
    function checkReputationAndRules() internal view {
        assertEq(
            line.reputation().totalSupply(),
            handler.ghost_reputationMinted(),
            "reputation supply == weights of accepted rounds"
        );
        LineHandler.Violations memory v = handler.violations();
        assertEq(v.correctVoided, 0, "a correct aggregate voided");
        assertEq(v.wrongWithdrawal, 0, "a withdrawal other than the credit");
        assertEq(v.weightOfRejected, 0, "weight given to a rejected update");
    }

    function _checkAll() internal view {
        checkConservation();
        checkStakes();
        checkCredits();
        checkGhostAccounting();
        checkReputationAndRules();
    }

    /// The one campaign: every check after every call; the call summary with -vv.
    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 150
    /// forge-config: deep.invariant.runs = 512
    /// forge-config: deep.invariant.depth = 200
    function invariant_Line() public view {
        _checkAll();
        handler.logCallSummary();
    }

    /// @dev Runs (of the campaign, counted in the process) before its reach is asserted.
    uint256 internal constant REACH_RUNS = 32;

    /// After each run its successes are added to counters kept across runs (forge resets the
    /// EVM state between runs); once REACH_RUNS runs are counted every important path must
    /// have run at least once, so that the invariants do not pass vacuously.
    function afterInvariant() public {
        _checkAll();
        LineHandler.CallSummary memory c = handler.callSummary();
        uint256 runs = addToCounter("LINE_INVARIANT_RUNS", 1);
        uint256[10] memory reached = [
            addToCounter("LINE_INVARIANT_ACCEPTED", c.settleAccepted),
            addToCounter("LINE_INVARIANT_CHALLENGED", c.challengeOk),
            addToCounter("LINE_INVARIANT_VOIDED", c.settleVoided),
            addToCounter("LINE_INVARIANT_FAILED", c.settleFailed),
            addToCounter("LINE_INVARIANT_WITHDRAW", c.withdrawOk),
            addToCounter("LINE_INVARIANT_EXIT", c.exitOk),
            addToCounter("LINE_INVARIANT_POSTED", c.postOk),
            addToCounter("LINE_INVARIANT_TOPUP", c.topUpOk),
            addToCounter("LINE_INVARIANT_FUND", c.fundOk),
            addToCounter("LINE_INVARIANT_CLOSE", c.closeOk)
        ];
        if (runs < REACH_RUNS) return;
        string[10] memory names = [
            "no accepted settlement",
            "no successful challenge",
            "no voided settlement",
            "no failed settlement",
            "no withdrawal",
            "no exit",
            "no aggregate posted",
            "no top-up",
            "no funding",
            "no close"
        ];
        for (uint256 i = 0; i < reached.length; ++i) {
            assertGe(reached[i], 1, names[i]);
        }
    }

    // ---------------------------------------------------------------- scripted sequences

    function _round(uint256 wrongSeed) internal {
        handler.openRound();
        for (uint256 i = 0; i < 4; ++i) {
            handler.commit(i, 100 + i); // seeds 100..103: well-formed
        }
        handler.warp(3601);
        for (uint256 i = 0; i < 4; ++i) {
            handler.reveal(i);
        }
        handler.warp(3601);
        handler.postAggregate(1, 7, wrongSeed);
    }

    /// A fixed life through the handler: an accepted round, a wrong aggregate challenged and
    /// voided, a failed round, an exit and the withdrawals; the checks hold at each step.
    function test_ScriptedLife() public {
        _round(1); // correct
        handler.challenge(1, 0); // a correct aggregate: reverts
        _checkAll();
        handler.warp(3601);
        handler.settle();
        _checkAll();
        _round(0); // wrong in chunk 0
        handler.challenge(1, 0);
        handler.settle();
        _checkAll();
        handler.openRound();
        handler.commit(0, 5);
        for (uint256 i = 0; i < 3; ++i) {
            handler.warp(3601);
        }
        handler.settle(); // nobody revealed: failed, member 0 slashed
        handler.topUp(0, 0.5 ether);
        handler.leave(1);
        handler.warp(90 minutes);
        handler.warp(90 minutes);
        handler.exit(1);
        for (uint256 i = 0; i < 9; ++i) {
            handler.withdraw(i);
        }
        _checkAll();
        LineHandler.CallSummary memory c = handler.callSummary();
        assertEq(c.settleAccepted, 1, "one accepted");
        assertEq(c.challengeOk, 1, "one challenge");
        assertEq(c.challengeReverted, 1, "one challenge of a correct aggregate");
        assertEq(c.settleVoided, 1, "one voided");
        assertEq(c.settleFailed, 1, "one failed");
        assertEq(c.exitOk, 1, "one exit");
        assertEq(c.topUpOk, 1, "one top-up");
        assertGe(c.withdrawOk, 4, "withdrawals");
        assertTrue(line.reputation().totalSupply() > 0, "reputation minted");
        // Then the driver's steps alone complete rounds.
        for (uint256 i = 0; i < 40; ++i) {
            handler.advance(uint256(keccak256(abi.encode(i))));
            _checkAll();
        }
        assertGe(handler.callSummary().settleAccepted, 2, "rounds completed by advance");
    }
}
