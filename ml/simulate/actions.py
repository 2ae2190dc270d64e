"""What an agent sees of the market and what it can do there: the time, the trainer's mirror
(the contract's state and free predictions), the data, the money unit, and the transactions
contribute, claim and withdraw. Each transaction is applied to the mirrors as it is queued, so
that later decisions in the same tick see it (as a wallet simulating on the pending block),
and is booked in the ledger."""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from ml.mechanisms import Key, TrainerMirror

from .data import SimulationData
from .ledger import Ledger, SimulationDiverged


class Participant(Protocol):
    name: str
    kind: str

    def maybe_copy(self, market: Market, victim: Participant, index: int, label: int) -> bool:
        """Whether it front-ran `victim`'s contribution (a copycat's choice)."""


class Market:
    def __init__(
        self,
        trainer: TrainerMirror,
        data: SimulationData,
        ledger: Ledger,
        *,
        unit_wei: int,
        copycats: list[Participant],
    ):
        self.now = 0  # the current tick's timestamp; the runner moves it
        self.trainer = trainer
        self.data = data
        self.unit_wei = unit_wei
        self._ledger = ledger
        self._copycats = copycats
        #: (key, time) of every contribution accepted, in order (the agents' claiming schedule)
        self.added: list[tuple[Key, int]] = []
        self.by_class: dict[int, list[int]] = defaultdict(list)  # pool indices of each class
        for i, label in enumerate(data.pool_labels):
            self.by_class[label].append(i)

    def contribute(self, agent: Participant, address: str, index: int, label: int) -> bool:
        """Contributes pool sample `index` with `label` at the required deposit; False if it
        cannot pay or was front-run (its transaction then reverts, as on chain)."""
        trainer, now = self.trainer, self.now
        key: Key = (self.data.pool[index], label)
        value = trainer.required_deposit(now)
        if not self._ledger.affords(address, "addData", value):
            return False
        copied = agent.kind != "copycat" and any(
            c.maybe_copy(self, agent, index, label) for c in self._copycats
        )
        reason = trainer.add(key, self.data.pool_samples[index], address, now, value)
        if reason is not None and not copied:
            raise SimulationDiverged(f"{agent.name} chose a contribution that reverts: {reason}")
        self._ledger.send(now, agent.name, address, "addData", key, value, ok=reason is None)
        if reason is None:
            self.added.append((key, now))
        return reason is None

    def claim(self, agent: Participant, address: str, operation: str, key: Key) -> None:
        """A refund or a report (take) of the open record `key`, which must succeed."""
        if not self._ledger.affords(address, operation, 0):
            return
        before = self.trainer.credits.get(address, 0)
        apply = self.trainer.refund if operation == "refund" else self.trainer.report
        reason = apply(key, address, self.now)
        if reason is not None:
            raise SimulationDiverged(f"{agent.name} chose a {operation} that reverts: {reason}")
        amount = self.trainer.credits.get(address, 0) - before
        self._ledger.send(self.now, agent.name, address, operation, key, 0, ok=True, amount=amount)

    def withdraw(self, agent: Participant, address: str) -> None:
        if not self._ledger.affords(address, "withdraw", 0):
            return
        amount = self.trainer.withdraw(address)
        self._ledger.send(
            self.now, agent.name, address, "withdraw", (b"", 0), 0, ok=True, amount=amount
        )
