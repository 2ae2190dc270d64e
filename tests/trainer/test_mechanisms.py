"""The registry of mechanisms (ml.mechanisms): every entry deploys as its contract with its
parameters, refuses what its constructor refuses, and its mirror agrees with the contract on a
short real sequence (what `claimable` offers each account, what each claim pays, reputation,
credits, the trainer's ether and the model)."""

import copy

import ape
import pytest
from trainer_helpers import (
    ANY_ADDRESS_WAIT,
    COST_WEIGHT,
    GOOD,
    NEGATIVE,
    REFUND_WAIT,
    encode,
    informative,
    small_model,
)

from ml import mechanisms
from ml.deploy import deploy_model, deploy_trainer
from ml.test_set import TestSet

PARAMETERS = {
    "cost_weight": COST_WEIGHT,
    "refund_wait": REFUND_WAIT,
    "any_address_wait": ANY_ADDRESS_WAIT,
}


#: the trainers judged by their model; the market's mirror is checked in tests/market
JUDGED_BY_THE_MODEL = [k for k, m in mechanisms.MECHANISMS.items() if not m.takes_test_set]


def _deploy(kind, owner, **parameters):
    model = small_model()
    market = {}
    if mechanisms.get(kind).takes_test_set:
        samples = [model.encode_fixed(GOOD), model.encode_fixed(NEGATIVE)]
        market = {"test_set": TestSet.make(samples, [1, 0], seed=1), "reward": 10**15}
    deployment = deploy_trainer(
        deploy_model(model, owner).contract, owner, mechanism=kind, **market, **parameters
    )
    return model, deployment


@pytest.mark.parametrize("kind", list(mechanisms.MECHANISMS))
def test_every_mechanism_deploys_as_its_contract_with_its_parameters(kind, owner, project):
    mechanism = mechanisms.get(kind)
    _, deployment = _deploy(kind, owner, **PARAMETERS)
    trainer = deployment.contract
    assert trainer.contract_type.name == mechanism.contract_name
    assert set(deployment.parameters) == set(mechanism.parameter_names)
    assert trainer.refundWait() == (0 if mechanism.takes_test_set else REFUND_WAIT)
    assert trainer.commitRevealWindow() == 0
    assert trainer.requiredDeposit() >= 0


@pytest.mark.parametrize(
    "kind, parameters, message",
    [
        ("deposit-refund-take", {"refund_wait": 60, "any_address_wait": 60}, "shorter than"),
        ("deposit-refund-take", {"cost_weight": 0}, "cost_weight must be positive"),
        ("points", {"commit_reveal_window": 30 * 86_400 + 1}, "at most 30 days"),
    ],
)
def test_the_registry_refuses_what_the_constructor_refuses(kind, parameters, message, owner):
    mechanism = mechanisms.get(kind)
    with pytest.raises(mechanisms.MechanismError, match=message) as err:
        mechanism.parameters_from(parameters)
    assert "\n" not in str(err.value)
    # The contract refuses the same values (bypassing the registry's check).
    values = {p.name: parameters.get(p.name, p.default) for p in mechanism.parameters}
    model_contract = deploy_model(small_model(), owner).contract
    contract_type = getattr(ape.project, mechanism.contract_name)
    args = mechanism.constructor_args(model_contract, values, bytes(32))
    with ape.reverts():
        owner.deploy(contract_type, *args)
    # And the bound itself is accepted.
    if kind == "points":
        ok = mechanism.parameters_from({"commit_reveal_window": 30 * 86_400})
        owner.deploy(contract_type, *mechanism.constructor_args(model_contract, ok, bytes(32)))


def test_an_unknown_mechanism_is_one_line():
    with pytest.raises(mechanisms.MechanismError, match="unknown mechanism 'auction': one of"):
        mechanisms.get("auction")
    with pytest.raises(mechanisms.MechanismError, match="not a parameter of any mechanism"):
        mechanisms.get("points").parameters_from({"refund_delay": 1})
    with pytest.raises(mechanisms.MechanismError, match="does not apply to points"):
        mechanisms.get("points").parameters_from({"cost_weight": 1}, strict=True)


