"""Attacks on the Deposit-Refund-Take trainer: reentrancy, contributors that refuse ether,
self-takes through a second address, copycats, dust deposits, oversized and malformed samples,
and steering the model that judges contributions.

Every test asserts the full resulting state: ether balances (gas included, read from each
account's latest receipt: both providers mine a reverting transaction sent with ape's default
gas limit), credits, reputation and records, and that the trainer holds exactly its open
deposits plus its unwithdrawn credits.
"""

import pytest
from ape import chain
from eth_utils import keccak
from helpers import reverts_with
from trainer_helpers import (
    ANY_ADDRESS_WAIT,
    COST_WEIGHT,
    DAY,
    GOOD,
    NEGATIVE,
    NUM_FEATURES,
    OTHER_GOOD,
    REFUND_WAIT,
    add,
    encode,
    informative,
    small_model,
    wait,
)

from ml.deploy import deploy_model, deploy_trainer
from ml.incentives import DEPOSIT_UNIT, required_deposit, take_share
from ml.models import SparsePerceptron

YEAR = 365 * DAY
WINDOW = 3600  # commit-reveal window of the commit-reveal trainers below
SALT = b"\x5a" * 32
# ReentrancyGuardTransient.ReentrancyGuardReentrantCall(): the revert data of a reentrant call.
REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]
# ICollaborativeTrainer.Claim: what claimable() says to call
NO_CLAIM, REFUND, REPORT = range(3)
# ReentrantWithdrawer.Reentry
NO_REENTRY, REENTER_WITHDRAW, REENTER_REFUND, REENTER_REPORT, REENTER_ADD_DATA = range(5)


# ---------------------------------------------------------------------------------- helpers


def fee(account) -> int:
    """The gas fee of `account`'s latest transaction (a failed one included)."""
    receipt = chain.history[account.address][-1]
    assert receipt.transaction.nonce == account.nonce - 1, "not the latest transaction"
    return receipt.total_fees_paid


def pin() -> int:
    """Pins the next block's timestamp and returns it, so that a deposit computed for it is
    exact. It is at least a second after the latest block: anvil may give consecutive blocks the
    same timestamp, and a reveal needs a later one than its commitment."""
    timestamp = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
    chain.pending_timestamp = timestamp
    return timestamp


def deposit_of(trainer, receipt) -> int:
    """The deposit of the contribution a receipt added (its ContributionAdded event)."""
    (event,) = receipt.decode_logs(trainer.ContributionAdded)
    return event.deposit


def add_via(harness, trainer, sender, indices, label):
    """addData through a harness contract (so that it is the contributor), with exactly the
    required deposit; returns the deposit."""
    value = trainer.requiredDepositAt(pin())
    receipt = harness.addData(encode(indices), label, sender=sender, value=value)
    assert deposit_of(trainer, receipt) == value
    return value


def record(trainer, indices, label) -> tuple:
    """(contributor, addedAt, stake units, remaining units) of a contribution."""
    data = indices if isinstance(indices, bytes) else encode(indices)
    return tuple(trainer.contribution(data, label))


def state(trainer, reputation, contents, accounts) -> dict:
    """Everything an attack could change on the trainer's side."""
    return {
        "balance": trainer.balance,
        "lastUpdateTime": trainer.lastUpdateTime(),
        "records": [record(trainer, i, label) for i, label in contents],
        "credits": [trainer.credits(a) for a in accounts],
        "reputation": [reputation.balanceOf(a) for a in accounts],
        "totalReputation": reputation.totalSupply(),
    }


def assert_solvent(trainer, contents, accounts) -> None:
    """The trainer holds exactly the open deposits of `contents` plus the credits of `accounts`
    (which must be every contribution and every credited account)."""
    open_deposits = sum(record(trainer, i, label)[3] for i, label in contents) * DEPOSIT_UNIT
    credits = sum(trainer.credits(a) for a in accounts)
    assert trainer.balance == open_deposits + credits


def perceptron(learning_rate: float) -> SparsePerceptron:
    """The tests' 32-feature model (features 0-7 vote 1, 8-15 vote 0, 16-31 nothing) at
    another rate."""
    model = SparsePerceptron(
        num_features=NUM_FEATURES, learning_rate=learning_rate, class_names=["neg", "pos"]
    )
    model.params_ = list(small_model().params_)
    return model


# ------------------------------------------------------------------------- 1. reentrancy

OWN = None  # in REENTRIES: the harness's own open contribution (informative, refundable)
REENTRIES = {
    "withdraw": (REENTER_WITHDRAW, b"", 0),
    "refund": (REENTER_REFUND, OWN, OWN),
    "report": (REENTER_REPORT, encode(GOOD), 0),  # someone's bad data, reportable
    "addData": (REENTER_ADD_DATA, encode(NEGATIVE), 0),  # new, paid with the payment itself
}


