"""The gas of the federated line (`FederatedLine`): every on-chain write of a round, and the
fraud proof's cost against the number of inputs and the chunk size.

The updates are seeded pseudo-random fixed-point vectors (|x| < 10^6, what a trained MLP's
update looks like), not trained ones: gas depends on the shape (members, chunk size) and on
the bytes of the calldata, not on what the values mean. A round's writes are measured with
`MEMBERS` members under the median; the challenge grid proves the last chunk of a two-chunk
vector wrong, under the median and the trimmed mean (trim 1), for n inputs of `chunk`
coordinates, every n and chunk the constructor allows (n^2 * chunk <= 2^18).
"""

from __future__ import annotations

import random

from eth_utils import keccak

from ml.federated.aggregation import RULES
from ml.federated.line import RULE_IDS, advance
from ml.federated.settlement import Terms
from ml.federated.vectors import ChunkedVector

MEMBERS = 10
DIMENSION = 1210  # the 64-16-10 MLP of the digits sweep
CHUNK = 64
GRID = [(n, chunk) for chunk in (16, 64) for n in (5, 10, 20, 40, 64) if n * n * chunk <= 2**18]
BLOCKKD3A = (125_972, 298_405)  # the range of its contracts' writes (its paper's Table)

#: the round's writes in the order they are sent
TRANSACTIONS = (
    "deploy FederatedLine",
    "fund",
    "join",
    "openRound",
    "commit",
    "reveal",
    "postAggregate",
    "settle (accepted)",
    "challenge (voided)",
    "settle (voided)",
    "withdraw",
    "topUp",
    "leave",
    "exit",
)


def _digest(name: str) -> bytes:
    return keccak(text=f"collab-ml federated gas report {name}")


def _vector(seed: int, dimension: int, chunk: int) -> ChunkedVector:
    rng = random.Random(seed)
    return ChunkedVector.of([rng.randint(-(10**6), 10**6) for _ in range(dimension)], chunk)


def _deploy(owner, aggregator, *, rule: str, params: dict, dimension: int, chunk: int, n: int):
    from ape import project

    terms = Terms(quorum=min(n, 3), max_participants=n)
    task = (
        _digest("architecture"),
        _digest("initial model"),
        _digest("validation"),
        dimension,
        chunk,
    )
    spec = (RULE_IDS[rule], params.get("trim", 0), 0, 0)
    line = owner.deploy(
        project.FederatedLine, aggregator, task, spec, terms.as_tuple(), value=10 * 10**18
    )
    return line, terms


def _round(line, terms, members, aggregator, vectors, advance, *, salt_seed: int):
    """Opens, commits and reveals a round; returns the receipts by function."""
    receipts = {"openRound": [line.openRound(sender=aggregator)]}
    number = line.currentRound()
    salts = [keccak(text=f"salt {salt_seed} {i}") for i in range(len(members))]
    for m, v, salt in zip(members, vectors, salts, strict=True):
        cid = keccak(v.to_bytes())  # a stand-in digest: the chain never reads the bytes
        commitment = line.commitmentOf(number, m.address, cid, v.root, salt)
        receipts.setdefault("commit", []).append(line.commit(number, commitment, sender=m))
    advance(terms.commit_window)
    for m, v, salt in zip(members, vectors, salts, strict=True):
        cid = keccak(v.to_bytes())
        receipts.setdefault("reveal", []).append(line.reveal(number, cid, v.root, salt, sender=m))
    advance(terms.reveal_window)
    return number, receipts


def _aggregate(rule: str, params: dict, vectors, chunk: int) -> ChunkedVector:
    values = RULES[rule].aggregate([list(v.values) for v in vectors], None, params).vector
    return ChunkedVector.of(values, chunk)


def _post(line, terms, aggregator, number, aggregate: ChunkedVector, n: int, *, lie: bool):
    values = list(aggregate.values)
    if lie:
        values[-1] += 1
    posted = ChunkedVector.of(values, aggregate.chunk_size)
    weights = [1 + i % 3 for i in range(n)]
    receipt = line.postAggregate(
        number,
        _digest(f"model {number}"),
        posted.root,
        0,
        weights,
        sender=aggregator,
        value=terms.aggregator_bond,
    )
    return posted, weights, receipt


def _challenge(line, challenger, number, vectors, posted: ChunkedVector):
    last = posted.chunk_count - 1
    return line.challenge(
        number,
        last,
        [v.chunk(last) for v in vectors],
        [v.proof(last) for v in vectors],
        posted.chunk(last),
        posted.proof(last),
        sender=challenger,
    )


def _funded(accounts, count: int) -> list:
    """`count` accounts: the test accounts, then generated ones given 20 ETH each."""
    from ape import accounts as manager

    out = list(accounts)[:count]
    funder = out[-1]
    while len(out) < count:
        account = manager.test_accounts.generate_test_account()
        funder.transfer(account, 20 * 10**18)  # eth-tester cannot set balances
        out.append(account)
    return out


