"""Model snapshots (`ml.artifacts.kinds.ModelSnapshot`) hold a model's whole state: for every
kind, from random parameters and updates, a snapshot's canonical bytes rebuild a mirror equal to
the original, and the snapshot read from the chain at a block equals the mirror's at that
block, even after the contract has learnt more."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import MODEL_STRATEGIES

from ml.artifacts.kinds import InvalidArtifact, ModelSnapshot
from ml.deploy import deploy_model
from ml.provenance import snapshot_at

ON_CHAIN = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _learnt(model, steps):
    model = copy.deepcopy(model)
    for sample, label in steps:
        model.learn_fixed(sample, label)
    return model


@pytest.mark.parametrize("kind", sorted(MODEL_STRATEGIES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_snapshot_rebuilds_its_model_exactly(kind, data):
    model, samples, labels = data.draw(MODEL_STRATEGIES[kind]())
    model = _learnt(model, data.draw(st.lists(st.tuples(samples, labels), max_size=4)))
    snapshot = ModelSnapshot.of(model, chain_id=1, model="0x" + "11" * 20, block=7)
    data_bytes = snapshot.to_bytes()
    again = ModelSnapshot.from_bytes(data_bytes)
    assert again == snapshot
    rebuilt = again.to_model()
    assert type(rebuilt) is type(model)
    assert rebuilt.state() == model.state()
    assert rebuilt.constructor_args(None) == model.constructor_args(None)
    assert ModelSnapshot.of(rebuilt, chain_id=1, model=snapshot.model, block=7).to_bytes() == (
        data_bytes
    )


@pytest.mark.parametrize("kind", sorted(MODEL_STRATEGIES))
@ON_CHAIN
@given(data=st.data())
def test_the_snapshot_at_a_block_is_the_state_at_that_block(kind, data, chain, owner):
    model, samples, labels = data.draw(MODEL_STRATEGIES[kind]())
    later = data.draw(st.lists(st.tuples(samples, labels), min_size=1, max_size=3))
    state = chain.snapshot()
    try:
        contract = deploy_model(model, owner).contract
        block = chain.blocks.head.number
        for sample, label in later:
            contract.update(model.encode_fixed(sample), label, sender=owner)
        at_block = snapshot_at(contract, kind, block)
        expected = ModelSnapshot.of(
            model, chain_id=chain.chain_id, model=contract.address, block=block
        )
        assert at_block == expected
        now = snapshot_at(contract, kind, chain.blocks.head.number)
        assert now.to_model().state() == _learnt(model, later).state()
    finally:
        chain.restore(state)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xff", "not JSON"),
        (b'{"format":"collab-ml/test-set/1"}', "expected collab-ml/model-snapshot/1"),
        (b'{"format": "collab-ml/model-snapshot/1"}', "not in canonical form"),
        (b'{"format":"collab-ml/model-snapshot/1","kind":"svm"}', "unknown model kind 'svm'"),
        (b'{"format":"collab-ml/model-snapshot/1","kind":"naive-bayes"}', "malformed"),
    ],
)
def test_bytes_that_are_not_a_snapshot_are_refused_by_name(data, message):
    with pytest.raises(InvalidArtifact, match=message):
        ModelSnapshot.from_bytes(data)
