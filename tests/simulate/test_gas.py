"""Gas is part of the outcome: at a non-zero gas price every wei stays accounted for on the
chain (the agents' ether, the trainer's and the fees the block's producer received), each
agent's report gives its fees and its net with and without them, and a sweep over the gas
price shows the honest agent's net falling by its fees."""

from dataclasses import replace

import pytest
from web3 import Web3

from ml.simulate import embedded_anvil, load_preset, run_scenario, run_sweep

GWEI = 3


@pytest.fixture(scope="module")
def run():
    """One day of `quick` at 3 gwei, and the agents' and the trainer's ether on the chain at
    its end (anvil keeps no older state)."""
    scenario = replace(load_preset("quick"), days=1, gas_price_gwei=GWEI)
    with embedded_anvil() as provider:
        report = run_scenario(scenario, provider=provider)
        w3 = provider.web3
        ether = {
            a: w3.eth.get_balance(Web3.to_checksum_address(a))
            for agent in report["agents"].values()
            for a in (*agent["addresses"], report["chain"]["trainer"])
        }
    return report, ether


def test_all_ether_is_conserved_to_the_wei_with_a_gas_price(run):
    """What the agents were given = what they and the trainer hold at the end + what the fee
    recipient received, every figure read from the chain."""
    report, ether = run
    conservation = report["conservation"]
    given = sum(a["start_balance"] for a in report["agents"].values())
    received = conservation["coinbase_received"]
    assert received == conservation["gas_fees"] > 0
    assert given == sum(ether.values()) + received
    assert ether[report["chain"]["trainer"]] == conservation["held_by_trainer"]
    assert conservation["holds"]


def test_every_agent_s_fees_and_net_are_at_the_scenario_s_gas_price(run):
    report, ether = run
    for agent in report["agents"].values():
        assert agent["end_balance"] == sum(ether[a] for a in agent["addresses"])
        assert agent["fees"] == GWEI * 10**9 * agent["gas_used"] > 0
        net = agent["end_balance"] + agent["credit"] - agent["start_balance"]
        assert net == agent["refunded"] + agent["taken"] - agent["deposited"] - agent["fees"]
        eth = agent["eth"]
        assert eth["net"] == pytest.approx(net / 10**18)
        assert eth["net_before_fees"] - eth["fees"] == pytest.approx(eth["net"])
        assert eth["fees"] == pytest.approx(agent["fees"] / 10**18)


def test_a_gas_price_sweep_gives_the_honest_net_after_gas(tmp_path, tiny_sweep):
    scenario = tiny_sweep("gas", attacks=["label-flip"], shares=[0.14], gas_prices_gwei=[0, 2])
    free, priced = run_sweep(scenario, out=tmp_path)
    assert (free["gas_price_gwei"], priced["gas_price_gwei"]) == (0, 2)
    assert free["honest_fees_eth"] == 0 < priced["honest_fees_eth"]
    for p in (free, priced):
        assert p["honest_net_eth"] == pytest.approx(
            p["honest_net_before_fees_eth"] - p["honest_fees_eth"]
        )
    assert priced["honest_net_eth"] < free["honest_net_eth"]
    assert (tmp_path / "gas-deposit-refund-take-label-flip-14-2gwei" / "report.json").exists()
    assert "| honest gas (ETH) | honest net (ETH) |" in (tmp_path / "summary.md").read_text()
    assert (tmp_path / "gas.png").exists()
