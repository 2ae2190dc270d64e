// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {MarketHandler} from "./handlers/MarketHandler.sol";
import {PredictionMarket} from "../../contracts/incentives/PredictionMarket.sol";

/// @notice Invariants of the prediction market under random lives (see MarketHandler):
/// contributions by commit-reveal, time passing, the provider revealing in chunks or quitting,
/// scoring pushed by anyone in random chunks, claims, forfeits and withdrawals. The rules
/// (scores equal to an independent replay, payouts equal to the header's formula, one claim per
/// contribution, claims only by authors and only once the market is over) are checked by the
/// handler on every successful call; the invariants below require that no call broke one, and
/// that the ether adds up at every point and, once everything is claimed, to the wei.
contract MarketInvariantsTest is Test {
    MarketHandler internal handler;
    PredictionMarket internal market;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new MarketHandler{value: 1 ether}();
        market = handler.market();

        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = MarketHandler.contribute.selector;
        selectors[1] = MarketHandler.revealTestSet.selector;
        selectors[2] = MarketHandler.evaluate.selector;
        selectors[3] = MarketHandler.claim.selector;
        selectors[4] = MarketHandler.forfeit.selector;
        selectors[5] = MarketHandler.withdraw.selector;
        selectors[6] = MarketHandler.warp.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
        targetContract(address(handler));
    }

    function _credits() internal view returns (uint256 sum) {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            sum += market.credits(actors[i]);
        }
        sum += market.credits(address(handler));
    }

    // ---------------------------------------------------------------- conservation

    /// The market holds exactly what it owes: the credits nobody has withdrawn yet (actors'
    /// and the provider's) plus what is owed but not yet credited: before the market ends,
    /// every stake and the pool; once settled, the payout by the rule of every unclaimed
    /// contribution of non-negative score (the open stakes and the undistributed reward); once
    /// forfeited, stake + floor(pool / N) for every unclaimed contribution, plus the provider's
    /// remainder until the forfeit is recorded.
    function checkBalanceIsOwed() internal view {
        assertEq(
            address(market).balance,
            _credits() + handler.owedUncredited(),
            "balance == unwithdrawn credits + open stakes + undistributed reward"
        );
    }

    /// Every wei that came in (the pool, the stakes, the overpayments) has been withdrawn or
    /// is still in the market; and nothing credited for claims and to the provider exceeds
    /// what came in to be shared (the pool and the stakes).
    function checkPaidOutNeverExceedsWhatCameIn() internal view {
        assertEq(
            handler.ghost_ethIn(),
            market.rewardPool() + handler.ghost_stakesIn() + handler.ghost_overpaidIn(),
            "ETH in == pool + stakes + overpayments"
        );
        assertEq(
            handler.ghost_ethIn(),
            handler.ghost_withdrawn() + address(market).balance,
            "ETH in == withdrawn + balance"
        );
        assertLe(
            handler.ghost_claimsPaid() + handler.ghost_providerCredited(),
            market.rewardPool() + handler.ghost_stakesIn(),
            "claims + provider credits <= pool + stakes"
        );
    }

    /// No contribution is paid twice, nor to anyone but its author, nor before the market is
    /// over, nor (on a settled market) for a negative score; and every claim and provider
    /// credit is the rule's, to the wei.
    function checkEveryPayoutIsTheRulesOnce() internal view {
        MarketHandler.Violations memory v = handler.violations();
        assertEq(v.claimTwice, 0, "a contribution claimed twice");
        assertEq(v.claimByOther, 0, "a claim by someone not the author");
        assertEq(v.claimEarly, 0, "a claim before the market was over");
        assertEq(v.claimNegative, 0, "a negative score's stake claimed");
        assertEq(v.claimAmount, 0, "a claim other than the rule's payout");
        assertEq(v.providerCredit, 0, "a provider credit other than the rule's");
        assertEq(v.withdrawAmount, 0, "a withdrawal other than the whole credit");
    }

    /// The scores are the replay's (the change in correct test predictions each contribution's
    /// update caused), however the scoring was chunked and whoever pushed it; reputation is
    /// minted only by claims, one per point of positive score; no contribution after the
    /// window, no leaf outside the root or the reveal window.
    function checkScoresAndReputationFollowTheReplay() internal view {
        MarketHandler.Violations memory v = handler.violations();
        assertEq(v.scoreMismatch, 0, "a score other than the replay's");
        assertEq(v.reputationMinted, 0, "reputation other than the claimed score");
        assertEq(v.addAfterWindow, 0, "a contribution after the window");
        assertEq(v.revealLate, 0, "a leaf revealed outside the root or its window");
        assertEq(
            market.reputation().totalSupply(),
            handler.ghost_reputationClaimed(),
            "supply == positive scores claimed"
        );
    }

    /// The one campaign: every check above after every call (one campaign rather than one per
    /// check, each run being a whole market's life), and the call summary (forge test -vv
    /// prints it). The quick profile runs 16 runs of depth 100 (each run deploys and ends a
    /// market); `make fuzz` runs the deep profile's 512 x 200.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: deep.invariant.runs = 512
    function invariant_Market() public view {
        checkBalanceIsOwed();
        checkPaidOutNeverExceedsWhatCameIn();
        checkEveryPayoutIsTheRulesOnce();
        checkScoresAndReputationFollowTheReplay();
        handler.logCallSummary();
    }

    /// After each run the handler takes the market to its end (deadline passed, scored or
    /// forfeited, every contribution claimed) and the ether adds up to the wei: the claims plus
    /// the provider's credits are the pool plus every stake (the negative ones included: they
    /// went into the reward). Then the run's call summary is added to counters kept across
    /// runs, and once REACH_RUNS runs are counted every path must have been reached: accepted
    /// contributions, revealed leaves, scoring steps, settlements, positive and negative
    /// scores, positive, zero and forfeit claims, forfeits, withdrawals, a settlement with no
    /// positive score, and a run ending with every payout claimed.
    function afterInvariant() public {
        handler.finish();
        checkBalanceIsOwed();
        checkEveryPayoutIsTheRulesOnce();
        checkScoresAndReputationFollowTheReplay();
        bool complete = handler.allClaimed();
        if (complete) {
            assertEq(
                handler.ghost_claimsPaid() + handler.ghost_providerCredited(),
                market.rewardPool() + handler.ghost_stakesIn(),
                "claims + provider credits == pool + stakes"
            );
            assertEq(address(market).balance, _credits(), "only credits left");
        }
        MarketHandler.CallSummary memory c = handler.callSummary();
        uint256 runs = addToCounter("PM_INVARIANT_RUNS", 1);
        uint256[14] memory reached = [
            addToCounter("PM_INVARIANT_CONTRIBUTIONS", c.contributeOk),
            addToCounter("PM_INVARIANT_LEAVES", c.leavesRevealed),
            addToCounter("PM_INVARIANT_STEPS", c.evaluateSteps),
            addToCounter("PM_INVARIANT_SETTLED", c.settled),
            addToCounter("PM_INVARIANT_POSITIVE", c.positiveScores),
            addToCounter("PM_INVARIANT_NEGATIVE", c.negativeScores),
            addToCounter("PM_INVARIANT_CLAIM_POSITIVE", c.claimPositive),
            addToCounter("PM_INVARIANT_CLAIM_ZERO", c.claimZero),
            addToCounter("PM_INVARIANT_CLAIM_FORFEIT", c.claimForfeit),
            addToCounter("PM_INVARIANT_FORFEITS", c.forfeits),
            addToCounter("PM_INVARIANT_WITHDRAWALS", c.withdrawOk),
            addToCounter("PM_INVARIANT_NO_POSITIVE", c.providerPaidReward),
            addToCounter("PM_INVARIANT_OVERPAID", c.overpaid),
            addToCounter("PM_INVARIANT_COMPLETE", complete ? 1 : 0)
        ];
        if (runs < REACH_RUNS) return;
        string[14] memory names = [
            "no contribution accepted",
            "no test leaf revealed",
            "no scoring step",
            "no market settled",
            "no positive score",
            "no negative score",
            "no positive claim",
            "no zero claim",
            "no claim on a forfeit",
            "no forfeit",
            "no withdrawal",
            "no settlement without positive score",
            "no overpayment",
            "no run ended with everything claimed"
        ];
        for (uint256 i = 0; i < reached.length; ++i) {
            assertGe(reached[i], 1, names[i]);
        }
    }

    /// @dev Runs (of the campaign, counted in the process) before its reach is asserted.
    uint256 internal constant REACH_RUNS = 16;

    // ---------------------------------------------------------------- scripted sequences

    /// A fixed life through the handler: contributions (one overpaid), the whole reveal,
    /// scoring in chunks, every claim and withdrawal; then the invariants and the sum.
    function test_ScriptedSettledMarket() public {
        uint256 testKind = 0; // sampleSeed >> 128 == 0: a test sample with its test label
        uint256 flipped = uint256(2) << 128; // a test sample with the other label
        handler.contribute(0, testKind + 0, 0, 3); // actor0: T0 -> 0, overpaid
        handler.contribute(1, flipped + 2, 0, 1); // actor1: T2 -> 0 (its test label is 1)
        handler.contribute(2, testKind + 1, 0, 1); // actor2: T1 -> 1
        handler.contribute(3, flipped + 3, 0, 1); // actor3: T3 -> 1 (its test label is 0)
        handler.warp(uint256(1) << 200); // to windowEnd
        // countSeed 66,305: 2 mod 3 (the provider reveals everything), 1 + 259 % 8 = 4 leaves
        // (bits 8 and up: 259), intact (bits 16 and up: 1, not a multiple of 5).
        uint256 reveal4 = 1 + (3 << 8) + (1 << 16);
        handler.revealTestSet(reveal4, 0);
        handler.revealTestSet(reveal4, 1); // by another holder of the leaves
        handler.revealTestSet(reveal4, 0); // nothing left: a no-op
        assertEq(handler.revealedLeaves(), 8, "all revealed");
        for (uint256 i = 0; i < 10; ++i) {
            handler.evaluate(265, i); // chunks of 1 + 265 % 20 = 6 steps, by anyone
        }
        assertTrue(market.phase() == PredictionMarket.Phase.Settled, "settled");
        for (uint256 i = 0; i < 4; ++i) {
            handler.claim(i, i);
            handler.withdraw(i + 1);
        }
        handler.withdraw(0); // the provider
        MarketHandler.CallSummary memory c = handler.callSummary();
        assertEq(c.contributeOk, 4, "four contributions");
        assertEq(c.overpaid, 1, "one overpaid");
        assertEq(c.settled, 1, "settled once");
        assertEq(c.evaluateSteps, 8 + 4 * 9, "round 0 and four rounds");
        checkBalanceIsOwed();
        checkPaidOutNeverExceedsWhatCameIn();
        checkEveryPayoutIsTheRulesOnce();
        checkScoresAndReputationFollowTheReplay();
        assertTrue(handler.allClaimed(), "everything claimed");
        assertEq(
            handler.ghost_claimsPaid() + handler.ghost_providerCredited(),
            market.rewardPool() + handler.ghost_stakesIn(),
            "claims + provider credits == pool + stakes"
        );
    }

    /// The provider quits before the last leaf: the market forfeits at the deadline, the first
    /// claim records it, everyone gets stake + floor(pool / N), the provider the remainder.
    function test_ScriptedForfeitedMarket() public {
        handler.contribute(0, 0, 0, 1);
        handler.contribute(1, 1, 0, 1);
        handler.contribute(2, 2, 0, 1);
        handler.warp(uint256(1) << 200);
        // countSeed 66,306: 0 mod 3 (the provider quits before the last leaf), 1 + 259 % 7 = 1
        // leaf.
        handler.revealTestSet(2 + (3 << 8) + (1 << 16), 0);
        assertEq(handler.revealedLeaves(), 1, "one revealed");
        assertTrue(handler.providerQuits(), "quits");
        handler.warp((uint256(1) << 200) + 1); // to revealDeadline
        assertTrue(market.phase() == PredictionMarket.Phase.Forfeited, "forfeited");
        handler.claim(1, 1);
        handler.finish();
        MarketHandler.CallSummary memory c = handler.callSummary();
        assertEq(c.forfeits, 1, "one forfeit");
        assertEq(c.claimForfeit, 3, "three claims on it");
        checkBalanceIsOwed();
        checkEveryPayoutIsTheRulesOnce();
        assertTrue(handler.allClaimed(), "everything claimed");
        assertEq(
            handler.ghost_claimsPaid() + handler.ghost_providerCredited(),
            market.rewardPool() + handler.ghost_stakesIn(),
            "claims + provider credits == pool + stakes"
        );
    }
}
