"""The gas of a standard prediction market, measured on the chain: 100 contributions, 200 test
samples, on the shipped SMS texts, beside Deposit-Refund-Take's gas on the same sequence.

The market: the texts as 1,000-word presence features (as `ml.gas_sequence`), the model trained
off chain on the initial 10%, a test set of the first `test_samples` encoded samples of the test
part, committed at creation with a reward pool. Then the first `contributions` texts of the
train part in data order, every tenth with a wrong label (as `ml.gas_sequence`, so that both
mechanisms price the same sequence); after the window the provider reveals the test set in
chunks of `reveal_chunk` leaves; scoring is pushed in transactions of `steps` steps (a step is
one prediction or one update: `steps` is chosen so that the largest transaction stays well under
the 2^24 gas a transaction may use, and the largest is reported); each author claims what it is
owed (negative scores have nothing to claim), and everyone withdraws.

Deposit-Refund-Take's side is `ml.gas_sequence.measure` with the same count: the same texts,
labels and authors, each refunded or taken after its 1-day wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml import gas_sequence, pipeline

#: The models the gas report prices a market of.
MODELS = ("naive-bayes", "averaged-sparse-perceptron")
REWARD = 10**18
STAKE = 10**15
WINDOW = 7 * gas_sequence.DAY
REVEAL_WINDOW = 2 * gas_sequence.DAY
#: The most gas one transaction may use (EIP-7825).
TX_GAS_CAP = 2**24


@dataclass
class MarketRun:
    """Every transaction of one market's life: (operation, gas), and the scoring steps each
    evaluate made."""

    model: str
    dataset: str
    contributions: int
    test_samples: int
    transactions: list[tuple[str, int]] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    #: Deposit-Refund-Take's total gas on the same sequence, and its contributions.
    drt_total: int = 0
    drt_contributions: int = 0

    def gas(self, operation: str) -> list[int]:
        return [g for op, g in self.transactions if op == operation]

    @property
    def total(self) -> int:
        return sum(g for _, g in self.transactions)

    def summary(self) -> dict:
        """Per operation: count, total, min, max; and the totals per contribution."""
        ops = {}
        for op, _ in self.transactions:
            gas = self.gas(op)
            ops[op] = {"count": len(gas), "total": sum(gas), "min": min(gas), "max": max(gas)}
        evaluate = sum(self.gas("evaluate"))
        creation = sum(self.gas("model deployment")) + sum(self.gas("market deployment"))
        return {
            "model": self.model,
            "dataset": self.dataset,
            "contributions": self.contributions,
            "test_samples": self.test_samples,
            "operations": ops,
            "total": self.total,
            # The deployments are sums of several transactions, each bounded by the chunking.
            "largest_transaction": max(
                g for op, g in self.transactions if not op.endswith("deployment")
            ),
            "scoring_steps": sum(self.steps),
            "scoring_per_contribution": evaluate // self.contributions,
            "scoring_per_step": evaluate // sum(self.steps),
            "reveal_per_leaf": sum(self.gas("revealTestSet")) // self.test_samples,
            "total_per_contribution": self.total // self.contributions,
            "after_creation_per_contribution": (self.total - creation) // self.contributions,
            "drt_total": self.drt_total,
            "drt_per_contribution": self.drt_total // self.drt_contributions,
        }


def measure(
    accounts,
    chain,
    *,
    model: str,
    dataset: str = "sms-spam",
    contributions: int = 100,
    test_samples: int = 200,
    reveal_chunk: int = 25,
    steps: int = 200,
    seed: int = 0,
) -> MarketRun:
    """Runs the market of the module docstring on the connected chain, then Deposit-Refund-
    Take's sequence of the same contributions."""
    from ml.deploy import deploy_model, deploy_trainer
    from ml.mechanisms import Action
    from ml.test_set import TestSet

    provider, honest, attacker = accounts[0], accounts[1], accounts[2]
    source = pipeline.Source(dataset=dataset, seed=seed, initial_share=0.1)
    encoder = pipeline.make_encoder("vocabulary", source, model, gas_sequence.FEATURES)
    encoded = pipeline.encode(encoder, pipeline.load(source))
    mirror = pipeline.train(model, encoded).mirror
    test_set = TestSet.make(
        [mirror.encode_fixed(s) for s in encoded.test[:test_samples]],
        [int(y) for y in encoded.y_test[:test_samples]],
        seed=seed,
    )
    run = MarketRun(model, dataset, 0, len(test_set))

    model_deployment = deploy_model(mirror, provider)
    run.transactions.append(("model deployment", model_deployment.gas_used))
    market_deployment = deploy_trainer(
        model_deployment.contract,
        provider,
        mechanism="prediction-market",
        test_set=test_set,
        reward=REWARD,
        stake=STAKE,
        window=WINDOW,
        reveal_window=REVEAL_WINDOW,
        max_contributions=contributions,
    )
    run.transactions.append(("market deployment", market_deployment.gas_used))
    market = market_deployment.contract
    created = chain.blocks.head.timestamp

    added: list[tuple[bytes, int, object]] = []  # (data, label, author), in order
    for i, (sample, label) in enumerate(zip(encoded.train, encoded.y_train, strict=True)):
        if len(added) == contributions:
            break
        label = int(label)
        author = honest
        if i % gas_sequence.ATTACK_EVERY == gas_sequence.ATTACK_EVERY - 1:
            author, label = attacker, (label + 1) % mirror.num_classes
        data = mirror.encode_fixed(sample)
        if any(d == data and lab == label for d, lab, _ in added):
            continue  # the same message again (the data has duplicates)
        receipt = market.addData(data, label, sender=author, value=STAKE)
        run.transactions.append(("addData", receipt.gas_used))
        added.append((data, label, author))
    run.contributions = len(added)

    chain.pending_timestamp = created + WINDOW
    for start in range(0, len(test_set), reveal_chunk):
        receipt = market.revealTestSet(test_set.reveal_args(start, reveal_chunk), sender=provider)
        run.transactions.append(("revealTestSet", receipt.gas_used))

    # Each round is one update (after round 0) and one prediction per test sample: `steps`
    # steps reach at most steps // (size + 1) + 1 contributions past the next one to apply.
    reach = steps // (len(test_set) + 1) + 2
    while not market.cursor().done:
        cursor = market.cursor()
        start = cursor.round if cursor.round == 0 or cursor.applied else cursor.round - 1
        upcoming = [(d, lab) for d, lab, _ in added[start : start + reach]]
        receipt = market.evaluate(steps, upcoming, sender=honest)
        run.transactions.append(("evaluate", receipt.gas_used))
        run.steps.append(next(iter(receipt.decode_logs(market.Evaluated))).steps)

    authors = {}
    for data, label, author in added:
        if market.claimable(data, label, author)[0] == Action.REFUND:
            run.transactions.append(("refund", market.refund(data, label, sender=author).gas_used))
        authors[author.address] = author
    for account in [*authors.values(), provider]:
        if market.credits(account) > 0:
            run.transactions.append(("withdraw", market.withdraw(sender=account).gas_used))

    drt = gas_sequence.measure(accounts, chain, model=model, dataset=dataset, count=contributions)
    run.drt_total = drt.total(2)
    run.drt_contributions = sum(1 for t in drt.transactions if t[0] == "addData")
    return run


