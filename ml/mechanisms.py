"""The incentive mechanisms, in one registry: kind -> the trainer contract, the deployment
parameters it takes (names, defaults, the contract's validation as one-line errors), its
constructor arguments, and a mirror of its rules that moves records, credits and reputation
exactly as the contract does (the integer formulas themselves are in `ml.incentives`).

Commands, deployment and the simulation look a mechanism up here and never branch on its
kind, so a third mechanism plugs in as one more entry of `MECHANISMS`.

>>> get("points").contract_name
'PointsTrainer'
>>> get("deposit-refund-take").parameters_from({"refund_wait": 60, "any_address_wait": 120})
{'cost_weight': 1000000000000000, 'refund_wait': 60, 'any_address_wait': 120, \
'commit_reveal_window': 0}
>>> get("points").parameters_from({"refund_wait": 60, "cost_weight": 1})  # not a Points one
{'refund_wait': 60, 'commit_reveal_window': 0}
>>> get("deposit-refund-take").parameters_from({"refund_wait": 60, "any_address_wait": 60})
Traceback (most recent call last):
ml.mechanisms.MechanismError: refund_wait (60 s) must be shorter than any_address_wait (60 s)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from ml.errors import ClassCountOverflow, CollabMLError, ParameterOverflow
from ml.incentives import (
    DEPOSIT_UNIT,
    MAX_STAKE_UNITS,
    REFUND_POINTS,
    REFUND_REPUTATION,
    REPORT_POINTS,
    max_cost_weight,
    required_deposit,
    take_share,
)
from ml.models import OnChainModel

DAY = 86_400
MAX_WAIT = 10 * 365 * DAY  # CollaborativeTrainer.MAX_WAIT
MAX_COMMIT_REVEAL_WINDOW = 30 * DAY  # CollaborativeTrainer.MAX_COMMIT_REVEAL_WINDOW
MAX_MARKET_CONTRIBUTIONS = 4096  # PredictionMarket.MAX_CONTRIBUTIONS
DEFAULT = "deposit-refund-take"

Key = tuple[bytes, int]  # (encoded sample, label): the contract's contentKey


class MechanismError(CollabMLError, ValueError):
    """An unknown mechanism or deployment parameters its contract would refuse."""


# ---------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Parameter:
    """One constructor parameter. `unit` is "seconds" or "wei"; `option`: whether `ape run
    deploy` offers it (commit-reveal is not: the commands contribute with addData)."""

    name: str
    default: int
    unit: str
    help: str
    option: bool = True


COST_WEIGHT = Parameter(
    "cost_weight",
    10**15,
    "wei",
    "The deposit is cost_weight * 3600 / sqrt(seconds since the last update), in wei.",
)
REFUND_WAIT = Parameter(
    "refund_wait", DAY, "seconds", "Time before a contribution can be refunded or reported."
)
ANY_ADDRESS_WAIT = Parameter(
    "any_address_wait", 9 * DAY, "seconds", "Time after which anyone takes what is left."
)
COMMIT_REVEAL_WINDOW = Parameter(
    "commit_reveal_window",
    0,
    "seconds",
    "Seconds a commitment stays revealable; 0: commit-reveal off.",
    option=False,
)


STAKE = Parameter(
    "stake", 10**15, "wei", "Wei every contribution stakes (a whole number of 1e12 wei units)."
)
WINDOW = Parameter(
    "window", 7 * DAY, "seconds", "Time from deployment during which contributions are accepted."
)
REVEAL_WINDOW = Parameter(
    "reveal_window",
    2 * DAY,
    "seconds",
    "Time after the window for the provider to reveal the whole test set (else it forfeits).",
)
MAX_CONTRIBUTIONS = Parameter(
    "max_contributions", 1024, "count", "The most contributions the market takes (at most 4096)."
)


def _seconds(value: int) -> str:
    return f"{value} s"


# ---------------------------------------------------------------------------- the mirrors


class Action(IntEnum):
    """ICollaborativeTrainer.Claim: what an account should call to be paid the most."""

    NONE = 0
    REFUND = 1
    REPORT = 2


class Claim(NamedTuple):
    """`claimable(data, label, account)`: the action, the wei it credits, the reputation it
    mints."""

    action: Action
    amount: int
    reputation: int

    @classmethod
    def of(cls, answer) -> Claim:
        """The contract's answer (three integers) as a Claim."""
        action, amount, reputation = answer
        return cls(Action(action), int(amount), int(reputation))

    @property
    def pays(self) -> bool:
        """Whether it credits wei or mints reputation (else it only closes the record)."""
        return bool(self.amount or self.reputation)


