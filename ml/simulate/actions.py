"""What an agent sees of the market and what it can do there: the time, the trainer's mirror
(the contract's state and free predictions), the data, the money unit, and the transactions
contribute, claim and withdraw; under a prediction market also the provider's reveal of the
hidden test set, the scoring (evaluate) and the forfeit. Each transaction is applied to the
mirrors as it is queued, so that later decisions in the same tick see it (as a wallet
simulating on the pending block), and is booked in the ledger."""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from ml.mechanisms import Key, TrainerMirror
from ml.test_set import TestSet

from .data import SimulationData
from .ledger import Ledger, SimulationDiverged


class Participant(Protocol):
    name: str
    kind: str
    addresses: list[str]

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
        provider: Participant | None = None,
        test_set: TestSet | None = None,
    ):
        self.now = 0  # the current tick's timestamp; the runner moves it
        self.trainer = trainer
        self.data = data
        self.unit_wei = unit_wei
        self._ledger = ledger
        self._copycats = copycats
        #: a market's provider (its address is credited by others' claims when they forfeit
        #: the market) and the hidden test set it committed to
        self._provider = provider
        self.test_set = test_set
        #: (key, time) of every contribution accepted, in order (the agents' claiming schedule)
        self.added: list[tuple[Key, int]] = []
        self.by_class: dict[int, list[int]] = defaultdict(list)  # pool indices of each class
        for i, label in enumerate(data.pool_labels):
            self.by_class[label].append(i)

    def contribute(self, agent: Participant, address: str, index: int, label: int) -> bool:
        """Contributes pool sample `index` with `label` at the required deposit; False if it
        cannot pay or was front-run (its transaction then reverts, as on chain)."""
        trainer, now = self.trainer, self.now
        if not trainer.accepts(now):
            return False  # a market past its window or full
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
        apply = self.trainer.refund if operation == "refund" else self.trainer.report
        self._send(agent, address, operation, key, lambda: apply(key, address, self.now))

    def reveal(self, agent: Participant, address: str, start: int, count: int) -> None:
        """Reveals the market's test-set leaves [start, start + count), which must succeed."""
        leaves = self.test_set.reveal_args(start, count)
        samples = self.data.market_test_samples
        revealed = [(index, label, samples[index]) for index, _, label, _, _ in leaves]
        self._send(
            agent,
            address,
            "revealTestSet",
            (leaves,),
            lambda: self.trainer.reveal(revealed, self.now),
        )

    def evaluate(self, agent: Participant, address: str, steps: int) -> None:
        """Pushes up to `steps` steps of the market's scoring, with the contributions they may
        reach (from the next one not yet applied), which must succeed."""
        trainer = self.trainer
        c = trainer.cursor
        first = c.round - 1 if c.round > 0 and not c.applied else c.round
        upcoming = [
            key
            for key, _ in trainer.replay[first : first + steps // (1 + trainer.test_set_size) + 1]
        ]

        def apply():
            return trainer.evaluate(steps, self.now, supplied=len(upcoming))[0]

        self._send(agent, address, "evaluate", (steps, upcoming), apply)

    def forfeit(self, agent: Participant, address: str) -> None:
        """Forfeits a market whose test set was not revealed in time, which must succeed."""
        self._send(agent, address, "forfeit", (), lambda: self.trainer.forfeit(self.now))

    def _send(self, agent: Participant, address: str, operation: str, args: tuple, apply) -> None:
        """A transaction the agent chose, applied to the mirror by `apply` (its revert reason
        or None), which must succeed; books what it credited the sender and, when another
        sends it, the market's provider."""
        if not self._ledger.affords(address, operation, 0):
            return
        provider = self._provider
        watched = provider.addresses[0] if provider and provider is not agent else None
        credits = self.trainer.credits
        before, provider_before = credits.get(address, 0), credits.get(watched, 0)
        reason = apply()
        if reason is not None:
            raise SimulationDiverged(f"{agent.name} chose a {operation} that reverts: {reason}")
        amount = credits.get(address, 0) - before
        self._ledger.send(self.now, agent.name, address, operation, args, 0, ok=True, amount=amount)
        if watched is not None and credits.get(watched, 0) != provider_before:
            self._ledger.credited(provider.name, credits.get(watched, 0) - provider_before)

    def withdraw(self, agent: Participant, address: str) -> None:
        if not self._ledger.affords(address, "withdraw", 0):
            return
        amount = self.trainer.withdraw(address)
        self._ledger.send(self.now, agent.name, address, "withdraw", (), 0, ok=True, amount=amount)
