"""The event-driven run: agents act at their scheduled times, every action of one tick goes
into one block mined at that tick's timestamp, and at fixed simulated intervals the model is
evaluated on the test set and every account is read from the chain and checked against the
mirrors (ether, credit, reputation; the model's whole state less often)."""

from __future__ import annotations

import copy
import heapq
import time
from collections import defaultdict
from dataclasses import dataclass

from ml import mechanisms
from ml.deploy import deploy_model, deploy_trainer
from ml.errors import CollabMLError
from ml.mechanisms import Key

from .agents import Agent
from .chain import GAS_LIMITS, AnvilChain
from .data import SimulationData, load_data
from .revm import RevmChain
from .scenario import DAY, Scenario

# The run starts this long after the trainer's deployment, so that every time in it (and so
# every deposit) is the same from run to run whatever the deployment's wall-clock time.
START_DELAY = 3600

#: The chains a run can use after deploying on anvil: anvil itself, or revm in-process.
BACKENDS = {"anvil": AnvilChain, "revm": RevmChain}


class SimulationDiverged(CollabMLError, RuntimeError):
    """The chain did something the mirrors did not predict."""


@dataclass
class Tx:
    time: int  # seconds since the start
    hash: str
    agent: str
    address: str
    operation: str
    value: int
    ok: bool  # the status the mirrors predict
    block: int = 0
    gas_used: int = 0
    fee: int = 0


class Block:
    """The transactions of one tick. Each is applied to the mirrors as it is queued, so that
    later decisions in the same tick see it (as a wallet simulating on the pending block)."""

    def __init__(self, sim: Simulation, now: int):
        self.sim = sim
        self.now = now
        self.trainer = sim.trainer
        self.data = sim.data
        self.by_class = sim.by_class
        self.unit_wei = sim.scenario.unit_wei

    def contribute(self, agent: Agent, address: str, index: int, label: int) -> bool:
        sim, trainer = self.sim, self.trainer
        key: Key = (self.data.pool[index], label)
        value = trainer.required_deposit(self.now)
        if not sim.affords(address, "addData", value):
            return False
        copied = agent.kind != "copycat" and any(
            c.maybe_copy(self, agent, index, label) for c in sim.copycats
        )
        reason = trainer.add(key, self.data.pool_samples[index], address, self.now, value)
        if reason is not None and not copied:
            raise SimulationDiverged(f"{agent.name} chose a contribution that reverts: {reason}")
        sim.send(self.now, agent, address, "addData", key, value, ok=reason is None)
        return reason is None

    def claim(self, agent: Agent, address: str, operation: str, key: Key) -> None:
        if not self.sim.affords(address, operation, 0):
            return
        before = self.trainer.credits.get(address, 0)
        apply = self.trainer.refund if operation == "refund" else self.trainer.report
        reason = apply(key, address, self.now)
        if reason is not None:
            raise SimulationDiverged(f"{agent.name} chose a {operation} that reverts: {reason}")
        amount = self.trainer.credits.get(address, 0) - before
        self.sim.send(self.now, agent, address, operation, key, 0, ok=True, amount=amount)

    def withdraw(self, agent: Agent, address: str) -> None:
        if not self.sim.affords(address, "withdraw", 0):
            return
        amount = self.trainer.withdraw(address)
        self.sim.wallet[address] += amount
        self.sim.send(self.now, agent, address, "withdraw", (b"", 0), 0, ok=True, amount=amount)


