"""The simulation's in-process chain: revm (the EVM inside anvil and reth, through pyrevm) with
the state anvil holds after the deployment, so the run's transactions skip anvil's per-block
state-root rebuild and the JSON-RPC hop. Same interface as `AnvilChain`, same gas, statuses and
balances: Cancun rules, base fee 0, one block per `mine`, the sender paying gas used × price to
the coinbase, first come first served.

pyrevm 0.3.7 runs every call inside one open journal that it never finalises: left alone,
whatever a transaction touched would stay warm (EIP-2929) and its storage "original" (EIP-2200)
for every later one, and no gas is charged. So each transaction runs from a checkpoint, its
writes are read back, the checkpoint is reverted (everything cold again), and the writes go
into the database below the journal; the fee and the nonce are applied here.

The EVM runs in a process of its own, fed each block as it is mined: the agents and the mirrors
(the other half of the work) go on deciding the next blocks meanwhile, on the other core. Reads
wait for every block before them."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
from multiprocessing.connection import Connection

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak
from pyrevm import EVM, AccountInfo, BlockEnv

from ml.chain.errors import ChainError

from .chain import GAS_LIMITS, _hex, calldata
from .rpc import Rpc

_ADDRESS, _WRITTEN = "StorageChange { address: ", ", had_value: Some"
_CALLER = "0x" + "00" * 20  # eth_call's default sender
_PREDICT = function_signature_to_4byte_selector("predict(bytes)")
_STOPPED = "the revm worker stopped (see the output above)"


class RevmChain:
    """The simulation's chain (the interface of `AnvilChain`), run by revm in a worker process."""

    def __init__(self, uri: str, *, trainer: str, reputation: str, gas_price: int):
        self._args = (uri, trainer, reputation, gas_price)
        self._queue: list[tuple] = []
        self._sent = 0
        self._number = 0

    def open(self) -> int:
        """Starts the worker, which loads anvil's state; returns the latest block's timestamp."""
        # A fresh interpreter (not a fork, which would copy ape's threads' locks; not
        # multiprocessing's spawn, which re-runs the main script) and two pipes.
        down, up = os.pipe(), os.pipe()
        command = f"from ml.simulate.revm import serve; serve({down[0]}, {up[1]})"
        self._worker = subprocess.Popen([sys.executable, "-c", command], pass_fds=(down[0], up[1]))
        os.close(down[0])
        os.close(up[1])
        self._out = Connection(down[1], readable=False)
        self._in = Connection(up[0], writable=False)
        self._ask("open", *self._args)
        timestamp, self._number = self._ask("start")
        return timestamp

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a worker already gone has nothing to stop
            self._out.send(("close", (), False))
        self._out.close()
        self._in.close()
        self._worker.wait(timeout=30)

    def fund(self, address: str, wei: int) -> None:
        self._tell("fund", address, wei)

    def send(self, sender: str, operation: str, args: tuple, value: int) -> str:
        """Queues a trainer transaction for the next block; returns its hash (not anvil's,
        which hashes a signed transaction: a hash of its rank in the run)."""
        self._sent += 1
        tx_hash = "0x" + keccak(text=f"collab-ml revm transaction {self._sent}").hex()
        call = bytes.fromhex(calldata(operation, args)[2:])
        self._queue.append((tx_hash, sender, call, value, GAS_LIMITS[operation]))
        return tx_hash

    def mine(self, timestamp: int) -> int:
        """Hands the queued transactions to the worker as one block at `timestamp`; returns the
        block's number."""
        self._number += 1
        self._tell("mine", self._number, timestamp, self._queue)
        self._queue = []
        return self._number

    def block_number(self) -> int:
        return self._number

    def coinbase(self) -> str:
        """The address the blocks' fees go to (anvil's, loaded with its state)."""
        return self._ask("coinbase")

    def receipts(self, hashes: list[str]) -> list[dict]:
        return self._ask("receipts", hashes)

    def accounts(self, addresses: list[str], block: int) -> list[tuple[int, int, int]]:
        """(ether balance, trainer credit, reputation) of each address at `block` (the latest:
        like the embedded anvil, revm keeps no history)."""
        return self._ask("accounts", addresses, block)

    def balance(self, address: str, block: int) -> int:
        return self._ask("balance", address, block)

    def call(self, to: str, data: bytes) -> bytes:
        """An eth_call of `data` to `to` on the latest state."""
        return self._ask("call", to, data)

    def predict(self, model: str, data: bytes) -> int:
        return _uint(self._ask("call", model, _PREDICT + encode(["bytes"], [data])))

    def read_model(self, model_type, contract):
        """The mirror of the deployed model `contract` (an ape contract, for its ABI), read
        through revm's state."""
        return model_type.from_contract(
            _Views(lambda data: self._ask("call", contract.address, data), contract)
        )

    def _tell(self, method: str, *args) -> None:
        try:
            self._out.send((method, args, False))
        except OSError:
            raise ChainError(_STOPPED) from None

    def _ask(self, method: str, *args):
        try:
            self._out.send((method, args, True))
            ok, value = self._in.recv()
        except (EOFError, OSError):
            raise ChainError(_STOPPED) from None
        if not ok:
            raise value
        return value