NO_CLAIM = Claim(Action.NONE, 0, 0)


@dataclass
class Record:
    """DataHandler.Record (amounts in wei), with what the contract keeps beside it: whether
    its refund earns reputation, and who took a share (`_taken`)."""

    contributor: str
    sample: list[int]
    added_at: int
    stake: int
    remaining: int
    earns: bool
    takers: set[str] = field(default_factory=set)


class TrainerMirror:
    """CollaborativeTrainer and the model it owns, in Python: open records, the content ever
    contributed, credits, reputation and the trainer's ether, moved by the contract's rules in
    its order. Each transaction returns the contract's revert reason (None: it succeeds) and
    applies its effects only when it succeeds. Subclasses are the mechanisms."""

    def __init__(self, model: OnChainModel, *, refund_wait: int, **_):
        self.model = model
        self.refund_wait = refund_wait
        #: open records, in the order they were added
        self.open: dict[Key, Record] = {}
        #: (author, time) of the latest contribution of every content ever contributed
        self.last_added: dict[Key, tuple[str, int]] = {}
        self.credits: dict[str, int] = {}
        self.reputation: dict[str, int] = {}
        self.total_reputation = 0
        self.balance = 0  # the trainer's ether
        #: the model's prediction for open records' samples; only `add` changes the model, and
        #: it empties this (a simulation's agents ask about each record many times in between)
        self._predictions: dict[Key, int] = {}

    # ------------------------------------------------------------------ views

    def required_deposit(self, now: int) -> int:
        return 0

    def accepts(self, now: int) -> bool:
        """Whether a contribution can be added now at all (a market takes them only during its
        window and up to its maximum)."""
        return True

    def predict(self, key: Key) -> int:
        prediction = self._predictions.get(key)
        if prediction is None:
            prediction = self.model.predict_fixed(self.open[key].sample)
            self._predictions[key] = prediction
        return prediction

    def earns_reputation(self, key: Key) -> bool:
        return key in self.open and self.open[key].earns

    def claimable(self, key: Key, account: str, now: int) -> Claim:
        record = self.open.get(key)
        if record is None or now < record.added_at + self.refund_wait:
            return NO_CLAIM
        return self._claimable(key, record, account, now, self.predict(key) == key[1])

    def open_deposits(self, account: str) -> int:
        return sum(r.remaining for r in self.open.values() if r.contributor == account)

    def deadlines(self, record: Record) -> tuple[int, ...]:
        """The times at which the passing of time alone changes what can be claimed."""
        return (record.added_at + self.refund_wait,)

    # ------------------------------------------------------------------ transactions

    def add(self, key: Key, sample: list[int], contributor: str, now: int, value: int):
        if key in self.open:
            return "DuplicateContribution"
        seen = key in self.last_added
        if self.last_added.get(key) == (contributor, now):
            return "ContributionIdTaken"
        reason = self._check_value(value, now)
        if reason is not None:
            return reason
        predicted_before = self.model.predict_fixed(sample)
        self._predictions.clear()
        try:
            self.model.update_fixed(sample, key[1])  # changes nothing when it raises
        except (ParameterOverflow, ClassCountOverflow) as err:
            return type(err).__name__
        stake = self._take_stake(contributor, value, now)
        self.last_added[key] = (contributor, now)
        earns = not seen and predicted_before != key[1]
        self.open[key] = Record(contributor, sample, now, stake, stake, earns)
        return None

    def refund(self, key: Key, caller: str, now: int):
        record = self.open.get(key)
        if record is None:
            return "UnknownContribution or AlreadyClaimed"
        if caller != record.contributor:
            return "NotContributor"
        if now < record.added_at + self.refund_wait:
            return "RefundTooEarly"
        if self.predict(key) != key[1]:
            return "ModelDisagrees"
        del self.open[key]
        self._settle_refund(record)
        return None

    def report(self, key: Key, caller: str, now: int):
        raise NotImplementedError

    def withdraw(self, caller: str) -> int:
        """Returns the amount paid (0: the contract reverts with NothingToWithdraw)."""
        amount = self.credits.pop(caller, 0)
        self.balance -= amount
        return amount

    # ------------------------------------------------------------------ for mechanisms

    def _check_value(self, value: int, now: int):
        """The revert reason of an addData carrying `value` wei now, or None."""
        raise NotImplementedError

    def _take_stake(self, contributor: str, value: int, now: int) -> int:
        """Takes an accepted contribution's `value`; returns its stake (wei)."""
        raise NotImplementedError

    def _settle_refund(self, record: Record) -> None:
        raise NotImplementedError

    def _claimable(self, key: Key, r: Record, account: str, now: int, agrees: bool) -> Claim:
        """`claimable` of an open record after its refund wait."""
        raise NotImplementedError

    def _credit(self, account: str, amount: int) -> None:
        self.credits[account] = self.credits.get(account, 0) + amount

    def _mint(self, account: str, amount: int) -> None:
        if amount:
            self.reputation[account] = self.reputation.get(account, 0) + amount
            self.total_reputation += amount


