"""The federated line on chain (`contracts/federated/FederatedLine.sol`), driven from Python:
what the creator, a member, the aggregator and a challenger each do in a round, through the
transaction-safe client (`ml.chain.Client`: every transaction dry-run first, a revert a one-line
error), with every update and model stored as an artifact (`ml.artifacts`).

On chain a revealed update is a CID digest (where its bytes are) and the Merkle root of its
chunks (what a fraud proof checks). The roots are what the chain can verify; a CID is a locator:
`load` refuses bytes whose chunks do not have the root the chain holds, so an artifact that
does not match is treated as unavailable (the aggregator rejects it, and is not challengeable
for that; docs/federated.md states the trust this leaves). The aggregate posted for a round is
new model - old model; its root is posted beside the new model's CID, and `check` recomputes
every chunk of it from the inputs, as a challenger does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak

from ml.artifacts.cid import DAG_PB, RAW, Cid
from ml.artifacts.store import Store, StoreError
from ml.encoders import canonical_json
from ml.errors import CollabMLError
from ml.federated.aggregation import RULES, mean
from ml.federated.attribution import leave_one_out
from ml.federated.mlp import Architecture, apply
from ml.federated.settlement import Settlement, Terms, rejected_from_mask, settle_round
from ml.federated.vectors import ChunkedVector, InvalidVector
from ml.fixed_point import to_fixed
from ml.merkle import MerkleTree

ARCHITECTURE_FORMAT = "collab-ml/federated-architecture/1"
#: the contract's Rule enum, in order
RULE_IDS = {"mean": 0, "median": 1, "trimmed-mean": 2, "krum": 3, "multi-krum": 4}
#: the contract's Status and Outcome enums
STATUSES = ("none", "open", "posted", "voided", "settled")
OUTCOMES = ("pending", "accepted", "voided", "failed")


class LineError(CollabMLError, ValueError):
    """Settings or artifacts a federated line cannot use."""


@dataclass(frozen=True)
class Spec:
    """What the line trains and how it aggregates."""

    arch: Architecture
    rule: str
    params: dict
    chunk_size: int = 64

    def __post_init__(self):
        if self.rule not in RULE_IDS:
            raise LineError(f"rule {self.rule!r} is not one of {', '.join(RULE_IDS)}")
        expected = set(RULES[self.rule].params)
        if set(self.params) != expected:
            raise LineError(
                f"{self.rule} takes parameters {sorted(expected) or 'none'}, "
                f"got {sorted(self.params)}"
            )

    def rule_tuple(self) -> tuple[int, int, int, int]:
        p = self.params
        return (RULE_IDS[self.rule], p.get("trim", 0), p.get("f", 0), p.get("m", 0))

    def to_bytes(self) -> bytes:
        """The architecture spec artifact."""
        a = self.arch
        document = {
            "format": ARCHITECTURE_FORMAT,
            "features": a.features,
            "hidden": a.hidden,
            "classes": a.classes,
            "dimension": a.size,
            "chunk_size": self.chunk_size,
            "rule": self.rule,
            "params": dict(sorted(self.params.items())),
        }
        return canonical_json(document).encode()


def validation_root(X, y) -> bytes:
    """The commitment to the validation set: the Merkle root of leaves
    keccak256(keccak256(abi.encode(index, label, int256[] fixed-point features)))."""
    leaves = [
        keccak(keccak(encode(["uint256", "uint256", "int256[]"], [i, int(label), fixed])))
        for i, (row, label) in enumerate(zip(X, y, strict=True))
        for fixed in [[to_fixed(float(v)) for v in row]]
    ]
    return MerkleTree(leaves).root


def store_vector(store: Store, values: list[int], chunk_size: int) -> tuple[Cid, ChunkedVector]:
    vector = ChunkedVector.of(values, chunk_size)
    return store.add(vector.to_bytes()), vector


def find(store: Store, digest: bytes) -> Cid:
    """The CID (raw or dag-pb: the chain keeps only the digest) of a stored artifact."""
    for codec in (RAW, DAG_PB):
        cid = Cid(codec, bytes(digest))
        if store.has(cid):
            return cid
    raise LineError(f"no artifact with digest 0x{bytes(digest).hex()} in the store")


def load(store: Store, digest: bytes, root: bytes | None = None) -> ChunkedVector:
    """The vector whose CID has `digest` (raw or dag-pb), checked against `root` if given;
    raises LineError if it is missing, not a vector, or has another root."""
    cid = find(store, digest)
    try:
        vector = ChunkedVector.from_bytes(store.cat(cid))
    except (StoreError, InvalidVector) as err:
        raise LineError(f"artifact {cid}: {err}") from None
    if root is not None and vector.root != bytes(root):
        raise LineError(f"artifact {cid} has root 0x{vector.root.hex()}, the chain 0x{root.hex()}")
    return vector


@dataclass(frozen=True)
class Pending:
    """A member's committed update, kept until its reveal."""

    round: int
    cid: Cid
    root: bytes
    salt: bytes


