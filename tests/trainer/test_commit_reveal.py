"""Commit-reveal mode: a contribution must be committed (bound to its sender) in an earlier
block and revealed within the window."""

import pytest
from ape import chain
from helpers import reverts_with
from trainer_helpers import GOOD, encode, record

from ml.deploy import deploy_trainer

WINDOW = 3600
SALT = b"\x11" * 32


@pytest.fixture
def sealed(model_contract, owner):
    return deploy_trainer(model_contract, owner, commit_reveal_window=WINDOW).contract


def test_commit_then_reveal(sealed, contributor):
    commitment = sealed.commitmentOf(encode(GOOD), 1, SALT, contributor)
    receipt = sealed.commit(commitment, sender=contributor)
    assert receipt.events == [sealed.Committed(commitment, contributor)]
    assert sealed.commitments(commitment) == receipt.timestamp
    with reverts_with(sealed.CommitRevealRequired):
        sealed.addData(encode(GOOD), 1, sender=contributor, value=sealed.requiredDeposit() * 2)

    chain.mine(1, deltatime=60)
    chain.pending_timestamp = chain.pending_timestamp
    deposit = sealed.requiredDepositAt(chain.pending_timestamp)
    sealed.reveal(encode(GOOD), 1, SALT, sender=contributor, value=deposit)

    assert record(sealed, GOOD, 1)["contributor"] == contributor
    assert sealed.commitments(commitment) == 0
    assert sealed.balance == deposit


def test_reveal_errors(sealed, contributor, reporter):
    commitment = sealed.commitmentOf(encode(GOOD), 1, SALT, contributor)
    with reverts_with(sealed.UnknownCommitment, commitment=commitment):
        sealed.reveal(encode(GOOD), 1, SALT, sender=contributor, value=10**19)
    committed_at = sealed.commit(commitment, sender=contributor).timestamp
    with reverts_with(sealed.CommitmentExists, commitment=commitment):
        sealed.commit(commitment, sender=reporter)
    # The commitment binds the sender: a copy of (data, label, salt) is someone else's.
    copied = sealed.commitmentOf(encode(GOOD), 1, SALT, reporter)
    with reverts_with(sealed.UnknownCommitment, commitment=copied):
        sealed.reveal(encode(GOOD), 1, SALT, sender=reporter, value=10**19)
    chain.mine(1, deltatime=WINDOW + 1)
    with reverts_with(
        sealed.RevealTooLate, committedAt=committed_at, deadline=committed_at + WINDOW
    ):
        sealed.reveal(encode(GOOD), 1, SALT, sender=contributor, value=10**19)
    assert sealed.balance == 0


def test_commit_reveal_off_by_default(drt, contributor):
    with reverts_with(drt.CommitRevealDisabled):
        drt.commit(b"\x01" * 32, sender=contributor)
    with reverts_with(drt.CommitRevealDisabled):
        drt.reveal(encode(GOOD), 1, SALT, sender=contributor)
