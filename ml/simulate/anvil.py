"""The simulation's own anvil, connected to ape for deployment. Why not ape-foundry's:
- it starts anvil with `--steps-tracing`, which keeps every EVM step of every transaction in
  memory: a few thousand contributions to a model exhaust 24 GB;
- anvil 1.7.1 rebuilds the whole state trie at every block, and under Prague the EIP-2935
  history contract adds a slot per block to it, so mining slows linearly with the chain's
  length (foundry-rs/foundry#15715 fixed it after 1.7.1). Cancun rules avoid that; the
  contracts use no Prague opcode (there are none) and their gas is the same, since the
  EIP-7623 calldata floor is far below what any trainer call spends.
Transactions are ordered first come first served, there is no base fee, and historical
states are not kept (every read is of the latest block)."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager

from ml.chain.local import launch


@contextmanager
def embedded_anvil():
    """Starts anvil with ape's test mnemonic (so ape's test accounts are its funded dev
    accounts), connects ape to it and yields ape's provider; stops it on exit."""
    from ape import config, networks
    from ape.utils.testing import DEFAULT_TEST_CHAIN_ID  # what ape signs for on a local node

    test = config.get_config("test")
    args = [
        "--mnemonic", test.mnemonic,
        "--accounts", str(test.number_of_accounts),
        "--balance", "1000000",
        "--order", "fifo",
        "--base-fee", "0",
        "--gas-price", "0",
        "--chain-id", str(DEFAULT_TEST_CHAIN_ID),
        "--hardfork", "cancun",
        "--silent",
        "--prune-history",
        # A block holds every transaction of its tick: at 30M gas, a tick of a crowd's
        # transactions overflowed into the next block, out of the mirrors' order.
        "--gas-limit", str(10**9),
    ]  # fmt: skip
    process, uri = launch(args)
    try:
        with networks.parse_network_choice(f"ethereum:local:{uri}") as provider:
            yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
