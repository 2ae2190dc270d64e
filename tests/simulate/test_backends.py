"""The two chains a run can use, anvil and revm (in-process), on the same seed: every
transaction's block, status, gas and fee, every balance, credit and reputation measured, and the
model's checks, identical. Only the transaction hashes differ (revm's are not anvil's)."""

import csv
from dataclasses import replace

import pytest

from ml.simulate import embedded_anvil, load_preset, run_scenario
from ml.simulate.report import TIMING_KEYS
from ml.simulate.scenario import AgentSpec

#: `quick` with a copycat, so that front-run contributions revert on chain too.
QUICK = load_preset("quick")
SCENARIO = replace(QUICK, agents=(*QUICK.agents, AgentSpec("copycat", "copycat", copy_rate=0.3)))


def _run(backend, out):
    with embedded_anvil() as provider:
        report = run_scenario(
            SCENARIO,
            provider=provider,
            out=out,
            backend=backend,
        )
    with (out / "transactions.csv").open() as f:
        txs = [{k: v for k, v in row.items() if k != "hash"} for row in csv.DictReader(f)]
    for row in report["accuracy"]:
        row.pop("last_tx")
    return {k: v for k, v in report.items() if k not in TIMING_KEYS}, txs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return {b: _run(b, tmp_path_factory.mktemp(b)) for b in ("anvil", "revm")}


def test_every_transaction_has_the_same_block_status_gas_and_fee(runs):
    anvil, revm = runs["anvil"][1], runs["revm"][1]
    assert len(anvil) > 500 and any(tx["ok"] == "False" for tx in anvil)
    assert anvil == revm


def test_the_reports_are_identical(runs):
    anvil, revm = runs["anvil"][0], runs["revm"][0]
    assert anvil["conservation"]["holds"] and anvil["conservation"]["gas_fees"] > 0
    assert anvil["model_checks"]  # the model's whole state was read back from each chain
    assert anvil == revm
