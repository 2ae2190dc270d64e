// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TrainerFixture} from "./utils/TrainerFixture.sol";
import {CreditReader} from "./handlers/CreditReader.sol";
import {DepositRefundTakeTrainer} from "../../contracts/incentives/DepositRefundTakeTrainer.sol";
import {ICollaborativeTrainer} from "../../contracts/interfaces/ICollaborativeTrainer.sol";
import {SparsePerceptron} from "../../contracts/models/SparsePerceptron.sol";

/// @notice The exact seconds at which each claim opens (refund and share at addedAt +
/// refundWait, anyone's take at addedAt + anyAddressWait: refused one second before, allowed at
/// that second), and withdrawals that zero the credit before paying, seen from the receiver.
contract TrainerBoundariesTest is TrainerFixture {
    SparsePerceptron internal model;
    DepositRefundTakeTrainer internal trainer;

    address internal constant AUTHOR = address(0xA0);
    address internal constant HOLDER = address(0xB0);
    address internal constant STRANGER = address(0xC0);

    bytes internal good; // [0,8] labelled 1: informative, the model agrees after it
    bytes internal bad; // [1,9] labelled 1, then contradicted by [1,9] labelled 0

    function setUp() public {
        vm.warp(1_700_000_000);
        model = deployModel();
        trainer = new DepositRefundTakeTrainer(
            model, COST_WEIGHT, REFUND_WAIT, ANY_ADDRESS_WAIT, 0, bytes32(0), bytes32(0)
        );
        model.transferOwnership(address(trainer));
        vm.deal(AUTHOR, 100 ether);
        vm.deal(HOLDER, 100 ether);
        good = sparse(0, 8);
        bad = sparse(1, 9);
    }

    function _add(address who, bytes memory data, uint256 label) internal returns (uint256 at) {
        uint256 deposit = trainer.requiredDeposit();
        vm.prank(who);
        trainer.addData{value: deposit}(data, label);
        return block.timestamp;
    }

    /// @dev HOLDER earns reputation; AUTHOR's contribution of `bad` is then contradicted (the
    /// model disagrees with it). Returns when AUTHOR added it.
    function _holderAndBadContribution() internal returns (uint256 addedAt) {
        uint256 t = _add(HOLDER, good, 1);
        vm.warp(t + REFUND_WAIT);
        vm.prank(HOLDER);
        trainer.refund(good, 1);
        assertEq(trainer.reputation().balanceOf(HOLDER), 1, "the holder earned reputation");
        addedAt = _add(AUTHOR, bad, 1); // known to the model: b = 1 predicts [1,9] as 1
        vm.warp(addedAt + 1);
        _add(HOLDER, bad, 0); // informative: flips [1,9] to class 0
        assertEq(trainer.predict(bad), 0, "the model disagrees with AUTHOR's");
    }

    // ---------------------------------------------------------------- refund

    /// A refund one second before addedAt + refundWait reverts RefundTooEarly; at that second
    /// it succeeds.
    function test_RefundOpensExactlyAtItsWait() public {
        uint256 addedAt = _add(AUTHOR, good, 1);
        vm.warp(addedAt + REFUND_WAIT - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.RefundTooEarly.selector, addedAt, addedAt + REFUND_WAIT
            )
        );
        vm.prank(AUTHOR);
        trainer.refund(good, 1);

        vm.warp(addedAt + REFUND_WAIT);
        vm.prank(AUTHOR);
        trainer.refund(good, 1);
        (,,, uint256 remaining) = trainer.contribution(good, 1);
        assertEq(remaining, 0, "refunded at the second the wait ends");
    }

    /// Same through claimable(): nothing one second before the wait ends, the refund at it.
    function test_ClaimableRefundOpensExactlyAtItsWait() public {
        uint256 addedAt = _add(AUTHOR, good, 1);
        vm.warp(addedAt + REFUND_WAIT - 1);
        (ICollaborativeTrainer.Claim action,,) = trainer.claimable(good, 1, AUTHOR);
        assertTrue(action == ICollaborativeTrainer.Claim.None, "nothing claimable yet");
        vm.warp(addedAt + REFUND_WAIT);
        (action,,) = trainer.claimable(good, 1, AUTHOR);
        assertTrue(action == ICollaborativeTrainer.Claim.Refund, "refund claimable");
    }

    // ---------------------------------------------------------------- takes

    /// A reputation holder's share one second before addedAt + refundWait reverts
    /// TakeTooEarly; at that second it succeeds.
    function test_ShareOpensExactlyAtTheRefundWait() public {
        uint256 addedAt = _holderAndBadContribution();
        vm.warp(addedAt + REFUND_WAIT - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.TakeTooEarly.selector, addedAt, addedAt + REFUND_WAIT
            )
        );
        vm.prank(HOLDER);
        trainer.report(bad, 1);

        vm.warp(addedAt + REFUND_WAIT);
        uint256 before = trainer.credits(HOLDER);
        vm.prank(HOLDER);
        trainer.report(bad, 1);
        assertGe(trainer.credits(HOLDER), before + 1, "a share at the second the wait ends");
    }

    /// An address without reputation cannot take one second before addedAt + anyAddressWait
    /// (NoReputation); at that second it takes everything left.
    function test_AnyAddressTakeOpensExactlyAtItsWait() public {
        uint256 addedAt = _holderAndBadContribution();
        vm.warp(addedAt + ANY_ADDRESS_WAIT - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.NoReputation.selector, STRANGER)
        );
        vm.prank(STRANGER);
        trainer.report(bad, 1);

        vm.warp(addedAt + ANY_ADDRESS_WAIT);
        (,, uint256 stake, uint256 remaining) = trainer.contribution(bad, 1);
        assertEq(remaining, stake, "nothing taken yet");
        vm.prank(STRANGER);
        trainer.report(bad, 1);
        assertEq(trainer.credits(STRANGER), stake * trainer.DEPOSIT_UNIT(), "everything left");
    }

    // ---------------------------------------------------------------- withdrawals

    /// withdraw() zeroes the credit before paying: a receiver contract reading its own credit
    /// in receive() sees 0, and receives the whole credit.
    function test_WithdrawZeroesTheCreditBeforePaying() public {
        CreditReader reader = new CreditReader(address(trainer));
        vm.deal(address(reader), 10 ether);
        uint256 addedAt = _add(address(reader), good, 1);
        vm.warp(addedAt + REFUND_WAIT);
        vm.prank(address(reader));
        trainer.refund(good, 1);
        uint256 credit = trainer.credits(address(reader));
        assertGe(credit, 1, "the deposit is credited");

        reader.watch(address(reader));
        uint256 balanceBefore = address(reader).balance;
        vm.prank(address(reader));
        trainer.withdraw();
        assertEq(reader.payments(), 1, "paid once");
        assertEq(reader.seenCredit(), 0, "the credit is 0 while it is paid");
        assertEq(address(reader).balance, balanceBefore + credit, "the whole credit paid");
        assertEq(trainer.credits(address(reader)), 0, "and 0 after");
    }

    /// withdrawTo() likewise: the receiver sees the payer's credit already 0.
    function test_WithdrawToZeroesTheCreditBeforePaying() public {
        CreditReader reader = new CreditReader(address(trainer));
        uint256 addedAt = _add(AUTHOR, good, 1);
        vm.warp(addedAt + REFUND_WAIT);
        vm.prank(AUTHOR);
        trainer.refund(good, 1);
        uint256 credit = trainer.credits(AUTHOR);

        reader.watch(AUTHOR);
        vm.prank(AUTHOR);
        trainer.withdrawTo(payable(address(reader)));
        assertEq(reader.payments(), 1, "paid once");
        assertEq(reader.seenCredit(), 0, "the payer's credit is 0 while it is paid");
        assertEq(address(reader).balance, credit, "the whole credit paid to the receiver");
        assertEq(trainer.credits(AUTHOR), 0, "and 0 after");
    }
}
