// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {TrainerHandler} from "./handlers/TrainerHandler.sol";
import {DepositRefundTakeTrainer} from "../../contracts/incentives/DepositRefundTakeTrainer.sol";
import {SparsePerceptron} from "../../contracts/models/SparsePerceptron.sol";
import {ReputationToken} from "../../contracts/token/ReputationToken.sol";

/// @notice Conservation invariants of the Deposit-Refund-Take trainer under random sequences of
/// contributions, refunds, reports, withdrawals and waits (see TrainerHandler).
contract TrainerInvariantsTest is Test {
    uint256 internal constant COST_WEIGHT = 1e15;
    uint256 internal constant REFUND_WAIT = 1 days;
    uint256 internal constant ANY_ADDRESS_WAIT = 9 days;
    uint256 internal constant NUM_FEATURES = 16;
    int256 internal constant ONE = 1e6;

    SparsePerceptron internal model;
    DepositRefundTakeTrainer internal trainer;
    ReputationToken internal reputation;
    TrainerHandler internal handler;

    function setUp() public {
        model = deployModel(address(this));
        trainer = new DepositRefundTakeTrainer(
            model, COST_WEIGHT, REFUND_WAIT, ANY_ADDRESS_WAIT, 0, bytes32(0)
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

    /// @dev The model of tests/trainer/trainer_helpers.py: 16 features, weight 1.0 for features
    /// 0-7 and -1.0 for 8-15, learning rate 0.001, intercept 0, finalised and owned by `owner`
    /// (who must hand it to the trainer).
    function deployModel(address owner) internal returns (SparsePerceptron m) {
        string[] memory names = new string[](2);
        names[0] = "neg";
        names[1] = "pos";
        m = new SparsePerceptron(address(this), NUM_FEATURES, ONE / 1000, 0, names);
        uint256 positive = _fourLanes(ONE);
        uint256 negative = _fourLanes(-ONE);
        uint256[] memory words = new uint256[](4);
        words[0] = positive; // features 0-3
        words[1] = positive; // features 4-7
        words[2] = negative; // features 8-11
        words[3] = negative; // features 12-15
        m.initializeChunk(0, words);
        m.finalize();
        if (owner != address(this)) m.transferOwnership(owner);
    }

    function _fourLanes(int256 value) internal pure returns (uint256 word) {
        uint256 lane = uint256(uint64(int64(value)));
        for (uint256 k = 0; k < 4; ++k) {
            word |= lane << (64 * k);
        }
    }

    // ---------------------------------------------------------------- invariants

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

    /// Shows how far the fuzzer got (forge test -vv prints it); always holds.
    function invariant_callSummary() public view {
        handler.logCallSummary();
    }

    // ---------------------------------------------------------------- scripted sequence

    /// A fixed sequence through the handler reaches every action's success path: contributions
    /// (one overpaid), a refund, a reputation holder's share, an any-address take, withdrawals.
    function test_ScriptedSequenceReachesEveryAction() public {
        // actor seeds below 256 name actors directly; combos are listed in order of first use.
        handler.addData(0, 0, 1, 1); // actor0: [0,1] labelled 1 (good), no overpayment
        handler.warp(1 hours);
        handler.addData(1, 0, 0, 3); // actor1: [0,1] labelled 0 (bad), 3 wei over
        handler.addData(2, 3, 1, 1); // actor2: [8,9] labelled 1 (bad)
        handler.report(3, 1); // too early, and actor3 has no reputation: swallowed
        handler.warp(1 days);
        handler.refund(1, 0); // not actor1's: swallowed
        handler.refund(0, 0); // actor0 is refunded and earns 1 reputation
        handler.report(1, 1); // actor1 reports its own: swallowed
        handler.report(0, 1); // actor0 holds all the reputation: takes actor1's whole deposit
        handler.withdraw(4); // actor4 has nothing: swallowed
        handler.withdraw(0);
        handler.withdraw(1); // the overpayment
        handler.warp(9 days);
        handler.report(4, 2); // anyone takes what is left of actor2's deposit
        handler.withdraw(4);
        handler.addData(3, 0, 1, 1); // [0,1] labelled 1 again, now that it is closed

        TrainerHandler.CallSummary memory c = handler.callSummary();
        assertEq(c.addDataOk, 4, "every contribution accepted");
        assertGe(c.overpaid, 1, "an overpayment");
        assertEq(c.refundOk, 1, "one refund");
        assertEq(c.reportOk, 1, "one share taken");
        assertEq(c.anyAddressTakeOk, 1, "one any-address take");
        assertEq(c.withdrawOk, 3, "three withdrawals");
        assertGe(c.warp, 1, "time passed");
        assertEq(handler.ghost_overpaidIn(), 3, "3 wei credited back");

        invariant_BalanceIsOpenDepositsPlusCredits();
        invariant_NoContributionPaysOutMoreThanItsDeposit();
        invariant_NoAddressWithdrawsMoreThanCredited();
        invariant_ReputationSupplyIsSumOfBalances();
        invariant_EthInEqualsWithdrawnPlusBalance();
    }
}
