"""The event-driven run: agents act at their scheduled times, every action of one tick goes
into one block mined at that tick's timestamp, and at fixed simulated intervals the model is
evaluated on the test set and every account is read from the chain and checked against the
mirrors (ether, credit, reputation; the model's whole state less often)."""

from __future__ import annotations

import copy
import heapq
import time
from pathlib import Path

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

from ml import mechanisms
from ml.deploy import deploy_model, deploy_trainer
from ml.test_set import TestSet

from .actions import Market
from .agents import Agent, Provider
from .chain import AnvilChain
from .data import SimulationData, load_data
from .ledger import Ledger, SimulationDiverged
from .plots import plot_accuracy, plot_balances
from .report import AgentResult, RunResult, build_report, write_report
from .revm import RevmChain
from .scenario import DAY, START_DELAY, Scenario

#: The chains a run can use after deploying on anvil: anvil itself, or revm in-process.
BACKENDS = {"anvil": AnvilChain, "revm": RevmChain}


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
        self.owner = owner
        self.provider = provider
        recheck = max(scenario.block_time, scenario.refund_wait // 4)
        # A market's provider is the address that deploys it and funds its pool.
        self.agents = [
            Provider(a, i, scenario.seed, recheck, owner.address.lower())
            if a.kind == "provider"
            else Agent(a, i, scenario.seed, recheck)
            for i, a in enumerate(scenario.agents)
        ]
        self.provider_agent = next((a for a in self.agents if a.kind == "provider"), None)
        self.accuracy: list[dict] = []
        self.balances: dict[str, list[dict]] = {a.name: [] for a in self.agents}
        self.checks: list[dict] = []

    # ------------------------------------------------------------------ set-up

    def deploy(self) -> None:
        from ape import chain

        s = self.scenario
        mechanism, parameters = mechanisms.get(s.mechanism), s.trainer_parameters()
        market, test_set = {}, None
        if mechanism.takes_test_set:
            test_set = TestSet.make(
                [self.initial_model.encode_fixed(x) for x in self.data.market_test_samples],
                self.data.market_test_labels,
                seed=s.seed,
            )
            provider = self.provider_agent.addresses[0]
            market = {"test_set_size": len(test_set), "reward": s.reward_wei, "provider": provider}
        model = deploy_model(self.initial_model, self.owner)
        trainer = deploy_trainer(
            model.contract,
            self.owner,
            mechanism=s.mechanism,
            test_set=test_set,
            reward=s.reward_wei if test_set else 0,
            **parameters,
        )
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
        self.trainer = mechanism.mirror(self.model, parameters, deployed_at=deployed_at, **market)
        if test_set is not None:
            self.deployment["test_set_root"] = "0x" + test_set.root.hex()
        self.start = deployed_at + START_DELAY
        self.chain = self.backend(
            self.provider.uri,
            trainer=self.deployment["trainer"],
            reputation=self.deployment["reputation"],
            gas_price=s.gas_price_wei,
        )
        self.ledger = Ledger(
            self.chain,
            gas_price=s.gas_price_wei,
            start=self.start,
            agents=[a.name for a in self.agents],
        )
        self.market = Market(
            self.trainer,
            self.data,
            self.ledger,
            unit_wei=s.unit_wei,
            copycats=[a for a in self.agents if a.kind == "copycat"],
            provider=self.provider_agent,
            test_set=test_set,
        )

    # ------------------------------------------------------------------ measuring

    def evaluate(self, now: int, block: int) -> None:
        """Accuracy on the test set and every agent's accounts, read from the chain at `block`
        and checked against the mirrors."""
        self.ledger.confirm()
        predictions = [self.model.predict_fixed(s) for s in self.data.test_samples]
        correct = sum(p == y for p, y in zip(predictions, self.data.test_labels, strict=True))
        txs = self.ledger.txs
        self.accuracy.append(
            {
                "time": now - self.start,
                "day": (now - self.start) / DAY,
                "block": block,
                "accuracy": correct / len(predictions),
                "last_tx": txs[-1].hash if txs else None,
            }
        )
        for agent in self.agents:
            row = {"time": now - self.start, "day": (now - self.start) / DAY, "block": block}
            wallet = credit = reputation = 0
            for address, (ether, owed, held) in zip(
                agent.addresses, self.chain.accounts(agent.addresses, block), strict=True
            ):
                expected = (
                    self.ledger.wallet[address],
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
        if isinstance(self.trainer, mechanisms.MarketMirror):
            self._check_market(block, final=now >= self.start + self.scenario.duration)
        for sample in self.data.test_samples[:5]:
            data = self.model.encode_fixed(sample)
            if self.chain.predict(self.deployment["model"], data) != self.model.predict_fixed(
                sample
            ):
                raise SimulationDiverged(f"a prediction differs from the mirror's at {block}")
        self.checks.append({"time": now - self.start, "block": block, "model_equal": True})

    def _check_market(self, block: int, *, final: bool) -> None:
        """A market's stored state (test-set leaves revealed, forfeited or not, the scoring
        cursor) equals the mirror's; at the end, every contribution's score too. (Its phase
        depends on the time too: it follows from these and the timestamps.)"""
        market, address = self.trainer, self.deployment["trainer"]
        revealed = _view(self.chain, address, "revealedCount()", (), ("uint256",))[0]
        forfeited = _view(self.chain, address, "forfeited()", (), ("bool",))[0]
        if (revealed, forfeited) != (len(market.test_set), market.forfeited):
            raise SimulationDiverged(
                f"the market at block {block}: (revealed, forfeited) = {(revealed, forfeited)}, "
                f"the mirror's {(len(market.test_set), market.forfeited)}"
            )
        c = market.cursor
        mirror = (c.round, c.test_index, c.correct, c.previous, c.positive_total,
                  c.negative_count, c.applied, c.done)  # fmt: skip
        cursor = _view(self.chain, address, "cursor()", (), ("uint32",) * 6 + ("bool",) * 2)
        if tuple(cursor) != mirror:
            raise SimulationDiverged(
                f"the market's cursor {cursor} at block {block}, mirror's {mirror}"
            )
        for key, _ in market.replay if final else ():
            scored, score = _view(
                self.chain, address, "scoreOf(bytes,uint256)", key, ("bool", "int256")
            )
            expected = market.scores.get(key, (0, 0))[0]
            if (scored, score) != (key in market.scores, expected):
                raise SimulationDiverged(
                    f"a contribution's score on chain is {(scored, score)}, "
                    f"the mirror's {(key in market.scores, expected)}"
                )

    def market_outcome(self) -> dict | None:
        """A market's end: its phase, the test set revealed, the scores (per agent: how many
        contributions scored above, at and below zero, their sum, and the sum of the positive
        ones, its reputation)."""
        market = self.trainer
        if not isinstance(market, mechanisms.MarketMirror):
            return None
        owner = {address: a.name for a in self.agents for address in a.addresses}
        scores = {
            a.name: {"positive": 0, "zero": 0, "negative": 0, "total": 0, "points": 0}
            for a in self.agents
        }
        for key, _ in market.replay:
            row = scores[owner[market.last_added[key][0]]]
            score = market.scores.get(key, (0, 0))[0]
            row["positive" if score > 0 else "negative" if score < 0 else "zero"] += 1
            row["total"] += score
            row["points"] += max(score, 0)
        return {
            "phase": market.phase(self.start + self.scenario.duration).name.lower(),
            "test_set_size": market.test_set_size,
            "revealed": len(market.test_set),
            "contributions": len(market.replay),
            "scored": len(market.scores),
            "positive_total": market.cursor.positive_total,
            "negative_count": market.cursor.negative_count,
            "reward": market.reward,
            "stake": market.stake,
            "forfeit_share": market.forfeit_share,
            "scores": {name: row for name, row in scores.items() if any(row.values())},
        }

    # ------------------------------------------------------------------ the run

    def run(self, progress=None) -> RunResult:
        """Deploys, runs the scenario to its end, settles, and returns what it produced."""
        wall_start = time.perf_counter()
        self.deploy()
        s = self.scenario
        head = self.chain.open()
        try:
            for agent in self.agents:
                for address in agent.addresses:
                    self.ledger.fund(address, round(agent.spec.balance * s.unit_wei))
            if self.provider_agent is not None:  # it paid the reward pool at the deployment
                self.ledger.stats[self.provider_agent.name]["deposited"] += s.reward_wei
            if head >= self.start:
                raise SimulationDiverged("the deployment took longer than START_DELAY")
            block = self.chain.block_number()
            coinbase = self.chain.coinbase()
            coinbase_before = self.chain.balance(coinbase, block)
            self.evaluate(self.start, block)
            loop_start = time.perf_counter()
            block = self._loop(block, progress)
            loop_seconds = time.perf_counter() - loop_start
            # Settlement: everyone withdraws what it is owed; open deposits stay in the trainer.
            end = self.start + s.duration
            self.market.now = end
            for agent in self.agents:
                agent.withdraw(self.market)
            if self.ledger.pending:
                block = self.chain.mine(end)
            self.evaluate(end, block)
            self.check_model(end, block)
            held_at_end = self.chain.balance(self.deployment["trainer"], block)
            coinbase_received = self.chain.balance(coinbase, block) - coinbase_before
            if progress:
                progress(s.duration)
        finally:
            self.chain.close()
        return RunResult(
            scenario=s,
            data=self.data,
            deployment=self.deployment,
            agents=[
                AgentResult(
                    name=a.name,
                    kind=a.kind,
                    addresses=a.addresses,
                    start_balance=round(a.spec.balance * s.unit_wei) * len(a.addresses)
                    + (s.reward_wei if a.kind == "provider" else 0),
                    stats=dict(self.ledger.stats[a.name]),
                    balance_over_time=self.balances[a.name],
                )
                for a in self.agents
            ],
            accuracy=self.accuracy,
            model_checks=self.checks,
            market=self.market_outcome(),
            txs=self.ledger.txs,
            held_at_end=held_at_end,
            coinbase_received=coinbase_received,
            end_block=block,
            loop_seconds=loop_seconds,
            wall_seconds=time.perf_counter() - wall_start,
        )

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
            self.market.now, sent = tick, len(self.ledger.txs)
            while queue and queue[0][0] <= tick:
                _, i = heapq.heappop(queue)
                self.agents[i].act(self.market)
                heapq.heappush(queue, (self.agents[i].next_time(tick), i))
            if len(self.ledger.txs) > sent:
                block = self.chain.mine(tick)
        return block


def run_scenario(
    scenario: Scenario,
    *,
    provider,
    owner=None,
    out=None,
    progress=None,
    data=None,
    backend="anvil",
):
    """Runs one scenario on a connected anvil (deployed there by `owner`, by default ape's first
    test account, which the anvil funds; then run on `backend`: "anvil" or "revm"); with `out`,
    writes report.json, transactions.csv, summary.md, accuracy.png and balances.png there.
    Returns the report."""
    if owner is None:
        from ape import accounts

        owner = accounts.test_accounts[0]
    simulation = Simulation(scenario, owner=owner, provider=provider, data=data, backend=backend)
    result = simulation.run(progress)
    if out is None:
        return build_report(result)
    out = Path(out)
    report = write_report(result, out)
    plot_accuracy(report, out / "accuracy.png")
    plot_balances(report, out / "balances.png")
    return report


def _view(chain, to: str, signature: str, args: tuple, types: tuple) -> tuple:
    """The decoded answer of view `signature` of contract `to` on the chain's latest state."""
    inputs = signature[signature.index("(") + 1 : -1]
    data = function_signature_to_4byte_selector(signature) + encode(
        inputs.split(",") if inputs else [], list(args)
    )
    return decode(list(types), chain.call(to, data))
