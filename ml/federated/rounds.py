"""Federated rounds off chain: what every participant and the aggregator compute, round after
round, without a chain (the sweep's loop; `ml.federated.line` plays the same rounds on chain,
from `round_updates`).

Each round every participant trains from the global parameters on its shard (an attacker sends
its attack instead, `KINDS`), the rule (`ml.federated.aggregation.RULES`) aggregates
the updates, the global model moves by the aggregate, and each participant the rule kept is
attributed by leave-one-out on the validation set (`ml.federated.attribution`), a subset's
quality being that of the unweighted mean of its updates applied to the old global model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ml.errors import CollabMLError
from ml.federated import attacks
from ml.federated.aggregation import RULES, AggregationError, mean
from ml.federated.attribution import leave_one_out
from ml.federated.mlp import Architecture, accuracy, apply, local_update
from ml.federated.privacy import Privacy, epsilon, privatise

#: the attacks' strengths: sign flip's scale, Gaussian noise in fixed-point units (0.1), IPM's
#: epsilon (Xie et al.'s 0.5 hides under Krum; larger values overturn the mean)
SIGN_FLIP_SCALE = 4
GAUSSIAN_DEVIATION = 100_000
IPM_EPSILON = 0.5


@dataclass(frozen=True)
class Context:
    """What one participant's update may depend on in a round."""

    trained: list[int] | None  # its local update, for the kinds that train (else None)
    honest: list[list[int]]  # the honest updates of the round: the omniscient attacks see them
    size: int  # the model's coordinates (`Architecture.size`)
    participants: int
    byzantine: int  # participants that are not honest
    seed: int  # the participant's noise seed: seed + round number + index


@dataclass(frozen=True)
class Kind:
    """A participant kind: whether it trains first (and on which labels), and its update."""

    update: Callable[[Context], list[int] | None]  # None: nothing arrives
    trains: bool = False
    flips_labels: bool = False  # label flipping is a data attack: it trains on flipped labels


def _trained(context: Context) -> list[int]:
    return context.trained


def _sign_flip(context: Context) -> list[int]:
    return attacks.sign_flip(context.trained, SIGN_FLIP_SCALE)


def _gaussian(context: Context) -> list[int]:
    return attacks.gaussian(context.size, GAUSSIAN_DEVIATION, seed=context.seed)


def _alie(context: Context) -> list[int]:
    z = attacks.alie_z(context.participants, context.byzantine)
    return attacks.a_little_is_enough(context.honest, z)


def _ipm(context: Context) -> list[int]:
    return attacks.inner_product_manipulation(context.honest, IPM_EPSILON)


def _free_ride(context: Context) -> list[int]:
    return attacks.free_ride(context.size)


def _straggle(_context: Context) -> None:
    return None


#: honest, and the attacks of the Byzantine sweep (`ml.federated.attacks`), in the sweep's order
KINDS: dict[str, Kind] = {
    "honest": Kind(_trained, trains=True),
    "label-flip": Kind(_trained, trains=True, flips_labels=True),
    "sign-flip": Kind(_sign_flip, trains=True),
    "gaussian": Kind(_gaussian),
    "alie": Kind(_alie),
    "ipm": Kind(_ipm),
    "free-ride": Kind(_free_ride),
    # commits and never reveals: its update never reaches the aggregate (on chain it is slashed)
    "straggler": Kind(_straggle),
}
PARTICIPANT_KINDS = tuple(KINDS)


class InvalidRounds(CollabMLError, ValueError):
    """Participants or settings the rounds cannot run with."""


@dataclass(frozen=True)
class Participant:
    kind: str
    shard: list[int]  # indices into the training data


@dataclass(frozen=True)
class Data:
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray  # the line's validation set (attribution)
    y_val: np.ndarray
    X_test: np.ndarray  # held out from everything (the reported accuracy)
    y_test: np.ndarray
    classes: int

    @classmethod
    def of(cls, split, *, validation: int) -> Data:
        """A dataset split (`ml.datasets`) with its first `validation` training samples held
        out as the validation set."""
        X, y = np.asarray(split.X_train, dtype=float), np.asarray(split.y_train)
        if not 0 < validation < len(y):
            raise InvalidRounds(f"validation {validation}: expected 1 to {len(y) - 1} samples")
        return cls(
            X[validation:],
            y[validation:],
            X[:validation],
            y[:validation],
            np.asarray(split.X_test, dtype=float),
            np.asarray(split.y_test),
            len(split.class_names),
        )