def _reentrant_contributor(project, drt, owner, contributor):
    """A ReentrantWithdrawer holding a credit (its refunded informative contribution) and one
    reputation, with an open refundable informative contribution of its own and someone's
    open bad contribution (GOOD labelled 0) it may report: every reentrant call would succeed
    if it were made directly. Returns the harness, its credit, the two open deposits, the
    contents of every contribution (NEGATIVE labelled 0, the addData reentry's, last) and the
    reentrant call's (kind, data, label) for each of REENTRIES."""
    harness = owner.deploy(project.ReentrantWithdrawer, drt)
    bad_deposit = deposit_of(drt, add(drt, contributor, GOOD, 0))
    refunded = informative(drt, 0)
    credit = add_via(harness, drt, contributor, *refunded)
    own = informative(drt, 1)
    open_deposit = add_via(harness, drt, contributor, *own)
    assert drt.earnsReputation(encode(own[0]), own[1])
    wait(REFUND_WAIT)
    harness.refund(encode(refunded[0]), refunded[1], sender=contributor)
    assert drt.credits(harness) == credit
    contents = [refunded, own, (GOOD, 0), (NEGATIVE, 0)]
    calls = {
        name: (kind, encode(own[0]), own[1]) if data is OWN else (kind, data, label)
        for name, (kind, data, label) in REENTRIES.items()
    }
    return harness, credit, open_deposit, bad_deposit, contents, calls


@pytest.mark.parametrize("reentry", list(REENTRIES))
def test_reentrant_call_bubbled_up_reverts_the_whole_withdraw(
    project, drt, reputation, owner, contributor, reentry
):
    """A contract whose receive() re-enters the trainer (withdraw, refund, report or addData)
    and lets the failure bubble up: the trainer's nonReentrant guard rejects the inner call
    (ReentrancyGuardReentrantCall), so the payment fails, Address.sendValue bubbles the same
    error up and the whole withdraw reverts. Nothing is paid, the credit is intact and can be
    withdrawn normally afterwards."""
    harness, credit, open_deposit, bad_deposit, contents, calls = _reentrant_contributor(
        project, drt, owner, contributor
    )
    kind, data, label = calls[reentry]
    harness.arm(kind, False, data, label, sender=contributor)
    accounts = [harness, contributor]
    before = state(drt, reputation, contents, accounts)
    assert before["balance"] == credit + open_deposit + bad_deposit

    with reverts_with(harness.ReentrancyGuardReentrantCall):
        harness.withdraw(sender=contributor)

    assert state(drt, reputation, contents, accounts) == before
    assert harness.balance == 0
    assert harness.payments() == 0
    assert_solvent(drt, contents, accounts)

    # Disarmed, the same contract withdraws its intact credit, once.
    harness.arm(NO_REENTRY, False, b"", 0, sender=contributor)
    harness.withdraw(sender=contributor)
    assert harness.balance == credit
    assert harness.payments() == 1
    assert drt.credits(harness) == 0
    assert drt.balance == open_deposit + bad_deposit
    assert_solvent(drt, contents, accounts)


@pytest.mark.parametrize("reentry", list(REENTRIES))
def test_reentrant_call_swallowed_leaves_exactly_one_payment(
    project, drt, reputation, owner, contributor, reentry
):
    """The same contract swallowing the failure of its reentrant call: the inner call fails
    with ReentrancyGuardReentrantCall (recorded by the harness), the outer withdraw pays the
    credit exactly once and nothing else moves. The same call made directly afterwards
    succeeds (or, for withdraw, finds nothing left: the credit is zeroed before the payment, so
    even without the guard a second withdraw would get nothing), so only the guard stopped it."""
    harness, credit, open_deposit, bad_deposit, contents, calls = _reentrant_contributor(
        project, drt, owner, contributor
    )
    kind, data, label = calls[reentry]
    harness.arm(kind, True, data, label, sender=contributor)
    accounts = [harness, contributor]
    before = state(drt, reputation, contents, accounts)

    receipt = harness.withdraw(sender=contributor)

    withdrawn = receipt.decode_logs(drt.Withdrawn)
    assert [(e.account, e.amount) for e in withdrawn] == [(harness.address, credit)]
    assert harness.payments() == 1
    assert not harness.reentrySucceeded()
    assert bytes(harness.reentryError()) == REENTRANT_CALL
    assert harness.balance == credit  # the addData reentry's value came back with its failure
    after = state(drt, reputation, contents, accounts)
    assert after == {**before, "balance": before["balance"] - credit, "credits": [0, 0]}
    assert drt.balance == open_deposit + bad_deposit
    assert_solvent(drt, contents, accounts)

    harness.arm(NO_REENTRY, False, b"", 0, sender=contributor)
    if reentry == "withdraw":
        with reverts_with(drt.NothingToWithdraw, account=harness.address):
            harness.withdraw(sender=contributor)
        assert drt.balance == open_deposit + bad_deposit
    elif reentry == "refund":
        harness.refund(data, label, sender=contributor)
        assert drt.credits(harness) == open_deposit
        assert reputation.balanceOf(harness) == 2
    elif reentry == "report":
        harness.report(data, label, sender=contributor)
        assert drt.credits(harness) == bad_deposit  # the only reputation holder takes it all
        assert record(drt, data, label)[3] == 0
    else:
        add_via(harness, drt, contributor, NEGATIVE, 0)  # paid by the caller, as before
        assert harness.balance == credit
        assert record(drt, data, label)[0] == harness.address
    assert_solvent(drt, contents, accounts)