class DepositRefundTakeMirror(TrainerMirror):
    """DepositRefundTakeTrainer: deposits falling with the time since the last update, refunds
    with REFUND_REPUTATION for informative contributions, reputation-weighted takes, and
    everything left to anyone after the any-address wait."""

    def __init__(
        self,
        model: OnChainModel,
        *,
        cost_weight: int,
        refund_wait: int,
        any_address_wait: int,
        last_update_time: int,
        **_,
    ):
        super().__init__(model, refund_wait=refund_wait)
        self.cost_weight = cost_weight
        self.any_address_wait = any_address_wait
        self.last_update_time = last_update_time

    def required_deposit(self, now: int) -> int:
        return required_deposit(self.cost_weight, now - self.last_update_time)

    def deadlines(self, record: Record) -> tuple[int, ...]:
        return (*super().deadlines(record), record.added_at + self.any_address_wait)

    def report(self, key: Key, caller: str, now: int):
        r = self.open.get(key)
        if r is None:
            return "UnknownContribution or AlreadyClaimed"
        if now >= r.added_at + self.any_address_wait:
            amount = r.remaining  # anyone, everything left
        else:
            if caller == r.contributor:
                return "SelfTake"
            if now < r.added_at + self.refund_wait:
                return "TakeTooEarly"
            if caller in r.takers:
                return "AlreadyTaken"
            held = self.reputation.get(caller, 0)
            if held == 0:
                return "NoReputation"
            if self.predict(key) == key[1]:
                return "ModelAgrees"
            amount = take_share(r.stake, r.remaining, held, self.total_reputation)
            if amount == 0:
                return "NothingToTake"
            r.takers.add(caller)
        self._credit(caller, amount)
        r.remaining -= amount
        if r.remaining == 0:
            del self.open[key]  # closed: the same content may be contributed again
        return None

    def _check_value(self, value: int, now: int):
        return "InsufficientDeposit" if value < self.required_deposit(now) else None

    def _take_stake(self, contributor: str, value: int, now: int) -> int:
        required = self.required_deposit(now)
        self.last_update_time = now
        self.balance += value
        if value > required:
            self._credit(contributor, value - required)
        return required

    def _settle_refund(self, record: Record) -> None:
        self._credit(record.contributor, record.remaining)
        self._mint(record.contributor, REFUND_REPUTATION if record.earns else 0)

    def _claimable(self, key: Key, r: Record, account: str, now: int, agrees: bool) -> Claim:
        if account == r.contributor and agrees:
            return Claim(Action.REFUND, r.remaining, REFUND_REPUTATION if r.earns else 0)
        if now >= r.added_at + self.any_address_wait:
            return Claim(Action.REPORT, r.remaining, 0)
        if account == r.contributor or agrees or account in r.takers:
            return NO_CLAIM
        held = self.reputation.get(account, 0)
        amount = take_share(r.stake, r.remaining, held, self.total_reputation)
        return Claim(Action.REPORT, amount, 0) if amount else NO_CLAIM