def embedded_texts(dataset: str, *, dimensions: int = 32, limit: int | None = None, seed: int = 0):
    """A text dataset (`ml.pipeline`'s bundled names or a CSV) as a `Split` of sentence
    embeddings (the project's `SentenceEmbeddingEncoder`, dequantised), the first `limit`
    training and `limit // 4` test texts when given."""
    from ml import pipeline
    from ml.datasets import Split
    from ml.encoders import SentenceEmbeddingEncoder
    from ml.fixed_point import ONE

    parts = pipeline.load(pipeline.Source(dataset, seed=seed))
    train_texts, y_train = (
        parts.initial + parts.train,
        np.concatenate([parts.y_initial, parts.y_train]),
    )
    test_texts, y_test = parts.test, parts.y_test
    if limit is not None:
        train_texts, y_train = train_texts[:limit], y_train[:limit]
        test_texts, y_test = test_texts[: limit // 4], y_test[: limit // 4]
    encoder = SentenceEmbeddingEncoder(dimensions=dimensions).fit()

    def embed(texts):
        return np.asarray(encoder.encode_batch(texts), dtype=float) / ONE

    return Split(embed(train_texts), y_train, embed(test_texts), y_test, parts.class_names)


@dataclass(frozen=True)
class Round:
    number: int
    accuracy: float  # of the new global model on the test data
    kept: tuple[int, ...]
    weights: dict[int, int]  # attribution of the kept participants
    revealed: tuple[int, ...] | None = None  # the participants whose update arrived (None: all)
    accepted: bool = True  # False: too few updates arrived for the rule (the model stays)
    # under differential privacy: each participant that trains, its epsilon spent so far
    epsilons: dict[int, float] | None = None
    model: list[int] | None = None  # the global model after the round


@dataclass(frozen=True)
class Training:
    """Each participant's local training a round, and its differential privacy (None: none):
    the update it trains is clipped and noised before anything else sees it."""

    epochs: int = 2
    lr: float = 0.5
    privacy: Privacy | None = None


DEFAULT_TRAINING = Training()


def trained_update(
    arch,
    vector,
    data: Data,
    shard,
    index: int,
    number: int,
    seed: int,
    training: Training = DEFAULT_TRAINING,
    labels=None,
) -> list[int]:
    """Participant `index`'s update of round `number`: trained on its `shard` (`labels`: the
    training labels, or others for a label flipper) from the global `vector`, then privatised
    under `training.privacy` with noise seeded by the training seed (the simulated rounds are
    reproducible; a real member's commit draws its noise afresh, `commit_update`). Every path
    that trains an update (the rounds off chain, `ape run federated commit`, Flower's clients)
    calls this, so the same seeds give the same update bit for bit."""
    labels = data.y_train if labels is None else labels
    step = seed + 1000 * number + index
    update = local_update(
        arch,
        vector,
        data.X_train[shard],
        labels[shard],
        epochs=training.epochs,
        lr=training.lr,
        seed=step,
    )
    if training.privacy is None:
        return update
    return privatise(update, training.privacy, seed=step)


def round_updates(
    arch,
    vector,
    data: Data,
    participants,
    number: int,
    seed: int,
    training: Training = DEFAULT_TRAINING,
):
    """Every participant's update of round `number` from the global `vector`, in order (None
    for a straggler's)."""

    def train(i, p, labels):
        return trained_update(arch, vector, data, p.shard, i, number, seed, training, labels)

    # Every kind that trains does so first: the omniscient attacks need all the honest updates.
    flipped = attacks.flip_labels(data.y_train, data.classes)
    trained = {
        i: train(i, p, flipped if KINDS[p.kind].flips_labels else data.y_train)
        for i, p in enumerate(participants)
        if KINDS[p.kind].trains
    }
    honest = [trained[i] for i, p in enumerate(participants) if p.kind == "honest"]
    byzantine = sum(p.kind != "honest" for p in participants)
    n, updates = len(participants), []
    for i, p in enumerate(participants):
        context = Context(trained.get(i), honest, arch.size, n, byzantine, seed + number + i)
        updates.append(KINDS[p.kind].update(context))
    return updates


def run(
    arch: Architecture,
    data: Data,
    participants: list[Participant],
    *,
    rule: str,
    params: dict[str, int],
    rounds: int,
    seed: int = 0,
    training: Training = DEFAULT_TRAINING,
) -> list[Round]:
    """`rounds` rounds from the seeded initial model; one `Round` each."""
    if rule not in RULES:
        raise InvalidRounds(f"rule {rule!r} is not one of {', '.join(RULES)}")
    unknown = sorted({p.kind for p in participants} - set(PARTICIPANT_KINDS))
    if unknown:
        raise InvalidRounds(f"participant kinds {unknown}: expected {', '.join(PARTICIPANT_KINDS)}")
    if not any(p.kind == "honest" for p in participants):
        raise InvalidRounds("at least one participant must be honest (the attacks copy them)")

    def correct(candidate: list[int]) -> int:
        return round(accuracy(arch, candidate, data.X_val, data.y_val) * len(data.y_val))

    def spent(number: int) -> dict[int, float] | None:
        # every participant that trains sends a privatised update every round
        if training.privacy is None:
            return None
        eps = epsilon(training.privacy, number)
        return {i: eps for i, p in enumerate(participants) if KINDS[p.kind].trains}

    vector, out = arch.initial(seed), []
    for number in range(1, rounds + 1):
        updates = round_updates(arch, vector, data, participants, number, seed, training)
        arrived = tuple(i for i, u in enumerate(updates) if u is not None)
        try:
            aggregate = RULES[rule].aggregate([updates[i] for i in arrived], None, params)
        except AggregationError:
            # The updates are well formed (made here), so the rule refused their number: too
            # few arrived (Krum needs 2f + 3, the trimmed mean 2 trim + 1). On chain the
            # line's quorum fails such a round: no aggregate, no reward, the model stays.
            accuracy_now = accuracy(arch, vector, data.X_test, data.y_test)
            out.append(Round(number, accuracy_now, (), {}, arrived, False, spent(number), vector))
            continue
        kept = tuple(arrived[k] for k in aggregate.kept)
        weights = leave_one_out(
            list(kept),
            lambda subset, v=vector, u=updates: apply(v, mean([u[i] for i in subset])),
            correct,
        )
        vector = apply(vector, aggregate.vector)
        accuracy_now = accuracy(arch, vector, data.X_test, data.y_test)
        out.append(Round(number, accuracy_now, kept, weights, arrived, True, spent(number), vector))
    return out
