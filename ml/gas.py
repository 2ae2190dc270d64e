"""The gas report: every model deployed and exercised on identical inputs to the reference
system's (0xDeCA10B) measurements, with exact `gas_used` per operation.

Scenario inputs (real values, converted to fixed point with ONE = 1e6):
- sparse perceptron, 1000 features: w[i] = (1 + i mod 10) / 100, intercept 5.0, lr 0.5; samples
  S_k = [floor(j * 1000 / k) for j < k] for k = 20, 100, 400;
- dense perceptron, 512 dims: same weights, intercept and lr; x[i] = +-1/sqrt(512), + at even i;
- naive Bayes, 2 x 1000: count of feature i in class c = 1 + (i + c) mod 5, 100 samples per
  class, alpha 1; sample S_100;
- dense nearest centroid, 2 x 512: centroid 0 = 0.02 everywhere, centroid 1 = +-0.03 (+ at
  even i), 10 samples per class; input the dense perceptron's x;
- sparse nearest centroid, 2 x 1000: centroid of feature i in class c = (1 + (i + c) mod 10)/100,
  10 samples per class; sample S_100.
"update-wrong" uses the label the model does not predict, "update-right" the one it predicts;
"predict" is eth_estimateGas of the view call (21,000 and calldata included, as the reference's).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ml.deploy import deploy_model
from ml.fixed_point import to_fixed
from ml.models import (
    DensePerceptron,
    NaiveBayes,
    NearestCentroid,
    OnChainModel,
    SparseNearestCentroid,
    SparsePerceptron,
)

CLASSES = ["Negative", "Positive"]
OPERATIONS = ["deploy", "deploy-txs", "update-wrong", "update-right", "predict"]

# The reference's figures on the same inputs (anvil 1.7.1, Prague), from the project's brief.
REFERENCE: dict[str, dict[str, int]] = {
    "sparse-perceptron/k20": {
        "deploy": 24_596_640,
        "deploy-txs": 4,
        "update-wrong": 158_888,
        "add-data-wrong": 304_076,
        "add-data-right": 251_719,
        "predict": 84_229,
    },
    "sparse-perceptron/k100": {
        "deploy": 24_596_640,
        "deploy-txs": 4,
        "update-wrong": 686_668,
        "add-data-wrong": 884_923,
        "add-data-right": 543_846,
        "refund": 486_578,
        "take": 451_668,
        "predict": 323_289,
    },
    "sparse-perceptron/k400": {
        "deploy": 24_596_640,
        "deploy-txs": 4,
        "update-wrong": 2_666_043,
        "add-data-wrong": 3_065_306,
        "add-data-right": 1_641_529,
        "predict": 1_219_965,
    },
    "dense-perceptron/d512": {
        "deploy": 5_991_190,
        "deploy-txs": 2,
        "update-wrong": 2_078_770,
        "add-data-wrong": 2_573_787,
        "add-data-right": 1_866_132,
        "predict": 1_130_146,
    },
    "naive-bayes/k100": {
        "deploy": 51_315_063,
        "deploy-txs": 8,
        "update-wrong": 647_069,
        "add-data-wrong": 865_224,
        "predict": 691_293,
    },
    "nearest-centroid/d512": {
        "deploy": 8_836_753,
        "deploy-txs": 2,
        "update-wrong": 1_551_534,
        "add-data-wrong": 2_026_651,
        "predict": 1_785_492,
    },
    "sparse-nearest-centroid/k100": {
        "deploy": 52_626_142,
        "deploy-txs": 10,
        "update-wrong": 749_057,
        "add-data-wrong": 947_312,
        "predict": 748_045,
    },
}
TARGETS = {"deploy": 0.5, "update-wrong": 0.9}  # at most this times the reference's


def sparse_sample(k: int) -> list[int]:
    return [j * 1000 // k for j in range(k)]


def dense_sample() -> list[int]:
    v = to_fixed(1 / math.sqrt(512))
    return [v if i % 2 == 0 else -v for i in range(512)]


def _weights(n: int) -> list[int]:
    return [to_fixed((1 + i % 10) / 100) for i in range(n)]


def sparse_perceptron() -> SparsePerceptron:
    m = SparsePerceptron(num_features=1000, learning_rate=0.5, intercept=5.0, class_names=CLASSES)
    m.params_ = _weights(1000)
    return m


def dense_perceptron() -> DensePerceptron:
    m = DensePerceptron(num_features=512, learning_rate=0.5, intercept=5.0, class_names=CLASSES)
    m.params_ = _weights(512)
    return m


def naive_bayes() -> NaiveBayes:
    m = NaiveBayes(num_features=1000, num_classes=2, alpha=1.0, class_names=CLASSES)
    counts = [[1 + (i + c) % 5 for i in range(1000)] for c in range(2)]
    return m.set_counts(counts, [100, 100])


def nearest_centroid() -> NearestCentroid:
    m = NearestCentroid(num_features=512, num_classes=2, class_names=CLASSES)
    return m.set_centroids(
        [[0.02] * 512, [0.03 if i % 2 == 0 else -0.03 for i in range(512)]], [10, 10]
    )


def sparse_nearest_centroid() -> SparseNearestCentroid:
    m = SparseNearestCentroid(num_features=1000, num_classes=2, class_names=CLASSES)
    return m.set_centroids(
        [[(1 + (i + c) % 10) / 100 for i in range(1000)] for c in range(2)], [10, 10]
    )


# scenario name -> (model factory, sample in the contract's representation)
SCENARIOS: dict[str, tuple[Callable[[], OnChainModel], list[int]]] = {
    "sparse-perceptron/k20": (sparse_perceptron, sparse_sample(20)),
    "sparse-perceptron/k100": (sparse_perceptron, sparse_sample(100)),
    "sparse-perceptron/k400": (sparse_perceptron, sparse_sample(400)),
    "dense-perceptron/d512": (dense_perceptron, dense_sample()),
    "naive-bayes/k100": (naive_bayes, sparse_sample(100)),
    "nearest-centroid/d512": (nearest_centroid, dense_sample()),
    "sparse-nearest-centroid/k100": (sparse_nearest_centroid, sparse_sample(100)),
}


def measure_model_scenario(name: str, owner, chain) -> dict[str, int]:
    """Deploys the scenario's model and measures each operation from the same state."""
    factory, sample = SCENARIOS[name]
    model = factory()
    deployment = deploy_model(model, owner)
    contract = deployment.contract
    data = model.encode_fixed(sample)
    predicted = model.predict_fixed(sample)
    if contract.predict(data) != predicted:
        raise AssertionError(f"{name}: the contract and its mirror disagree")
    wrong = 1 - predicted if model.num_classes == 2 else (predicted + 1) % model.num_classes
    result = {
        "deploy": deployment.gas_used,
        "deploy-txs": deployment.transactions,
        "predict": chain.provider.web3.eth.estimate_gas(
            {
                "from": owner.address,
                "to": contract.address,
                "data": bytes(contract.predict.encode_input(data)),
            }
        ),
    }
    for operation, label in (("update-wrong", wrong), ("update-right", predicted)):
        snapshot = chain.snapshot()
        result[operation] = contract.update(data, label, sender=owner).gas_used
        chain.restore(snapshot)
    return {op: int(result[op]) for op in OPERATIONS}


