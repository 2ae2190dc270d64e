"""Constants and helpers shared by the trainer tests (fixtures are in conftest.py).

The model has 32 features: 0-7 vote strongly for class 1, 8-15 for class 0, and the learning
rate is tiny, so one contribution never flips their predictions: GOOD = [0, 1] is class 1, and
a contribution of GOOD labelled 0 is bad data the model keeps disagreeing with. GOOD labelled 1
is validated but teaches the model nothing, so its refund earns no reputation. Features 16-31
weigh nothing: a sample of one of them sits on the decision boundary, so the model learns it
from one contribution (`informative`), the kind of contribution that earns reputation.
"""

from ape import chain

from ml.models import SparsePerceptron

DAY = 86_400
REFUND_WAIT = DAY
ANY_ADDRESS_WAIT = 9 * DAY
COST_WEIGHT = 10**15
GOOD = [0, 1]  # predicted 1
OTHER_GOOD = [2, 3]  # predicted 1
NEGATIVE = [8, 9]  # predicted 0


NUM_FEATURES = 32
FIRST_NEUTRAL = 16  # features 16-31 weigh nothing


def small_model() -> SparsePerceptron:
    model = SparsePerceptron(
        num_features=NUM_FEATURES, learning_rate=0.001, class_names=["neg", "pos"]
    )
    model.params_ = [10**6] * 8 + [-(10**6)] * 8 + [0] * (NUM_FEATURES - FIRST_NEUTRAL)
    return model


def informative(trainer, k: int) -> tuple[list[int], int]:
    """New content the model gets wrong now and right after learning it once: the k-th
    neutral feature alone (its score is the intercept, within one step of 0), labelled with
    the class the model does not predict now."""
    indices = [FIRST_NEUTRAL + k]
    return indices, 1 - trainer.predict(encode(indices))


def encode(indices) -> bytes:
    return small_model().encode_fixed(indices)


def wait(seconds: int) -> None:
    """Moves chain time forward by `seconds` and mines a block."""
    chain.mine(1, deltatime=seconds)


def add(trainer, sender, indices, label, *, extra: int = 0):
    """addData with exactly the required deposit (plus `extra` wei), the next block's time
    pinned so that the deposit is exact; returns the receipt."""
    timestamp = chain.pending_timestamp
    chain.pending_timestamp = timestamp
    value = trainer.requiredDepositAt(timestamp) + extra
    return trainer.addData(encode(indices), label, sender=sender, value=value)


def content_key(trainer, indices, label) -> bytes:
    return trainer.contentKey(encode(indices), label)


def record(trainer, indices, label) -> dict:
    contributor, added_at, stake, remaining = trainer.contribution(encode(indices), label)
    return {"contributor": contributor, "addedAt": added_at, "stake": stake, "remaining": remaining}


def contribution_id(trainer, indices, label) -> bytes:
    r = record(trainer, indices, label)
    return trainer.contributionId(
        content_key(trainer, indices, label), r["contributor"], r["addedAt"]
    )


def state(trainer, accounts, reputation=None) -> dict:
    """Everything the mechanism moves: the trainer's ETH, credits and reputation per account."""
    out = {"balance": trainer.balance, "credits": [trainer.credits(a) for a in accounts]}
    if reputation is not None:
        out["reputation"] = [reputation.balanceOf(a) for a in accounts]
        out["supply"] = reputation.totalSupply()
    return out
