"""The gas report's measurements: every scenario and operation, exact integers, and the
targets of docs/gas.md (gas is deterministic, so these are checks, not timings)."""

import pytest

from ml import gas_federated, gas_registry
from ml.gas import (
    EXCEPTIONS,
    OPERATIONS,
    REFERENCE,
    SCENARIOS,
    TARGETS,
    floors,
    measure_model_scenario,
    measure_trainer_scenario,
    render_markdown,
)


@pytest.fixture(scope="module")
def report(accounts, chain):
    out = {}
    for name in SCENARIOS:
        out[name] = measure_model_scenario(name, accounts[0], chain)
        out[name].update(measure_trainer_scenario(name, accounts, chain))
    return out


def test_every_scenario_reports_every_operation(report):
    assert list(report) == list(SCENARIOS)
    for ops in report.values():
        assert list(ops) == OPERATIONS
        assert all(isinstance(gas, int) and gas > 0 for gas in ops.values())


@pytest.mark.parametrize("operation", sorted(TARGETS))
def test_targets_against_the_reference(report, operation):
    for scenario, ops in report.items():
        if operation in REFERENCE[scenario] and (scenario, operation) not in EXCEPTIONS:
            assert ops[operation] <= TARGETS[operation] * REFERENCE[scenario][operation], scenario


def test_no_operation_costs_less_than_its_floor(report, accounts):
    for scenario, ops in report.items():
        for operation, floor in floors(scenario, accounts).items():
            assert floor <= ops[operation], (scenario, operation)


def test_markdown_table_has_a_row_per_measurement(report, accounts):
    table = render_markdown(report, {name: floors(name, accounts) for name in report})
    assert table.count("\n| ") == 1 + sum(len(ops) for ops in report.values())
    assert "MISSED" not in table


def test_the_registry_report_has_a_row_per_transaction(accounts, chain):
    gas = gas_registry.measure(accounts, chain)
    assert list(gas) == list(gas_registry.TRANSACTIONS)
    # Version 1 writes the line's encoder hash too: one more new slot than a later version.
    assert gas["register version 1"] - gas["register version 2"] > 20_000
    table = gas_registry.render_markdown(gas)
    assert all(f"| {name} | {used:,} |" in table for name, used in gas.items())


def test_the_federated_report_has_every_write_and_each_challenge_fits(accounts, chain):
    gas = gas_federated.measure(accounts, chain, grid=[(5, 16)])
    assert list(gas["round"]) == list(gas_federated.TRANSACTIONS)
    assert all(0 < low <= high < 2**24 for low, high in gas["round"].values())
    assert [(r["rule"], r["n"], r["chunk"]) for r in gas["challenge"]] == [
        ("median", 5, 16),
        ("trimmed-mean", 5, 16),
    ]
    table = gas_federated.render_markdown(gas)
    assert table.count("\n| ") == 2 + len(gas["round"]) + len(gas["challenge"])
