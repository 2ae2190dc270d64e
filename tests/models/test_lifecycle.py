"""Deployment lifecycle of every model: configuration checks, chunked initialisation (each
chunk once, exact lengths, zero padding), finalisation, and who may do what."""

import pytest
from helpers import reverts_with

from ml.deploy import deploy_model
from ml.fixed_point import ONE
from ml.models import NaiveBayes, NearestCentroid, SparsePerceptron

NAMES = ["Negative", "Positive"]


@pytest.fixture
def fresh(owner, project):
    """An unfinalised sparse perceptron with 1100 features: 275 words, 2 chunks."""
    model = SparsePerceptron(num_features=1100, class_names=NAMES)
    return model, owner.deploy(project.SparsePerceptron, *model.constructor_args(owner))


def test_initialise_in_chunks_then_finalise(fresh, owner):
    model, contract = fresh
    model.params_ = [(i % 7) - 3 for i in range(model.num_features)]
    words = model.words()
    assert contract.wordCount() == 275 and contract.chunkCount() == 2

    receipt = contract.initializeChunk(1, words[256:], sender=owner)
    assert receipt.events == [contract.ChunkInitialized(1, 256, 19)]
    assert contract.chunkWritten(1) and not contract.chunkWritten(0)
    contract.initializeChunk(0, words[:256], sender=owner)
    receipt = contract.finalize(sender=owner)

    assert receipt.events == [contract.ModelFinalized(2, 2)]
    assert contract.finalized()
    assert SparsePerceptron.from_contract(contract).state() == model.state()


def test_chunk_errors_change_nothing(fresh, owner):
    model, contract = fresh
    words = [1] * 256
    with reverts_with(contract.ChunkOutOfRange, chunk=2, chunkCount=2):
        contract.initializeChunk(2, words, sender=owner)
    with reverts_with(contract.ChunkLengthMismatch, chunk=0, length=255, expected=256):
        contract.initializeChunk(0, words[:255], sender=owner)
    with reverts_with(contract.ChunkLengthMismatch, chunk=1, length=20, expected=19):
        contract.initializeChunk(1, [1] * 20, sender=owner)
    # 1100 = 274 * 4 + 4: the last word is full. Use a model whose last word has padding.
    assert not contract.chunkWritten(0) and not contract.chunkWritten(1)

    contract.initializeChunk(0, words, sender=owner)
    with reverts_with(contract.ChunkAlreadyWritten, chunk=0):
        contract.initializeChunk(0, [2] * 256, sender=owner)
    assert [int(w) for w in contract.words(0, 3)] == [1, 1, 1]


def test_padding_lanes_must_be_zero(owner, project):
    model = SparsePerceptron(num_features=5, class_names=NAMES)  # 2 words, 3 unused lanes
    contract = owner.deploy(project.SparsePerceptron, *model.constructor_args(owner))
    with reverts_with(contract.NonZeroPadding, word=1):
        contract.initializeChunk(0, [0, 1 << 64], sender=owner)
    contract.initializeChunk(0, [0, (1 << 64) - 1], sender=owner)  # lane 0 only: fine
    assert contract.chunkWritten(0)


def test_finalised_model_cannot_be_initialised_again(owner):
    model = SparsePerceptron(num_features=8, class_names=NAMES)
    contract = deploy_model(model, owner).contract
    with reverts_with(contract.ModelAlreadyFinalized):
        contract.initializeChunk(0, [1, 1], sender=owner)
    with reverts_with(contract.ModelAlreadyFinalized):
        contract.finalize(sender=owner)
    assert [int(w) for w in contract.words(0, 2)] == [0, 0]


def test_unfinalised_model_neither_predicts_nor_learns(fresh, owner):
    model, contract = fresh
    with reverts_with(contract.ModelNotFinalized):
        contract.predict(model.encode_fixed([1]))
    with reverts_with(contract.ModelNotFinalized):
        contract.update(model.encode_fixed([1]), 1, sender=owner)


def test_only_the_owner_initialises_finalises_and_updates(fresh, owner, contributor):
    model, contract = fresh
    unauthorized = dict(account=contributor)
    with reverts_with(contract.OwnableUnauthorizedAccount, **unauthorized):
        contract.initializeChunk(0, [0] * 256, sender=contributor)
    with reverts_with(contract.OwnableUnauthorizedAccount, **unauthorized):
        contract.finalize(sender=contributor)
    contract.finalize(sender=owner)
    with reverts_with(contract.OwnableUnauthorizedAccount, **unauthorized):
        contract.update(model.encode_fixed([1]), 1, sender=contributor)
    contract.transferOwnership(contributor, sender=owner)
    contract.update(model.encode_fixed([1]), 1, sender=contributor)  # the new owner may
    assert contract.predict(model.encode_fixed([1])) == 1


@pytest.mark.parametrize(
    "args, reason",
    [
        ((1, ONE, 0, ["only"]), "at least two classes"),
        ((0, ONE, 0, NAMES), "at least one feature"),
        ((4, 0, 0, NAMES), "learning rate must be in (0, int64 max]"),
        ((4, ONE, 0, ["a", "b", "c"]), "one name per class"),
    ],
)
def test_constructor_rejects_bad_configuration(args, reason, owner, project):
    features, lr, intercept, names = args
    if reason == "at least two classes":
        # The binary perceptron fixes two classes; a multi-class model shows the check.
        contract_type, ctor = project.MulticlassSparsePerceptron, (owner, 1, 4, lr, names)
    else:
        contract_type, ctor = project.SparsePerceptron, (owner, features, lr, intercept, names)
    with reverts_with(project.SparsePerceptron.InvalidConfiguration, reason=reason):
        owner.deploy(contract_type, *ctor)


def test_naive_bayes_and_centroid_configuration(owner, project):
    with reverts_with(
        project.NaiveBayes.InvalidConfiguration, reason="smoothing must be in (0, 2^32]"
    ):
        owner.deploy(project.NaiveBayes, owner, 2, 4, 0, [1, 1], NAMES)
    with reverts_with(project.NaiveBayes.InvalidConfiguration, reason="one count per class"):
        owner.deploy(project.NaiveBayes, owner, 2, 4, ONE, [1], NAMES)
    with reverts_with(project.NearestCentroid.InvalidConfiguration, reason="one count per class"):
        owner.deploy(project.NearestCentroid, owner, 2, 4, [1, 1, 1], NAMES)
    nb = deploy_model(NaiveBayes(num_features=4, num_classes=2, class_names=NAMES), owner).contract
    nc = deploy_model(NearestCentroid(num_features=4, num_classes=2, class_names=NAMES), owner)
    assert nb.classNames() == NAMES and nc.contract.modelKind() == "nearest-centroid"
