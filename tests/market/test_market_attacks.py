"""The attacks of tests/trainer/test_attacks.py against a market: the judge-steering attacker
that takes an honest deposit under Deposit-Refund-Take loses in a market on the same data (the
judge is a test set it cannot see or move), a copycat of an open contribution is refused, and a
sybil splitting its contributions over addresses gets exactly what one address would.

Ether is compared gas aside ("gas-free": each account's balance plus the fees it paid, reverted
transactions' included), so that only what the mechanism moves is measured."""

from ape import chain
from market_helpers import DAY, REWARD, STAKE, deploy_market, small_perceptron
from trainer.trainer_helpers import FIRST_NEUTRAL, GOOD, NUM_FEATURES, small_model

from ml.mechanisms import Phase
from ml.models import SparsePerceptron


def judge_model() -> SparsePerceptron:
    """test_attacks' steering model: the trainer tests' 32-feature perceptron (features 0-7
    vote 1, 8-15 vote 0, 16-31 nothing) at learning rate 0.5."""
    model = SparsePerceptron(num_features=NUM_FEATURES, learning_rate=0.5, class_names=["n", "p"])
    model.params_ = list(small_model().params_)
    return model


#: An honest test set of the same concept: each voting feature alone, and GOOD itself.
HONEST_TESTS = [([i], 1) for i in range(8)] + [([8 + i], 0) for i in range(8)] + [(GOOD, 1)]


def gas_free(run, account) -> int:
    return account.balance + run.fees.get(account.address, 0)


def settle_and_withdraw(run, keeper, accounts) -> None:
    chain.mine(1, deltatime=DAY)
    run.reveal_all(len(run.test_set), keeper)
    run.evaluate_all(1000, keeper)
    assert run.mirror.phase(chain.pending_timestamp) == Phase.SETTLED
    run.claim_all()
    for account in accounts:
        run.withdraw(account)
    run.check()


def test_the_judge_steering_attacker_loses_in_a_market(provider, contributors, keeper, accounts):
    """The attack that wins under Deposit-Refund-Take, move for move: the attacker's
    informative contribution (a neutral feature, which it needed there for reputation), the
    honest GOOD labelled 1, then the attacker's steering samples (GOOD's features and one more,
    labelled 0) until the model says 0 for GOOD. In the market the replay scores each on the
    hidden test set: the steering breaks test samples, so its stake is forfeited, and the
    honest contribution (the model already knew it) gets its stake back."""
    attacker, honest = accounts[7], contributors[0]
    run = deploy_market(judge_model(), HONEST_TESTS, provider)
    start = {a.address: gas_free(run, a) for a in (attacker, honest)}

    taught = [FIRST_NEUTRAL]
    assert run.add(attacker, taught, 1 - run.model.predict_fixed(taught)) is None
    assert run.add(honest, GOOD, 1) is None
    steering = [[*GOOD, 2], [*GOOD, 3]]  # the two that flip GOOD in test_attacks
    for sample in steering:
        assert run.add(attacker, sample, 0) is None
    settle_and_withdraw(run, keeper, [attacker, honest, provider])

    scores = [run.mirror.scores[c.key][0] for c in run.contributions]
    end = {a.address: gas_free(run, a) for a in (attacker, honest)}
    lost = start[attacker.address] - end[attacker.address]
    print(f"judge steering in a market: scores {scores}, the attacker lost {lost} wei")
    assert end[attacker.address] < start[attacker.address], (
        f"the attacker did not lose: start {start[attacker.address]} wei, end "
        f"{end[attacker.address]} wei (gas aside); scores {scores}"
    )
    assert end[honest.address] >= start[honest.address], (
        f"the honest contributor lost: start {start[honest.address]} wei, end "
        f"{end[honest.address]} wei (gas aside); scores {scores}"
    )
    negative = sum(
        s < 0 for s, c in zip(scores, run.contributions, strict=True) if c.sender == attacker
    )
    assert negative >= 1 and lost == negative * STAKE, (
        f"the attacker lost {lost} wei, {negative} negative stakes of {STAKE}; scores {scores}"
    )


def test_a_copycat_of_an_open_contribution_is_refused(perceptron_market, contributors, keeper):
    """A copy of an open contribution (same data, same label) is a DuplicateContribution while
    the market is open: the copycat pays gas and nothing else, and the original is scored and
    paid as if the copycat had never come."""
    run = perceptron_market
    honest, copycat = contributors[0], contributors[1]
    start = {x.address: gas_free(run, x) for x in (honest, copycat)}
    assert run.add(honest, [2, 9], 0) is None
    assert run.add(copycat, [2, 9], 0) == "DuplicateContribution"
    assert run.add(copycat, [2, 9], 0, value=2 * STAKE) == "DuplicateContribution"
    assert run.market.credits(copycat) == 0
    settle_and_withdraw(run, keeper, [honest])
    assert [c.sender for c in run.contributions] == [honest]
    assert run.market.scoreOf(*run.contributions[0].key)[0]  # scored
    assert gas_free(run, copycat) == start[copycat.address]
    assert gas_free(run, honest) >= start[honest.address]
    assert run.market.balance == run.market.credits(run.provider)  # the pool, if P = 0


def test_a_sybil_splitting_its_contributions_gets_what_one_address_gets(
    make_market, provider, contributors, keeper, accounts
):
    """The same contributions in the same order, once from one address and once split over
    two: the sybil's addresses together are paid exactly what the one address is, wei for wei
    and reputation for reputation (scores depend on the content and its order, not on who)."""
    a, b = contributors[0], contributors[1]
    sybil = accounts[8]
    contributions = [([0, 1], 1), ([2, 9], 0), ([3, 4], 0), ([0, 10, 11], 0), ([5], 1)]
    outcomes = []
    for split in (False, True):
        snapshot = chain.snapshot()
        run = make_market(small_perceptron())
        start = {x.address: gas_free(run, x) for x in (a, b, sybil)}
        for k, (indices, label) in enumerate(contributions):
            sender = b if k in (1, 4) else (sybil if split and k % 2 else a)
            assert run.add(sender, indices, label) is None
        settle_and_withdraw(run, keeper, [a, b, sybil, provider])
        gained = {x.address: gas_free(run, x) - start[x.address] for x in (a, b, sybil)}
        reputation = {x.address: run.reputation.balanceOf(x) for x in (a, b, sybil)}
        outcomes.append(
            (
                gained[a.address] + gained[sybil.address],
                reputation[a.address] + reputation[sybil.address],
                gained[b.address],
            )
        )
        chain.restore(snapshot)
    assert outcomes[0] == outcomes[1], (
        f"one address (wei, reputation, the other's wei): {outcomes[0]}; split: {outcomes[1]}"
    )
    assert outcomes[0][0] == -STAKE  # its [0, 10, 11] scored -2 (see test_market_flow)
    assert outcomes[0][2] == REWARD + STAKE  # the other's two +2 share R