# ---------------------------------------------------------------- 2. a contract refusing ether


def test_contract_refusing_ether_keeps_its_credit_and_blocks_no_one(
    project, drt, reputation, owner, contributor, reporter, earn_reputation
):
    """A contributor whose receive() reverts can contribute and be credited; its withdraw
    reverts with Address.sendValue's FailedCall and its credit is kept (it stays in the trainer:
    credits are paid only to their holder). Pull payments mean it blocks no one: others refund,
    take (from its own bad deposit too) and withdraw as usual."""
    earned = earn_reputation(reporter)  # refunded: one reputation and a credit
    reporter_credit = drt.credits(reporter)
    refuser = owner.deploy(project.EtherRefuser, drt)
    taught = informative(drt, NUM_FEATURES - 17)  # the last neutral feature: new to the model
    good = add_via(refuser, drt, contributor, *taught)
    bad = add_via(refuser, drt, contributor, NEGATIVE, 1)  # the model says 0: bad data
    honest = deposit_of(drt, add(drt, contributor, [4, 5], 1))
    contents = [earned, taught, (NEGATIVE, 1), ([4, 5], 1)]
    accounts = [refuser, contributor, reporter]
    wait(REFUND_WAIT)

    refuser.refund(encode(taught[0]), taught[1], sender=contributor)
    assert drt.credits(refuser) == good
    assert reputation.balanceOf(refuser) == 1

    before = state(drt, reputation, contents, accounts)
    with reverts_with(refuser.FailedCall):
        refuser.withdraw(sender=contributor)
    assert state(drt, reputation, contents, accounts) == before
    assert refuser.balance == 0

    # Everyone else goes on: a take from the refuser's bad deposit, a refund, withdrawals.
    share = take_share(bad, bad, 1, 2)  # reporter and refuser hold one reputation each
    drt.report(encode(NEGATIVE), 1, sender=reporter)
    assert record(drt, NEGATIVE, 1)[3] * DEPOSIT_UNIT == bad - share
    drt.refund(encode([4, 5]), 1, sender=contributor)
    for account, amount in [(contributor, honest), (reporter, reporter_credit + share)]:
        balance = account.balance
        drt.withdraw(sender=account)
        assert account.balance == balance + amount - fee(account)
        assert drt.credits(account) == 0

    with reverts_with(refuser.FailedCall):
        refuser.withdraw(sender=contributor)
    assert drt.credits(refuser) == good
    assert drt.balance == good + (bad - share)
    assert_solvent(drt, contents, accounts)


# ------------------------------------------------------------- 3. self-take via a second address


def test_own_deposit_cannot_be_taken_back_before_anyone_may(
    drt, reputation, contributor, reporter, sybil, earn_reputation
):
    """A contributor of bad data cannot get its deposit back early: its refund fails (the model
    disagrees), a second address of its own without reputation gets NoReputation, and reporting
    its own contribution is a SelfTake. Reputation holders take their shares in the window.

    By design, once `anyAddressWait` has passed anyone takes all that is left, the sybil (or
    the author itself) included, so that no deposit stays locked forever. A contributor's
    protection is to refund in time (between refundWait and anyAddressWait, while the model
    agrees), and a bad contributor's penalty is what reputation holders take before then: a
    sybil only recovers what they left."""
    contributor_earned = earn_reputation(contributor)  # SelfTake, not NoReputation, stops it
    reporter_earned = earn_reputation(reporter)
    credits_before = drt.credits(contributor), drt.credits(reporter)
    receipt = add(drt, contributor, GOOD, 0)
    deposit, added_at = deposit_of(drt, receipt), chain.blocks.head.timestamp
    key = drt.contentKey(encode(GOOD), 0)
    cid = drt.contributionId(key, contributor, added_at)
    contents = [contributor_earned, reporter_earned, (GOOD, 0)]
    accounts = [contributor, reporter, sybil]
    wait(REFUND_WAIT)

    before = state(drt, reputation, contents, accounts)
    with reverts_with(drt.ModelDisagrees, label=0, predicted=1):
        drt.refund(encode(GOOD), 0, sender=contributor)
    with reverts_with(drt.NoReputation, taker=sybil.address):
        drt.report(encode(GOOD), 0, sender=sybil)
    with reverts_with(drt.SelfTake, taker=contributor.address):
        drt.report(encode(GOOD), 0, sender=contributor)
    assert tuple(drt.claimable(encode(GOOD), 0, sybil)) == (NO_CLAIM, 0, 0)
    assert tuple(drt.claimable(encode(GOOD), 0, contributor)) == (NO_CLAIM, 0, 0)
    assert state(drt, reputation, contents, accounts) == before

    share = take_share(deposit, deposit, 1, 2)
    drt.report(encode(GOOD), 0, sender=reporter)
    left = deposit - share
    assert record(drt, GOOD, 0) == (
        contributor.address,
        added_at,
        deposit // DEPOSIT_UNIT,
        left // DEPOSIT_UNIT,
    )

    # One second before anyone may: still nothing for the sybil.
    chain.pending_timestamp = added_at + ANY_ADDRESS_WAIT - 1
    with reverts_with(drt.NoReputation, taker=sybil.address):
        drt.report(encode(GOOD), 0, sender=sybil)

    chain.pending_timestamp = added_at + ANY_ADDRESS_WAIT
    receipt = drt.report(encode(GOOD), 0, sender=sybil)
    (taken,) = receipt.decode_logs(drt.DepositTaken)
    assert (taken.id, taken.taker, taken.amount) == (cid, sybil.address, left)
    assert record(drt, GOOD, 0)[3] == 0
    with reverts_with(drt.AlreadyClaimed, id=cid):
        drt.refund(encode(GOOD), 0, sender=contributor)
    with reverts_with(drt.AlreadyClaimed, id=cid):
        drt.report(encode(GOOD), 0, sender=contributor)

    assert drt.credits(contributor) == credits_before[0]
    assert drt.credits(reporter) == credits_before[1] + share
    assert drt.credits(sybil) == left
    assert [reputation.balanceOf(a) for a in accounts] == [1, 1, 0]
    balance = sybil.balance
    drt.withdraw(sender=sybil)
    assert sybil.balance == balance + left - fee(sybil)
    assert drt.balance == sum(credits_before) + share
    assert_solvent(drt, contents, accounts)


