"""Differential: random markets on chain pay exactly what the mirror says. Each example draws a
model kind and its initial parameters, a test set of 1-20 samples, contributions from several
accounts (bad labels, duplicates and overpayments among them), a stake and a reward pool, the
chunk sizes of the reveal and of scoring, where scoring reads the contributions back from (the
chain's events or the test's list), and whether the provider reveals in time; it runs the
market to its end and compares every score, claim, credit, reputation balance and the
market's ether with the mirror's to the wei, then everyone withdraws and the market is empty.

The run counts the paths the examples took (positive, zero and negative scores, a settlement
with P = 0, a forfeit, claims that forfeit the market) and fails unless each was taken.
"""

from ape import chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from market_helpers import DAY, deploy_market
from models.strategies import MODEL_STRATEGIES, sparse_samples

from ml.fixed_point import ONE
from ml.incentives import DEPOSIT_UNIT
from ml.mechanisms import Phase
from ml.models import AveragedSparsePerceptron, NaiveBayes, SparsePerceptron

EXAMPLES = {"quick": 30, "deep": 200}
PATHS = ("positive score", "zero score", "negative score", "P = 0", "forfeit", "claim forfeits")

small = st.integers(-2 * ONE, 2 * ONE)
rates = st.sampled_from([ONE // 2, ONE, 3 * ONE // 2])


@st.composite
def small_sparse_perceptrons(draw):
    """Weights near the decision boundary and a learning rate of their size, so that one
    update flips predictions (the generic strategies' extremes rarely move anything)."""
    F = draw(st.integers(1, 12))
    model = SparsePerceptron(num_features=F, class_names=["neg", "pos"])
    model.learning_rate_fixed = draw(rates)
    model.intercept_ = draw(small)
    model.params_ = draw(st.lists(small, min_size=F, max_size=F))
    return model, sparse_samples(F, 4), st.integers(0, 1)


@st.composite
def small_averaged_sparse_perceptrons(draw):
    F = draw(st.integers(1, 12))
    model = AveragedSparsePerceptron(num_features=F, class_names=["neg", "pos"])
    model.learning_rate_fixed = draw(rates)
    model.intercept_ = draw(small)
    # w and u per feature, u_b, then the counter (few updates so far: the average moves).
    params = draw(st.lists(small, min_size=2 * F + 1, max_size=2 * F + 1))
    model.params_ = [*params, draw(st.integers(0, 4))]
    return model, sparse_samples(F, 4), st.integers(0, 1)


@st.composite
def small_naive_bayes(draw):
    F, C = draw(st.integers(1, 12)), draw(st.integers(2, 3))
    model = NaiveBayes(num_features=F, num_classes=C)
    model.smoothing_fixed = draw(st.sampled_from([ONE // 10, ONE]))
    counts = draw(st.lists(st.integers(0, 4), min_size=F * C, max_size=F * C))
    model.params_ = counts
    model.class_occurrences_ = [sum(counts[c::C]) for c in range(C)]
    model.class_samples_ = draw(st.lists(st.integers(0, 3), min_size=C, max_size=C))
    return model, sparse_samples(F, 4), st.integers(0, C - 1)


SMALL = {
    "sparse-perceptron": small_sparse_perceptrons,
    "averaged-sparse-perceptron": small_averaged_sparse_perceptrons,
    "naive-bayes": small_naive_bayes,
}


@st.composite
def models(draw):
    """A model kind, then usually a small model of it, sometimes the generic strategy's (range
    extremes included); or a multiclass sparse perceptron from the generic strategy."""
    kind = draw(st.sampled_from([*SMALL, "multiclass-sparse-perceptron"]))
    if kind in SMALL and draw(st.integers(0, 3)):
        return kind, draw(SMALL[kind]())
    return kind, draw(MODEL_STRATEGIES[kind]())


@st.composite
def markets(draw):
    kind, (model, samples, labels) = draw(models())
    tests = draw(st.lists(st.tuples(samples, labels), min_size=1, max_size=20))
    # Contributions: random ones, test samples with their label (what an honest contributor
    # knows: drawn most often, so that positive scores are common) and test samples with a
    # random label (often a bad one).
    honest = st.sampled_from(tests)
    contribution = st.one_of(
        st.tuples(samples, labels),
        honest,
        honest,
        honest,
        st.sampled_from(tests).flatmap(lambda t: st.tuples(st.just(t[0]), labels)),
    )
    contributions = draw(
        st.lists(
            st.tuples(st.integers(0, 3), contribution, st.sampled_from([0, 0, 0, DEPOSIT_UNIT])),
            max_size=8,
        )
    )
    market = {
        "stake": DEPOSIT_UNIT * draw(st.integers(1, 10**4)),
        "reward": draw(st.one_of(st.integers(1, 10**6), st.integers(1, 10**18))),
        "reveals": draw(st.sampled_from([True, True, True, False])),  # mostly in time
    }
    return kind, model, tests, contributions, market


def test_random_markets_pay_exactly_as_the_mirror(provider, accounts, keeper):
    profile = settings.get_current_profile_name()
    paths = dict.fromkeys(PATHS, 0)

    @settings(
        max_examples=EXAMPLES[profile],
        deadline=None,
        derandomize=profile == "quick",
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=markets(), data=st.data())
    def market_to_its_end(drawn, data):
        snapshot = chain.snapshot()
        try:
            run_market(drawn, data, paths, provider, list(accounts[1:5]), keeper)
        finally:
            chain.restore(snapshot)

    market_to_its_end()
    print(f"differential market paths: {paths}")
    for path, count in paths.items():
        assert count > 0, f"no example took the path '{path}': it checked nothing"


def run_market(drawn, data, paths, provider, actors, keeper):
    kind, model, tests, contributions, market = drawn
    run = deploy_market(
        model, tests, provider, stake=market["stake"], reward=market["reward"], seed=7
    )
    for who, (sample, label), extra in contributions:
        run.add(actors[who], sample, label, value=market["stake"] + extra)  # mirror-checked
    run.check(full=False)
    chain.mine(1, deltatime=DAY)

    size = len(tests)
    if market["reveals"]:
        chunk = data.draw(st.integers(1, size), label="reveal chunk")
        run.reveal_all(chunk, keeper)
        assert Phase(run.market.phase()) == Phase.SCORING
        run.check(full=False)
        work = run.mirror.steps_left()
        steps = data.draw(st.integers(max(1, work // 12), work + 3), label="steps")
        source = data.draw(st.sampled_from(["events", "list"]), label="source")
        run.evaluate_all(steps, keeper, source=source)
        assert Phase(run.market.phase()) == Phase.SETTLED
        run.check()
        scores = [run.mirror.scores[c.key][0] for c in run.contributions]
        paths["positive score"] += any(s > 0 for s in scores)
        paths["zero score"] += any(s == 0 for s in scores)
        paths["negative score"] += any(s < 0 for s in scores)
        paths["P = 0"] += run.mirror.cursor.positive_total == 0
    else:
        revealed = data.draw(st.integers(0, size - 1), label="leaves revealed")
        if revealed:
            run.reveal(run.unrevealed()[:revealed], keeper)
        chain.mine(1, deltatime=DAY)
        assert Phase(run.market.phase()) == Phase.FORFEITED
        paths["forfeit"] += 1
        if not run.contributions or data.draw(st.booleans(), label="explicit forfeit"):
            assert run.forfeit(keeper) is None
        else:
            paths["claim forfeits"] += 1  # the first claim below forfeits the market
        run.check()

    run.claim_all()
    run.check(full=False)
    for account in {provider, *actors}:
        run.withdraw(account)
    run.check()
    assert run.market.balance == 0, f"{run.market.balance} wei left in a {kind} market"
