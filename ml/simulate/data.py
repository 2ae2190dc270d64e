"""The data of a simulation, made as `ape run deploy` makes a deployment's (`ml.pipeline`): the
initial model trained off chain on the initial part, the train part (encoded) as the pool
contributors draw from, and the test part.

A market's hidden test set is held out of the train part: its last `market_test_size` samples
(the split is already shuffled by the seed), so that no contributor can submit a test sample
and the accuracy test set stays the one every mechanism is measured on. It is held out when the
scenario's mechanism, or any of a sweep's, takes a test set, so the points of a sweep that
compares mechanisms draw from the same pool."""

from __future__ import annotations

from dataclasses import dataclass, field

from ml import pipeline
from ml.errors import CollabMLError
from ml.models import OnChainModel

from .scenario import Scenario, ScenarioError, Sweep


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
    full_data_accuracy: float  # the same model trained off chain on the initial and pool parts
    #: a market's hidden test set (held out of the train part; empty for other mechanisms)
    market_test_samples: list[list[int]] = field(default_factory=list)
    market_test_labels: list[int] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return self.model.num_classes


def source(scenario: Scenario) -> pipeline.Source:
    return pipeline.Source(
        scenario.dataset,
        seed=scenario.seed,
        initial_share=scenario.initial_share,
        text_column=scenario.text_column,
        label_column=scenario.label_column,
    )


def load_data(scenario: Scenario | Sweep) -> SimulationData:
    """Splits, encodes and trains as `ml.pipeline` does for a deployment; raises ScenarioError
    (one line) when the scenario's data, encoder, model and agents do not go together. A sweep's
    data is its base scenario's, checked against the agents of every point."""
    points = [point for *_, point in scenario.scenarios()] if isinstance(scenario, Sweep) else []
    s = scenario.base if isinstance(scenario, Sweep) else scenario
    data = source(s)
    kind = s.encoder or pipeline.default_encoder(data, s.model)
    try:
        encoder = pipeline.make_encoder(kind, data, s.model, s.features)
    except CollabMLError as err:
        raise ScenarioError(f"encoder {kind} for {s.model} on {s.dataset}: {err}") from None
    except ValueError as err:  # an encoder's own bound (e.g. embedding dimensions)
        raise ScenarioError(f"features: {err}") from None
    try:
        encoded = pipeline.encode(encoder, pipeline.load(data))
        options = {"learning_rate": s.learning_rate, "alpha": s.alpha, "seed": s.seed}
        trained = pipeline.train(s.model, encoded, **options)
        full = pipeline.train(s.model, encoded, with_train_part=True, **options)
    except CollabMLError as err:
        raise ScenarioError(f"dataset {s.dataset}: {err}") from None
    classes = len(encoded.class_names)
    for agent in (a for point in [s, *points] for a in point.agents):
        if agent.kind == "judge-steer" and not (
            0 <= agent.source < classes and 0 <= agent.target < classes
        ):
            raise ScenarioError(
                f"{agent.name}: source and target must be classes of the data (0 to {classes - 1})"
            )
    pool, labels = list(encoded.train), [int(v) for v in encoded.y_train]
    held = s.market_test_size if any(p.takes_test_set for p in [s, *points]) else 0
    if not pool:
        raise ScenarioError(f"dataset {s.dataset}: no sample is left for the contributors")
    if len(pool) <= held:
        raise ScenarioError(
            f"market_test_size ({held}) must leave samples for the contributors: "
            f"{s.dataset}'s train part has {len(pool)}"
        )
    cut = len(pool) - held
    model = trained.mirror
    return SimulationData(
        model=model,
        pool=[model.encode_fixed(sample) for sample in pool[:cut]],
        pool_samples=pool[:cut],
        pool_labels=labels[:cut],
        test_samples=encoded.test,
        test_labels=[int(v) for v in encoded.y_test],
        initial_size=len(encoded.initial),
        full_data_accuracy=full.quantised_accuracy,
        market_test_samples=pool[cut:],
        market_test_labels=labels[cut:],
    )