# -------------------------------------------------------------------------------- 4. copycats


def _commit_reveal_trainer(model_contract, owner):
    return deploy_trainer(model_contract, owner, commit_reveal_window=WINDOW).contract


def _reveal(trainer, sender, indices, label, salt=SALT):
    value = trainer.requiredDepositAt(pin())
    return trainer.reveal(encode(indices), label, salt, sender=sender, value=value)


def test_copycat_front_runs_an_open_submission(drt, reputation, contributor, stranger):
    """Without commit-reveal the sample travels in the clear: a copycat who sees the pending
    addData and submits the same (data, label) first owns the contribution; the original one
    reverts with DuplicateContribution, and the refund and reputation (the content is
    informative) go to the copycat."""
    indices, label = informative(drt, 0)  # new content the model gets wrong: it earns
    data = encode(indices)
    receipt = add(drt, stranger, indices, label)  # the copycat's transaction, mined first
    copied, added_at = deposit_of(drt, receipt), chain.blocks.head.timestamp
    cid = drt.contributionId(drt.contentKey(data, label), stranger, added_at)
    balance = contributor.balance
    with reverts_with(drt.DuplicateContribution, id=cid):
        add(drt, contributor, indices, label)
    assert contributor.balance == balance - fee(contributor)
    assert drt.balance == copied

    wait(REFUND_WAIT)
    drt.refund(data, label, sender=stranger)
    assert (drt.credits(stranger), drt.credits(contributor)) == (copied, 0)
    assert (reputation.balanceOf(stranger), reputation.balanceOf(contributor)) == (1, 0)
    assert_solvent(drt, [(indices, label)], [stranger, contributor])


def test_commit_reveal_binds_the_sender(project, model_contract, owner, contributor, stranger):
    """With commit-reveal, addData is refused (CommitRevealRequired). The commitment hashes the
    sender, so a copycat replaying the revealed (data, label, salt) finds no commitment
    (UnknownCommitment); its own commitment to the same data can only be revealed in a later
    block (at a later timestamp, in fact) than it was made, by when the honest reveal has made
    the content a DuplicateContribution."""
    trainer = _commit_reveal_trainer(model_contract, owner)
    reputation = project.ReputationToken.at(trainer.reputation())
    indices, label = informative(trainer, 0)  # new content the model gets wrong: it earns
    data = encode(indices)
    with reverts_with(trainer.CommitRevealRequired):
        trainer.addData(data, label, sender=contributor, value=10**18)

    honest = trainer.commitmentOf(data, label, SALT, contributor)
    receipt = trainer.commit(honest, sender=contributor)
    (committed,) = receipt.decode_logs(trainer.Committed)
    assert (committed.commitment, committed.contributor) == (honest, contributor.address)
    assert trainer.commitments(honest) == chain.blocks.head.timestamp

    # The copycat sees the honest reveal pending and replays it first.
    copied = trainer.commitmentOf(data, label, SALT, stranger)
    with reverts_with(trainer.UnknownCommitment, commitment=copied):
        _reveal(trainer, stranger, indices, label)
    # It commits to the same content itself (mined before the honest reveal, at best).
    own = trainer.commitmentOf(data, label, b"\x01" * 32, stranger)
    trainer.commit(own, sender=stranger)

    receipt = _reveal(trainer, contributor, indices, label)
    deposit, added_at = deposit_of(trainer, receipt), chain.blocks.head.timestamp
    assert trainer.commitments(honest) == 0  # a commitment is revealed once
    cid = trainer.contributionId(trainer.contentKey(data, label), contributor, added_at)
    balance = stranger.balance
    with reverts_with(trainer.DuplicateContribution, id=cid):
        _reveal(trainer, stranger, indices, label, b"\x01" * 32)
    assert stranger.balance == balance - fee(stranger)
    assert trainer.commitments(own) != 0

    assert record(trainer, indices, label) == (
        contributor.address,
        added_at,
        deposit // DEPOSIT_UNIT,
        deposit // DEPOSIT_UNIT,
    )
    wait(REFUND_WAIT)
    trainer.refund(data, label, sender=contributor)
    assert (trainer.credits(contributor), trainer.credits(stranger)) == (deposit, 0)
    assert (reputation.balanceOf(contributor), reputation.balanceOf(stranger)) == (1, 0)
    assert_solvent(trainer, [(indices, label)], [contributor, stranger])


