"""A prediction market on chain driven beside its mirror (`ml.mechanisms.MarketMirror`): every
transaction goes to both, their revert reasons must agree, and `check` compares everything the
market moves (phase, cursor, scores, claims, credits, reputation, ether) to the wei.

The fixtures in conftest.py build these; the Hypothesis tests build many with `deploy_market`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ape import chain
from ape import project as ape_project
from ape.exceptions import ContractLogicError

from ml import mechanisms
from ml.chain import decode_error, revert_data
from ml.deploy import deploy_model, deploy_trainer
from ml.mechanisms import Action, Claim, Cursor, Phase
from ml.models import NaiveBayes, SparsePerceptron
from ml.test_set import TestSet

DAY = 86_400
STAKE = 10**15
REWARD = 10**17
NUM_FEATURES = 16

#: The small markets' test set: features 0-7 are class 1, features 8-15 class 0.
TESTS = [([i], 1) for i in range(8)] + [([8 + i], 0) for i in range(8)]


def small_perceptron() -> SparsePerceptron:
    """A sparse perceptron that knows nothing (every weight and the intercept 0: it predicts 0
    for everything) and learns a feature from one contribution."""
    model = SparsePerceptron(
        num_features=NUM_FEATURES, learning_rate=0.5, class_names=["neg", "pos"]
    )
    model.params_ = [0] * NUM_FEATURES
    return model


def small_naive_bayes() -> NaiveBayes:
    """A naive Bayes model that has seen one sample of each class, over features 14 (class 0)
    and 15 (class 1): it has no opinion on features 0-13 beyond the (equal) class priors."""
    model = NaiveBayes(num_features=NUM_FEATURES, num_classes=2, class_names=["neg", "pos"])
    counts = [[0] * NUM_FEATURES, [0] * NUM_FEATURES]
    counts[0][14] = counts[1][15] = 1
    return model.set_counts(counts, [1, 1])


def pin() -> int:
    """Pins the next block's timestamp and returns it, so that the mirror is told the time the
    transaction runs at (at least a second after the latest block)."""
    timestamp = max(chain.pending_timestamp, chain.blocks.head.timestamp + 1)
    chain.pending_timestamp = timestamp
    return timestamp


def revert_name(err: ContractLogicError, contracts) -> str | None:
    """The name of the custom error a revert carries (decoded with `contracts`' ABIs)."""
    name = getattr(getattr(err, "abi", None), "name", None)
    if name is not None:
        return name
    data = revert_data(err)
    decoded = decode_error(data, contracts) if data is not None else None
    return decoded[0] if decoded else None


@dataclass(frozen=True)
class Contribution:
    sender: object  # an ape account
    indices: list[int]
    label: int
    data: bytes

    @property
    def key(self) -> tuple[bytes, int]:
        return (self.data, self.label)


class MarketRun:
    """A market, its model contract and the mirror, moved together. Each transaction method
        asks the mirror first (which applies the effects only if the transaction succeeds), sends
        the transaction, asserts the chain reverted with the mirror's reason (or succeeded with it)
        and returns the reason (None: success). `fees` sums each account's gas fees (reverted
    transactions' too)."""

    def __init__(self, market, model_contract, mirror, model, tests, test_set, values, reward):
        self.market = market
        self.model_contract = model_contract
        self.mirror = mirror
        self.model = model  # the initial model (the mirror holds its own copy)
        self.tests = tests  # [(indices, label)] of the test set, in leaf order
        self.test_set = test_set
        self.values = values
        self.reward = reward
        self.provider = mirror.provider
        self.contributions: list[Contribution] = []  # accepted, in order
        self.accounts: dict[str, object] = {}  # every account that sent something, by address
        self.fees: dict[str, int] = {}
        self.start_block = chain.blocks.head.number
        self.reputation = ape_project.ReputationToken.at(market.reputation())

    # ------------------------------------------------------------------ sending

    def _send(self, expected: str | None, method, *args, sender, **kwargs):
        """Sends `method(*args)`; asserts it reverts with `expected` (None: succeeds)."""
        self.accounts[sender.address] = sender
        balance = sender.balance
        try:
            receipt = method(*args, sender=sender, **kwargs)
        except ContractLogicError as err:
            # ape mines the reverted transaction: its fee is what the sender lost.
            self.fees[sender.address] = self.fees.get(sender.address, 0) + balance - sender.balance
            name = revert_name(err, [self.market, self.model_contract])
            assert name == expected, f"the chain reverted with {name}, the mirror says {expected}"
            return name, None
        self.fees[sender.address] = self.fees.get(sender.address, 0) + receipt.total_fees_paid
        assert expected is None, f"the chain accepted what the mirror refuses ({expected})"
        return None, receipt

    # ------------------------------------------------------------------ participation

    def add(self, sender, indices, label, *, value=None) -> str | None:
        """addData of sparse `indices` labelled `label`, staking `value` (default: the stake)."""
        value = self.mirror.stake if value is None else value
        data = self.model.encode_fixed(indices)
        now = pin()
        expected = self.mirror.add((data, label), indices, sender.address, now, value)
        reason, _ = self._send(
            expected, self.market.addData, data, label, sender=sender, value=value
        )
        if reason is None:
            self.contributions.append(Contribution(sender, list(indices), label, data))
        return reason

    # ------------------------------------------------------------------ the reveal

    def unrevealed(self) -> list[int]:
        return [i for i in range(len(self.test_set)) if i not in self.mirror.test_set]

    def reveal(self, indices, sender, *, args=None, expected=...) -> str | None:
        """revealTestSet of the leaves `indices` (their true proofs unless `args` are given; then
        `expected` is the revert reason the mirror cannot know, e.g. InvalidProof)."""
        if args is None:
            args = [self.test_set.reveal_args(i, 1)[0] for i in indices]
        leaves = [(i, self.tests[i][1], self.tests[i][0]) for i in indices]
        now = pin()
        if expected is ...:
            expected = self.mirror.reveal(leaves, now)
        reason, _ = self._send(expected, self.market.revealTestSet, args, sender=sender)
        return reason

    def reveal_all(self, chunk: int, sender) -> int:
        """Reveals every leaf left, `chunk` at a time; returns the transactions sent."""
        left = self.unrevealed()
        for start in range(0, len(left), chunk):
            assert self.reveal(left[start : start + chunk], sender) is None
        return -(-len(left) // chunk)

    # ------------------------------------------------------------------ scoring

    def from_events(self) -> list[tuple[bytes, int]]:
        """Every contribution (data, label) in the order added, read back from the market's
        ContributionAdded events (the data is not stored: this is how anyone resupplies it)."""
        logs = self.market.ContributionAdded.range(self.start_block, chain.blocks.head.number + 1)
        ordered = sorted(logs, key=lambda log: (log.block_number, log.log_index))
        return [(bytes(log.event_arguments["data"]), int(log.label)) for log in ordered]

    def next_unapplied(self) -> int:
        """The index of the first contribution whose update scoring has not yet applied."""
        c = self.mirror.cursor
        return 0 if c.round == 0 else c.round - 1 + c.applied

    def evaluate(self, max_steps: int, sender, *, source="list", supply=None):
        """One evaluate(max_steps, upcoming) with the contributions from the next unapplied one
        (`supply` of them; None: all), taken from the test's own list or from the chain's
        events (`source="events"`); returns (reason, steps)."""
        everything = (
            self.from_events() if source == "events" else [c.key for c in self.contributions]
        )
        first = self.next_unapplied()
        upcoming = everything[first:] if supply is None else everything[first : first + supply]
        now = pin()
        expected, steps = self.mirror.evaluate(max_steps, now, supplied=len(upcoming))
        reason, receipt = self._send(
            expected, self.market.evaluate, max_steps, upcoming, sender=sender
        )
        if receipt is not None:
            (event,) = receipt.decode_logs(self.market.Evaluated)
            assert event.steps == steps
        return reason, steps

    def evaluate_all(self, chunk: int, sender, *, source="list") -> int:
        """Scores to the end, `chunk` steps a transaction; returns the transactions sent."""
        transactions = 0
        while self.mirror.phase(pin()) == Phase.SCORING:
            reason, _ = self.evaluate(chunk, sender, source=source)
            assert reason is None
            transactions += 1
        return transactions

    def forfeit(self, sender) -> str | None:
        expected = self.mirror.forfeit(pin())
        return self._send(expected, self.market.forfeit, sender=sender)[0]

    # ------------------------------------------------------------------ claims

    def claim(self, contribution: Contribution, by=None) -> str | None:
        """refund(data, label) of `contribution`, by its author unless `by`."""
        by = contribution.sender if by is None else by
        expected = self.mirror.refund(contribution.key, by.address, pin())
        return self._send(expected, self.market.refund, *contribution.key, sender=by)[0]

    def claim_all(self) -> int:
        """Every author claims whatever `claimable` offers; returns the claims made."""
        claims = 0
        for c in self.contributions:
            offer = Claim.of(self.market.claimable(*c.key, c.sender))
            if offer.action == Action.REFUND:
                assert self.claim(c) is None
                claims += 1
        return claims

    def withdraw(self, account) -> int:
        """withdraw() by `account`; returns the amount paid (0: it reverted NothingToWithdraw)."""
        amount = self.mirror.withdraw(account.address)
        expected = None if amount else "NothingToWithdraw"
        balance = account.balance
        _, receipt = self._send(expected, self.market.withdraw, sender=account)
        if receipt is not None:
            assert account.balance == balance + amount - receipt.total_fees_paid
        return amount

    # ------------------------------------------------------------------ the whole state

    def check(self, *, full: bool = True) -> None:
        """Asserts the chain equals the mirror: phase, cursor, the reveal, every account's
        credit and the market's ether; if `full`, also every contribution's score and claim and
        every account's reputation (many more calls)."""
        m, market = self.mirror, self.market
        now = chain.blocks.head.timestamp
        assert Phase(market.phase()) == m.phase(now)
        assert Cursor(*market.cursor()) == m.cursor
        assert market.revealedCount() == len(m.test_set)
        assert market.forfeited() == m.forfeited
        for address in {*self.accounts, self.provider}:
            assert market.credits(address) == m.credits.get(address, 0), address
        assert market.balance == m.balance
        if not full:
            return
        assert market.contributionCount() == len(m.replay) == len(self.contributions)
        assert market.forfeitShare() == m.forfeit_share
        for c in self.contributions:
            score = m.scores.get(c.key)
            assert tuple(market.scoreOf(*c.key)) == (
                (True, score[0]) if score is not None else (False, 0)
            )
            assert Claim.of(market.claimable(*c.key, c.sender)) == m.claimable(
                c.key, c.sender.address, now
            )
        for address in {*self.accounts, self.provider}:
            assert self.reputation.balanceOf(address) == m.reputation.get(address, 0), address
        assert self.reputation.totalSupply() == m.total_reputation


def deploy_market(
    model,
    tests,
    owner,
    *,
    stake: int = STAKE,
    window: int = DAY,
    reveal_window: int = DAY,
    max_contributions: int = 64,
    reward: int = REWARD,
    seed: int = 1,
) -> MarketRun:
    """A market over a fresh contract of `model` (its state now), committed to `tests`
    ([(indices, label)], salted from `seed`), funded with `reward` by `owner`, and its mirror."""
    model_contract = deploy_model(model, owner).contract
    test_set = TestSet.make(
        [model.encode_fixed(s) for s, _ in tests], [y for _, y in tests], seed=seed
    )
    values = {
        "stake": stake,
        "window": window,
        "reveal_window": reveal_window,
        "max_contributions": max_contributions,
    }
    deployment = deploy_trainer(
        model_contract,
        owner,
        mechanism="prediction-market",
        test_set=test_set,
        reward=reward,
        **values,
    )
    market = deployment.contract
    mechanism = mechanisms.get("prediction-market")
    mirror = mechanism.mirror(
        copy.deepcopy(model),
        deployment.parameters,
        deployed_at=chain.get_receipt(market.txn_hash).timestamp,
        test_set_size=len(test_set),
        reward=reward,
        provider=owner.address,
    )
    assert market.windowEnd() == mirror.window_end
    assert market.revealDeadline() == mirror.reveal_deadline
    return MarketRun(
        market, model_contract, mirror, model, list(tests), test_set, deployment.parameters, reward
    )