@dataclass(frozen=True)
class Reveal:
    index: int  # position among the round's reveals (bit `index` of the masks)
    member: str
    digest: bytes
    root: bytes


@dataclass(frozen=True)
class Posting:
    """What the aggregator computed for a round and posts."""

    model: list[int]  # the new global model
    model_cid: Cid
    aggregate: ChunkedVector
    rejected: tuple[int, ...]  # reveal indices
    weights: tuple[int, ...]  # per reveal index

    @property
    def mask(self) -> int:
        return sum(1 << k for k in self.rejected)


@dataclass
class Line:
    """A deployed line with the spec and the store its artifacts live in."""

    contract: object
    spec: Spec
    store: Store
    client: object
    start_block: int = 0  # where its events begin

    # ------------------------------------------------------------ creation

    @classmethod
    def deploy(
        cls,
        spec: Spec,
        terms: Terms,
        *,
        creator,
        aggregator: str,
        initial: list[int],
        validation: tuple,
        funding: int,
        store: Store,
        client,
    ) -> Line:
        from ape import project

        arch_cid = store.add(spec.to_bytes())
        model_cid, _ = store_vector(store, initial, spec.chunk_size)
        task = (
            arch_cid.digest,
            model_cid.digest,
            validation_root(*validation),
            spec.arch.size,
            spec.chunk_size,
        )
        contract = creator.deploy(
            project.FederatedLine,
            aggregator,
            task,
            spec.rule_tuple(),
            terms.as_tuple(),
            value=funding,
        )
        from ape import chain

        return cls(contract, spec, store, client, chain.blocks.head.number)

    # ------------------------------------------------------------ members

    def join(self, account):
        stake = self.contract.terms().stake
        return self.client.send(self.contract.join, sender=account, value=stake)

    def commit(self, account, round_: int, update: list[int]):
        """Stores `update` as an artifact and commits to it; returns what the reveal needs
        (a `Pending`) and the receipt."""
        self.spec.arch.check(update)
        cid, vector = store_vector(self.store, update, self.spec.chunk_size)
        pending = Pending(round_, cid, vector.root, os.urandom(32))
        receipt = self.client.send(
            self.contract.commit, round_, self.commitment(account, pending), sender=account
        )
        return pending, receipt

    def commitment(self, account, pending: Pending) -> bytes:
        return keccak(
            encode(
                ["address", "uint256", "address", "bytes32", "bytes32", "bytes32"],
                [
                    self.contract.address,
                    pending.round,
                    account.address,
                    pending.cid.digest,
                    pending.root,
                    pending.salt,
                ],
            )
        )

    def reveal(self, account, pending: Pending):
        return self.client.send(
            self.contract.reveal,
            pending.round,
            pending.cid.digest,
            pending.root,
            pending.salt,
            sender=account,
        )

    # ------------------------------------------------------------ reading the chain

    def reveals(self, round_: int) -> list[Reveal]:
        out = []
        for k, member in enumerate(self.contract.revealers(round_)):
            entry = self.contract.entries(round_, member)
            out.append(Reveal(k, str(member), bytes(entry.cid), bytes(entry.root)))
        return out

    def rounds_revealed(self, address: str, through: int) -> int:
        """How many of rounds 1..`through` `address` revealed an update in (what its
        differential privacy has spent: an update never revealed was never released)."""
        return sum(self.contract.entries(r, address).revealIndex > 0 for r in range(1, through + 1))

    def global_model(self) -> list[int]:
        return list(load(self.store, bytes(self.contract.globalModelCid())).values)

    def status(self, round_: int) -> str:
        return STATUSES[self.contract.rounds(round_).status]

    # ------------------------------------------------------------ the aggregator

    def open_round(self, aggregator) -> int:
        self.client.send(self.contract.openRound, sender=aggregator)
        return self.contract.currentRound()

    def compute(self, round_: int, correct: Callable[[list[int]], int]) -> Posting:
        """The round's aggregate by the line's rule over the revealed updates that load (the
        others are rejected as unavailable), the attribution by leave-one-out (`correct`
        counts the validation samples a model answers correctly) and the new model."""
        spec, old = self.spec, self.global_model()
        reveals, updates, usable = self.reveals(round_), {}, []
        for r in reveals:
            try:
                vector = load(self.store, r.digest, r.root)
                spec.arch.check(list(vector.values))
            except (LineError, ValueError):
                continue
            if vector.chunk_size == spec.chunk_size:
                updates[r.index] = list(vector.values)
                usable.append(r.index)
        if not usable:
            raise LineError(f"round {round_}: no revealed update could be loaded")
        result = RULES[spec.rule].aggregate([updates[k] for k in usable], None, spec.params)
        kept = [usable[i] for i in result.kept]
        inputs = kept if not RULES[spec.rule].coordinate_wise else usable
        weights = leave_one_out(
            kept,
            lambda subset: apply(old, mean([updates[k] for k in subset])),
            correct,
        )
        model = apply(old, result.vector)
        model_cid, _ = store_vector(self.store, model, spec.chunk_size)
        store_vector(self.store, result.vector, spec.chunk_size)  # for challengers
        return Posting(
            model,
            model_cid,
            ChunkedVector.of(result.vector, spec.chunk_size),
            tuple(r.index for r in reveals if r.index not in inputs),
            tuple(weights.get(r.index, 0) for r in reveals),
        )

    def post(self, aggregator, round_: int, posting: Posting):
        return self.client.send(
            self.contract.postAggregate,
            round_,
            posting.model_cid.digest,
            posting.aggregate.root,
            posting.mask,
            list(posting.weights),
            sender=aggregator,
            value=self.contract.terms().aggregatorBond,
        )

    def settle(self, caller, round_: int):
        return self.client.send(
            self.contract.settle, round_, self.posted_weights(round_), sender=caller
        )

    def posted_weights(self, round_: int) -> list[int]:
        """The weights of the round's AggregatePosted event ([] if none was posted)."""
        from ape import chain

        head = chain.blocks.head.number + 1
        posted = [
            list(e.weights)
            for e in self.contract.AggregatePosted.range(self.start_block, head)
            if e.round == round_
        ]
        return posted[-1] if posted else []

    def expected_settlement(self, round_: int) -> Settlement:
        """What settling the round now must do (`ml.federated.settlement`), from the chain."""
        c = self.contract
        r = c.rounds(round_)
        status = STATUSES[r.status]
        outcome = {"posted": "accepted", "voided": "voided", "open": "failed"}.get(status)
        if outcome is None:
            raise LineError(f"round {round_} is {status}: nothing to settle")
        committed = [str(a) for a in c.committers(round_)]
        revealed = [str(a) for a in c.revealers(round_)]
        return settle_round(
            {a: c.members(a).stake for a in committed},
            c.pool(),
            committed,
            revealed,
            rejected_from_mask(int(r.rejectedMask)),
            self.posted_weights(round_),
            outcome,
            Terms(*c.terms()),
            slashes_rejected=RULES[self.spec.rule].coordinate_wise,
        )

    # ------------------------------------------------------------ challengers

    def posted(self, round_: int) -> tuple[bytes, bytes, int]:
        """(model CID digest, aggregate root, rejected mask) of the round's posted aggregate."""
        r = self.contract.rounds(round_)
        return bytes(r.modelCid), bytes(r.aggregateRoot), int(r.rejectedMask)

    def inputs(self, round_: int) -> list[ChunkedVector]:
        """The round's inputs (revealed, not rejected), loaded and checked against their roots."""
        _, _, mask = self.posted(round_)
        return [
            load(self.store, r.digest, r.root)
            for r in self.reveals(round_)
            if not (mask >> r.index) & 1
        ]

    def wrong_chunks(self, round_: int, aggregate: ChunkedVector) -> list[int]:
        """The chunks of the posted `aggregate` that the rule does not give from the inputs."""
        inputs = self.inputs(round_)
        expected = _rule_on_inputs(self.spec, [list(v.values) for v in inputs])
        truth = ChunkedVector.of(expected, self.spec.chunk_size)
        return [c for c in range(truth.chunk_count) if truth.chunk(c) != aggregate.chunk(c)]

    def challenge(self, challenger, round_: int, chunk: int, aggregate: ChunkedVector):
        inputs = self.inputs(round_)
        return self.client.send(
            self.contract.challenge,
            round_,
            chunk,
            [v.chunk(chunk) for v in inputs],
            [v.proof(chunk) for v in inputs],
            aggregate.chunk(chunk),
            aggregate.proof(chunk),
            sender=challenger,
        )


