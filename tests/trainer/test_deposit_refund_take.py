"""Deposit-Refund-Take through the trainer: every path and every custom error, with time moved
by the chain, asserting the full resulting state (ETH, credits, reputation, record, model)."""

from helpers import reverts_with
from trainer_helpers import (
    ANY_ADDRESS_WAIT,
    COST_WEIGHT,
    GOOD,
    REFUND_WAIT,
    add,
    content_key,
    contribution_id,
    encode,
    informative,
    record,
    small_model,
    state,
    wait,
)

from ml.incentives import DEPOSIT_UNIT, REFUND_REPUTATION, required_deposit, take_share
from ml.models import SparsePerceptron

# ---------------------------------------------------------------------------- addData


def test_add_data_records_stakes_and_updates_the_model(drt, contributor, model_contract, chain):
    deployed_at = drt.lastUpdateTime()
    chain.pending_timestamp = deployed_at + 60
    expected_deposit = required_deposit(COST_WEIGHT, 60)
    assert drt.requiredDeposit() >= expected_deposit  # the pending block is 60 s later

    receipt = add(drt, contributor, GOOD, 0)  # bad data: the model predicts 1

    added_at = receipt.timestamp
    assert added_at == deployed_at + 60
    assert record(drt, GOOD, 0) == {
        "contributor": contributor,
        "addedAt": added_at,
        "stake": expected_deposit // DEPOSIT_UNIT,
        "remaining": expected_deposit // DEPOSIT_UNIT,
    }
    key = content_key(drt, GOOD, 0)
    assert receipt.events[-1] == drt.ContributionAdded(
        drt.contributionId(key, contributor, added_at),
        contributor,
        0,
        expected_deposit,
        added_at,
        encode(GOOD),
        True,  # new content the model got wrong: its refund would earn reputation
    )
    assert drt.balance == expected_deposit
    assert drt.lastUpdateTime() == added_at
    # The model learnt from the mistake exactly as its mirror does.
    mirror = small_model()
    mirror.update_fixed(GOOD, 0)
    assert SparsePerceptron.from_contract(model_contract).state() == mirror.state()


def test_required_deposit_falls_with_time_since_the_last_update(drt, contributor, chain):
    add(drt, contributor, GOOD, 1)
    last = drt.lastUpdateTime()
    for elapsed in (0, 1, 3, 60, 3600, 86_400, 10**8):
        assert drt.requiredDepositAt(last + elapsed) == required_deposit(COST_WEIGHT, elapsed)
    assert required_deposit(COST_WEIGHT, 0) == 3_600 * COST_WEIGHT  # 3.6 ether


def test_insufficient_deposit_changes_nothing(drt, contributor, accounts, chain):
    before = state(drt, [contributor])
    chain.pending_timestamp = chain.pending_timestamp
    required = drt.requiredDepositAt(chain.pending_timestamp)
    with reverts_with(drt.InsufficientDeposit, sent=required - 1, required=required):
        drt.addData(encode(GOOD), 1, sender=contributor, value=required - 1)
    assert state(drt, [contributor]) == before
    assert record(drt, GOOD, 1)["contributor"] == "0x" + "0" * 40


def test_overpayment_is_credited(drt, contributor):
    receipt = add(drt, contributor, GOOD, 1, extra=12345)
    deposit = record(drt, GOOD, 1)["stake"] * DEPOSIT_UNIT
    assert drt.credits(contributor) == 12345
    assert drt.balance == deposit + 12345
    assert drt.OverpaymentCredited(contributor, 12345) in receipt.events


def test_duplicate_is_rejected_while_open_and_accepted_once_closed(drt, contributor, reporter):
    add(drt, contributor, GOOD, 1)
    original = contribution_id(drt, GOOD, 1)
    with reverts_with(drt.DuplicateContribution, id=original):
        add(drt, reporter, GOOD, 1)
    add(drt, reporter, GOOD, 0)  # the same data with another label is other content
    wait(REFUND_WAIT)
    drt.refund(encode(GOOD), 1, sender=contributor)  # closes the original
    add(drt, reporter, GOOD, 1)
    assert record(drt, GOOD, 1)["contributor"] == reporter