def serve(down: int, up: int) -> None:
    """The worker (started by `RevmChain.open`): applies the requests read from file descriptor
    `down` in order, answering on `up`; a failure of a request that is not answered (fund,
    mine) is the answer to the next one that is."""
    requests, answers = Connection(down, writable=False), Connection(up, readable=False)
    chain, failure = None, None
    while True:
        try:
            method, args, answer = requests.recv()
        except EOFError:  # the simulation is gone
            return
        if method == "close":
            return
        result = None
        try:
            if method == "open":
                chain = _Evm(*args)
            elif failure is None:
                result = getattr(chain, method)(*args)
        except Exception as err:  # handed to the simulation, which raises it
            failure = err
        if answer:
            answers.send((True, result) if failure is None else (False, failure))
            failure = None


class _Evm:
    """The chain's state in revm and the transactions' execution (inside the worker)."""

    def __init__(self, uri: str, trainer: str, reputation: str, gas_price: int):
        self.uri = uri
        self.trainer = trainer
        self.reputation = reputation
        self.gas_price = gas_price
        self._evm = EVM(spec_id="CANCUN")
        self._accounts: dict[str, list[int]] = {}  # address -> [balance, nonce] in the database
        self._receipts: dict[str, dict] = {}
        self._number = 0

    def start(self) -> tuple[int, int]:
        """Loads anvil's whole state (every account's balance, nonce, code and storage) into
        revm; returns the latest block's timestamp and number."""
        rpc = Rpc(self.uri)
        if rpc.call("web3_clientVersion").split("/")[0].lower() != "anvil":
            raise ChainError("the simulation needs anvil (ml.simulate.embedded_anvil starts one)")
        dump = json.loads(gzip.decompress(bytes.fromhex(rpc.call("anvil_dumpState")[2:])))
        rpc.close()
        block = dump["block"]
        if int(block["basefee"]) != 0:
            raise ChainError("anvil's base fee must be 0 (embedded_anvil starts it so)")
        for address, account in dump["accounts"].items():
            code = bytes.fromhex(account["code"][2:])
            balance, nonce = int(account["balance"], 16), int(account["nonce"])
            info = AccountInfo(balance=balance, nonce=nonce, code=code or None)
            self._evm.insert_account_info(address, info)
            self._accounts[address.lower()] = [balance, nonce]
            for slot, value in account["storage"].items():
                self._store(address, int(slot, 16), int(value, 16))
        self._number = int(dump["best_block_number"])
        self._block = {
            "coinbase": block["beneficiary"],
            "gas_limit": int(block["gas_limit"]),
            "prevrandao": bytes.fromhex(block["prevrandao"][2:]),
        }
        self._coinbase = block["beneficiary"].lower()
        return int(block["timestamp"], 16), self._number

    def coinbase(self) -> str:
        return self._block["coinbase"]

    def fund(self, address: str, wei: int) -> None:
        nonce = self._accounts.get(address.lower(), [0, 0])[1]
        self._set_account(address, wei, nonce)

    def mine(self, number: int, timestamp: int, txs: list[tuple]) -> None:
        """Runs `txs` in order in block `number` at `timestamp`."""
        if sum(tx[-1] for tx in txs) > self._block["gas_limit"]:
            # anvil would leave the transactions that do not fit for a later block.
            raise ChainError(
                f"block {number}: its {len(txs)} transactions' gas limits exceed the block's "
                f"{self._block['gas_limit']:,} gas; use fewer agents acting at once"
            )
        self._number = number
        self._evm.set_block_env(
            BlockEnv(number=number, timestamp=timestamp, basefee=0, **self._block)
        )
        for tx in txs:
            self._execute(*tx)

    def receipts(self, hashes: list[str]) -> list[dict]:
        return [self._receipts.get(h) for h in hashes]

    def accounts(self, addresses: list[str], block: int) -> list[tuple[int, int, int]]:
        self._latest(block)
        out = []
        for a in addresses:
            word = bytes(12) + bytes.fromhex(a[2:])
            out.append(
                (
                    self._read(self._evm.get_balance, a),
                    _uint(self.call(self.trainer, bytes.fromhex(_hex("credits", word)[2:]))),
                    _uint(self.call(self.reputation, bytes.fromhex(_hex("balanceOf", word)[2:]))),
                )
            )
        return out

    def balance(self, address: str, block: int) -> int:
        self._latest(block)
        return self._read(self._evm.get_balance, address)

    def call(self, to: str, data: bytes) -> bytes:
        """An eth_call on the latest state."""
        return self._read(self._evm.message_call, _CALLER, to, data)

    def _execute(self, tx_hash: str, sender: str, call: bytes, value: int, gas: int) -> None:
        evm = self._evm
        checkpoint = evm.snapshot()
        try:
            evm.message_call(sender, self.trainer, call, value, gas=gas, gas_price=self.gas_price)
        except RuntimeError as err:
            if evm.result is None:  # not a revert: the transaction is invalid
                evm.revert(checkpoint)
                raise ChainError(f"revm refused a transaction of {sender}: {err}") from err
        result = evm.result
        touched = evm.journal_state
        writes = {(a, k): evm.storage(a, k) for a, k in _written_slots(evm.journal_str)}
        evm.revert(checkpoint)
        fee = result.gas_used * self.gas_price
        for address, info in touched.items():
            key = address.lower()
            balance, nonce = info.balance, info.nonce
            if key == sender.lower():
                balance, nonce = balance - fee, nonce + 1
            elif key == self._coinbase:
                balance += fee
            if self._accounts.get(key) != [balance, nonce]:
                self._set_account(address, balance, nonce, info.code_hash)
        for (address, key), word in writes.items():
            self._store(address, key, word)
        self._receipts[tx_hash] = {
            "status": "0x1" if result.is_success else "0x0",
            "blockNumber": hex(self._number),
            "gasUsed": hex(result.gas_used),
            "effectiveGasPrice": hex(self.gas_price),
        }

    def _set_account(self, address: str, balance: int, nonce: int, code_hash=None) -> None:
        # The code stays in the database under its hash, so only the hash is given.
        self._evm.insert_account_info(
            address, AccountInfo(balance=balance, nonce=nonce, code_hash=code_hash)
        )
        self._accounts[address.lower()] = [balance, nonce]

    def _store(self, address: str, slot: int, word: int) -> None:
        # pyrevm writes a cold account's slot to the database but then loads the account into
        # the journal (warm); the revert takes it out again.
        checkpoint = self._evm.snapshot()
        self._evm.insert_account_storage(address, slot, word)
        self._evm.revert(checkpoint)

    def _read(self, read, *args):
        """A read that leaves nothing warm behind."""
        checkpoint = self._evm.snapshot()
        try:
            return read(*args)
        finally:
            self._evm.revert(checkpoint)

    def _latest(self, block: int) -> None:
        if block != self._number:
            raise ChainError(
                f"revm keeps only the latest state (block {self._number}), not {block}"
            )


