"""The gas of a real contribution sequence: ours, measured on the chain, beside what the
reference (0xDeCA10B) would spend on the same sequence by its measured per-transaction costs.

The sequence: labelled texts encoded as 1,000-word presence features (the reference's IMDB
set-up), a sparse model trained off chain on the initial part, then `count` contributions of
the train part in data order, one every 10 minutes, every tenth with a wrong label (the
"attacker"). Each is claimed once the refund wait (1 day) is over: refunded to its author when
the model agrees, taken by the honest author (who holds reputation by then) when it does not;
at the end time runs past the refund wait and every open contribution is claimed the same way
(what the model still disagrees with and nobody holding reputation may take stays open).

The reference's cost of each transaction (k present features; z weight slots going from zero to
non-zero, n0 from non-zero to zero, by a replay of its rule: every weight its own slot, the
intercept fixed; [label = 1] its extra cost for the positive class):
  wrong add  159,000 + 7,274 k + 17,093 z - 4,817 n0 + 20,063 [label = 1]
  right add  159,361 + 3,662 k + 19,577 [label = 1]
  refund     120,075 + 3,333 k (+ 17,000 for an author's first refund)
  report     124,000 + 3,332 k
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml import pipeline

DAY = 86_400
INTERVAL = 600  # seconds between contributions
ATTACK_EVERY = 10  # every tenth contribution carries a wrong label
REFUND_WAIT, ANY_ADDRESS_WAIT = DAY, 9 * DAY
COST_WEIGHT = 60 * 10**15 // 3600  # the reference preset's: 60 units of 1e15 wei after 1 s
FEATURES = 1000
#: The models the gas report prices on the sequence.
MODELS = ("sparse-perceptron", "averaged-sparse-perceptron")


def reference_add_gas(k: int, label: int, wrong: bool, z: int = 0, n0: int = 0) -> int:
    """The reference's addData: the model updates (wrong) or only predicts (right)."""
    if wrong:
        return 159_000 + 7_274 * k + 17_093 * z - 4_817 * n0 + 20_063 * (label == 1)
    return 159_361 + 3_662 * k + 19_577 * (label == 1)


def reference_refund_gas(k: int, first: bool) -> int:
    return 120_075 + 3_333 * k + (17_000 if first else 0)


def reference_report_gas(k: int) -> int:
    return 124_000 + 3_332 * k


@dataclass
class ReferencePerceptron:
    """The reference's sparse perceptron: score = intercept + sum of w[f]; class 1 iff > 0; a
    mistake moves each present weight by +-lr (the intercept stays). Only the weights' zero /
    non-zero transitions matter for its gas."""

    weights: dict[int, int]
    intercept: int
    lr: int

    def predict(self, sample: list[int]) -> int:
        return 1 if self.intercept + sum(self.weights.get(f, 0) for f in sample) > 0 else 0

    def add(self, sample: list[int], label: int) -> int:
        """Gas of adding (sample, label), after which the model has learnt it."""
        if self.predict(sample) == label:
            return reference_add_gas(len(sample), label, wrong=False)
        delta = self.lr if label == 1 else -self.lr
        z = n0 = 0
        for f in sample:
            before = self.weights.get(f, 0)
            after = before + delta
            z += before == 0 and after != 0
            n0 += before != 0 and after == 0
            self.weights[f] = after
        return reference_add_gas(len(sample), label, wrong=True, z=z, n0=n0)


@dataclass
class Sequence:
    """What the run measured: every transaction (operation, k, gas ours, gas the reference's)."""

    model: str
    dataset: str
    transactions: list[tuple[str, int, int, int]] = field(default_factory=list)

    def total(self, which: int) -> int:
        return sum(t[which] for t in self.transactions)

    def summary(self) -> dict:
        ops: dict[str, dict[str, int]] = {}
        for op, _, ours, theirs in self.transactions:
            row = ops.setdefault(op, {"count": 0, "ours": 0, "reference": 0})
            row["count"] += 1
            row["ours"] += ours
            row["reference"] += theirs
        ours, theirs = self.total(2), self.total(3)
        return {
            "model": self.model,
            "dataset": self.dataset,
            "operations": ops,
            "ours": ours,
            "reference": theirs,
            "ratio": ours / theirs,
        }


def _reference_model(encoded: pipeline.Encoded) -> ReferencePerceptron:
    """The reference's model, a plain sparse perceptron trained as ours on the initial part
    (whichever model ours is, so that every model is priced against the same reference)."""
    mirror = pipeline.train("sparse-perceptron", encoded).mirror
    weights = {f: w for f, w in enumerate(mirror.params_) if w}
    return ReferencePerceptron(weights, mirror.intercept_, mirror.learning_rate_fixed)


