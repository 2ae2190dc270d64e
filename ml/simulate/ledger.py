"""The run's books: every agent address's ether as the mirrors expect it (its wallet), each
agent's counts and amounts, every transaction sent, and the gas each paid once its receipt is
in. A sender must hold its gas limit at the gas price; it is charged what it used."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ml.errors import CollabMLError

from .chain import GAS_LIMITS

#: a market's own transactions and the count each adds to
_MARKET_COUNTS = {"revealTestSet": "reveals", "evaluate": "evaluations", "forfeit": "forfeits"}


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


class Ledger:
    def __init__(self, chain, *, gas_price: int, start: int, agents: list[str]):
        self.chain = chain
        self.gas_price = gas_price
        self.start = start
        self.txs: list[Tx] = []
        self._unconfirmed: list[Tx] = []
        self.wallet: dict[str, int] = {}
        self.stats = {name: defaultdict(int) for name in agents}

    @property
    def pending(self) -> bool:
        """Whether transactions were sent since the last confirmation."""
        return bool(self._unconfirmed)

    def fund(self, address: str, wei: int) -> None:
        self.chain.fund(address, wei)
        self.wallet[address] = wei

    def credited(self, agent: str, wei: int) -> None:
        """Books `wei` credited to `agent` by another's transaction (the provider's remainder
        when a claim forfeits the market)."""
        self.stats[agent]["refunded"] += wei

    def affords(self, address: str, operation: str, value: int) -> bool:
        return self.wallet[address] >= value + GAS_LIMITS[operation] * self.gas_price

    def send(
        self, now, agent: str, address, operation, args: tuple, value, *, ok, amount=0
    ) -> None:
        """Sends a transaction (`operation` with ABI values `args`) and books it: the value
        leaves the wallet if it succeeds, the gas limit is held until `confirm` charges the gas
        used; `amount` is what it credited the sender (a withdrawal: what it paid out)."""
        tx_hash = self.chain.send(address, operation, args, value)
        tx = Tx(now - self.start, tx_hash, agent, address, operation, value, ok)
        self.txs.append(tx)
        self._unconfirmed.append(tx)
        self.wallet[address] -= GAS_LIMITS[operation] * self.gas_price
        stats = self.stats[agent]
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
        elif operation in _MARKET_COUNTS:
            stats[_MARKET_COUNTS[operation]] += 1
            stats["refunded"] += amount  # what it credited the provider
        else:
            self.wallet[address] += amount
            stats["withdrawals"] += 1
            stats["withdrawn"] += amount

    def confirm(self) -> None:
        """Fetches the receipts of every transaction sent since the last call, checks each
        status against the mirrors' and charges each sender the fee it paid."""
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
            self.wallet[tx.address] += GAS_LIMITS[tx.operation] * self.gas_price - tx.fee
            self.stats[tx.agent]["gas_used"] += tx.gas_used
            self.stats[tx.agent]["fees"] += tx.fee
        self._unconfirmed = []