class PointsMirror(TrainerMirror):
    """PointsTrainer: no deposit; the refund of an informative contribution earns
    REFUND_POINTS, a report of one the model disagrees with closes it and earns nothing."""

    def report(self, key: Key, caller: str, now: int):
        r = self.open.get(key)
        if r is None:
            return "UnknownContribution or AlreadyClaimed"
        if caller == r.contributor:
            return "SelfTake"
        if now < r.added_at + self.refund_wait:
            return "TakeTooEarly"
        if self.predict(key) == key[1]:
            return "ModelAgrees"
        del self.open[key]
        self._mint(caller, REPORT_POINTS)
        return None

    def _check_value(self, value: int, now: int):
        return "DepositNotAccepted" if value else None

    def _take_stake(self, contributor: str, value: int, now: int) -> int:
        return 0

    def _settle_refund(self, record: Record) -> None:
        self._mint(record.contributor, REFUND_POINTS if record.earns else 0)

    def _claimable(self, key: Key, r: Record, account: str, now: int, agrees: bool) -> Claim:
        if account == r.contributor:
            return Claim(Action.REFUND, 0, REFUND_POINTS if r.earns else 0) if agrees else NO_CLAIM
        return NO_CLAIM if agrees else Claim(Action.REPORT, 0, REPORT_POINTS)


class Phase(IntEnum):
    """PredictionMarket.Phase."""

    PARTICIPATION = 0
    REVEAL = 1
    SCORING = 2
    SETTLED = 3
    FORFEITED = 4


@dataclass
class Cursor:
    """PredictionMarket.Cursor: where scoring is."""

    round: int = 0
    test_index: int = 0
    correct: int = 0
    previous: int = 0
    positive_total: int = 0
    negative_count: int = 0
    applied: bool = False
    done: bool = False