def render_markdown(report: dict[str, dict[str, int]]) -> str:
    """docs/gas.md: our figures beside the reference's, with the ratio and the target."""
    lines = [
        "# Gas report",
        "",
        "Generated by `make gas-report` (`ape run gas-report`): exact `gas_used` on anvil;",
        "deployments and updates are identical on eth-tester. Inputs are the reference's, listed",
        "in `ml/gas.py`; the reference is 0xDeCA10B measured on the same inputs.",
        "Ratio = ours / reference; targets: deployment at most 0.5x, update when wrong 0.9x.",
        "",
        "| scenario | operation | ours | reference | ratio | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    for scenario, ops in report.items():
        ref = REFERENCE.get(scenario, {})
        for op, gas in ops.items():
            ref_gas = ref.get(op)
            ratio = f"{gas / ref_gas:.3f}" if ref_gas and op != "deploy-txs" else ""
            target = TARGETS.get(op)
            verdict = ""
            if target and ref_gas:
                verdict = f"<= {target} {'met' if gas <= target * ref_gas else 'MISSED'}"
            ref_text = f"{ref_gas:,}" if ref_gas is not None else ""
            lines.append(f"| {scenario} | {op} | {gas:,} | {ref_text} | {ratio} | {verdict} |")
    return "\n".join(lines) + "\n"