class Simulation:
    """One run of a scenario on a connected anvil (ape's FoundryProvider)."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        owner,
        provider,
        data: SimulationData | None = None,
        backend: str = "anvil",
    ):
        self.scenario = scenario
        self.backend = BACKENDS[backend]
        self.data = data or load_data(scenario)
        self.initial_model = self.data.model
        self.model = copy.deepcopy(self.data.model)  # the mirror the run moves
        self.by_class = defaultdict(list)
        for i, label in enumerate(self.data.pool_labels):
            self.by_class[label].append(i)
        self.owner = owner
        self.provider = provider
        recheck = max(scenario.block_time, scenario.refund_wait // 4)
        self.agents = [Agent(a, i, scenario.seed, recheck) for i, a in enumerate(scenario.agents)]
        self.copycats = [a for a in self.agents if a.kind == "copycat"]
        self.owner_of = {addr: a for a in self.agents for addr in a.addresses}
        self.txs: list[Tx] = []
        self._unconfirmed: list[Tx] = []
        self.wallet: dict[str, int] = {}
        self.stats = {a.name: defaultdict(int) for a in self.agents}
        self.accuracy: list[dict] = []
        self.balances: dict[str, list[dict]] = {a.name: [] for a in self.agents}
        self.checks: list[dict] = []

    # ------------------------------------------------------------------ set-up

    def deploy(self) -> None:
        from ape import chain

        s = self.scenario
        mechanism, parameters = mechanisms.get(s.mechanism), s.trainer_parameters()
        model = deploy_model(self.initial_model, self.owner)
        trainer = deploy_trainer(model.contract, self.owner, mechanism=s.mechanism, **parameters)
        self.model_contract, self.trainer_contract = model.contract, trainer.contract
        self.deployment = {
            "model": model.contract.address,
            "trainer": trainer.contract.address,
            "mechanism": s.mechanism,
            "parameters": parameters,
            "reputation": trainer.contract.reputation(),
            "transactions": [r.txn_hash for r in model.receipts + trainer.receipts],
            "gas_used": model.gas_used + trainer.gas_used,
        }
        deployed_at = chain.blocks[trainer.receipts[0].block_number].timestamp
        self.trainer = mechanism.mirror(self.model, parameters, deployed_at=deployed_at)
        self.start = deployed_at + START_DELAY
        self.chain = self.backend(
            self.provider.uri,
            trainer=self.deployment["trainer"],
            reputation=self.deployment["reputation"],
            gas_price=s.gas_price_wei,
        )

    # ------------------------------------------------------------------ transactions

    def affords(self, address: str, operation: str, value: int) -> bool:
        return self.wallet[address] >= value + GAS_LIMITS[operation] * self.scenario.gas_price_wei

    def send(self, now, agent, address, operation, key, value, *, ok, amount=0) -> None:
        data, label = key
        tx_hash = self.chain.send(address, operation, data, label, value)
        tx = Tx(now - self.start, tx_hash, agent.name, address, operation, value, ok)
        self.txs.append(tx)
        self._unconfirmed.append(tx)
        self.wallet[address] -= GAS_LIMITS[operation] * self.scenario.gas_price_wei
        stats = self.stats[agent.name]
        if operation == "addData":
            if ok:
                self.wallet[address] -= value
                stats["contributions"] += 1
                stats["deposited"] += value
            else:
                stats["front_run"] += 1
        elif operation == "refund":
            stats["refunds"] += 1
            stats["refunded"] += amount
        elif operation == "report":
            stats["takes"] += 1
            stats["taken"] += amount
        else:
            stats["withdrawals"] += 1
            stats["withdrawn"] += amount

    def confirm(self, block: int) -> None:
        """Fetches the receipts of every transaction sent so far and checks each status."""
        receipts = self.chain.receipts([tx.hash for tx in self._unconfirmed])
        for tx, receipt in zip(self._unconfirmed, receipts, strict=True):
            if receipt is None:
                raise SimulationDiverged(f"{tx.operation} {tx.hash} of {tx.agent} was not mined")
            status = int(receipt["status"], 16) == 1
            if status != tx.ok:
                raise SimulationDiverged(
                    f"{tx.operation} {tx.hash} of {tx.agent} at block {receipt['blockNumber']}: "
                    f"status {int(status)}, the mirrors predicted {int(tx.ok)}"
                )
            tx.block = int(receipt["blockNumber"], 16)
            tx.gas_used = int(receipt["gasUsed"], 16)
            tx.fee = tx.gas_used * int(receipt["effectiveGasPrice"], 16)
            self.wallet[tx.address] += GAS_LIMITS[tx.operation] * self.scenario.gas_price_wei
            self.wallet[tx.address] -= tx.fee
            self.stats[tx.agent]["gas_used"] += tx.gas_used
            self.stats[tx.agent]["fees"] += tx.fee
        self._unconfirmed = []

    # ------------------------------------------------------------------ measuring

    def evaluate(self, now: int, block: int) -> None:
        """Accuracy on the test set and every agent's accounts, read from the chain at `block`
        and checked against the mirrors."""
        self.confirm(block)
        predictions = [self.model.predict_fixed(s) for s in self.data.test_samples]
        correct = sum(p == y for p, y in zip(predictions, self.data.test_labels, strict=True))
        last = self.txs[-1].hash if self.txs else None
        self.accuracy.append(
            {
                "time": now - self.start,
                "day": (now - self.start) / DAY,
                "block": block,
                "accuracy": correct / len(predictions),
                "last_tx": last,
            }
        )
        for agent in self.agents:
            row = {"time": now - self.start, "day": (now - self.start) / DAY, "block": block}
            wallet = credit = reputation = 0
            for address, (ether, owed, held) in zip(
                agent.addresses, self.chain.accounts(agent.addresses, block), strict=True
            ):
                expected = (
                    self.wallet[address],
                    self.trainer.credits.get(address, 0),
                    self.trainer.reputation.get(address, 0),
                )
                if (ether, owed, held) != expected:
                    raise SimulationDiverged(
                        f"{agent.name} {address} at block {block}: chain (ether, credit, "
                        f"reputation) = {(ether, owed, held)}, mirrors {expected}"
                    )
                wallet, credit, reputation = wallet + ether, credit + owed, reputation + held
            row.update(
                balance=wallet,
                credit=credit,
                open_deposits=sum(self.trainer.open_deposits(a) for a in agent.addresses),
                reputation=reputation,
            )
            self.balances[agent.name].append(row)

    def check_model(self, now: int, block: int) -> None:
        """The contract's whole model state and ether equal the mirrors'."""
        chain_model = self.chain.read_model(type(self.model), self.model_contract)
        if chain_model.state() != self.model.state():
            raise SimulationDiverged(f"the model's state differs from the mirror's at {block}")
        held = self.chain.balance(self.deployment["trainer"], block)
        if held != self.trainer.balance:
            raise SimulationDiverged(f"trainer holds {held} wei, the mirror {self.trainer.balance}")
        for sample in self.data.test_samples[:5]:
            data = self.model.encode_fixed(sample)
            if self.chain.predict(self.deployment["model"], data) != self.model.predict_fixed(
                sample
            ):
                raise SimulationDiverged(f"a prediction differs from the mirror's at {block}")
        self.checks.append({"time": now - self.start, "block": block, "model_equal": True})

    # ------------------------------------------------------------------ the run

    def run(self, progress=None) -> dict:
        """Deploys, runs the scenario to its end, settles, and returns the report."""
        from .report import build_report

        wall_start = time.perf_counter()
        self.deploy()
        s = self.scenario
        head = self.chain.open()
        try:
            for agent in self.agents:
                for address in agent.addresses:
                    self.chain.fund(address, round(agent.spec.balance * s.unit_wei))
                    self.wallet[address] = round(agent.spec.balance * s.unit_wei)
            if head >= self.start:
                raise SimulationDiverged("the deployment took longer than START_DELAY")
            block = self.chain.block_number()
            self.evaluate(self.start, block)
            loop_start = time.perf_counter()
            block = self._loop(block, progress)
            loop_seconds = time.perf_counter() - loop_start
            # Settlement: everyone withdraws what it is owed; open deposits stay in the trainer.
            end = self.start + s.duration
            final = Block(self, end)
            for agent in self.agents:
                agent.withdraw(final)
            if self._unconfirmed:
                block = self.chain.mine(end)
            self.evaluate(end, block)
            self.check_model(end, block)
            self.held_at_end = self.chain.balance(self.deployment["trainer"], block)
            if progress:
                progress(s.duration)
        finally:
            self.chain.close()
        return build_report(self, block, loop_seconds, time.perf_counter() - wall_start)

    def _loop(self, block: int, progress) -> int:
        s = self.scenario
        end = self.start + s.duration
        queue = [(agent.next_time(self.start), i) for i, agent in enumerate(self.agents)]
        heapq.heapify(queue)
        next_eval, next_check = self.start + s.eval_interval, self.start + s.check_interval
        while queue:
            # One block per tick: every action due by the end of the tick shares it.
            tick = self.start - (-(queue[0][0] - self.start) // s.block_time) * s.block_time
            while next_eval < min(tick, end):
                self.evaluate(next_eval, block)
                if next_eval >= next_check:
                    self.check_model(next_eval, block)
                    next_check += s.check_interval
                next_eval += s.eval_interval
                if progress:
                    progress(next_eval - self.start)
            if tick >= end:
                break
            current, sent = Block(self, tick), len(self.txs)
            while queue and queue[0][0] <= tick:
                _, i = heapq.heappop(queue)
                self.agents[i].act(current)
                heapq.heappush(queue, (self.agents[i].next_time(tick), i))
            if len(self.txs) > sent:
                block = self.chain.mine(tick)
        return block