class MarketMirror(TrainerMirror):
    """PredictionMarket: contributions stake `stake` during the window and are only recorded;
    after the window the test set is revealed, `evaluate` replays the contributions in order on
    the model and scores each by the change in correctly classified test samples, and the
    authors claim by their scores (or, if the test set was not revealed in time, their stakes
    plus an equal share of the pool). `reveal`, `evaluate` and `forfeit` are the market's own
    transactions; the rest are the trainer's."""

    def __init__(
        self,
        model: OnChainModel,
        *,
        stake: int,
        window: int,
        reveal_window: int,
        max_contributions: int,
        last_update_time: int,
        test_set_size: int,
        reward: int,
        provider: str,
        **_,
    ):
        super().__init__(model, refund_wait=0)
        self.stake = stake
        self.window_end = last_update_time + window
        self.reveal_deadline = self.window_end + reveal_window
        self.max_contributions = max_contributions
        self.test_set_size = test_set_size
        self.reward = reward
        self.provider = provider
        self.balance = reward
        #: (key, sample) of every contribution, in the order added: the replay
        self.replay: list[tuple[Key, list[int]]] = []
        self.test_set: dict[int, tuple[list[int], int]] = {}  # index -> (sample, label)
        self.cursor = Cursor()
        self.scores: dict[Key, tuple[int, int]] = {}  # key -> (score, positive score before)
        self.forfeited = False
        self.forfeit_share = 0

    # ------------------------------------------------------------------ views

    def phase(self, now: int) -> Phase:
        if self.forfeited:
            return Phase.FORFEITED
        if self.cursor.done:
            return Phase.SETTLED
        if now < self.window_end:
            return Phase.PARTICIPATION
        if len(self.test_set) == self.test_set_size:
            return Phase.SCORING
        return Phase.REVEAL if now < self.reveal_deadline else Phase.FORFEITED

    def required_deposit(self, now: int) -> int:
        return self.stake

    def accepts(self, now: int) -> bool:
        return now < self.window_end and len(self.replay) < self.max_contributions

    def claimable(self, key: Key, account: str, now: int) -> Claim:
        record = self.open.get(key)
        if record is None or account != record.contributor:
            return NO_CLAIM
        if self.phase(now) not in (Phase.SETTLED, Phase.FORFEITED):
            return NO_CLAIM
        return Claim(Action.REFUND, *self._payout(key, now))

    def deadlines(self, record: Record) -> tuple[int, ...]:
        return (self.window_end, self.reveal_deadline)

    def steps_left(self) -> int:
        """The steps `evaluate` has still to do (a step: one update or one prediction)."""
        c, size = self.cursor, self.test_set_size
        if c.done:
            return 0
        rounds_after = len(self.replay) - c.round  # full rounds after the current one
        current = (0 if c.round == 0 or c.applied else 1) + size - c.test_index
        return current + rounds_after * (1 + size)

    # ------------------------------------------------------------------ transactions

    def add(self, key: Key, sample: list[int], contributor: str, now: int, value: int):
        if key in self.open:
            return "DuplicateContribution"
        if self.last_added.get(key) == (contributor, now):
            return "ContributionIdTaken"
        if now >= self.window_end:
            return "ParticipationClosed"
        if len(self.replay) >= self.max_contributions:
            return "MarketFull"
        if value < self.stake:
            return "InsufficientDeposit"
        if not 0 <= key[1] < self.model.num_classes:
            return "UnknownClass"
        self.balance += value
        if value > self.stake:
            self._credit(contributor, value - self.stake)
        self.last_added[key] = (contributor, now)
        self.open[key] = Record(contributor, sample, now, self.stake, self.stake, False)
        self.replay.append((key, sample))
        return None

    def reveal(self, leaves: list[tuple[int, int, list[int]]], now: int):
        """revealTestSet of (index, label, sample) leaves (their proofs checked off chain by
        `ml.test_set`); all or nothing, as a transaction."""
        if now < self.window_end:
            return "RevealNotOpen"
        if now >= self.reveal_deadline or self.forfeited:
            return "RevealClosed"
        seen = set()
        for index, label, _ in leaves:
            if index >= self.test_set_size:
                return "LeafOutOfRange"
            if index in self.test_set or index in seen:
                return "LeafAlreadyRevealed"
            if not 0 <= label < self.model.num_classes:
                return "UnknownClass"
            seen.add(index)
        for index, label, sample in leaves:
            self.test_set[index] = (sample, label)
        return None

    def evaluate(self, max_steps: int, now: int, supplied: int | None = None):
        """evaluate(max_steps, upcoming) with the next `supplied` contributions (None: all that
        are left); returns (revert reason or None, steps done)."""
        if self.phase(now) != Phase.SCORING:
            return "NotScoring", 0
        if max_steps == 0:
            return "NoSteps", 0
        c, size = self.cursor, self.test_set_size
        steps = used = 0
        while not c.done and steps < max_steps:
            if c.round > 0 and not c.applied:
                if used == supplied:
                    if steps == 0:  # nothing has changed
                        return "MissingContribution", 0
                    break
                used += 1
                key, sample = self.replay[c.round - 1]
                self.model.update_fixed(sample, key[1])
                self._predictions.clear()
                c.applied = True
            else:
                sample, label = self.test_set[c.test_index]
                c.correct += self.model.predict_fixed(sample) == label
                c.test_index += 1
                if c.test_index == size:
                    self._close_round(c)
            steps += 1
        return None, steps

    def _close_round(self, c: Cursor) -> None:
        if c.round > 0:
            key = self.replay[c.round - 1][0]
            score = c.correct - c.previous
            self.scores[key] = (score, c.positive_total)
            if score > 0:
                c.positive_total += score
            if score < 0:
                c.negative_count += 1
                self.open.pop(key)  # forfeited
        c.previous, c.correct, c.test_index, c.applied = c.correct, 0, 0, False
        c.round += 1
        if c.round > len(self.replay):
            c.done = True
            if c.positive_total == 0:
                self._credit(self.provider, self.reward + c.negative_count * self.stake)

    def forfeit(self, now: int):
        if self.phase(now) != Phase.FORFEITED or self.forfeited:
            return "NotForfeitable"
        self._forfeit()
        return None

    def _forfeit(self) -> None:
        n = len(self.replay)
        share = self.reward // n if n else 0
        self.forfeited, self.forfeit_share = True, share
        if self.reward - share * n:
            self._credit(self.provider, self.reward - share * n)

    def refund(self, key: Key, caller: str, now: int):
        phase = self.phase(now)
        if phase not in (Phase.FORFEITED, Phase.SETTLED):
            return "NotSettled"
        if key not in self.last_added:
            return "UnknownContribution"
        if not self.forfeited and self.scores.get(key, (0, 0))[0] < 0:
            return "StakeForfeited"
        record = self.open.get(key)
        if record is None:
            return "AlreadyClaimed"
        if caller != record.contributor:
            return "NotContributor"
        if phase == Phase.FORFEITED and not self.forfeited:
            self._forfeit()  # the first claim forfeits the market (only if it goes through)
        amount, minted = self._payout(key, now)
        del self.open[key]
        self._credit(caller, amount)
        self._mint(caller, minted)
        return None

    def report(self, key: Key, caller: str, now: int):
        return "ReportsNotUsed"

    def _payout(self, key: Key, now: int) -> tuple[int, int]:
        """(wei, reputation) the author of open contribution `key` claims once it may."""
        if self.phase(now) == Phase.FORFEITED:
            share = self.forfeit_share if self.forfeited else self.reward // len(self.replay)
            return self.stake + share, 0
        score, prefix = self.scores[key]
        if score <= 0:
            return self.stake, 0
        c = self.cursor
        reward = self.reward + c.negative_count * self.stake
        share = reward * (prefix + score) // c.positive_total - reward * prefix // c.positive_total
        return self.stake + share, score