def _rule_on_inputs(spec: Spec, inputs: list[list[int]]) -> list[int]:
    """What the contract recomputes from the inputs: the coordinate-wise rule itself, or for
    Krum and multi-Krum the mean of the selection."""
    if RULES[spec.rule].coordinate_wise:
        return RULES[spec.rule].aggregate(inputs, None, spec.params).vector
    return mean(inputs)


def advance(seconds: int) -> None:
    """Moves a local chain's clock `seconds` (and one more) on and mines a block: the
    `advance` of `play_round` on a chain of this machine."""
    from ape import chain
    from ape.exceptions import APINotImplementedError

    try:
        chain.pending_timestamp += seconds + 1
        chain.mine()
    except APINotImplementedError:  # a plain node provider (the demo's anvil): its RPC
        chain.provider.make_request("evm_increaseTime", [seconds + 1])
        chain.provider.make_request("evm_mine", [])


@dataclass(frozen=True)
class RoundResult:
    """What one round did on chain."""

    number: int
    outcome: str  # OUTCOMES
    model_cid: Cid  # the global model after the round
    revealed: tuple[str, ...]  # members, in reveal order
    credits: dict[str, int]  # wei credited to each address by the round
    slashed: dict[str, int]  # wei slashed from each member's address
    challenged: tuple[int, ...]  # chunks proven wrong (at most one is needed)
    gas: dict[str, list[int]]  # gas used, per contract function


