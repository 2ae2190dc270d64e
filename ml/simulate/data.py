"""The data of a simulation: the initial model trained off chain on a share of the training
data, the rest as the pool contributors draw from, and the held-out test set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml import datasets
from ml.models import MODELS as MODEL_CLASSES
from ml.models import OnChainModel
from ml.pipeline import NUMERIC
from ml.training import train_model

from .scenario import Scenario, ScenarioError

#: Binary perceptrons are left out: the one sparse dataset (binarised digits) has ten classes.
MODELS = tuple(k for k in MODEL_CLASSES if k != "sparse-perceptron")


@dataclass
class SimulationData:
    """Samples are in the model's representation (present indices or fixed-point values) and
    already encoded as the bytes the contracts take."""

    model: OnChainModel  # the initial model, deployed as is
    pool: list[bytes]  # contributors' samples, encoded
    pool_samples: list[list[int]]
    pool_labels: list[int]
    test_samples: list[list[int]]
    test_labels: list[int]
    initial_size: int
    full_data_accuracy: float  # the same model trained off chain on all the training data

    @property
    def num_classes(self) -> int:
        return self.model.num_classes


def load_data(scenario: Scenario) -> SimulationData:
    """Splits the scenario's dataset, trains the initial model on `initial_share` of the
    training part (a seeded choice), and encodes everything for the contracts."""
    if scenario.model not in MODELS:
        raise ScenarioError(f"model {scenario.model!r} is not one of {', '.join(MODELS)}")
    if scenario.dataset not in NUMERIC:
        raise ScenarioError(f"dataset {scenario.dataset!r} is not one of {', '.join(NUMERIC)}")
    sparse = MODEL_CLASSES[scenario.model].sparse
    if sparse and scenario.dataset != "digits":
        raise ScenarioError(f"{scenario.model} takes present features: use dataset digits")
    split = NUMERIC[scenario.dataset](seed=scenario.seed)
    if sparse:
        split = datasets.digits_binary(seed=scenario.seed)
    if scenario.model == "dense-perceptron" and split.num_classes != 2:
        raise ScenarioError("dense-perceptron is binary: use dataset breast-cancer")
    for agent in scenario.agents:
        if agent.kind == "judge-steer" and not (
            0 <= agent.source < split.num_classes and 0 <= agent.target < split.num_classes
        ):
            raise ScenarioError(f"{agent.name}: source and target must be classes of the data")

    order = np.random.default_rng(scenario.seed).permutation(len(split.X_train))
    k = max(split.num_classes, round(scenario.initial_share * len(order)))
    initial, rest = order[:k], order[k:]
    X, y = split.X_train, split.y_train
    options = {
        "class_names": split.class_names,
        "alpha": scenario.alpha,
        "learning_rate": scenario.learning_rate,
        "seed": scenario.seed,
    }
    trained = train_model(
        scenario.model, X[initial], y[initial], split.X_test, split.y_test, **options
    )
    full = train_model(scenario.model, X, y, split.X_test, split.y_test, **options)
    model = trained.mirror
    to_samples = datasets.indices if sparse else (lambda rows: [model.to_sample(r) for r in rows])
    pool_samples = to_samples(X[rest])
    return SimulationData(
        model=model,
        pool=[model.encode_fixed(s) for s in pool_samples],
        pool_samples=pool_samples,
        pool_labels=[int(v) for v in y[rest]],
        test_samples=to_samples(split.X_test),
        test_labels=[int(v) for v in split.y_test],
        initial_size=k,
        full_data_accuracy=full.quantised_accuracy,
    )
