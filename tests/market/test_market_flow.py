"""A whole market on chain beside its mirror: create, contribute, reveal in chunks, score in
chunks, claim and withdraw; every score, credit and the market's ether equal the mirror's."""

import copy

from ape import chain

from ml import mechanisms
from ml.deploy import deploy_model, deploy_trainer
from ml.mechanisms import Phase
from ml.models import SparsePerceptron
from ml.test_set import TestSet

DAY = 86_400
STAKE = 10**15
REWARD = 10**17


def small_model() -> SparsePerceptron:
    model = SparsePerceptron(num_features=16, learning_rate=0.5, class_names=["neg", "pos"])
    model.params_ = [0] * 16
    return model


def test_a_whole_market(owner, accounts):
    model = small_model()
    contract = deploy_model(model, owner).contract
    # The test set: features 0-7 are class 1, 8-15 class 0.
    tests = [([i], 1) for i in range(8)] + [([8 + i], 0) for i in range(8)]
    test_set = TestSet.make(
        [model.encode_fixed(s) for s, _ in tests], [y for _, y in tests], seed=1
    )
    values = {"stake": STAKE, "window": DAY, "reveal_window": DAY, "max_contributions": 64}
    market = deploy_trainer(
        contract, owner, mechanism="prediction-market", test_set=test_set, reward=REWARD, **values
    ).contract
    mechanism = mechanisms.get("prediction-market")
    mirror = mechanism.mirror(
        copy.deepcopy(model),
        mechanism.parameters_from(values),
        deployed_at=market.windowEnd() - DAY,
        test_set_size=len(test_set),
        reward=REWARD,
        provider=owner.address,
    )
    contributions = [
        (accounts[1], [0, 1], 1),  # helps
        (accounts[2], [2, 9], 0),  # mixed
        (accounts[3], [3, 4], 0),  # harms
        (accounts[1], [10, 11], 0),  # helps
        (accounts[2], [5], 1),
    ]
    for sender, indices, label in contributions:
        data = model.encode_fixed(indices)
        now = chain.pending_timestamp
        chain.pending_timestamp = now
        market.addData(data, label, sender=sender, value=STAKE)
        assert mirror.add((data, label), indices, sender.address, now, STAKE) is None
    chain.mine(1, deltatime=DAY)
    assert Phase(market.phase()) == Phase.REVEAL
    for start in range(0, len(test_set), 5):
        args = test_set.reveal_args(start, 5)
        market.revealTestSet(args, sender=accounts[4])
        leaves = [(i, label, tests[i][0]) for i, _, label, _, _ in args]
        assert mirror.reveal(leaves, chain.blocks[-1].timestamp) is None
    assert Phase(market.phase()) == Phase.SCORING
    upcoming = [(model.encode_fixed(i), label) for _, i, label in contributions]
    done = 0
    while Phase(market.phase()) == Phase.SCORING:
        c = market.cursor()
        first = c[0] - 1 if c[0] > 0 and not c[6] else c[0]
        market.evaluate(7, upcoming[max(first, 0) :], sender=accounts[5])
        reason, steps = mirror.evaluate(7, chain.blocks[-1].timestamp)
        assert reason is None
        done += steps
    assert done == (1 + len(contributions)) * len(test_set) + len(contributions)
    for _, indices, label in contributions:
        data = model.encode_fixed(indices)
        scored, score = market.scoreOf(data, label)
        assert scored and score == mirror.scores[(data, label)][0]
    for sender, indices, label in contributions:
        data = model.encode_fixed(indices)
        now = chain.pending_timestamp
        offer = mechanisms.Claim.of(market.claimable(data, label, sender))
        assert offer == mirror.claimable((data, label), sender.address, now)
        if offer.action == mechanisms.Action.REFUND:
            market.refund(data, label, sender=sender)
            assert mirror.refund((data, label), sender.address, now) is None
    for account in [owner, *accounts[1:4]]:
        assert market.credits(account) == mirror.credits.get(account.address, 0)
    assert market.balance == REWARD + len(contributions) * STAKE
    assert sum(mirror.credits.values()) == market.balance