def measure(accounts, chain, *, grid=GRID) -> dict:
    """{"round": {transaction: [min, max] gas}, "challenge": [{rule, n, chunk, gas}]}."""

    accounts = _funded(accounts, 3 + max([MEMBERS] + [n for n, _ in grid]))
    owner, aggregator, challenger = accounts[0], accounts[1], accounts[2]
    members = accounts[3 : 3 + MEMBERS]
    gas: dict[str, list[int]] = {}

    def record(name, receipts):
        used = [r.gas_used for r in receipts]
        low, high = gas.get(name, [min(used), max(used)])
        gas[name] = [min(low, *used), max(high, *used)]

    line, terms = _deploy(
        owner,
        aggregator.address,
        rule="median",
        params={},
        dimension=DIMENSION,
        chunk=CHUNK,
        n=MEMBERS,
    )
    record(TRANSACTIONS[0], [chain.get_receipt(line.txn_hash)])
    record("fund", [line.fund(sender=owner, value=10**18)])
    record("join", [line.join(sender=m, value=terms.stake) for m in members])
    vectors = [_vector(i, DIMENSION, CHUNK) for i in range(MEMBERS)]
    aggregate = _aggregate("median", {}, vectors, CHUNK)
    for lie in (False, True):
        number, receipts = _round(line, terms, members, aggregator, vectors, advance, salt_seed=lie)
        for name, rs in receipts.items():
            record(name, rs)
        posted, weights, receipt = _post(
            line, terms, aggregator, number, aggregate, MEMBERS, lie=lie
        )
        record("postAggregate", [receipt])
        if lie:
            record("challenge (voided)", [_challenge(line, challenger, number, vectors, posted)])
            record("settle (voided)", [line.settle(number, weights, sender=owner)])
        else:
            advance(terms.challenge_window)
            record("settle (accepted)", [line.settle(number, weights, sender=owner)])
    record("withdraw", [line.withdraw(sender=m) for m in members[:2]])
    record("topUp", [line.topUp(sender=members[0], value=10**15)])
    record("leave", [line.leave(sender=members[0])])
    advance(terms.cooldown)
    record("exit", [line.exit(sender=members[0])])
    return {"round": {t: gas[t] for t in TRANSACTIONS}, "challenge": _grid(accounts, advance, grid)}


def _grid(accounts, advance, grid) -> list[dict]:
    owner, aggregator, challenger = accounts[0], accounts[1], accounts[2]
    rows = []
    for rule, params in (("median", {}), ("trimmed-mean", {"trim": 1})):
        for n, chunk in grid:
            line, terms = _deploy(
                owner,
                aggregator.address,
                rule=rule,
                params=params,
                dimension=2 * chunk,
                chunk=chunk,
                n=n,
            )
            members = accounts[3 : 3 + n]
            for m in members:
                line.join(sender=m, value=terms.stake)
            vectors = [_vector(1000 + i, 2 * chunk, chunk) for i in range(n)]
            number, _ = _round(line, terms, members, aggregator, vectors, advance, salt_seed=n)
            aggregate = _aggregate(rule, params, vectors, chunk)
            posted, _, _ = _post(line, terms, aggregator, number, aggregate, n, lie=True)
            receipt = _challenge(line, challenger, number, vectors, posted)
            rows.append({"rule": rule, "n": n, "chunk": chunk, "gas": receipt.gas_used})
    return rows


def render_markdown(report: dict) -> str:
    low, high = BLOCKKD3A
    lines = [
        "## The federated line (`FederatedLine`)",
        "",
        f"Exact gas of every write of a round (`ml/gas_federated.py`): {MEMBERS} members, the",
        f"median, updates of {DIMENSION:,} coordinates in chunks of {CHUNK}; min and max over the",
        "members and the two rounds (one accepted, one voided by a challenge). BlockKD3A's",
        f"writes cost {low:,} to {high:,} gas. A member's writes (join, commit, reveal) and the",
        "aggregator's post are in that range or below; an accepted settle pays the whole round in",
        "one transaction (per rewarded member a credit, a reputation mint and an event).",
        "",
        "| transaction | min gas | max gas |",
        "|---|---:|---:|",
        *(f"| {t} | {a:,} | {b:,} |" for t, (a, b) in report["round"].items()),
        "",
        "A fraud proof re-executes one chunk of every input: its gas against the inputs n and",
        "the chunk size (the last chunk proven wrong; the constructor bounds n^2 * chunk by",
        "2^18, so that every challenge fits under 2^24 = 16,777,216: the largest, 64 inputs of",
        "64 coordinates, is the last row of each rule).",
        "",
        "| rule | n | chunk | gas |",
        "|---|---:|---:|---:|",
        *(f"| {r['rule']} | {r['n']} | {r['chunk']} | {r['gas']:,} |" for r in report["challenge"]),
    ]
    return "\n".join(lines) + "\n"