# ---------------------------------------------------------------------------- the registry


Spell = Callable[[str], str]


@dataclass(frozen=True)
class Mechanism:
    """An incentive mechanism: its trainer contract, the parameters its constructor takes (in
    order, after the model and before the encoder's hash), the contract's checks of them, its
    mirror, and the events that count its settlements (for `ape run status`)."""

    kind: str
    contract_name: str
    summary: str
    parameters: tuple[Parameter, ...]
    mirror_class: type[TrainerMirror]
    settlement_events: tuple[tuple[str, str], ...]  # (what it counts, event name)
    checks: Callable[[dict, Spell], None] = lambda values, spell: None
    #: whether the deployment commits to a hidden test set and funds a reward (the market)
    takes_test_set: bool = False

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def parameters_from(
        self, given: Mapping[str, int], *, strict: bool = False, spell: Spell = str
    ) -> dict[str, int]:
        """This mechanism's parameters: `given` where given, else the defaults; checked as the
        contract checks them (one-line MechanismError naming the parameter as `spell` writes
        it). Names that another mechanism takes are ignored unless `strict`; names no
        mechanism takes are an error."""
        known = {p.name for m in MECHANISMS.values() for p in m.parameters}
        for name in given:
            if name not in known:
                raise MechanismError(
                    f"{spell(name)} is not a parameter of any mechanism "
                    f"(parameters: {', '.join(spell(n) for n in sorted(known))})"
                )
            if strict and name not in self.parameter_names:
                takes = ", ".join(spell(n) for n in self.parameter_names)
                raise MechanismError(
                    f"{spell(name)} does not apply to {self.kind} (it takes {takes})"
                )
        values = {p.name: int(given.get(p.name, p.default)) for p in self.parameters}
        _common_checks(values, spell)
        self.checks(values, spell)
        return values

    def constructor_args(
        self,
        model,
        values: Mapping[str, int],
        encoder_spec_hash,
        *,
        dataset_manifest_hash=bytes(32),
        test_set=None,
    ) -> list:
        """The trainer constructor's arguments for checked `values` (and, for a mechanism that
        takes one, the `ml.test_set.TestSet` it commits to); the encoder's and the dataset
        manifest's hashes come last."""
        commitment = []
        if self.takes_test_set:
            if test_set is None:
                raise MechanismError(f"{self.kind} needs a test set to commit to")
            commitment = [test_set.root, len(test_set)]
        return [
            model,
            *(values[n] for n in self.parameter_names),
            *commitment,
            encoder_spec_hash,
            dataset_manifest_hash,
        ]

    def mirror(self, model: OnChainModel, values: Mapping[str, int], *, deployed_at: int, **market):
        """A mirror of a trainer deployed at `deployed_at` (its block's timestamp) with
        `values`, owning (a copy of the deployed state of) `model`; a market's also takes
        `test_set_size`, `reward` (wei) and `provider` (address)."""
        return self.mirror_class(model, **values, last_update_time=deployed_at, **market)


def _common_checks(values: dict, spell: Spell) -> None:
    """CollaborativeTrainer's constructor checks."""
    for name, value in values.items():
        if value < 0:
            raise MechanismError(f"{spell(name)} must not be negative (got {value})")
    if values.get("refund_wait", 0) > MAX_WAIT:
        raise MechanismError(f"{spell('refund_wait')} must be at most ten years")
    window = values.get("commit_reveal_window", 0)
    if window > MAX_COMMIT_REVEAL_WINDOW:
        raise MechanismError(
            f"{spell('commit_reveal_window')} ({_seconds(window)}) must be at most 30 days "
            "(0: commit-reveal off)"
        )