def play_round(
    line: Line,
    *,
    aggregator,
    updates: dict,
    stragglers: frozenset = frozenset(),
    correct: Callable[[list[int]], int],
    advance: Callable[[int], None],
    lie: bool = False,
    challenger=None,
) -> RoundResult:
    """One whole round on a chain whose clock `advance(seconds)` moves (a local chain): the
    aggregator opens it, each account of `updates` ({account: update}) commits, all but the
    `stragglers` reveal, the aggregator posts (with one coordinate of the aggregate altered
    if `lie`), `challenger` (if any) checks every chunk and challenges the first wrong one,
    and the round is settled."""
    contract, terms, gas = line.contract, line.contract.terms(), {}

    def sent(name, receipt):
        gas.setdefault(name, []).append(receipt.gas_used)
        return receipt

    before = {
        a: contract.credits(a) for a in [*updates, aggregator] + [challenger] * bool(challenger)
    }
    stakes = {a: contract.members(a).stake for a in updates}
    sent("openRound", line.client.send(contract.openRound, sender=aggregator))
    number = contract.currentRound()
    pending = {}
    for account, update in updates.items():
        pending[account], receipt = line.commit(account, number, update)
        sent("commit", receipt)
    advance(terms.commitWindow)
    for account, p in pending.items():
        if account not in stragglers:
            sent("reveal", line.reveal(account, p))
    advance(terms.revealWindow)
    posting = line.compute(number, correct)
    if lie:
        values = list(posting.aggregate.values)
        values[-1] += 1
        posting = Posting(
            posting.model,
            posting.model_cid,
            ChunkedVector.of(values, line.spec.chunk_size),
            posting.rejected,
            posting.weights,
        )
    sent("postAggregate", line.post(aggregator, number, posting))
    challenged = ()
    if challenger is not None:
        wrong = line.wrong_chunks(number, posting.aggregate)
        if wrong:
            sent("challenge", line.challenge(challenger, number, wrong[0], posting.aggregate))
            challenged = (wrong[0],)
    if line.status(number) == "posted":
        advance(terms.challengeWindow)
    expected = line.expected_settlement(number)
    holders = [*updates, aggregator]  # the aggregator last
    credits_before = {a: contract.credits(a) for a in holders}
    reputation_before = {a: _token(contract).balanceOf(a) for a in holders}
    sent("settle", line.settle(aggregator, number))
    _check_settled(line, number, expected, holders, credits_before, reputation_before)
    return RoundResult(
        number,
        OUTCOMES[contract.rounds(number).outcome],
        find(line.store, bytes(contract.globalModelCid())),
        tuple(r.member for r in line.reveals(number)),
        {
            address_of(a): contract.credits(a) - before[a]
            for a in before
            if contract.credits(a) != before[a]
        },
        {
            address_of(a): stakes[a] - contract.members(a).stake
            for a in updates
            if contract.members(a).stake != stakes[a]
        },
        challenged,
        gas,
    )


def _check_settled(line, number, expected, holders, credits_before, reputation_before) -> None:
    """Raises LineError naming every way the chain's settlement differs from its mirror's."""
    contract, token = line.contract, _token(line.contract)
    credited, differences = expected.credits_with(address_of(holders[-1])), []

    def compare(what, got, want):
        if got != want:
            differences.append(f"{what}: chain {got}, mirror {want}")

    for account in holders:
        a = address_of(account)
        if a in expected.stakes:
            compare(f"stake of {a}", contract.members(a).stake, expected.stakes[a])
        compare(f"credit of {a}", contract.credits(a) - credits_before[account], credited.get(a, 0))
        minted = token.balanceOf(a) - reputation_before[account]
        compare(f"reputation of {a}", minted, expected.reputation.get(a, 0))
    compare("pool", contract.pool(), expected.pool)
    if differences:
        raise LineError(f"round {number} settled unlike its mirror: " + "; ".join(differences))


def address_of(account) -> str:
    """The address of an account (or of an address)."""
    return str(getattr(account, "address", account))


def _token(contract):
    from ape import Contract, project

    return Contract(contract.reputation(), contract_type=project.ReputationToken.contract_type)