def test_invalid_sample_or_label_is_rejected_by_the_model_and_changes_nothing(
    drt, contributor, model_contract
):
    before = (state(drt, [contributor]), SparsePerceptron.from_contract(model_contract).state())
    required = drt.requiredDeposit() * 2
    with reverts_with(model_contract.UnknownClass, label=2, numClasses=2):
        drt.addData(encode(GOOD), 2, sender=contributor, value=required)
    with reverts_with(model_contract.FeaturesNotIncreasing, position=1, previous=3, feature=3):
        drt.addData(b"\x00\x03\x00\x03", 1, sender=contributor, value=required)
    longest = drt.maxSampleBytes()
    with reverts_with(drt.SampleTooLarge, length=longest + 2, maxLength=longest):
        drt.addData(b"\x00\x01" * (longest // 2 + 1), 1, sender=contributor, value=required)
    after = (state(drt, [contributor]), SparsePerceptron.from_contract(model_contract).state())
    assert after == before


# ---------------------------------------------------------------------------- refund


def test_refund_after_the_wait_when_the_model_agrees(drt, contributor, reputation):
    indices, label = informative(drt, 0)
    add(drt, contributor, indices, label)
    assert drt.earnsReputation(encode(indices), label)
    deposit = record(drt, indices, label)["stake"] * DEPOSIT_UNIT
    wait(REFUND_WAIT)
    assert drt.claimable(encode(indices), label, contributor) == (1, deposit, REFUND_REPUTATION)

    receipt = drt.refund(encode(indices), label, sender=contributor)

    refunded = drt.DepositRefunded(
        contribution_id(drt, indices, label), contributor, deposit, REFUND_REPUTATION
    )
    assert refunded in receipt.events
    assert record(drt, indices, label)["remaining"] == 0
    assert not drt.earnsReputation(encode(indices), label)
    assert state(drt, [contributor], reputation) == {
        "balance": deposit,
        "credits": [deposit],
        "reputation": [REFUND_REPUTATION],
        "supply": REFUND_REPUTATION,
    }


def test_refund_of_what_the_model_already_knew_returns_the_deposit_without_reputation(
    drt, contributor, reputation
):
    add(drt, contributor, GOOD, 1)  # the model predicted 1 already: nothing learnt
    assert not drt.earnsReputation(encode(GOOD), 1)
    deposit = record(drt, GOOD, 1)["stake"] * DEPOSIT_UNIT
    wait(REFUND_WAIT)
    assert drt.claimable(encode(GOOD), 1, contributor) == (1, deposit, 0)
    receipt = drt.refund(encode(GOOD), 1, sender=contributor)
    assert drt.DepositRefunded(contribution_id(drt, GOOD, 1), contributor, deposit, 0) in (
        receipt.events
    )
    assert state(drt, [contributor], reputation) == {
        "balance": deposit,
        "credits": [deposit],
        "reputation": [0],
        "supply": 0,
    }


def test_refund_errors_change_nothing(drt, contributor, reporter, reputation):
    add(drt, contributor, GOOD, 1)
    add(drt, contributor, GOOD, 0)  # bad: the model predicts 1
    r = record(drt, GOOD, 1)
    before = state(drt, [contributor, reporter], reputation)

    with reverts_with(
        drt.RefundTooEarly, addedAt=r["addedAt"], refundableAt=r["addedAt"] + REFUND_WAIT
    ):
        drt.refund(encode(GOOD), 1, sender=contributor)
    wait(REFUND_WAIT)
    with reverts_with(drt.NotContributor, caller=reporter, contributor=contributor):
        drt.refund(encode(GOOD), 1, sender=reporter)
    with reverts_with(drt.ModelDisagrees, label=0, predicted=1):
        drt.refund(encode(GOOD), 0, sender=contributor)
    with reverts_with(drt.UnknownContribution, contentKey=content_key(drt, [5], 1)):
        drt.refund(encode([5]), 1, sender=contributor)
    assert state(drt, [contributor, reporter], reputation) == before

    drt.refund(encode(GOOD), 1, sender=contributor)
    with reverts_with(drt.AlreadyClaimed, id=contribution_id(drt, GOOD, 1)):
        drt.refund(encode(GOOD), 1, sender=contributor)


# ---------------------------------------------------------------------------- take


def test_takes_are_shares_of_the_deposit_by_reputation(
    drt, contributor, reporter, stranger, earn_reputation, reputation, accounts
):
    earn_reputation(reporter)
    earn_reputation(stranger)
    earn_reputation(reporter)  # reporter 2, stranger 1: total 3
    add(drt, contributor, GOOD, 0)
    stake = record(drt, GOOD, 0)["stake"] * DEPOSIT_UNIT
    wait(REFUND_WAIT)
    before = state(drt, [contributor, reporter, stranger], reputation)
    share = take_share(stake, stake, 2, 3)
    assert drt.claimable(encode(GOOD), 0, reporter) == (2, share, 0)

    receipt = drt.report(encode(GOOD), 0, sender=reporter)
    assert drt.DepositTaken(contribution_id(drt, GOOD, 0), reporter, share) in receipt.events
    second = take_share(stake, stake - share, 1, 3)
    drt.report(encode(GOOD), 0, sender=stranger)

    after = state(drt, [contributor, reporter, stranger], reputation)
    assert after["credits"] == [
        before["credits"][0],
        before["credits"][1] + share,
        before["credits"][2] + second,
    ]
    assert after["reputation"] == before["reputation"]  # a take burns no reputation
    assert after["balance"] == before["balance"]  # credited, not yet paid
    assert record(drt, GOOD, 0)["remaining"] * DEPOSIT_UNIT == stake - share - second


def test_take_errors_change_nothing(
    drt, contributor, reporter, stranger, earn_reputation, reputation, accounts
):
    earn_reputation(reporter)
    earn_reputation(accounts[5])  # two holders: one take leaves half the deposit
    add(drt, contributor, GOOD, 0)
    add(drt, contributor, [4, 5], 1)  # good: the model agrees
    r = record(drt, GOOD, 0)
    people = [contributor, reporter, stranger]
    before = state(drt, people, reputation)

    with reverts_with(
        drt.TakeTooEarly, addedAt=r["addedAt"], takeableAt=r["addedAt"] + REFUND_WAIT
    ):
        drt.report(encode(GOOD), 0, sender=reporter)
    wait(REFUND_WAIT)
    with reverts_with(drt.NoReputation, taker=stranger):
        drt.report(encode(GOOD), 0, sender=stranger)
    with reverts_with(drt.SelfTake, taker=contributor):
        drt.report(encode(GOOD), 0, sender=contributor)
    with reverts_with(drt.ModelAgrees, label=1):
        drt.report(encode([4, 5]), 1, sender=reporter)
    assert state(drt, people, reputation) == before

    drt.report(encode(GOOD), 0, sender=reporter)
    with reverts_with(drt.AlreadyTaken, id=contribution_id(drt, GOOD, 0), taker=reporter):
        drt.report(encode(GOOD), 0, sender=reporter)


def test_after_the_any_address_wait_anyone_takes_what_is_left(
    drt, contributor, stranger, reputation
):
    add(drt, contributor, GOOD, 0)
    stake = record(drt, GOOD, 0)["stake"] * DEPOSIT_UNIT
    wait(ANY_ADDRESS_WAIT)
    assert drt.claimable(encode(GOOD), 0, stranger) == (2, stake, 0)
    drt.report(encode(GOOD), 0, sender=stranger)  # no reputation needed now
    assert drt.credits(stranger) == stake
    assert record(drt, GOOD, 0)["remaining"] == 0
    with reverts_with(drt.AlreadyClaimed, id=contribution_id(drt, GOOD, 0)):
        drt.report(encode(GOOD), 0, sender=stranger)


def test_a_share_that_rounds_to_nothing_is_refused(
    model_contract, owner, contributor, reporter, stranger, accounts
):
    from ml.deploy import deploy_trainer

    # A cost weight of 1e9 wei: deposits of a few units, so a 1-in-3 share of 1 unit is 0.
    cheap = deploy_trainer(
        model_contract,
        owner,
        cost_weight=10**9,
        refund_wait=REFUND_WAIT,
        any_address_wait=ANY_ADDRESS_WAIT,
    ).contract
    holders = (reporter, stranger, accounts[5])
    for k, account in enumerate(holders):
        indices, label = informative(cheap, k)
        add(cheap, account, indices, label)
        wait(REFUND_WAIT)
        cheap.refund(encode(indices), label, sender=account)
    wait(10**4)  # deposits fall to 1 unit
    add(cheap, contributor, GOOD, 0)
    assert record(cheap, GOOD, 0)["stake"] == 1
    wait(REFUND_WAIT)
    with reverts_with(cheap.NothingToTake, id=contribution_id(cheap, GOOD, 0), taker=reporter):
        cheap.report(encode(GOOD), 0, sender=reporter)


# ---------------------------------------------------------------------------- withdraw


def test_withdraw_pays_exactly_the_credit(drt, contributor):
    add(drt, contributor, GOOD, 1)
    wait(REFUND_WAIT)
    drt.refund(encode(GOOD), 1, sender=contributor)
    credit = drt.credits(contributor)
    balance = contributor.balance

    receipt = drt.withdraw(sender=contributor)

    assert receipt.events == [drt.Withdrawn(contributor, contributor, credit)]
    assert contributor.balance == balance + credit - receipt.total_fees_paid
    assert drt.credits(contributor) == 0 and drt.balance == 0
    with reverts_with(drt.NothingToWithdraw, account=contributor):
        drt.withdraw(sender=contributor)


def test_withdraw_to_pays_the_whole_credit_to_another_address(drt, contributor, stranger):
    add(drt, contributor, GOOD, 1)
    wait(REFUND_WAIT)
    drt.refund(encode(GOOD), 1, sender=contributor)
    credit = drt.credits(contributor)
    balance = stranger.balance

    receipt = drt.withdrawTo(stranger, sender=contributor)

    assert receipt.events == [drt.Withdrawn(contributor, stranger, credit)]
    assert stranger.balance == balance + credit
    assert drt.credits(contributor) == 0 and drt.balance == 0
    with reverts_with(drt.NothingToWithdraw, account=contributor):
        drt.withdrawTo(stranger, sender=contributor)


def test_withdraw_to_the_zero_address_is_refused(drt, contributor):
    add(drt, contributor, GOOD, 1, extra=5)
    with reverts_with(drt.InvalidRecipient, to="0x" + "0" * 40):
        drt.withdrawTo("0x" + "0" * 40, sender=contributor)
    assert drt.credits(contributor) == 5
