"""The gas of the model registry (`ModelRegistry`): its deployment, a new line, and registering
a version, first (which fixes the line's encoder hash) and later, for a naive Bayes trainer.

Digests are keccak256 of fixed strings, so every byte of the calldata is non-zero but by
chance: a register's gas moves by 12 per zero byte (16 - 4), a few units between real runs.
"""

from __future__ import annotations

from eth_utils import keccak

#: The transactions measured, in the order they are sent.
TRANSACTIONS = ("deploy ModelRegistry", "createLine", "register version 1", "register version 2")


def _digest(name: str) -> bytes:
    return keccak(text=f"collab-ml gas report {name}")


def measure(accounts, chain) -> dict[str, int]:
    """{transaction: gas used} of `TRANSACTIONS` on the connected chain."""
    from ape import project

    from ml.deploy import deploy_model, deploy_trainer
    from ml.gas import naive_bayes

    owner = accounts[0]
    model = naive_bayes()  # the gas report's naive Bayes scenario
    trainer = deploy_trainer(
        deploy_model(model, owner).contract,
        owner,
        encoder_spec_hash=_digest("encoder"),
        dataset_manifest_hash=_digest("dataset"),
    )
    registry = owner.deploy(project.ModelRegistry)
    gas = {TRANSACTIONS[0]: chain.get_receipt(registry.txn_hash).gas_used}
    receipt = registry.createLine("gas report", sender=owner)
    gas[TRANSACTIONS[1]] = receipt.gas_used
    line = int(next(e for e in receipt.events if e.event_name == "LineCreated").line)
    for number in (1, 2):
        version = {
            "model": trainer.contract.model(),
            "trainer": trainer.contract.address,
            "snapshot": _digest(f"snapshot {number}"),
            "encoder": _digest("encoder"),
            "dataset": _digest("dataset"),
            "testSet": _digest("test set"),
            "dagPbMask": 0,
            "parent": number - 1,
            "accuracyPpm": 900_000 + number,
            "measuredAtBlock": chain.blocks.head.number,
        }
        gas[TRANSACTIONS[1 + number]] = registry.register(line, version, sender=owner).gas_used
    return gas


def render_markdown(gas: dict[str, int]) -> str:
    lines = [
        "## Registering a version (`ModelRegistry`)",
        "",
        "Exact gas of the registry's transactions (`ml/gas_registry.py`; the trainer is a",
        "Deposit-Refund-Take over the naive Bayes of the first table). Version 1 also fixes the",
        "line's encoder hash; a version is 7 new storage slots (4 digests, 3 packed slots) and",
        "three static calls that check the trainer (`model()`, the model's `owner()`,",
        "`encoderSpecHash()`).",
        "",
        "| transaction | gas |",
        "|---|---:|",
        *(f"| {name} | {used:,} |" for name, used in gas.items()),
    ]
    return "\n".join(lines) + "\n"