@pytest.mark.parametrize("kind", JUDGED_BY_THE_MODEL)
def test_the_mirror_agrees_with_the_contract(kind, owner, accounts, chain, project):
    """Informative, known and wrongly labelled contributions by three accounts; every claim the
    contract's `claimable` offers is checked against the mirror's and made, after the refund
    wait and again after the any-address wait; then closed content is added again (it earns
    nothing now)."""
    mechanism = mechanisms.get(kind)
    model, deployment = _deploy(kind, owner, **PARAMETERS)
    trainer = deployment.contract
    reputation = project.ReputationToken.at(trainer.reputation())
    deployed_at = chain.blocks[deployment.receipts[0].block_number].timestamp
    mirror = mechanism.mirror(copy.deepcopy(model), deployment.parameters, deployed_at=deployed_at)
    people = accounts[1:4]
    lesson, lesson_label = informative(trainer, 0)
    sequence = [
        (people[0], lesson, lesson_label),  # new, and the model gets it wrong: informative
        (people[1], GOOD, 1),  # the model already knew it
        (people[2], GOOD, 0),  # wrong label
        (people[1], NEGATIVE, 0),  # the model already knew it
    ]
    keys = [(encode(x), label) for _, x, label in sequence]

    def add(account, x, label):
        now = chain.pending_timestamp
        chain.pending_timestamp = now
        value = trainer.requiredDepositAt(now)
        assert value == mirror.required_deposit(now)
        receipt = trainer.addData(encode(x), label, sender=account, value=value)
        assert mirror.add((encode(x), label), list(x), account.address, now, value) is None
        [event] = receipt.decode_logs(trainer.ContributionAdded)
        assert event.earnsReputation == mirror.earns_reputation((encode(x), label))

    def same_state():
        now = chain.blocks.head.timestamp
        for key in keys:
            assert trainer.earnsReputation(*key) == mirror.earns_reputation(key)
            for account in people:
                offered = trainer.claimable(*key, account)
                assert tuple(offered) == tuple(mirror.claimable(key, account.address, now)), key
        for account in people:
            assert trainer.credits(account) == mirror.credits.get(account.address, 0)
            assert reputation.balanceOf(account) == mirror.reputation.get(account.address, 0)
        assert reputation.totalSupply() == mirror.total_reputation
        assert trainer.balance == mirror.balance
        assert type(model).from_contract(project.SparsePerceptron.at(trainer.model())).state() == (
            mirror.model.state()
        )

    def claim_everything():
        made = 0
        for account in people:
            for key in keys:
                chain.pending_timestamp = now = chain.pending_timestamp
                offered = mechanisms.Claim.of(trainer.claimable(*key, account, block_id="pending"))
                if offered.action == mechanisms.Action.NONE:
                    continue
                operation = offered.action.name.lower()
                getattr(trainer, operation)(*key, sender=account)
                assert getattr(mirror, operation)(key, account.address, now) is None
                made += 1
        for account in people:
            if mirror.withdraw(account.address):
                trainer.withdraw(sender=account)
        return made

    for account, x, label in sequence:
        add(account, x, label)
    same_state()
    chain.mine(1, deltatime=REFUND_WAIT)
    same_state()
    assert claim_everything() > 0
    same_state()
    chain.mine(1, deltatime=ANY_ADDRESS_WAIT)
    same_state()
    claim_everything()
    same_state()
    assert reputation.totalSupply() > 0  # the informative refund minted
    # Closed content once more: never new again, so it earns nothing.
    add(people[0], lesson, lesson_label)
    assert not trainer.earnsReputation(encode(lesson), lesson_label)
    same_state()
