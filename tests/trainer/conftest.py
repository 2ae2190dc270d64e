"""Fixtures for the trainer tests: a small sparse perceptron whose predictions the tests
control (see trainer_helpers), wired to a Deposit-Refund-Take or Points trainer, and roles."""

import pytest
from trainer_helpers import (
    ANY_ADDRESS_WAIT,
    COST_WEIGHT,
    FIRST_NEUTRAL,
    NUM_FEATURES,
    REFUND_WAIT,
    add,
    encode,
    informative,
    small_model,
    wait,
)

from ml.deploy import deploy_model, deploy_trainer


@pytest.fixture
def model_contract(owner):
    return deploy_model(small_model(), owner).contract


@pytest.fixture
def drt(model_contract, owner):
    """A Deposit-Refund-Take trainer: refund after a day, anyone may take after nine."""
    return deploy_trainer(
        model_contract,
        owner,
        cost_weight=COST_WEIGHT,
        refund_wait=REFUND_WAIT,
        any_address_wait=ANY_ADDRESS_WAIT,
    ).contract


@pytest.fixture
def points(model_contract, owner):
    return deploy_trainer(
        model_contract, owner, mechanism="points", refund_wait=REFUND_WAIT
    ).contract


@pytest.fixture
def reputation(drt, project):
    return project.ReputationToken.at(drt.reputation())


@pytest.fixture
def stranger(accounts):
    """Holds no reputation."""
    return accounts[3]


@pytest.fixture
def sybil(accounts):
    """A second address of the contributor's."""
    return accounts[4]


@pytest.fixture
def earn_reputation(drt):
    """Gives `account` one reputation through a validated, informative contribution (new
    content each call: the k-th neutral feature, from k = 0); returns its (indices, label)."""
    used = iter(range(NUM_FEATURES - FIRST_NEUTRAL))

    def earn(account):
        indices, label = informative(drt, next(used))
        add(drt, account, indices, label)
        wait(REFUND_WAIT)
        drt.refund(encode(indices), label, sender=account)
        return indices, label

    return earn
