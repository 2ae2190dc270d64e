"""A full contribute -> wait -> refund / take -> withdraw cycle through the trainer, for every
model kind and both incentive mechanisms, each model checked against its mirror at the end."""

import pytest
from trainer_helpers import ANY_ADDRESS_WAIT, REFUND_WAIT, wait

from ml.deploy import deploy_model, deploy_trainer
from ml.fixed_point import ONE
from ml.models import (
    AveragedMulticlassSparsePerceptron,
    AveragedSparsePerceptron,
    DensePerceptron,
    MulticlassSparsePerceptron,
    NaiveBayes,
    NearestCentroid,
    SparseNearestCentroid,
    SparsePerceptron,
)

F = 8  # features 0-3 belong to class 1, 4-7 to class 0


def strong_model(kind):
    """A model sure enough of itself that one contribution does not change its mind."""
    if kind == "sparse-perceptron":
        m = SparsePerceptron(num_features=F, learning_rate=0.001)
        m.params_ = [ONE] * 4 + [-ONE] * 4
    elif kind == "averaged-sparse-perceptron":  # an average over 100 updates
        m = AveragedSparsePerceptron(num_features=F, learning_rate=0.001)
        weights = [ONE] * 4 + [-ONE] * 4
        m.set_average(weights, weights, 0, 0, 100)
    elif kind == "multiclass-sparse-perceptron":
        m = MulticlassSparsePerceptron(num_features=F, num_classes=2, learning_rate=0.001)
        m.params_ = [v for f in range(F) for v in ((0, ONE) if f < 4 else (ONE, 0))] + [0, 0]
    elif kind == "averaged-multiclass-sparse-perceptron":  # an average over 100 updates
        m = AveragedMulticlassSparsePerceptron(num_features=F, num_classes=2, learning_rate=0.001)
        weights = [v for f in range(F) for v in ((0, ONE) if f < 4 else (ONE, 0))] + [0, 0]
        m.set_average(weights, weights, 100)
    elif kind == "dense-perceptron":
        m = DensePerceptron(num_features=F, learning_rate=0.001)
        m.params_ = [ONE] * 4 + [-ONE] * 4
    elif kind == "naive-bayes":
        m = NaiveBayes(num_features=F, num_classes=2)
        m.set_counts([[1] * 4 + [500] * 4, [500] * 4 + [1] * 4], [100, 100])
    elif kind == "nearest-centroid":
        m = NearestCentroid(num_features=F, num_classes=2)
        m.set_centroids([[0.0] * 4 + [1.0] * 4, [1.0] * 4 + [0.0] * 4], [1000, 1000])
    else:
        m = SparseNearestCentroid(num_features=F, num_classes=2)
        m.set_centroids([[0.0] * 4 + [1.0] * 4, [1.0] * 4 + [0.0] * 4], [1000, 1000])
    return m


def sample(model, features):
    """Features as the model's input: indices, or a dense vector with 1.0 at them."""
    if model.sparse:
        return list(features)
    return [ONE if f in features else 0 for f in range(F)]


KINDS = [
    "sparse-perceptron",
    "averaged-sparse-perceptron",
    "multiclass-sparse-perceptron",
    "averaged-multiclass-sparse-perceptron",
    "dense-perceptron",
    "naive-bayes",
    "nearest-centroid",
    "sparse-nearest-centroid",
]


@pytest.mark.parametrize("mechanism", ["deposit-refund-take", "points"])
@pytest.mark.parametrize("kind", KINDS)
def test_full_cycle(kind, mechanism, owner, contributor, reporter, project):
    mirror = strong_model(kind)
    model = deploy_model(mirror, owner).contract
    trainer = deploy_trainer(
        model, owner, mechanism=mechanism, refund_wait=REFUND_WAIT, cost_weight=10**15
    ).contract
    rep = project.ReputationToken.at(trainer.reputation())
    good, bad = sample(mirror, [0, 1]), sample(mirror, [2, 3])
    assert mirror.predict_fixed(good) == 1 and mirror.predict_fixed(bad) == 1

    def add(account, x, label):
        value = trainer.requiredDeposit() * 2 if mechanism == "deposit-refund-take" else 0
        trainer.addData(mirror.encode_fixed(x), label, sender=account, value=value)
        mirror.update_fixed(x, label)

    add(reporter, good, 1)  # honest, but the model knew it: no reputation
    add(contributor, bad, 0)  # wrong label
    assert not trainer.earnsReputation(mirror.encode_fixed(good), 1)
    wait(REFUND_WAIT)
    assert trainer.claimable(mirror.encode_fixed(good), 1, reporter)[0] == 1  # Claim.Refund
    trainer.refund(mirror.encode_fixed(good), 1, sender=reporter)
    if mechanism == "deposit-refund-take":
        wait(ANY_ADDRESS_WAIT)  # no one holds reputation: after this wait anyone takes it all
    assert trainer.claimable(mirror.encode_fixed(bad), 0, reporter)[0] == 2  # Claim.Report
    trainer.report(mirror.encode_fixed(bad), 0, sender=reporter)

    assert type(mirror).from_contract(model).state() == mirror.state()
    assert rep.totalSupply() == 0
    if mechanism == "deposit-refund-take":
        balance = reporter.balance
        credit = trainer.credits(reporter)
        receipt = trainer.withdraw(sender=reporter)
        assert reporter.balance == balance + credit - receipt.total_fees_paid
        # The reporter got its deposit (and overpayment) back and the whole bad deposit.
        assert trainer.credits(contributor) > 0  # the bad contributor's overpayment only
        assert trainer.balance == trainer.credits(contributor)


@pytest.mark.parametrize("mechanism", ["deposit-refund-take", "points"])
def test_the_encoder_spec_hash_is_recorded_at_deployment(mechanism, owner):
    from ml.encoders import HashingEncoder

    def model_contract():
        return deploy_model(strong_model("sparse-perceptron"), owner).contract

    spec_hash = HashingEncoder(num_features=F).spec_hash()
    deployment = deploy_trainer(
        model_contract(), owner, mechanism=mechanism, encoder_spec_hash=spec_hash
    )
    trainer = deployment.contract
    assert trainer.encoderSpecHash().hex().removeprefix("0x") == spec_hash.removeprefix("0x")
    [event] = deployment.receipts[0].decode_logs(trainer.EncoderRecorded)
    assert event.specHash == trainer.encoderSpecHash()
    unrecorded = deploy_trainer(model_contract(), owner, mechanism=mechanism).contract
    assert unrecorded.encoderSpecHash() == bytes(32)
