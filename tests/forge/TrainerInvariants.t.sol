// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TrainerFixture} from "./utils/TrainerFixture.sol";
import {TrainerHandler} from "./handlers/TrainerHandler.sol";
import {DepositRefundTakeTrainer} from "../../contracts/incentives/DepositRefundTakeTrainer.sol";
import {SparsePerceptron} from "../../contracts/models/SparsePerceptron.sol";
import {ReputationToken} from "../../contracts/token/ReputationToken.sol";

/// @notice Invariants of the Deposit-Refund-Take trainer under random sequences of
/// contributions, refunds, reports, withdrawals and waits (see TrainerHandler): conservation of
/// ether, and every rule of the mechanism (payouts, verdicts, single takes, reputation, waits).
/// The rules are checked by the handler on every successful call, against its own bookkeeping;
/// the invariants below require that no call broke one.
contract TrainerInvariantsTest is TrainerFixture {
    SparsePerceptron internal model;
    DepositRefundTakeTrainer internal trainer;
    ReputationToken internal reputation;
    TrainerHandler internal handler;

    function setUp() public {
        model = deployModel();
        trainer = new DepositRefundTakeTrainer(
            model, COST_WEIGHT, REFUND_WAIT, ANY_ADDRESS_WAIT, 0, bytes32(0), bytes32(0)
        );
        model.transferOwnership(address(trainer));
        reputation = trainer.reputation();
        handler = new TrainerHandler(trainer);

        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = TrainerHandler.addData.selector;
        selectors[1] = TrainerHandler.refund.selector;
        selectors[2] = TrainerHandler.report.selector;
        selectors[3] = TrainerHandler.withdraw.selector;
        selectors[4] = TrainerHandler.warp.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
        targetContract(address(handler));
    }

    // ---------------------------------------------------------------- conservation

    /// The trainer holds exactly what it owes: the open deposits (the remaining units of every
    /// record, in wei) plus the credits no actor has withdrawn yet.
    function invariant_BalanceIsOpenDepositsPlusCredits() public view {
        uint256 open = 0;
        for (uint256 i = 0; i < handler.knownComboCount(); ++i) {
            (bytes memory data, uint256 label) = handler.knownCombo(i);
            (,,, uint256 remaining) = trainer.contribution(data, label);
            open += remaining * trainer.DEPOSIT_UNIT();
        }
        uint256 owed = 0;
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            owed += trainer.credits(actors[i]);
        }
        assertEq(address(trainer).balance, open + owed, "balance == open deposits + credits");
    }

    /// No contribution pays out (its refund plus every take of it) more than its deposit, and
    /// what it has not paid out is exactly what its record still holds (nothing once closed).
    function invariant_NoContributionPaysOutMoreThanItsDeposit() public view {
        for (uint256 i = 0; i < handler.contributionCount(); ++i) {
            TrainerHandler.Contribution memory c = handler.contributionAt(i);
            assertLe(c.paidOut, c.deposit, "refund + takes <= deposit");
            uint256 held = 0;
            if (handler.isLatest(i)) {
                (address contributor, uint256 addedAt,, uint256 remaining) =
                    trainer.contribution(handler.sampleData(c.combo / 2), c.combo % 2);
                assertEq(contributor, c.contributor, "the record is this contribution's");
                assertEq(addedAt, c.addedAt, "the record is this contribution's");
                held = remaining * trainer.DEPOSIT_UNIT();
            }
            assertEq(c.paidOut + held, c.deposit, "paid out + still held == deposit");
        }
    }

    /// No address withdraws more than it was ever credited.
    function invariant_NoAddressWithdrawsMoreThanCredited() public view {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            assertLe(
                handler.ghost_withdrawn(actors[i]),
                handler.ghost_credited(actors[i]),
                "withdrawn <= credited"
            );
        }
        assertLe(handler.ghost_totalWithdrawn(), handler.ghost_totalCredited(), "in total");
    }

    /// Reputation exists only in the hands of the actors who earned it: its total supply is the
    /// sum of the actors' balances.
    function invariant_ReputationSupplyIsSumOfBalances() public view {
        uint256 sum = 0;
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            sum += reputation.balanceOf(actors[i]);
        }
        assertEq(reputation.totalSupply(), sum, "total supply == sum of actors' balances");
    }

    /// Every wei that came in (deposits and overpayments) has either been withdrawn or is still
    /// in the trainer: ETH in == ETH withdrawn + the trainer's balance.
    function invariant_EthInEqualsWithdrawnPlusBalance() public view {
        assertEq(
            handler.ghost_depositsIn() + handler.ghost_overpaidIn(),
            handler.ghost_ethIn(),
            "deposits + overpayments == ETH sent"
        );
        assertEq(
            handler.ghost_ethIn(),
            handler.ghost_totalWithdrawn() + address(trainer).balance,
            "ETH in == withdrawn + balance"
        );
    }

    // ---------------------------------------------------------------- the rules

    /// Every deposit taken equals the formula ceil(costWeight * 3600 / max(1, isqrt(seconds
    /// since the last update))) in whole units, and no content is accepted while it is open.
    function invariant_DepositsFollowTheFormula() public view {
        TrainerHandler.Violations memory v = handler.violations();
        assertEq(v.depositFormula, 0, "a deposit other than the formula's");
        assertEq(v.duplicateAccepted, 0, "an open content accepted again");
    }

    /// Every payout equals the rule: a refund is everything left of the deposit; a share is
    /// floor(stake * the taker's reputation / total reputation), at most what is left; a take
    /// after the any-address wait is everything left; a withdrawal pays the whole credit.
    function invariant_EveryPayoutEqualsTheRule() public view {
        TrainerHandler.Violations memory v = handler.violations();
        assertEq(v.refundAmount, 0, "a refund other than everything left");
        assertEq(v.shareAmount, 0, "a share other than min(floor(stake * held / total), left)");
        assertEq(v.anyAddressAmount, 0, "an any-address take other than everything left");
        assertEq(v.withdrawAmount, 0, "a withdrawal other than the whole credit");
    }

    /// No refund without the model's agreement (its prediction at the time of the refund is the
    /// label), and no share taken while the model agrees; only the author refunds, and the
    /// author never takes a share of its own contribution.
    function invariant_NoClaimAgainstTheModelsVerdict() public view {
        TrainerHandler.Violations memory v = handler.violations();
        assertEq(v.refundWithoutAgreement, 0, "a refund while the model disagreed");
        assertEq(v.takeWithAgreement, 0, "a share taken while the model agreed");
        assertEq(v.refundByOther, 0, "a refund by someone other than the author");
        assertEq(v.selfTake, 0, "a share taken by the author");
    }

    /// No taker takes a share of the same contribution twice.
    function invariant_NoTakerTwiceOnAContribution() public view {
        assertEq(handler.violations().doubleTake, 0, "a second share by the same taker");
    }

    /// Reputation is minted only by the refund of an informative contribution (new content the
    /// model predicted wrongly just before it was added), REFUND_REPUTATION to its author:
    /// adds, reports, withdrawals and other refunds mint nothing, and earnsReputation() says so.
    function invariant_ReputationMintedOnlyByInformativeRefunds() public view {
        TrainerHandler.Violations memory v = handler.violations();
        assertEq(v.reputationMinted, 0, "reputation changed other than by the rule");
        assertEq(v.earnsReputationView, 0, "earnsReputation() disagrees with the rule");
        assertEq(
            reputation.totalSupply(),
            handler.ghost_informativeRefunds() * trainer.REFUND_REPUTATION(),
            "supply == REFUND_REPUTATION per informative refund"
        );
        assertEq(reputation.totalSupply(), handler.ghost_reputationMinted(), "supply == minted");
    }

    /// Nothing is claimable before its wait: no refund and no share before addedAt +
    /// refundWait, and no take by an address without reputation before addedAt +
    /// anyAddressWait.
    function invariant_NothingClaimableBeforeItsWait() public view {
        TrainerHandler.Violations memory v = handler.violations();
        assertEq(v.earlyRefund, 0, "a refund before the refund wait");
        assertEq(v.earlyTake, 0, "a share taken before the refund wait");
        assertEq(v.earlyAnyAddressTake, 0, "a take without reputation before anyAddressWait");
    }

    /// A withdrawal zeroes the credit before it pays: a receiver reading its payer's credit
    /// during the payment sees 0.
    function invariant_CreditIsZeroWhileBeingPaid() public view {
        assertEq(handler.violations().creditSeenDuringPayment, 0, "credit seen while paid");
    }

    /// Shows how far the fuzzer got (forge test -vv prints it); always holds.
    function invariant_callSummary() public view {
        handler.logCallSummary();
    }

    /// The campaign reached every success path (contributions, informative ones, refunds
    /// minting reputation, shares, any-address takes, withdrawals, payments to the contract
    /// actor), so the invariants above were checked against real payouts: after each run its
    /// call summary is added to counters kept across runs (a single short run need not reach
    /// every path), and once REACH_RUNS runs are counted every counter must be positive.
    function afterInvariant() public {
        TrainerHandler.CallSummary memory c = handler.callSummary();
        uint256 runs = addToCounter("DRT_INVARIANT_RUNS", 1);
        uint256[6] memory reached = [
            addToCounter("DRT_INVARIANT_ADDS", c.addDataOk),
            addToCounter("DRT_INVARIANT_INFORMATIVE_REFUNDS", c.informativeRefundOk),
            addToCounter("DRT_INVARIANT_SHARES", c.reportOk),
            addToCounter("DRT_INVARIANT_ANY_ADDRESS_TAKES", c.anyAddressTakeOk),
            addToCounter("DRT_INVARIANT_WITHDRAWALS", c.withdrawOk),
            addToCounter("DRT_INVARIANT_READER_PAID", c.readerPaid)
        ];
        if (runs < REACH_RUNS) return;
        assertGe(reached[0], 1, "no contribution accepted");
        assertGe(reached[1], 1, "no refund minted reputation");
        assertGe(reached[2], 1, "no share taken");
        assertGe(reached[3], 1, "no any-address take");
        assertGe(reached[4], 1, "no withdrawal");
        assertGe(reached[5], 1, "the contract actor was never paid");
    }

    /// @dev Runs (of every invariant campaign of this suite in the process) before the reach
    /// of the campaign is asserted.
    uint256 internal constant REACH_RUNS = 16;

    // ---------------------------------------------------------------- scripted sequence

    /// A fixed sequence through the handler reaches every action's success path: contributions
    /// (informative or not, one overpaid), refunds minting reputation, two shares of one
    /// deposit, an any-address take, withdrawals to self and to the contract actor, a re-add.
    function test_ScriptedSequenceReachesEveryAction() public {
        // Seeds below 256 name actors and known combinations directly; sample seeds with bit
        // 128 set choose a sample by number, not a known combination. Samples: 0 = [0,8],
        // 9 = [1,9], 18 = [2,10]. Every prediction starts at class 0.
        uint256 bySample = uint256(1) << 128;
        handler.addData(0, bySample + 0, 1, 1); // actor0: [0,8] -> 1, informative; b = 1
        handler.warp(1 hours);
        handler.addData(1, bySample + 9, 1, 3); // actor1: [1,9] -> 1, known to the model
        handler.addData(3, bySample + 18, 1, 1); // actor3: [2,10] -> 1, known as well
        handler.addData(2, bySample + 9, 0, 1); // actor2: [1,9] -> 0, informative; b = 0
        // Now [0,8] is class 1, [1,9] and [2,10] class 0: actor1's and actor3's are bad.
        handler.report(3, 1); // too early, and actor3 has no reputation: swallowed
        handler.warp(1 days);
        handler.refund(1, 0); // not actor1's: swallowed
        handler.refund(0, 0); // actor0 is refunded and earns 1 reputation
        handler.refund(2, 3); // actor2 is refunded and earns 1 reputation
        handler.report(1, 1); // actor1 reports its own: swallowed
        handler.report(0, 1); // actor0 takes half of actor1's deposit
        handler.report(0, 1); // a second time: swallowed
        handler.report(2, 1); // actor2 takes the other half
        handler.withdraw(4, 0); // the contract actor has nothing: swallowed
        handler.withdraw(0, 0);
        handler.withdraw(1, 1); // actor1's overpayment, paid to the contract actor
        handler.warp(9 days);
        handler.report(4, 2); // the contract actor takes all of actor3's deposit
        handler.withdraw(4, 0);
        handler.addData(3, 0, 1, 1); // [0,8] labelled 1 again, now that it is closed

        TrainerHandler.CallSummary memory c = handler.callSummary();
        assertEq(c.addDataOk, 5, "every contribution accepted");
        assertEq(c.informativeAdds, 2, "two informative contributions");
        assertGe(c.overpaid, 1, "an overpayment");
        assertEq(c.refundOk, 2, "two refunds");
        assertEq(c.informativeRefundOk, 2, "both minting reputation");
        assertEq(c.reportOk, 2, "two shares taken");
        assertEq(c.anyAddressTakeOk, 1, "one any-address take");
        assertEq(c.withdrawOk, 3, "three withdrawals");
        assertEq(c.withdrawToOk, 1, "one to another actor");
        assertEq(c.readerPaid, 2, "two payments to the contract actor");
        assertEq(handler.ghost_overpaidIn(), 3, "3 wei credited back");
        assertEq(reputation.totalSupply(), 2, "two reputation");

        invariant_BalanceIsOpenDepositsPlusCredits();
        invariant_NoContributionPaysOutMoreThanItsDeposit();
        invariant_NoAddressWithdrawsMoreThanCredited();
        invariant_ReputationSupplyIsSumOfBalances();
        invariant_EthInEqualsWithdrawnPlusBalance();
        invariant_DepositsFollowTheFormula();
        invariant_EveryPayoutEqualsTheRule();
        invariant_NoClaimAgainstTheModelsVerdict();
        invariant_NoTakerTwiceOnAContribution();
        invariant_ReputationMintedOnlyByInformativeRefunds();
        invariant_NothingClaimableBeforeItsWait();
        invariant_CreditIsZeroWhileBeingPaid();
    }
}