class _Views:
    """An ape contract's view functions called through revm, for `from_contract`."""

    def __init__(self, call, contract):
        self._call = call  # calldata -> the contract's answer
        self._abis = {abi.name: abi for abi in contract.contract_type.view_methods}

    def __getattr__(self, name: str):
        abi = self._abis[name]
        inputs = [i.canonical_type for i in abi.inputs]
        outputs = [o.canonical_type for o in abi.outputs]
        selector = function_signature_to_4byte_selector(abi.selector)

        def view(*args):
            values = decode(outputs, self._call(selector + encode(inputs, args)))
            return _lists(values[0] if len(values) == 1 else values)

        return view


def _written_slots(journal: str) -> set[tuple[str, int]]:
    """(address, slot) of every storage write in the journal's debug text: a write records the
    slot's previous value (`had_value: Some(..)`), a cold read `had_value: None`. (str.find, as
    the text holds every slot the transaction read: a regular expression is several times
    slower.)"""
    slots = set()
    end = journal.find(_WRITTEN, journal.rfind(", journal: ["))
    while end != -1:
        start = journal.rfind(_ADDRESS, 0, end) + len(_ADDRESS)
        slots.add((journal[start : start + 42], int(journal[start + 49 : end], 0)))
        end = journal.find(_WRITTEN, end + len(_WRITTEN))
    return slots


def _lists(value):
    return [_lists(v) for v in value] if isinstance(value, tuple | list) else value


def _uint(word: bytes) -> int:
    return int.from_bytes(word, "big")