def _deposit_refund_take_checks(values: dict, spell: Spell) -> None:
    if values["cost_weight"] < 1:
        raise MechanismError(f"{spell('cost_weight')} must be positive")
    if values["cost_weight"] > max_cost_weight():
        raise MechanismError(
            f"{spell('cost_weight')} must be at most {max_cost_weight()} wei "
            f"(deposits fit {MAX_STAKE_UNITS} units of {DEPOSIT_UNIT} wei)"
        )
    refund, anyone = values["refund_wait"], values["any_address_wait"]
    if refund >= anyone:
        raise MechanismError(
            f"{spell('refund_wait')} ({_seconds(refund)}) must be shorter than "
            f"{spell('any_address_wait')} ({_seconds(anyone)})"
        )
    if anyone > MAX_WAIT:
        raise MechanismError(f"{spell('any_address_wait')} must be at most ten years")


def _market_checks(values: dict, spell: Spell) -> None:
    """PredictionMarket's constructor checks."""
    stake = values["stake"]
    if stake < 1 or stake % DEPOSIT_UNIT:
        raise MechanismError(
            f"{spell('stake')} must be a positive multiple of {DEPOSIT_UNIT} wei (got {stake})"
        )
    if stake // DEPOSIT_UNIT > MAX_STAKE_UNITS:
        raise MechanismError(f"{spell('stake')} must be at most {MAX_STAKE_UNITS} units")
    for name in ("window", "reveal_window"):
        if not 1 <= values[name] <= MAX_WAIT:
            raise MechanismError(f"{spell(name)} must be positive and at most ten years")
    if not 1 <= values["max_contributions"] <= MAX_MARKET_CONTRIBUTIONS:
        raise MechanismError(
            f"{spell('max_contributions')} must be within 1 and {MAX_MARKET_CONTRIBUTIONS}"
        )


MECHANISMS: dict[str, Mechanism] = {
    m.kind: m
    for m in (
        Mechanism(
            kind="deposit-refund-take",
            contract_name="DepositRefundTakeTrainer",
            summary="deposits that fall with the time since the last update; refunds, and "
            "reputation for informative contributions; reputation-weighted takes",
            parameters=(COST_WEIGHT, REFUND_WAIT, ANY_ADDRESS_WAIT, COMMIT_REVEAL_WINDOW),
            mirror_class=DepositRefundTakeMirror,
            settlement_events=(("refunds", "DepositRefunded"), ("takes", "DepositTaken")),
            checks=_deposit_refund_take_checks,
        ),
        Mechanism(
            kind="points",
            contract_name="PointsTrainer",
            summary="no deposit; points for informative contributions, reports earn nothing",
            parameters=(REFUND_WAIT, COMMIT_REVEAL_WINDOW),
            mirror_class=PointsMirror,
            settlement_events=(("claims", "PointsAwarded"),),
        ),
        Mechanism(
            kind="prediction-market",
            contract_name="PredictionMarket",
            summary="a bounty judged by a hidden test set committed at creation: stakes during "
            "a window, then each contribution is scored by the test samples it fixed or broke",
            parameters=(STAKE, WINDOW, REVEAL_WINDOW, MAX_CONTRIBUTIONS, COMMIT_REVEAL_WINDOW),
            mirror_class=MarketMirror,
            settlement_events=(("scored", "ContributionScored"), ("payouts", "MarketPayout")),
            checks=_market_checks,
            takes_test_set=True,
        ),
    )
}


def get(kind: str) -> Mechanism:
    """The mechanism of `kind`; a one-line MechanismError naming the kinds otherwise."""
    try:
        return MECHANISMS[kind]
    except (KeyError, TypeError):
        raise MechanismError(
            f"unknown mechanism {kind!r}: one of {', '.join(MECHANISMS)}"
        ) from None


def all_parameters() -> dict[str, Parameter]:
    """Every mechanism's parameters by name, each once (a name means one thing everywhere)."""
    out: dict[str, Parameter] = {}
    for mechanism in MECHANISMS.values():
        for p in mechanism.parameters:
            assert out.setdefault(p.name, p) == p, f"two parameters named {p.name}"
    return out


__all__ = [
    "MECHANISMS",
    "Action",
    "Claim",
    "Cursor",
    "DepositRefundTakeMirror",
    "MarketMirror",
    "Mechanism",
    "MechanismError",
    "Parameter",
    "Phase",
    "PointsMirror",
    "Record",
    "TrainerMirror",
    "all_parameters",
    "get",
]