def test_copied_commitment_is_worthless(model_contract, owner, contributor, stranger):
    """A copycat who copies the commitment hash itself and commits it first makes the honest
    commit revert (CommitmentExists), but gains nothing: the hash binds the honest sender, so
    only the honest contributor can reveal it (the copycat gets UnknownCommitment)."""
    trainer = _commit_reveal_trainer(model_contract, owner)
    honest = trainer.commitmentOf(encode(GOOD), 1, SALT, contributor)
    trainer.commit(honest, sender=stranger)
    committed_at = chain.blocks.head.timestamp
    with reverts_with(trainer.CommitmentExists, commitment=honest):
        trainer.commit(honest, sender=contributor)
    assert trainer.commitments(honest) == committed_at

    copied = trainer.commitmentOf(encode(GOOD), 1, SALT, stranger)
    with reverts_with(trainer.UnknownCommitment, commitment=copied):
        _reveal(trainer, stranger, GOOD, 1)
    deposit = deposit_of(trainer, _reveal(trainer, contributor, GOOD, 1))
    assert record(trainer, GOOD, 1)[0] == contributor.address
    assert trainer.balance == deposit
    assert_solvent(trainer, [(GOOD, 1)], [contributor, stranger])


def test_reveal_window(project, model_contract, owner, contributor):
    """A reveal must come in a later block than its commitment (RevealTooEarly: a contract
    commits and reveals in one transaction) and at most `commitRevealWindow` seconds after it
    (RevealTooLate one second later; exactly at the deadline it is accepted)."""
    trainer = _commit_reveal_trainer(model_contract, owner)
    revealer = owner.deploy(project.SameBlockRevealer)
    commitment = trainer.commitmentOf(encode(GOOD), 1, SALT, revealer)
    timestamp = pin()
    value = trainer.requiredDepositAt(timestamp)
    with reverts_with(revealer.RevealTooEarly, committedAt=timestamp):
        revealer.commitAndReveal(
            trainer, commitment, encode(GOOD), 1, SALT, sender=contributor, value=value
        )
    assert trainer.commitments(commitment) == 0
    assert trainer.balance == 0

    late = trainer.commitmentOf(encode(OTHER_GOOD), 1, SALT, contributor)
    trainer.commit(late, sender=contributor)
    late_at = chain.blocks.head.timestamp
    on_time = trainer.commitmentOf(encode(GOOD), 1, SALT, contributor)
    chain.pending_timestamp = late_at + 2  # its deadline comes after the late reveal's block
    trainer.commit(on_time, sender=contributor)
    on_time_at = chain.blocks.head.timestamp

    chain.pending_timestamp = late_at + WINDOW + 1
    with reverts_with(trainer.RevealTooLate, committedAt=late_at, deadline=late_at + WINDOW):
        trainer.reveal(encode(OTHER_GOOD), 1, SALT, sender=contributor, value=10**18)
    assert trainer.commitments(late) == late_at
    chain.pending_timestamp = on_time_at + WINDOW
    deposit = deposit_of(trainer, _reveal(trainer, contributor, GOOD, 1))
    assert record(trainer, GOOD, 1)[1] == on_time_at + WINDOW
    assert record(trainer, OTHER_GOOD, 1)[0] == "0x" + "00" * 20
    assert trainer.balance == deposit


def test_commit_reveal_is_refused_when_disabled(drt, contributor):
    """Without a window, commit and reveal are refused (CommitRevealDisabled) and keep nothing."""
    commitment = drt.commitmentOf(encode(GOOD), 1, SALT, contributor)
    with reverts_with(drt.CommitRevealDisabled):
        drt.commit(commitment, sender=contributor)
    with reverts_with(drt.CommitRevealDisabled):
        drt.reveal(encode(GOOD), 1, SALT, sender=contributor, value=10**18)
    assert drt.commitments(commitment) == 0
    assert drt.balance == 0


# --------------------------------------------------------------------------- 5. dust deposits


