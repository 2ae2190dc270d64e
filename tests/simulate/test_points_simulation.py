"""The simulation under Points (`mechanism: points`): no deposits, so ether moves only as gas;
every refund an agent claims is of an informative contribution and earns REFUND_POINTS; the
label flipper earns only where its wrong label convinced the model (far less than the honest
agent), and a sybil farming data the model already gets right earns nothing."""

import pytest

from ml.incentives import REFUND_POINTS
from ml.simulate import embedded_anvil, run_scenario, scenario_from_dict

POINTS = {
    "name": "points",
    "mechanism": "points",
    "days": 1,
    "refund_wait": "3h",
    "eval_interval": "6h",
    "check_interval": "12h",
    "gas_price_gwei": 1,
    "agents": [
        {"name": "honest", "kind": "honest", "interval": "10m"},
        {"name": "attacker", "kind": "label-flip", "interval": "1h"},
        {"name": "sybil", "kind": "sybil", "interval": "30m", "addresses": 2},
    ],
}


@pytest.fixture(scope="module")
def report():
    with embedded_anvil() as provider:
        return run_scenario(scenario_from_dict(POINTS), provider=provider)


def test_nothing_is_deposited_and_ether_moves_only_as_gas(report):
    assert report["scenario"]["mechanism"] == "points"
    for agent in report["agents"].values():
        assert agent["deposited"] == agent["refunded"] == agent["taken"] == 0
        assert agent["open_deposits"] == agent["credit"] == 0
        assert agent["end_balance"] == agent["start_balance"] - agent["fees"]
    assert report["conservation"]["holds"] and report["conservation"]["held_by_trainer"] == 0


def test_only_informative_refunds_earn_points(report):
    agents = report["agents"]
    honest = agents["honest"]
    assert honest["contributions"] > 0 and honest["refunds"] > 0
    for agent in agents.values():  # agents claim only what pays: informative refunds
        assert agent["reputation"] == REFUND_POINTS * agent["refunds"]
    attacker = agents["attacker"]
    assert attacker["contributions"] > 0
    assert attacker["refunds"] < attacker["contributions"] / 2
    assert attacker["reputation"] < honest["reputation"] / 2
    assert agents["sybil"]["contributions"] > 0 and agents["sybil"]["reputation"] == 0
    assert report["counts"]["takes"] == 0  # a report pays nothing, so no one sends one
    assert all(check["model_equal"] for check in report["model_checks"])
