"""Differential property tests: each contract and its Python mirror, from random parameters
(range extremes included) through random predictions and updates, agree exactly; and no update
ever reverts for overflow (parameters saturate at their lane's range)."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import MODEL_STRATEGIES, SATURATING_STRATEGIES

from ml.deploy import deploy_model

ON_CHAIN = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("kind", sorted(MODEL_STRATEGIES))
@ON_CHAIN
@given(data=st.data())
def test_contract_predicts_and_learns_exactly_as_its_mirror(kind, data, chain, owner):
    model, samples, labels = data.draw(MODEL_STRATEGIES[kind]())
    steps = data.draw(st.lists(st.tuples(samples, labels), min_size=1, max_size=4))
    snapshot = chain.snapshot()
    try:
        contract = deploy_model(model, owner).contract
        assert [int(w) for w in contract.words(0, contract.wordCount())] == model.words()
        assert type(model).from_contract(contract).state() == model.state()

        for sample, label in steps:
            encoded = model.encode_fixed(sample)
            assert contract.predict(encoded) == model.predict_fixed(sample)
            if kind == "naive-bayes":
                exponents, mantissas = contract.scores(encoded)
                assert (list(exponents), list(mantissas)) == model.scores_fixed(sample)

            expected = copy.deepcopy(model)
            predicted = expected.predict_fixed(sample)
            changed = expected.update_fixed(sample, label)  # never raises for overflow
            assert contract.update.call(encoded, label, sender=owner) == predicted
            receipt = contract.update(encoded, label, sender=owner)  # never reverts
            assert [e.event_name for e in receipt.events] == (["ModelUpdated"] if changed else [])
            model = expected
            assert type(model).from_contract(contract).state() == model.state()
    finally:
        chain.restore(snapshot)


@pytest.mark.parametrize("kind", sorted(SATURATING_STRATEGIES))
@ON_CHAIN
@given(data=st.data())
def test_updates_at_the_limits_saturate_exactly_as_the_mirror(kind, data, chain, owner):
    """From parameters at or next to their lane's limits, long runs of updates pushing them
    further never revert and leave contract and mirror bit-identical."""
    model, samples, labels = data.draw(SATURATING_STRATEGIES[kind]())
    steps = data.draw(st.lists(st.tuples(samples, labels), min_size=2, max_size=6))
    snapshot = chain.snapshot()
    try:
        contract = deploy_model(model, owner).contract
        for sample, label in steps:
            encoded = model.encode_fixed(sample)
            assert contract.update.call(encoded, label, sender=owner) == model.learn_fixed(
                sample, label
            )
            contract.update(encoded, label, sender=owner)
            assert type(model).from_contract(contract).state() == model.state()
    finally:
        chain.restore(snapshot)