def test_dust_deposit_reverts_and_changes_nothing(drt, reputation, contributor):
    """Less than the required deposit, by one wei or entirely, reverts with
    InsufficientDeposit(sent, required) and changes nothing: no record, no new update time, no
    credit, and the sender only pays gas."""
    contents, accounts = [(GOOD, 1)], [contributor]
    before = state(drt, reputation, contents, accounts)
    for nothing in (False, True):
        timestamp = pin()
        required = drt.requiredDepositAt(timestamp)
        assert required == required_deposit(COST_WEIGHT, timestamp - drt.lastUpdateTime())
        sent = 0 if nothing else required - 1
        balance = contributor.balance
        with reverts_with(drt.InsufficientDeposit, sent=sent, required=required):
            drt.addData(encode(GOOD), 1, sender=contributor, value=sent)
        assert contributor.balance == balance - fee(contributor)
        assert state(drt, reputation, contents, accounts) == before


def test_required_deposit_never_falls_below_one_unit(drt, owner, contributor):
    """However long the model has been quiet (a century here) the deposit is a whole number of
    DEPOSIT_UNITs and at least one: with the smallest cost weight it is exactly one unit at any
    time, and one unit less one wei is refused."""
    last = drt.lastUpdateTime()
    for elapsed in (0, 1, DAY, YEAR, 100 * YEAR, 10**6 * YEAR):
        required = drt.requiredDepositAt(last + elapsed)
        assert required == required_deposit(COST_WEIGHT, elapsed)
        assert required >= DEPOSIT_UNIT and required % DEPOSIT_UNIT == 0
    assert drt.requiredDepositAt(last + 100 * YEAR) == 65 * DEPOSIT_UNIT
    assert drt.requiredDepositAt(0) == drt.requiredDepositAt(last)  # no elapsed time: the most

    cheapest = deploy_trainer(
        deploy_model(small_model(), owner).contract, owner, cost_weight=1
    ).contract
    last = cheapest.lastUpdateTime()
    for timestamp in (0, last, last + 1, last + 100 * YEAR, 2**64):
        assert cheapest.requiredDepositAt(timestamp) == DEPOSIT_UNIT
    pin()
    with reverts_with(cheapest.InsufficientDeposit, sent=DEPOSIT_UNIT - 1, required=DEPOSIT_UNIT):
        cheapest.addData(encode(GOOD), 1, sender=contributor, value=DEPOSIT_UNIT - 1)
    add(cheapest, contributor, GOOD, 1)
    assert record(cheapest, GOOD, 1)[2:] == (1, 1)
    assert cheapest.balance == DEPOSIT_UNIT


def test_overpayment_of_one_wei_is_credited_exactly(drt, reputation, contributor):
    """One wei too much is credited back exactly (OverpaymentCredited) and withdrawable; the
    record stakes exactly the required deposit."""
    balance, last = contributor.balance, drt.lastUpdateTime()
    receipt = add(drt, contributor, GOOD, 1, extra=1)
    added_at = chain.blocks.head.timestamp
    required = receipt.transaction.value - 1
    assert required == required_deposit(COST_WEIGHT, added_at - last)
    (over,) = receipt.decode_logs(drt.OverpaymentCredited)
    assert (over.contributor, over.amount) == (contributor.address, 1)
    assert deposit_of(drt, receipt) == required
    assert record(drt, GOOD, 1) == (
        contributor.address,
        added_at,
        required // DEPOSIT_UNIT,
        required // DEPOSIT_UNIT,
    )
    assert drt.credits(contributor) == 1
    assert drt.balance == required + 1
    assert contributor.balance == balance - required - 1 - fee(contributor)

    balance = contributor.balance
    drt.withdraw(sender=contributor)
    assert contributor.balance == balance + 1 - fee(contributor)
    assert drt.credits(contributor) == 0
    assert drt.balance == required
    assert reputation.balanceOf(contributor) == 0
    assert_solvent(drt, [(GOOD, 1)], [contributor])


# ------------------------------------------------------------------ 6. oversized and malformed


def _model_state(model_contract) -> tuple:
    return tuple(model_contract.words(0, model_contract.wordCount())), model_contract.intercept()


def intrinsic_gas(transaction) -> tuple[int, int]:
    """(standard, floor): the gas any transaction with this calldata pays before executing a
    single opcode, 21,000 plus 4 per calldata token (a zero byte is one token, another byte
    four), and EIP-7623's calldata floor (10 per token), paid instead when it is more."""
    data = bytes(transaction.data)
    tokens = sum(1 if b == 0 else 4 for b in data)
    return 21_000 + 4 * tokens, 21_000 + 10 * tokens


