"""The simulation's side of anvil: set-up (automine off, any address usable, balances), the
trainer's transactions as hand-built calldata sent with explicit nonces and gas limits, one
mined block per tick, and the reads that check the chain against the mirrors."""

from __future__ import annotations

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak

from ml.chain.errors import ChainError

from .rpc import Rpc

# Gas limits well above what each operation uses (so no estimateGas round trip); with a gas
# price the sender must hold limit * price, and pays only what is used. A market's reveal and
# evaluate chunks stay under 2^24 gas (the limit of a transaction that the issue sets): their
# limit is below it, so a chunk too large for it reverts and stops the run.
GAS_LIMITS = {
    "addData": 3_000_000,
    "refund": 1_500_000,
    "report": 1_500_000,
    "withdraw": 100_000,
    "revealTestSet": 16_000_000,
    "evaluate": 16_000_000,
    "forfeit": 200_000,
}
_LEAF = "(uint256,bytes32,uint256,bytes,bytes32[])"
#: each function the simulation calls: (its signature, its arguments' ABI types)
_FUNCTIONS = {
    "addData": ("addData(bytes,uint256)", ["bytes", "uint256"]),
    "refund": ("refund(bytes,uint256)", ["bytes", "uint256"]),
    "report": ("report(bytes,uint256)", ["bytes", "uint256"]),
    "withdraw": ("withdraw()", []),
    "revealTestSet": (f"revealTestSet({_LEAF}[])", [f"{_LEAF}[]"]),
    "evaluate": ("evaluate(uint256,(bytes,uint256)[])", ["uint256", "(bytes,uint256)[]"]),
    "forfeit": ("forfeit()", []),
    "credits": ("credits(address)", ["address"]),
    "balanceOf": ("balanceOf(address)", ["address"]),
}
_SELECTORS = {
    name: function_signature_to_4byte_selector(signature)
    for name, (signature, _) in _FUNCTIONS.items()
}


def agent_address(name: str, index: int) -> str:
    """A fixed address for an agent's `index`-th account: no key is needed, anvil sends for any
    address once impersonation is on."""
    return "0x" + keccak(text=f"collab-ml simulation agent {name} #{index}")[-20:].hex()


def calldata(operation: str, args: tuple = ()) -> str:
    """The calldata of trainer function `operation` with ABI values `args`."""
    return "0x" + (_SELECTORS[operation] + encode(_FUNCTIONS[operation][1], list(args))).hex()


class AnvilChain:
    def __init__(self, uri: str, *, trainer: str, reputation: str, gas_price: int):
        self.rpc = Rpc(uri)
        self.trainer = trainer
        self.reputation = reputation
        self.gas_price = gas_price
        self._nonces: dict[str, int] = {}

    def open(self) -> int:
        """Turns automine off and impersonation on; returns the latest block's timestamp."""
        if self.rpc.call("web3_clientVersion").split("/")[0].lower() != "anvil":
            raise ChainError("the simulation needs anvil (ml.simulate.embedded_anvil starts one)")
        latest = self.rpc.call("eth_getBlockByNumber", "latest", False)
        if int(latest.get("baseFeePerGas", "0x0"), 16) != 0:
            raise ChainError("anvil's base fee must be 0 (embedded_anvil starts it so)")
        self.rpc.call("evm_setAutomine", False)
        self.rpc.call("anvil_autoImpersonateAccount", True)
        return int(latest["timestamp"], 16)

    def close(self) -> None:
        """Gives the chain back as ape expects it: every transaction mined at once."""
        self.rpc.call("anvil_autoImpersonateAccount", False)
        self.rpc.call("evm_setAutomine", True)
        self.rpc.close()

    def fund(self, address: str, wei: int) -> None:
        self.rpc.call("anvil_setBalance", address, hex(wei))
        self._nonces[address] = int(self.rpc.call("eth_getTransactionCount", address, "latest"), 16)

    def send(self, sender: str, operation: str, args: tuple, value: int) -> str:
        """Queues a trainer transaction (`operation` with ABI values `args`) for the next block;
        returns its hash."""
        nonce = self._nonces[sender]
        self._nonces[sender] = nonce + 1
        tx = {
            "from": sender,
            "to": self.trainer,
            "data": calldata(operation, args),
            "value": hex(value),
            "gas": hex(GAS_LIMITS[operation]),
            "nonce": hex(nonce),
            "maxFeePerGas": hex(self.gas_price),
            "maxPriorityFeePerGas": hex(self.gas_price),
        }
        return self.rpc.call("eth_sendTransaction", tx)

    def mine(self, timestamp: int) -> int:
        """Mines every queued transaction into one block at `timestamp`; returns its number."""
        self.rpc.call("evm_mine", timestamp)
        return int(self.rpc.call("eth_blockNumber"), 16)

    def block_number(self) -> int:
        return int(self.rpc.call("eth_blockNumber"), 16)

    def receipts(self, hashes: list[str]) -> list[dict]:
        out = []
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            out += self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in chunk])
        return out

    def accounts(self, addresses: list[str], block: int) -> list[tuple[int, int, int]]:
        """(ether balance, trainer credit, reputation) of each address at `block`."""
        tag = hex(block)
        requests = []
        for a in addresses:
            word = bytes(12) + bytes.fromhex(a[2:])
            requests += [
                ("eth_getBalance", [a, tag]),
                ("eth_call", [{"to": self.trainer, "data": _hex("credits", word)}, tag]),
                ("eth_call", [{"to": self.reputation, "data": _hex("balanceOf", word)}, tag]),
            ]
        values = [int(v, 16) for v in self.rpc.batch(requests)]
        return [tuple(values[i : i + 3]) for i in range(0, len(values), 3)]

    def coinbase(self) -> str:
        """The address the blocks' fees go to."""
        return self.rpc.call("eth_getBlockByNumber", "latest", False)["miner"]

    def balance(self, address: str, block: int) -> int:
        return int(self.rpc.call("eth_getBalance", address, hex(block)), 16)

    def call(self, to: str, data: bytes) -> bytes:
        """An eth_call of `data` to `to` on the latest state."""
        return bytes.fromhex(
            self.rpc.call("eth_call", {"to": to, "data": "0x" + data.hex()}, "latest")[2:]
        )

    def predict(self, model: str, data: bytes) -> int:
        selector = function_signature_to_4byte_selector("predict(bytes)")
        result = self.rpc.call(
            "eth_call",
            {"to": model, "data": "0x" + (selector + encode(["bytes"], [data])).hex()},
            "latest",
        )
        return decode(["uint256"], bytes.fromhex(result[2:]))[0]

    def read_model(self, model_type, contract):
        """The mirror of the deployed model `contract` (an ape contract), read from its views."""
        return model_type.from_contract(contract)


def _hex(function: str, argument: bytes) -> str:
    return "0x" + (_SELECTORS[function] + argument).hex()