def measure(
    accounts, chain, *, model: str, dataset: str, count: int = 300, seed: int = 0
) -> Sequence:
    """Runs the sequence on the connected chain (module docstring) and prices it both ways."""
    from ml.deploy import deploy_model, deploy_trainer
    from ml.mechanisms import Action

    owner, honest, attacker = accounts[0], accounts[1], accounts[2]
    source = pipeline.Source(dataset=dataset, seed=seed, initial_share=0.1)
    parts = pipeline.load(source)
    encoder = pipeline.make_encoder("vocabulary", source, model, FEATURES)
    encoded = pipeline.encode(encoder, parts)
    mirror = pipeline.train(model, encoded).mirror
    reference = _reference_model(encoded)
    trainer = deploy_trainer(
        deploy_model(mirror, owner).contract,
        owner,
        cost_weight=COST_WEIGHT,
        refund_wait=REFUND_WAIT,
        any_address_wait=ANY_ADDRESS_WAIT,
    ).contract
    samples, labels = encoded.train, encoded.y_train
    run = Sequence(model, dataset)
    refunded: set[str] = set()
    pending: list[tuple[int, bytes, int, object, int]] = []  # (added at, data, label, author, k)
    unclaimed: list[tuple[int, bytes, int, object, int]] = []  # looked at once, not claimable
    start = chain.pending_timestamp + 60
    clock = [start - 1]

    def at(t: int) -> int:
        """Sets the next block's time: `t`, or a second after the last if that is later."""
        clock[0] = max(t, clock[0] + 1)
        chain.pending_timestamp = clock[0]
        return clock[0]

    def claim(record) -> bool:
        """Claims `record` the way the module docstring says; False if nothing is claimable
        (views see the latest block, whose time is past the record's refund wait)."""
        _, data, label, author, k = record
        if trainer.claimable(data, label, author)[0] == Action.REFUND:
            at(clock[0])
            gas = trainer.refund(data, label, sender=author).gas_used
            run.transactions.append(
                ("refund", k, gas, reference_refund_gas(k, author.address not in refunded))
            )
            refunded.add(author.address)
        elif trainer.claimable(data, label, honest)[0] == Action.REPORT:
            at(clock[0])
            gas = trainer.report(data, label, sender=honest).gas_used
            run.transactions.append(("report", k, gas, reference_report_gas(k)))
        else:
            return False
        return True

    def claim_due() -> None:
        while pending and pending[0][0] + REFUND_WAIT <= clock[0]:
            record = pending.pop(0)
            if not claim(record):
                unclaimed.append(record)

    for i, (sample, label) in enumerate(zip(samples[:count], labels[:count], strict=True)):
        label = int(label)
        if i % ATTACK_EVERY == ATTACK_EVERY - 1:
            author, label = attacker, (label + 1) % mirror.num_classes
        else:
            author = honest
        data = mirror.encode_fixed(sample)
        if any(r[1] == data and r[2] == label for r in pending + unclaimed):
            continue  # the same message is still open (the data has duplicates)
        value = trainer.requiredDepositAt(at(start + i * INTERVAL))
        gas = trainer.addData(data, label, sender=author, value=value).gas_used
        mirror.update_fixed(sample, label)
        run.transactions.append(("addData", len(sample), gas, reference.add(sample, label)))
        pending.append((clock[0], data, label, author, len(sample)))
        claim_due()
    # The end: every wait is over; whatever is claimable now is claimed.
    at(clock[0] + REFUND_WAIT)
    chain.mine()
    for record in unclaimed + pending:
        claim(record)
    return run


def render_markdown(runs: list[Sequence]) -> str:
    """The section of docs/gas.md: per operation and in total, ours beside the reference's."""
    lines = [
        "## A real sequence, ours beside the reference's cost model",
        "",
        "`ml/gas_sequence.py`: the shipped texts as 1,000-word presence features, the model",
        "trained off chain on 10%, then contributions in data order every 10 minutes (every",
        "tenth mislabelled), each refunded or taken after its 1-day wait; exact gas on the chain,",
        "and the reference's per-transaction costs of the same sequence (the formulas are in the",
        "module). Target: at most 0.40x the reference's total.",
        "",
        "| model | dataset | operation | count | ours | reference | ratio |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        s = run.summary()
        for op, row in s["operations"].items():
            lines.append(
                f"| {s['model']} | {s['dataset']} | {op} | {row['count']} | {row['ours']:,} "
                f"| {row['reference']:,} | {row['ours'] / row['reference']:.3f} |"
            )
        verdict = "met" if s["ratio"] <= 0.40 else "MISSED"
        lines.append(
            f"| {s['model']} | {s['dataset']} | **total** | {len(run.transactions)} "
            f"| {s['ours']:,} | {s['reference']:,} | {s['ratio']:.3f} ({verdict}) |"
        )
    return "\n".join(lines) + "\n"
