"""The participants. On its turn an agent claims what a rational participant would: whatever the
trainer's `claimable` offers it that pays (wei or reputation), under any mechanism (refunds of
its own contributions the model agrees with, shares of others' it disagrees with, anything left
after Deposit-Refund-Take's any-address wait); contributes according to its kind, and withdraws
its credit once a day. Every decision uses the model's free predictions (the mirror, equal to
the contract's). Under a prediction market the contributors stake during the window and claim
(stake and reward) once it is settled or forfeited, and a `Provider` reveals its test set and
pushes the scoring."""

from __future__ import annotations

import heapq

import numpy as np

from ml.mechanisms import Phase

from .actions import Market
from .chain import agent_address
from .scenario import DAY, AgentSpec

_TRIES = 20  # samples an agent tries before giving up a turn (all of them already open)


class Agent:
    def __init__(self, spec: AgentSpec, index: int, seed: int, recheck: int):
        self.spec = spec
        self.name = spec.name
        self.kind = spec.kind
        count = spec.addresses if spec.kind == "sybil" else 1
        self.addresses = [agent_address(spec.name, i) for i in range(count)]
        self.rng = np.random.default_rng([seed, index])
        self.recheck = recheck  # seconds before a record it could not claim is looked at again
        # (due time, order added, key, added at) of the open records it is to look at
        self._due: list[tuple[int, int, tuple, int]] = []
        self._joined = 0  # records of market.added already in `_due`
        self._last_withdraw = -DAY
        self._turns = 0

    def next_time(self, now: int) -> int:
        return now + max(1, round(self.rng.normal(self.spec.interval, self.spec.jitter)))

    def act(self, market: Market) -> None:
        self._claim(market)
        if self.spec.contributes:
            self._contribute(market)
        if market.now - self._last_withdraw >= DAY:
            self.withdraw(market)

    def withdraw(self, market: Market) -> None:
        for address in self.addresses:
            if market.trainer.credits.get(address, 0):
                market.withdraw(self, address)
        self._last_withdraw = market.now

    # ------------------------------------------------------------------ claiming

    def _claim(self, market: Market) -> None:
        """Looks at every open record whose look is due, in the order they were added: a record
        joins at its first deadline (the end of its refund wait; a market's, the end of the
        window), and is looked at again after `recheck` (or at its next deadline, if sooner)
        until it closes. A heap of due times, so a turn costs what is due, not every open
        record."""
        trainer, now = market.trainer, market.now
        added = market.added
        while self._joined < len(added):
            key, added_at = added[self._joined]
            record = trainer.open.get(key)
            if record is not None and record.added_at == added_at:
                if min(trainer.deadlines(record)) > now:
                    break  # the first deadlines come in the order the records were added
                heapq.heappush(self._due, (now, self._joined, key, added_at))
            self._joined += 1
        due = []
        while self._due and self._due[0][0] <= now:
            due.append(heapq.heappop(self._due))
        for _, order, key, added_at in sorted(due, key=lambda d: d[1]):
            record = trainer.open.get(key)
            if record is None or record.added_at != added_at:
                continue  # closed (and perhaps contributed again: a record of its own)
            for address in self.addresses:
                claim = trainer.claimable(key, address, now)
                if claim.pays:  # nothing else is worth its gas
                    market.claim(self, address, claim.action.name.lower(), key)
                if key not in trainer.open:
                    break
            else:
                later = [t for t in trainer.deadlines(record) if t > now]
                heapq.heappush(self._due, (min([now + self.recheck, *later]), order, key, added_at))
        self._turns += 1

    # ------------------------------------------------------------------ contributing

    def offer(self, market: Market) -> int:
        """This turn's most the agent will stake, in wei."""
        units = max(0.0, self.rng.normal(self.spec.deposit, self.spec.deposit_jitter))
        return int(units * market.unit_wei)

    def _contribute(self, market: Market) -> None:
        address = self.addresses[self._turns % len(self.addresses)]
        if market.trainer.required_deposit(market.now) > self.offer(market):
            return  # too expensive right now: try again next turn
        choice = self._choose(market)
        if choice is not None:
            market.contribute(self, address, *choice)

    def _choose(self, market: Market) -> tuple[int, int] | None:
        """(pool index, label) of this turn's contribution, not already open."""
        data, rng = market.data, self.rng
        farm = self.kind == "sybil" or (
            self.kind == "judge-steer" and rng.random() < self.spec.farm
        )
        for _ in range(_TRIES):
            if self.kind == "judge-steer" and not farm:
                index = int(rng.choice(market.by_class[self.spec.source]))
                label = self.spec.target
            else:
                index = int(rng.integers(len(data.pool)))
                label = data.pool_labels[index]
                wrong = self.kind == "label-flip" or (
                    self.kind == "noisy" and rng.random() < self.spec.noise
                )
                if wrong:
                    label = (label + 1 + int(rng.integers(data.num_classes - 1))) % data.num_classes
                elif farm and market.trainer.model.predict_fixed(data.pool_samples[index]) != label:
                    continue  # farming reputation: only data the model already gets right
            if (data.pool[index], label) not in market.trainer.open:
                return index, label
        return None

    def maybe_copy(self, market: Market, victim: Agent, index: int, label: int) -> bool:
        """A copycat sees `victim`'s pending contribution and, at its rate, front-runs it with
        the same data and label (a higher tip puts it first in the block)."""
        if self.kind != "copycat" or victim is self or self.rng.random() >= self.spec.copy_rate:
            return False
        if market.trainer.required_deposit(market.now) > self.offer(market):
            return False
        return market.contribute(self, self.addresses[0], index, label)


class Provider(Agent):
    """A market's provider (kind `provider`), whose address deployed the market and funded its
    reward pool: after the window it reveals the test set, `reveal_chunk` leaves a turn, then
    pushes the scoring, `evaluate_steps` steps a turn, until the market is settled; one that
    never reveals (`reveals: false`) forfeits the market after the deadline, and the
    contributors claim their stakes plus their shares of the pool. It withdraws its credit (a
    remainder of the pool, or the whole reward if no contribution scored) once a day."""

    def __init__(self, spec: AgentSpec, index: int, seed: int, recheck: int, address: str):
        super().__init__(spec, index, seed, recheck)
        self.addresses = [address]
        self._asleep_until = 0

    def next_time(self, now: int) -> int:
        return max(super().next_time(now), self._asleep_until)

    def act(self, market: Market) -> None:
        trainer, now, address = market.trainer, market.now, self.addresses[0]
        phase = trainer.phase(now)
        if phase == Phase.PARTICIPATION:
            self._asleep_until = trainer.window_end
        elif phase == Phase.REVEAL and self.spec.reveals:
            start = len(trainer.test_set)
            count = min(self.spec.reveal_chunk, len(market.test_set) - start)
            market.reveal(self, address, start, count)
        elif phase == Phase.REVEAL:
            self._asleep_until = trainer.reveal_deadline  # it lets the deadline pass
        elif phase == Phase.SCORING:
            market.evaluate(self, address, self.spec.evaluate_steps)
        elif phase == Phase.FORFEITED and not trainer.forfeited:
            market.forfeit(self, address)
        elif phase in (Phase.SETTLED, Phase.FORFEITED):
            self._asleep_until = now + DAY  # nothing left to do but withdraw
        if now - self._last_withdraw >= DAY:
            self.withdraw(market)
