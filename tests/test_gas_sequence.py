"""The real-sequence gas comparison (ml/gas_sequence.py): the reference's cost model replays
its own rule, and a short sequence on the chain prices every transaction both ways."""

import pytest

from ml import gas_sequence, pipeline
from ml.gas_sequence import ReferencePerceptron, reference_add_gas


def test_the_reference_replay_counts_slots_that_become_and_stop_being_zero():
    model = ReferencePerceptron(weights={1: 500_000}, intercept=-1, lr=500_000)
    # score -1 + 0.5 > 0: predicts 1, so label 0 is a mistake: w0 0 -> -0.5 (z), w1 0.5 -> 0 (n0)
    assert model.add([0, 1], 0) == 159_000 + 7_274 * 2 + 17_093 - 4_817
    assert model.weights == {0: -500_000, 1: 0}
    assert model.predict([0, 1]) == 0
    # now right: the cheaper branch, with the positive class's extra cost when label is 1
    assert model.add([0, 1], 0) == reference_add_gas(2, 0, wrong=False) == 159_361 + 3_662 * 2
    assert reference_add_gas(2, 1, wrong=False) - reference_add_gas(2, 0, wrong=False) == 19_577


@pytest.mark.parametrize("model", gas_sequence.MODELS)
def test_a_short_real_sequence_is_priced_both_ways(accounts, chain, model):
    run = gas_sequence.measure(accounts, chain, model=model, dataset=pipeline.REVIEWS, count=30)
    operations = [t[0] for t in run.transactions]
    adds = operations.count("addData")
    assert adds == 30  # the bundled reviews have no duplicate
    claims = operations.count("refund") + operations.count("report")
    assert 0 < claims <= adds
    assert all(ours > 21_000 and theirs > 21_000 for _, _, ours, theirs in run.transactions)
    summary = run.summary()
    assert summary["ours"] == sum(t[2] for t in run.transactions)
    assert 0 < summary["ratio"] < 1
    assert "**total**" in gas_sequence.render_markdown([run])
