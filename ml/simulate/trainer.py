"""A mirror of DepositRefundTakeTrainer (contracts/incentives/) and the model it owns: records,
credits, reputation and the model, moved by the same rules in the same order, so that agents
decide with free predictions and the simulator knows every transaction's outcome before the
chain confirms it (a disagreement stops the run)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ml.errors import ClassCountOverflow, ParameterOverflow
from ml.incentives import REFUND_REPUTATION, required_deposit, take_share
from ml.models import OnChainModel

Key = tuple[bytes, int]  # (encoded sample, label): the contract's contentKey


@dataclass
class Record:
    """DataHandler.Record, plus who took a share (the contract's `_taken`)."""

    contributor: str
    sample: list[int]
    added_at: int
    stake: int  # wei
    remaining: int  # wei
    takers: set[str] = field(default_factory=set)


class TrainerMirror:
    def __init__(
        self,
        model: OnChainModel,
        *,
        cost_weight: int,
        refund_wait: int,
        any_address_wait: int,
        last_update_time: int,
    ):
        self.model = model
        self.cost_weight = cost_weight
        self.refund_wait = refund_wait
        self.any_address_wait = any_address_wait
        self.last_update_time = last_update_time
        #: open records (remaining > 0), in the order they were added
        self.open: dict[Key, Record] = {}
        self.credits: dict[str, int] = {}
        self.reputation: dict[str, int] = {}
        self.total_reputation = 0
        self.balance = 0  # the trainer's ether

    # ------------------------------------------------------------------ views

    def required_deposit(self, now: int) -> int:
        return required_deposit(self.cost_weight, now - self.last_update_time)

    def predict(self, key: Key) -> int:
        return self.model.predict_fixed(self.open[key].sample)

    def claimable(self, key: Key, account: str, now: int) -> tuple[int, int]:
        """DepositRefundTakeTrainer.claimable: (refundable, takeable) wei for `account`."""
        r = self.open.get(key)
        if r is None:
            return 0, 0
        takeable = r.remaining if now >= r.added_at + self.any_address_wait else 0
        if now < r.added_at + self.refund_wait:
            return 0, takeable
        agrees = self.predict(key) == key[1]
        if account == r.contributor:
            return (r.remaining if agrees else 0), takeable
        if takeable or agrees or account in r.takers:
            return 0, takeable
        held = self.reputation.get(account, 0)
        return 0, take_share(r.stake, r.remaining, held, self.total_reputation)

    def open_deposits(self, account: str) -> int:
        return sum(r.remaining for r in self.open.values() if r.contributor == account)

    # ------------------------------------------------------------------ transactions
    # Each returns the revert reason (None when it succeeds) and applies its effects.

    def add(self, key: Key, sample: list[int], contributor: str, now: int, value: int):
        if key in self.open:
            return "DuplicateContribution"
        required = self.required_deposit(now)
        if value < required:
            return "InsufficientDeposit"
        try:
            self.model.update_fixed(sample, key[1])  # changes nothing when it raises
        except (ParameterOverflow, ClassCountOverflow) as err:
            return type(err).__name__
        self.last_update_time = now
        self.balance += value
        if value > required:
            self._credit(contributor, value - required)
        self.open[key] = Record(contributor, sample, now, required, required)
        return None

    def refund(self, key: Key, caller: str, now: int):
        refundable, _ = self.claimable(key, caller, now)
        if refundable == 0:
            return "refund refused"
        self._credit(caller, refundable)
        self.reputation[caller] = self.reputation.get(caller, 0) + REFUND_REPUTATION
        self.total_reputation += REFUND_REPUTATION
        self._pay_out(key, refundable)
        return None

    def report(self, key: Key, caller: str, now: int):
        _, takeable = self.claimable(key, caller, now)
        if takeable == 0:
            return "report refused"
        record = self.open[key]
        if now < record.added_at + self.any_address_wait:
            record.takers.add(caller)
        self._credit(caller, takeable)
        self._pay_out(key, takeable)
        return None

    def withdraw(self, caller: str) -> int:
        """Returns the amount paid (0: the contract reverts with NothingToWithdraw)."""
        amount = self.credits.pop(caller, 0)
        self.balance -= amount
        return amount

    def _credit(self, account: str, amount: int) -> None:
        self.credits[account] = self.credits.get(account, 0) + amount

    def _pay_out(self, key: Key, amount: int) -> None:
        record = self.open[key]
        record.remaining -= amount
        if record.remaining == 0:
            del self.open[key]  # closed: the same content may be contributed again
