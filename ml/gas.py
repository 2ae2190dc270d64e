"""The gas report: every model deployed and exercised on identical inputs to the reference
system's (0xDeCA10B) measurements, with exact `gas_used` per operation.

Scenario inputs (real values, converted to fixed point with ONE = 1e6):
- sparse perceptron, 1000 features: w[i] = (1 + i mod 10) / 100, intercept 5.0, lr 0.5; samples
  S_k = [floor(j * 1000 / k) for j < k] for k = 20, 100, 400;
- averaged sparse perceptron: the sparse perceptron's current weights, intercept and lr, an
  average 0.01 below each weight (the intercept's equal to it) over 2 updates (so that one
  contribution can change its mind, as the trainer scenario needs); same samples;
- dense perceptron, 512 dims: same weights, intercept and lr; x[i] = +-1/sqrt(512), + at even i;
- naive Bayes, 2 x 1000: count of feature i in class c = 1 + (i + c) mod 5, 100 samples per
  class, alpha 1; sample S_100;
- dense nearest centroid, 2 x 512: centroid 0 = 0.02 everywhere, centroid 1 = +-0.03 (+ at
  even i), 10 samples per class; input the dense perceptron's x;
- sparse nearest centroid, 2 x 1000: centroid of feature i in class c = (1 + (i + c) mod 10)/100,
  10 samples per class; sample S_100.
"update-wrong" uses the label the model does not predict, "update-right" the one it predicts;
"predict" is eth_estimateGas of the view call (21,000 and calldata included, as the reference's).
"max-sample-bytes" is the model's `maxSampleBytes()` and "predict-max" the predict gas of the
largest accepted sample (the first max-sample-bytes / 2 features, or the scenario's dense
sample), which must stay within PREDICT_GAS_BUDGET (5,000,000) so that its refund or report fits
one transaction.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

from ml.deploy import deploy_model
from ml.fixed_point import ONE, to_fixed
from ml.models import (
    AveragedSparsePerceptron,
    DensePerceptron,
    NaiveBayes,
    NearestCentroid,
    OnChainModel,
    SparseNearestCentroid,
    SparsePerceptron,
)
from ml.models.base import PREDICT_GAS_BUDGET

CLASSES = ["Negative", "Positive"]
MODEL_OPERATIONS = [
    "deploy",
    "deploy-txs",
    "update-wrong",
    "update-right",
    "predict",
    "max-sample-bytes",
    "predict-max",
]
TRAINER_OPERATIONS = ["add-data-wrong", "add-data-right", "refund", "take", "withdraw"]
OPERATIONS = MODEL_OPERATIONS + TRAINER_OPERATIONS
# The trainer's parameters in every scenario (the brief's): waits in seconds, cost weight in wei.
REFUND_WAIT, ANY_ADDRESS_WAIT, COST_WEIGHT = 1, 3, 10**15
# An averaged model needs several corrections, a second apart, before it disagrees with a bad
# label (see `measure_trainer_scenario`); the take is measured on the reputation path, so before
# anyone may take everything (the value of the wait does not change any operation's gas).
SLOW, SLOW_ANY_ADDRESS_WAIT = ("averaged-sparse-perceptron",), 10

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
# The reference has one sparse perceptron: the averaged one is compared with it.
REFERENCE |= {
    f"averaged-sparse-perceptron/k{k}": REFERENCE[f"sparse-perceptron/k{k}"] for k in (20, 100, 400)
}
# Targets that a named, deliberate cost puts out of reach (scenario, operation) -> the reason.
# Naive Bayes' update predicts first, to return predictedBefore (issue 9): +178k gas at k = 100,
# the prediction's arithmetic (its storage reads warm the words the update then writes); the
# sparse nearest centroid's, +74k.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("naive-bayes/k100", "update-wrong"): "predictedBefore",
    ("naive-bayes/k100", "add-data-wrong"): "predictedBefore",
    ("sparse-nearest-centroid/k100", "add-data-wrong"): "predictedBefore",
    # The averaged perceptron stores two values per feature (twice the words to deploy, and at
    # k = 400 twice the words touched); its one pass reads both and stages both for a step
    # that a right update then drops (+4% on it); a mistake writes both.
    **{("averaged-sparse-perceptron/k20", op): "averaging" for op in ("deploy", "update-wrong")},
    **{
        ("averaged-sparse-perceptron/k100", op): "averaging"
        for op in ("deploy", "add-data-wrong", "take")
    },
    **{
        ("averaged-sparse-perceptron/k400", op): "averaging"
        for op in ("deploy", "add-data-wrong", "add-data-right")
    },
}
# At most this times the reference's figure.
TARGETS = {
    "deploy": 0.5,
    "update-wrong": 0.9,
    "add-data-wrong": 0.7,
    "add-data-right": 0.7,
    "refund": 0.7,
    "take": 0.7,
}


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


def averaged_sparse_perceptron() -> AveragedSparsePerceptron:
    m = AveragedSparsePerceptron(num_features=1000, learning_rate=0.5, class_names=CLASSES)
    weights = _weights(1000)
    m.set_average(weights, [w - ONE // 100 for w in weights], 5 * ONE, 5 * ONE, 2)
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
    "averaged-sparse-perceptron/k20": (averaged_sparse_perceptron, sparse_sample(20)),
    "averaged-sparse-perceptron/k100": (averaged_sparse_perceptron, sparse_sample(100)),
    "averaged-sparse-perceptron/k400": (averaged_sparse_perceptron, sparse_sample(400)),
    "dense-perceptron/d512": (dense_perceptron, dense_sample()),
    "naive-bayes/k100": (naive_bayes, sparse_sample(100)),
    "nearest-centroid/d512": (nearest_centroid, dense_sample()),
    "sparse-nearest-centroid/k100": (sparse_nearest_centroid, sparse_sample(100)),
}


def informative_contribution(model: OnChainModel, sample: list[int]) -> tuple[list[int], int]:
    """A contribution (x, label) that earns its author reputation: the model predicts another
    class for x now and `label` after learning it once, and the prediction for the measured
    `sample` stays as it was. Found by trying candidates on a copy of the mirror (the highest
    features outside the sample, or constant and alternating vectors), so the scenario's
    second account holds reputation as the reference's does."""
    if model.sparse:
        outside = [f for f in reversed(range(model.num_features)) if f not in set(sample)]
        candidates = [sorted(outside[:n]) for n in range(1, min(len(outside), 64) + 1)]
    else:
        d, one = model.num_features, ONE
        candidates = [
            [sign * one // scale * (1 if i % 2 == 0 or not alternating else -1) for i in range(d)]
            for scale in (1, 2, 4, 8)
            for sign in (1, -1)
            for alternating in (False, True)
        ]
    expected = model.predict_fixed(sample)
    for x in candidates:
        before = model.predict_fixed(x)
        for label in range(model.num_classes):
            if label == before:
                continue
            trial = copy.deepcopy(model)
            trial.update_fixed(x, label)
            if trial.predict_fixed(x) == label and trial.predict_fixed(sample) == expected:
                return x, label
    raise AssertionError("no informative contribution among the candidates")


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
    limit = int(contract.maxSampleBytes())
    largest = list(range(limit // 2)) if model.sparse else sample
    result["max-sample-bytes"] = limit
    result["predict-max"] = chain.provider.web3.eth.estimate_gas(
        {
            "from": owner.address,
            "to": contract.address,
            "data": bytes(contract.predict.encode_input(model.encode_fixed(largest))),
        }
    )
    for operation, label in (("update-wrong", wrong), ("update-right", predicted)):
        snapshot = chain.snapshot()
        result[operation] = contract.update(data, label, sender=owner).gas_used
        chain.restore(snapshot)
    return {op: int(result[op]) for op in MODEL_OPERATIONS}


def measure_trainer_scenario(name: str, accounts, chain) -> dict[str, int]:
    """The scenario's model behind a Deposit-Refund-Take trainer (refund after 1 s, anyone may
    take after 3 s, or 10 s for an averaged model; cost weight 1e15 wei), every addData carrying
    exactly the required deposit: B contributes informative data and is refunded (so B holds
    reputation; see `informative_contribution`); 1 s later A's measured addData (wrong label,
    and from the same state the right one). Wrong branch: C's correcting contributions a second
    apart until the model disagrees with A's label (one, unless the model is averaged), then
    B's measured take a second after the last. Right branch: A's measured refund 1 s after, then
    A's withdraw."""
    from ml.deploy import deploy_trainer

    owner, a, b, c = accounts[0], accounts[1], accounts[2], accounts[3]
    factory, sample = SCENARIOS[name]
    model = factory()
    trainer = deploy_trainer(
        deploy_model(model, owner).contract,
        owner,
        cost_weight=COST_WEIGHT,
        refund_wait=REFUND_WAIT,
        any_address_wait=SLOW_ANY_ADDRESS_WAIT if model.kind in SLOW else ANY_ADDRESS_WAIT,
    ).contract
    data = model.encode_fixed(sample)
    right = model.predict_fixed(sample)
    wrong = 1 - right if model.num_classes == 2 else (right + 1) % model.num_classes
    t = chain.pending_timestamp + 10

    def at(seconds: int, action):
        chain.pending_timestamp = t + seconds
        return action()

    def add(account, x, label, seconds):
        def send():
            value = trainer.requiredDepositAt(t + seconds)
            return trainer.addData(x, label, sender=account, value=value)

        receipt = at(seconds, send)
        return receipt

    other, other_label = informative_contribution(model, sample)
    add(b, model.encode_fixed(other), other_label, 0)
    model.update_fixed(other, other_label)
    at(1, lambda: trainer.refund(model.encode_fixed(other), other_label, sender=b))
    result = {}
    snapshot = chain.snapshot()
    result["add-data-wrong"] = add(a, data, wrong, 2).gas_used
    model.update_fixed(sample, wrong)
    # Correcting contributions, a second apart, until the model disagrees with the bad label:
    # one for a plain model; an averaged one changes its mind more slowly (none at k = 20, six
    # at k = 100 and 400).
    # An open contribution's content cannot be added again: after the sample itself, the
    # sample with one more feature.
    outside = [f for f in range(model.num_features) if f not in set(sample) | set(other)]
    seconds = 3
    while model.predict_fixed(sample) == wrong:
        if seconds == 13:
            raise AssertionError(f"{name}: the model still agrees with the bad label")
        x = sample if seconds == 3 else sorted([*sample, outside[seconds]])
        add(c, model.encode_fixed(x), right, seconds)
        model.update_fixed(x, right)
        seconds += 1
    result["take"] = at(seconds, lambda: trainer.report(data, wrong, sender=b)).gas_used
    chain.restore(snapshot)
    result["add-data-right"] = add(a, data, right, 2).gas_used
    result["refund"] = at(3, lambda: trainer.refund(data, right, sender=a)).gas_used
    result["withdraw"] = at(4, lambda: trainer.withdraw(sender=a)).gas_used
    return {op: int(result[op]) for op in TRAINER_OPERATIONS}


def render_markdown(report: dict[str, dict[str, int]], floor: dict[str, dict[str, int]]) -> str:
    """docs/gas.md: ours beside the floor of our layout and the reference's figure."""
    lines = [
        "# Gas report",
        "",
        "Generated by `make gas-report` (`ape run gas-report`): exact `gas_used` on anvil;",
        "deployments and updates are identical on eth-tester. Inputs are the reference's, listed",
        "in `ml/gas.py`; the reference is 0xDeCA10B measured on the same inputs.",
        "",
        "- *floor*: what no implementation of our storage layout avoids: 21,000 per",
        "  transaction, its calldata, and the storage it must read and write (cold read 2,100,",
        "  read-modify-write 5,000, new slot 22,100, a call to another contract 2,600).",
        "- Trainer operations: Deposit-Refund-Take, refund after 1 s, anyone may take after 3 s,",
        "  cost weight 1e15 wei, exactly the required deposit (`ml/gas.py` describes each step).",
        "- *ratio*: ours / reference. Targets: deployment at most 0.5x the reference's, update",
        "  when wrong 0.9x, add-data (wrong and right), refund and take 0.7x.",
        "",
        "| scenario | operation | ours | floor | above floor | reference | ratio | target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for scenario, ops in report.items():
        ref = REFERENCE.get(scenario, {})
        for op, gas in ops.items():
            ref_gas = ref.get(op)
            low = floor.get(scenario, {}).get(op)
            ratio = f"{gas / ref_gas:.3f}" if ref_gas and op != "deploy-txs" else ""
            target = TARGETS.get(op)
            verdict = ""
            if op == "predict-max":
                within = gas <= PREDICT_GAS_BUDGET
                verdict = f"<= {PREDICT_GAS_BUDGET:,} {'met' if within else 'MISSED'}"
            if target and ref_gas:
                verdict = f"<= {target} {'met' if gas <= target * ref_gas else 'MISSED'}"
                if gas > target * ref_gas and (scenario, op) in EXCEPTIONS:
                    verdict = f"<= {target} missed: {EXCEPTIONS[scenario, op]}"
            cells = [
                scenario,
                op,
                f"{gas:,}",
                f"{low:,}" if low else "",
                f"{100 * (gas - low) / low:+.1f}%" if low else "",
                f"{ref_gas:,}" if ref_gas is not None else "",
                ratio,
                verdict,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- floors
# What no implementation of this layout can avoid (Prague): 21,000 per transaction, calldata
# (4 gas per zero byte, 16 per other byte), a cold read 2,100, a cold read-modify-write of a
# non-zero slot 5,000, a new slot 22,100, a call to another contract 2,600 (cold account).
COLD_READ, RMW, NEW_SLOT, COLD_ACCOUNT, INTRINSIC = 2_100, 5_000, 22_100, 2_600, 21_000


def calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def _words(model: OnChainModel, sample: list[int], classes) -> int:
    """Distinct parameter words holding the parameters of `sample` for `classes`."""
    lanes, C = model.lanes, model.num_classes
    kind = model.kind
    if kind in ("sparse-perceptron",):
        indices = list(sample)
    elif kind == "averaged-sparse-perceptron":  # w[f] and u[f] share a word
        indices = [2 * f for f in sample]
    elif kind == "dense-perceptron":
        indices = range(model.num_features)
    elif kind in ("naive-bayes", "sparse-nearest-centroid"):
        indices = [f * C + c for f in sample for c in classes]
    elif kind == "nearest-centroid":
        indices = [c * model.num_features + d for c in classes for d in range(model.num_features)]
    else:
        raise ValueError(kind)
    return len({i // lanes for i in indices})


def _model_read_floor(model, sample) -> int:
    """Storage a prediction must read: slot 0 (owner, finalised), the parameter words, and the
    per-class totals where the model keeps them."""
    extra = {
        "naive-bayes": model.num_classes,
        "sparse-nearest-centroid": model.num_classes,
        "nearest-centroid": 1,
        "averaged-sparse-perceptron": 1,  # the counter and u_b
    }.get(model.kind, 0)
    return COLD_READ * (1 + _words(model, sample, range(model.num_classes)) + extra)


def _model_update_floor(model, sample, label, changes: bool) -> int:
    """Storage an update must touch (without the transaction's own costs)."""
    if model.kind == "averaged-sparse-perceptron":
        # every update writes the counter's word; a mistake also slot 0 and the weights' words
        read = _model_read_floor(model, sample) + 2_900
        return read + (2_900 + 2_900 * _words(model, sample, [label]) if changes else 0)
    if not changes:  # a perceptron that is right only reads
        return _model_read_floor(model, sample)
    if model.kind in ("sparse-perceptron", "dense-perceptron"):
        # slot 0 (owner, intercept), every weight word read and written
        return COLD_READ + 2_900 + RMW * _words(model, sample, [label])
    # slot 0, the label's parameter words, and one slot of per-class totals or counts
    return COLD_READ + RMW * (_words(model, sample, [label]) + 1)


def floors(name: str, accounts) -> dict[str, int]:
    """The floor of every measured operation of a scenario (see the constants above)."""
    from eth_abi import encode as abi_encode

    factory, sample = SCENARIOS[name]
    model = factory()
    data = model.encode_fixed(sample)
    right = model.predict_fixed(sample)
    wrong = 1 - right

    def call(selector_sig: str, types: list[str], args: list) -> int:
        from eth_utils import keccak

        return INTRINSIC + calldata_gas(keccak(text=selector_sig)[:4] + abi_encode(types, args))

    perceptron = model.kind.endswith("perceptron")
    update = {
        label: call("update(bytes,uint256)", ["bytes", "uint256"], [data, label])
        for label in (wrong, right)
    }
    add = {
        label: call("addData(bytes,uint256)", ["bytes", "uint256"], [data, label])
        for label in (wrong, right)
    }
    claim = call("refund(bytes,uint256)", ["bytes", "uint256"], [data, right])
    trainer_add = NEW_SLOT + RMW + COLD_ACCOUNT  # record, last update time, the model
    read = _model_read_floor(model, sample)
    return {
        "update-wrong": update[wrong] + _model_update_floor(model, sample, wrong, True),
        "update-right": update[right] + _model_update_floor(model, sample, right, not perceptron),
        "predict": call("predict(bytes)", ["bytes"], [data]) + read,
        "add-data-wrong": add[wrong]
        + trainer_add
        + _model_update_floor(model, sample, wrong, True),
        "add-data-right": add[right]
        + trainer_add
        + _model_update_floor(model, sample, right, not perceptron),
        # record, the model's prediction, a new credit; the measured contribution is one the
        # model already agreed with, so its refund mints no reputation (no token call)
        "refund": claim + RMW + COLD_ACCOUNT + read + NEW_SLOT,
        # record, the taker's new flag, the token's balance and supply, the prediction, a credit
        "take": claim + RMW + NEW_SLOT + COLD_ACCOUNT + 2 * COLD_READ + COLD_ACCOUNT + read + RMW,
        # the credit zeroed (2,900 + 2,100 - 4,800 refunded) and a value transfer (9,000)
        "withdraw": INTRINSIC + calldata_gas(bytes.fromhex("3ccfd60b")) + 200 + 9_000,
    }