#: The rows of the table, in order: (operation, what its figure is).
_ROWS = (
    ("model deployment", "constructor, initialisation chunks, finalize"),
    ("market deployment", "constructor (with the reward pool) and the model's hand-over"),
    ("addData", "one contribution with its stake"),
    ("revealTestSet", "one chunk of leaves with their proofs"),
    ("evaluate", "one transaction of scoring steps"),
    ("refund", "one author's claim"),
    ("withdraw", "one account's withdrawal"),
)


def render_markdown(summaries: list[dict]) -> str:
    """The section of docs/gas.md from `MarketRun.summary()`s: every operation of each
    market, and the totals per contribution beside Deposit-Refund-Take's on the same
    sequence."""
    lines = [
        "## A prediction market, measured",
        "",
        "`ml/gas_market.py`: a market of the shipped SMS texts (1,000-word presence features,",
        "the model trained off chain on 10%), a committed test set of the first test samples,",
        "then the contributions of the real sequence (every tenth mislabelled), the reveal in",
        "chunks of 25 leaves, scoring pushed in transactions of 200 steps (a step is one",
        "prediction or one update), every claim and withdrawal. Exact gas on the chain.",
        "",
        "| model | operation | what | count | total | min | mean | max |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        for op, what in _ROWS:
            row = s["operations"].get(op)
            if row is None:
                continue
            lines.append(
                f"| {s['model']} | {op} | {what} | {row['count']} | {row['total']:,} "
                f"| {row['min']:,} | {row['total'] // row['count']:,} | {row['max']:,} |"
            )
    lines += [
        "",
        "| model | contributions | test samples | reveal per leaf | scoring steps "
        "| scoring per step | scoring per contribution | largest transaction (deployments aside) "
        "| total per contribution | without creation | Deposit-Refund-Take per contribution |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        lines.append(
            f"| {s['model']} | {s['contributions']} | {s['test_samples']} "
            f"| {s['reveal_per_leaf']:,} | {s['scoring_steps']:,} | {s['scoring_per_step']:,} "
            f"| {s['scoring_per_contribution']:,} | {s['largest_transaction']:,} "
            f"| {s['total_per_contribution']:,} | {s['after_creation_per_contribution']:,} "
            f"| {s['drt_per_contribution']:,} |"
        )
    lines += [
        "",
        "The total per contribution is everything (both deployments, the reveal, the whole",
        "scoring, claims, withdrawals) divided by the contributions; without creation, the",
        "deployments left out, as in Deposit-Refund-Take's figure: `ml/gas_sequence.py`'s total",
        "(contributions and claims) on the same contributions.",
        "",
    ]
    for s in summaries:
        scoring = s["operations"]["evaluate"]["total"]
        lines.append(
            f"- {s['model']}: scoring is {100 * scoring // s['total']}% of the market's gas (each "
            f"contribution replayed, then all {s['test_samples']} test samples predicted again); "
            f"without creation the market costs "
            f"{s['after_creation_per_contribution'] / s['drt_per_contribution']:.1f}x "
            "Deposit-Refund-Take per contribution."
        )
    return "\n".join(lines) + "\n"
