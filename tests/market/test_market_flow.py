"""Whole markets on chain beside their mirror: create, contribute, reveal in chunks, score in
chunks, claim and withdraw; every score, claim, credit, reputation and the market's ether equal
the mirror's after each phase, and the pool and stakes are paid out to the last wei."""

from ape import chain
from market_helpers import DAY, REWARD, STAKE

from ml.mechanisms import Phase


def run_to_the_end(run, contributions, keeper, *, reveal_chunk, steps, source):
    """Adds `contributions` ([(sender, indices, label)]), reveals, scores and claims, checking
    the whole state after each phase; returns the scores by contribution."""
    for sender, indices, label in contributions:
        assert run.add(sender, indices, label) is None
    run.check()
    assert Phase(run.market.phase()) == Phase.PARTICIPATION
    chain.mine(1, deltatime=DAY)
    assert Phase(run.market.phase()) == Phase.REVEAL
    run.reveal_all(reveal_chunk, keeper)
    run.check()
    assert Phase(run.market.phase()) == Phase.SCORING
    transactions = run.evaluate_all(steps, keeper, source=source)
    work = (1 + len(contributions)) * len(run.test_set) + len(contributions)
    assert transactions == -(-work // steps)
    run.check()
    assert Phase(run.market.phase()) == Phase.SETTLED
    return {c.key: run.mirror.scores[c.key][0] for c in run.contributions}


def test_a_whole_perceptron_market_resupplied_from_the_events(
    perceptron_market, contributors, keeper
):
    run = perceptron_market
    a, b, c = contributors
    # The model knows nothing (it predicts 0): 8 of the 16 test samples right.
    contributions = [
        (a, [0, 1], 1),  # moves the intercept too: all class 1 right, all class 0 wrong: 0
        (b, [2, 9], 0),  # takes the intercept back: [8..15] right again, [2..7] wrong: +2
        (c, [3, 4], 0),  # the model already says 0: no update, 0
        (a, [0, 10, 11], 0),  # unlearns [0] and pushes the intercept below 0: -2
        (b, [5], 1),  # [1] and [5] right again: +2
    ]
    scores = run_to_the_end(run, contributions, keeper, reveal_chunk=5, steps=7, source="events")
    assert list(scores.values()) == [0, 2, 0, -2, 2]
    assert run.claim_all() == 4  # the negative one has nothing to claim
    run.check()
    # R = pool + the one forfeited stake, shared 2:2 by b's two contributions.
    assert run.market.credits(a) == STAKE
    assert run.market.credits(b) == 2 * STAKE + REWARD + STAKE
    assert run.market.credits(c) == STAKE
    assert [run.reputation.balanceOf(x) for x in contributors] == [0, 4, 0]
    for account in contributors:
        run.withdraw(account)
    run.check()
    assert run.market.balance == 0


def test_a_whole_naive_bayes_market_resupplied_from_the_test_list(
    naive_bayes_market, provider, contributors, keeper
):
    run = naive_bayes_market
    a, b, c = contributors
    contributions = [
        (a, [0, 1, 2, 3], 1),
        (b, [8, 9, 10, 11], 0),
        (c, [4, 5, 6, 7, 12], 1),
        (a, [12, 13, 14], 0),
    ]
    scores = run_to_the_end(run, contributions, keeper, reveal_chunk=16, steps=40, source="list")
    assert sum(s for s in scores.values() if s > 0) > 0
    run.claim_all()
    run.check()
    for account in [provider, *contributors]:
        run.withdraw(account)
    run.check()
    assert run.market.balance == 0


def test_a_refused_claim_after_the_deadline_does_not_forfeit(
    perceptron_market, contributors, keeper
):
    """The first claim after an unrevealed deadline forfeits the market, but only if it goes
    through: a stranger's refused claim leaves the market (and the mirror) unforfeited."""
    run = perceptron_market
    a = contributors[0]
    assert run.add(a, [0, 1], 1) is None
    chain.mine(1, deltatime=2 * DAY)
    assert run.claim(run.contributions[0], by=keeper) == "NotContributor"
    run.check()
    assert not run.market.forfeited()
    assert run.claim(run.contributions[0]) is None
    run.check()
    assert run.market.forfeited()
    assert run.market.credits(a) == STAKE + REWARD
