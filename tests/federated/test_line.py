"""The federated line end to end on a real chain: a real torch model trained by the members,
updates stored as artifacts, committed, revealed, aggregated, challenged and settled by the
contract (`ml.federated.line`)."""

import pytest

from ml.artifacts.store import EmbeddedStore
from ml.chain import ChainError, Client
from ml.datasets import digits
from ml.federated.line import Line, LineError, Spec, advance, play_round
from ml.federated.mlp import Architecture, accuracy
from ml.federated.rounds import Data, Participant, round_updates
from ml.federated.settlement import Terms
from ml.federated.shards import iid

ARCH = Architecture(features=64, hidden=8, classes=10)
TERMS = Terms(quorum=3, max_participants=8)
FUNDING = 10 * 10**18


@pytest.fixture(scope="module")
def data():
    return Data.of(digits(seed=0), validation=100)


def correct_on(data):
    def correct(vector):
        return round(accuracy(ARCH, vector, data.X_val, data.y_val) * len(data.y_val))

    return correct


@pytest.fixture
def line(accounts, data, tmp_path):
    spec = Spec(ARCH, "median", {}, chunk_size=64)
    line = Line.deploy(
        spec,
        TERMS,
        creator=accounts[0],
        aggregator=accounts[1].address,
        initial=ARCH.initial(0),
        validation=(data.X_val, data.y_val),
        funding=FUNDING,
        store=EmbeddedStore(tmp_path / "artifacts"),
        client=Client(),
    )
    line.client.contracts.append(line.contract)
    return line


def eth_accounted(contract) -> bool:
    held = contract.totalStaked() + contract.pool() + contract.bondsHeld() + contract.totalCredits()
    return contract.balance == held


def test_three_rounds_with_a_straggler_and_a_byzantine_member(accounts, data, line):
    members = accounts[2:7]
    kinds = ["honest", "honest", "honest", "honest", "sign-flip"]
    shards = iid(data.y_train, len(members), seed=0)
    participants = [Participant(k, s) for k, s in zip(kinds, shards, strict=True)]
    for m in members:
        line.join(m)
    straggler = members[3]  # an honest member that does not reveal in round 2
    start = accuracy(ARCH, line.global_model(), data.X_test, data.y_test)
    results, accuracies = [], []
    for number in (1, 2, 3):
        vectors = round_updates(ARCH, line.global_model(), data, participants, number, seed=0)
        results.append(
            play_round(
                line,
                aggregator=accounts[1],
                updates=dict(zip(members, vectors, strict=True)),
                stragglers=frozenset({straggler}) if number == 2 else frozenset(),
                correct=correct_on(data),
                advance=advance,
            )
        )
        accuracies.append(accuracy(ARCH, line.global_model(), data.X_test, data.y_test))
        assert eth_accounted(line.contract)
        if number == 2:  # below the stake, the straggler cannot commit until it tops up
            line.client.send(line.contract.topUp, sender=straggler, value=TERMS.stake // 2)
    assert [r.outcome for r in results] == ["accepted"] * 3
    assert accuracies[-1] > start + 0.3, (start, accuracies)
    # The straggler lost half its stake in round 2 only; nobody else was slashed (median).
    assert results[1].slashed == {straggler.address: TERMS.stake // 2}
    assert not results[0].slashed and not results[2].slashed
    assert straggler.address not in results[1].revealed
    # Every round paid its reward, to members only, and returned the bond.
    for r in results:
        paid = sum(v for a, v in r.credits.items() if a != accounts[1].address)
        assert paid == TERMS.reward_per_round
        assert r.credits[accounts[1].address] == TERMS.aggregator_bond
    # The global model on chain is the stored one.
    assert line.store.has(results[-1].model_cid)


def test_a_lying_aggregator_is_caught_and_a_correct_aggregate_cannot_be_challenged(
    accounts, data, line
):
    members = accounts[2:5]
    shards = iid(data.y_train, 3, seed=1)
    participants = [Participant("honest", s) for s in shards]
    for m in members:
        line.join(m)
    vectors = round_updates(ARCH, line.global_model(), data, participants, 1, seed=0)
    initial = bytes(line.contract.globalModelCid())
    caught = play_round(
        line,
        aggregator=accounts[1],
        updates=dict(zip(members, vectors, strict=True)),
        correct=correct_on(data),
        advance=advance,
        lie=True,
        challenger=accounts[7],
    )
    assert caught.outcome == "voided"
    assert caught.challenged == (line.contract.chunkCount() - 1,)  # the last coordinate moved
    assert caught.credits == {accounts[7].address: TERMS.aggregator_bond}
    assert bytes(line.contract.globalModelCid()) == initial
    assert eth_accounted(line.contract)

    # Round 2, honest: a challenge of any chunk reverts and changes nothing.
    line.client.send(line.contract.openRound, sender=accounts[1])
    pending = [line.commit(m, 2, v)[0] for m, v in zip(members, vectors, strict=True)]
    advance(TERMS.commit_window)
    for m, p in zip(members, pending, strict=True):
        line.reveal(m, p)
    advance(TERMS.reveal_window)
    posting = line.compute(2, correct_on(data))
    line.post(accounts[1], 2, posting)
    assert line.wrong_chunks(2, posting.aggregate) == []
    with pytest.raises(ChainError, match="AggregateCorrect"):
        line.challenge(accounts[7], 2, 0, posting.aggregate)
    assert line.status(2) == "posted"


def test_bad_input_is_refused_with_a_named_error(accounts, line):
    member = accounts[2]
    with pytest.raises(ChainError, match="WrongStake"):
        line.client.send(line.contract.join, sender=member, value=1)
    line.join(member)
    with pytest.raises(ChainError, match="AlreadyJoined"):
        line.join(member)
    line.client.send(line.contract.openRound, sender=accounts[1])
    vector = [0] * ARCH.size
    pending, _ = line.commit(member, 1, vector)
    with pytest.raises(ChainError, match="AlreadyCommitted"):
        line.commit(member, 1, vector)
    with pytest.raises(ChainError, match="InRound"):
        line.client.send(line.contract.leave, sender=member)
    with pytest.raises(ChainError, match="RevealNotOpen"):
        line.reveal(member, pending)
    line.join(accounts[3])
    advance(TERMS.commit_window)
    with pytest.raises(ChainError, match="CommitClosed"):
        line.commit(accounts[3], 1, vector)
    forged = type(pending)(pending.round, pending.cid, b"\2" * 32, pending.salt)
    with pytest.raises(ChainError, match="CommitmentMismatch"):
        line.reveal(member, forged)
    with pytest.raises(ValueError, match="coordinates"):
        line.commit(member, 1, [0] * (ARCH.size - 1))  # the wrong shape: nothing is sent


def test_a_settlement_unlike_the_mirror_is_reported(accounts, data, line, monkeypatch):
    """The mirror check of every round can fail: a mirror one wei off is caught."""
    from dataclasses import replace

    from ml.federated import line as line_module

    real = line_module.settle_round
    monkeypatch.setattr(
        line_module,
        "settle_round",
        lambda *a, **k: replace(real(*a, **k), pool=real(*a, **k).pool + 1),
    )
    members = accounts[2:5]
    for m in members:
        line.join(m)
    with pytest.raises(LineError, match="round 1 settled unlike its mirror: pool"):
        play_round(
            line,
            aggregator=accounts[1],
            updates={m: [0] * ARCH.size for m in members},
            correct=correct_on(data),
            advance=advance,
        )
