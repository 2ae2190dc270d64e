"""Rounds off chain on the bundled digits: the robust rules hold where the mean breaks, and
attribution pays the honest participants, never the attacker."""

import pytest

from ml.datasets import digits
from ml.federated.mlp import Architecture
from ml.federated.rounds import Data, InvalidRounds, Participant, Training, run
from ml.federated.shards import iid

ARCH = Architecture(features=64, hidden=16, classes=10)


@pytest.fixture(scope="module")
def data():
    return Data.of(digits(seed=0), validation=200)


def _line(data, kinds):
    shards = iid(data.y_train, len(kinds), seed=4)
    return [Participant(kind, shard) for kind, shard in zip(kinds, shards, strict=True)]


def test_a_sign_flipper_breaks_the_mean_not_the_median(data):
    honest = _line(data, ["honest"] * 5)
    attacked = _line(data, ["honest"] * 4 + ["sign-flip"])
    clean = run(ARCH, data, honest, rule="mean", params={}, rounds=3)
    broken = run(ARCH, data, attacked, rule="mean", params={}, rounds=3)
    held = run(ARCH, data, attacked, rule="median", params={}, rounds=3)
    assert clean[-1].accuracy > 0.8
    assert broken[-1].accuracy < 0.5 < held[-1].accuracy, (broken[-1], held[-1])
    # Under the mean everyone is kept; leaving the attacker out helps, so it earns nothing.
    for r in broken:
        assert r.kept == (0, 1, 2, 3, 4) and r.weights[4] == 0
    assert any(w > 0 for r in clean for w in r.weights.values())


def test_krum_keeps_one_honest_update(data):
    rounds = run(
        ARCH,
        data,
        _line(data, ["honest"] * 5 + ["gaussian"]),
        rule="krum",
        params={"f": 1},
        rounds=2,
    )
    assert all(len(r.kept) == 1 and r.kept[0] != 5 for r in rounds)
    assert all(r.weights == {r.kept[0]: r.weights[r.kept[0]]} for r in rounds)


@pytest.mark.parametrize(
    ("kinds", "rule", "message"),
    [
        (["honest"], "average", "rule 'average' is not one of"),
        (["honest", "wizard"], "mean", r"participant kinds \['wizard'\]"),
        (["free-ride"], "mean", "at least one participant must be honest"),
    ],
)
def test_bad_rounds_are_one_line_errors(data, kinds, rule, message):
    with pytest.raises(InvalidRounds, match=message):
        run(ARCH, data, _line(data, kinds), rule=rule, params={}, rounds=1)


def test_rounds_learn_the_shipped_texts_from_sentence_embeddings():
    """Three participants on embeddings of 400 SMS texts beat the majority class (spam is 13%)."""
    from ml.federated.rounds import embedded_texts

    split = embedded_texts("sms-spam", dimensions=32, limit=400)
    data = Data.of(split, validation=80)
    arch = Architecture(features=32, hidden=16, classes=2)
    line = _line(data, ["honest"] * 3)
    rounds = run(arch, data, line, rule="median", params={}, rounds=5, training=Training(epochs=5))
    majority = max(float((data.y_test == c).mean()) for c in (0, 1))
    assert rounds[-1].accuracy > majority + 0.03, (rounds[-1].accuracy, majority)


def test_stragglers_never_reach_the_aggregate_and_too_few_fail_the_round(data):
    line = _line(data, ["honest", "honest", "straggler"])
    median = run(ARCH, data, line, rule="median", params={}, rounds=1)
    assert median[0].revealed == (0, 1) and median[0].accepted and 2 not in median[0].weights
    # Two updates are too few for a trimmed mean of trim 1 (it needs 3): the round fails and
    # the model stays where it was.
    trimmed = run(ARCH, data, line, rule="trimmed-mean", params={"trim": 1}, rounds=2)
    assert [r.accepted for r in trimmed] == [False, False]
    assert trimmed[0].kept == () and trimmed[0].accuracy == trimmed[1].accuracy