def test_oversized_sample_is_refused_before_the_model(drt, model_contract, contributor):
    """A sample longer than maxSampleBytes (the model's own bound) reverts with SampleTooLarge
    before any other work: the failed transaction costs little more than its intrinsic gas (no
    storage written, no model call), the model is untouched and no deposit is kept. A sample
    of exactly maxSampleBytes passes this check and is rejected by the model itself."""
    max_bytes = drt.maxSampleBytes()
    assert max_bytes == model_contract.maxSampleBytes()
    assert max_bytes >= 2 * NUM_FEATURES and max_bytes % 2 == 0  # every valid sample fits
    model_before, last = _model_state(model_contract), drt.lastUpdateTime()
    oversized = b"\x00\x01" * (max_bytes // 2 + 1)
    value = drt.requiredDepositAt(pin())
    balance = contributor.balance
    with reverts_with(drt.SampleTooLarge, length=max_bytes + 2, maxLength=max_bytes):
        drt.addData(oversized, 1, sender=contributor, value=value)
    refused = chain.history[contributor.address][-1]
    assert refused.failed
    assert contributor.balance == balance - fee(contributor)
    # 21,000 for any transaction plus its calldata; writing the record alone would add 22,100.
    standard, floor = intrinsic_gas(refused.transaction)
    assert refused.gas_used < max(standard + 5_000, floor + 1)

    # At the limit, the size check passes and the model rejects the repeated indices.
    at_limit = b"\x00\x01" * (max_bytes // 2)
    assert len(at_limit) == max_bytes
    with reverts_with(model_contract.FeaturesNotIncreasing, position=1, previous=1, feature=1):
        drt.addData(at_limit, 1, sender=contributor, value=value)
    rejected = chain.history[contributor.address][-1]
    assert rejected.gas_used > refused.gas_used + 20_000  # it did the work the first one did not

    assert _model_state(model_contract) == model_before
    assert drt.lastUpdateTime() == last
    assert record(drt, oversized, 1)[0] == record(drt, at_limit, 1)[0] == "0x" + "00" * 20
    assert drt.balance == 0
    assert drt.credits(contributor) == 0


MALFORMED = {
    "duplicate index": (b"\x00\x01\x00\x01", 1, "FeaturesNotIncreasing", (1, 1, 1)),
    "decreasing indices": (b"\x00\x03\x00\x02", 1, "FeaturesNotIncreasing", (1, 3, 2)),
    "index out of range": (
        encode([1]) + NUM_FEATURES.to_bytes(2, "big"),
        1,
        "FeatureOutOfRange",
        (NUM_FEATURES, NUM_FEATURES),
    ),
    "odd length": (b"\x00\x01\x00", 1, "MalformedSample", (3, 2)),
    "empty": (b"", 1, "EmptySample", ()),
    "unknown class": (encode(GOOD), 2, "UnknownClass", (2, 2)),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_sample_bubbles_the_model_error(
    drt, reputation, model_contract, contributor, case
):
    """A malformed sample or label reverts with the model's own error, bubbled up through the
    trainer, leaving no record, no new update time and no deposit taken."""
    data, label, name, values = MALFORMED[case]
    error = getattr(model_contract, name)
    inputs = dict(zip([i.name for i in error.abi.inputs], values, strict=True))
    contents, accounts = [(data, label)], [contributor]
    before = state(drt, reputation, contents, accounts), _model_state(model_contract)
    value = drt.requiredDepositAt(pin())
    balance = contributor.balance
    with reverts_with(error, **inputs):
        drt.addData(data, label, sender=contributor, value=value)
    assert contributor.balance == balance - fee(contributor)
    assert (state(drt, reputation, contents, accounts), _model_state(model_contract)) == before
    assert drt.balance == 0


# ----------------------------------------------------------------------- 7. steering the judge


def test_steering_the_judge_takes_an_honest_deposit(project, owner, contributor, accounts):
    """An attacker holding reputation steers the model with bad data until it disagrees with
    an honest contribution, then takes the honest deposit; this succeeds.

    What the mechanism cannot prevent: the judge is the current model, so whoever moves the
    model within the refund wait decides who is refunded and who is taken from. Here the
    attacker's own steering contributions even agree with the steered model, so they are
    refunded in full and earn it more reputation: the attack costs it nothing but gas and
    locked capital. What it does: it prices the attack. The deposit falls with the time since
    the last update, so the honest contributor, arriving after a quiet day, stakes little,
    while the attacker, who must update right after it (before the honest refund comes due),
    pays the largest deposit for every steering contribution, about isqrt(a day) = 293 times
    what it can take, locked for the refund wait. It also needs reputation (a validated,
    informative contribution) and shares the take with every other reputation holder in
    proportion (here it holds all)."""
    attacker = accounts[5]
    model = perceptron(0.5)
    model_contract = deploy_model(model, owner).contract
    trainer = deploy_trainer(model_contract, owner, cost_weight=COST_WEIGHT).contract
    reputation = project.ReputationToken.at(trainer.reputation())
    balances = {a.address: a.balance for a in (attacker, contributor)}
    fees = {a.address: 0 for a in (attacker, contributor)}

    def send(account, method, *args, **kwargs):
        receipt = getattr(trainer, method)(*args, sender=account, **kwargs)
        fees[account.address] += receipt.total_fees_paid
        return receipt

    # Reputation first: an informative contribution (new content the model got wrong),
    # refunded a day later.
    taught, taught_label = informative(trainer, 0)
    price_of_reputation = trainer.requiredDepositAt(pin())
    send(attacker, "addData", encode(taught), taught_label, value=price_of_reputation)
    assert model.update_fixed(taught, taught_label)
    wait(REFUND_WAIT)
    send(attacker, "refund", encode(taught), taught_label)
    assert reputation.balanceOf(attacker) == 1

    # The honest contribution after a quiet day: a small deposit.
    honest_at = pin()
    honest = trainer.requiredDepositAt(honest_at)
    assert honest == required_deposit(COST_WEIGHT, honest_at - trainer.lastUpdateTime())
    send(contributor, "addData", encode(GOOD), 1, value=honest)
    assert model.predict_fixed(GOOD) == trainer.predict(encode(GOOD)) == 1

    # Steering: bad data containing GOOD's features labelled 0, one per second, until the
    # model (the mirror predicts it) disagrees with the honest label.
    steering, staked = [], 0
    for extra in range(2, 8):
        if model.predict_fixed(GOOD) == 0:
            break
        sample = [*GOOD, extra]
        assert model.update_fixed(sample, 0)  # each one moves the model
        deposit = trainer.requiredDepositAt(pin())
        assert deposit == required_deposit(COST_WEIGHT, 1) == 3600 * COST_WEIGHT
        send(attacker, "addData", encode(sample), 0, value=deposit)
        steering.append(sample)
        staked += deposit
    assert len(steering) == 2
    assert trainer.predict(encode(GOOD)) == 0
    assert staked == 2 * 3600 * COST_WEIGHT
    assert staked > 500 * honest  # the attacker locks far more than it can take

    # When the honest refund comes due, the model disagrees: the refund fails, the take works.
    chain.pending_timestamp = honest_at + REFUND_WAIT
    with reverts_with(trainer.ModelDisagrees, label=1, predicted=0):
        trainer.refund(encode(GOOD), 1, sender=contributor)
    fees[contributor.address] += fee(contributor)
    assert tuple(trainer.claimable(encode(GOOD), 1, attacker)) == (REPORT, honest, 0)
    receipt = send(attacker, "report", encode(GOOD), 1)
    (taken,) = receipt.decode_logs(trainer.DepositTaken)
    assert (taken.taker, taken.amount) == (attacker.address, honest)
    assert record(trainer, GOOD, 1)[3] == 0

    # The steered model agrees with the attacker's own bad data: it is all refunded, and
    # each steering contribution was informative (new, and the model said 1 before it).
    wait(REFUND_WAIT)
    for sample in steering:
        assert model.predict_fixed(sample) == trainer.predict(encode(sample)) == 0
        assert trainer.claimable(encode(sample), 0, attacker) == (REFUND, 3600 * COST_WEIGHT, 1)
        send(attacker, "refund", encode(sample), 0)
    assert reputation.balanceOf(attacker) == 1 + len(steering)
    assert reputation.balanceOf(contributor) == 0
    assert trainer.credits(attacker) == price_of_reputation + staked + honest
    send(attacker, "withdraw")

    assert attacker.balance == balances[attacker.address] + honest - fees[attacker.address]
    assert contributor.balance == (
        balances[contributor.address] - honest - fees[contributor.address]
    )
    contents = [(taught, taught_label), (GOOD, 1)] + [(s, 0) for s in steering]
    assert trainer.balance == 0
    assert_solvent(trainer, contents, [attacker, contributor])


# ------------------------------------------------------------------------------- 8. year 2106


def test_contributions_are_refused_rather_than_misdated_after_2106(
    drt, reputation, contributor, stranger
):
    """Records keep their time as uint32 seconds, which run out on 2106-02-07. The last second
    still works (and its record is refunded later as usual); past it a contribution must not be
    recorded with a wrapped time (it would look 136 years old, so anyone could take its deposit
    at once): it is refused (SafeCast) and nothing changes."""
    last_second = 2**32 - 1
    taught, label = informative(drt, 0)  # new content the model gets wrong: it earns
    chain.pending_timestamp = last_second
    deposit = deposit_of(drt, add(drt, contributor, taught, label))
    assert record(drt, taught, label) == (
        contributor.address,
        last_second,
        deposit // DEPOSIT_UNIT,
        deposit // DEPOSIT_UNIT,
    )

    contents, accounts = [(GOOD, 1), (taught, label)], [contributor, stranger]
    before = state(drt, reputation, contents, accounts)
    value = drt.requiredDepositAt(pin())
    assert chain.pending_timestamp == 2**32
    balance = contributor.balance
    with reverts_with(drt.SafeCastOverflowedUintDowncast, bits=32, value=2**32):
        drt.addData(encode(GOOD), 1, sender=contributor, value=value)
    assert contributor.balance == balance - fee(contributor)
    assert state(drt, reputation, contents, accounts) == before
    with reverts_with(drt.UnknownContribution, contentKey=drt.contentKey(encode(GOOD), 1)):
        drt.report(encode(GOOD), 1, sender=stranger)
    # The last-second record is protected for the refund wait like any other.
    assert tuple(drt.claimable(encode(taught), label, stranger)) == (NO_CLAIM, 0, 0)

    chain.pending_timestamp = last_second + REFUND_WAIT
    drt.refund(encode(taught), label, sender=contributor)
    assert drt.credits(contributor) == deposit
    assert reputation.balanceOf(contributor) == 1
    assert_solvent(drt, contents, accounts)
