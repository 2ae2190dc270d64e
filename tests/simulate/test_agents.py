"""Every kind of agent in one short run, and the run stopping when the chain disagrees with
the mirrors."""

from dataclasses import replace

import pytest

from ml import mechanisms
from ml.simulate import SimulationDiverged, embedded_anvil, load_preset, run_scenario
from ml.simulate.scenario import scenario_from_dict

EVERY_KIND = {
    "name": "every-kind",
    "days": 1.5,
    "refund_wait": "3h",
    "any_address_wait": "12h",
    "eval_interval": "6h",
    "check_interval": "12h",
    "gas_price_gwei": 1,
    "agents": [
        {"name": "honest", "kind": "honest", "interval": "10m"},
        {"name": "noisy", "kind": "noisy", "interval": "20m", "noise": 0.3},
        {"name": "flipper", "kind": "label-flip", "interval": "1h", "deposit": 100},
        {"name": "steerer", "kind": "judge-steer", "interval": "30m", "deposit": 100,
         "source": 3, "target": 8, "farm": 0.3},
        {"name": "copycat", "kind": "copycat", "interval": "1h", "copy_rate": 0.3},
        {"name": "sybil", "kind": "sybil", "interval": "30m", "addresses": 3},
        {"name": "free-rider", "kind": "free-rider", "interval": "1h"},
    ],
}  # fmt: skip


def _run(scenario):
    with embedded_anvil() as provider:
        return run_scenario(scenario, provider=provider)


@pytest.fixture(scope="module")
def report():
    return _run(scenario_from_dict(EVERY_KIND))


def test_every_agent_s_ether_is_what_it_withdrew_less_deposits_and_gas(report):
    for agent in report["agents"].values():
        change = agent["end_balance"] - agent["start_balance"]
        assert change == agent["withdrawn"] - agent["deposited"] - agent["fees"]
        assert agent["eth"]["fees"] == pytest.approx(agent["fees"] / 10**18)
    assert report["conservation"]["holds"]


def test_a_copycat_front_runs_and_its_victims_transactions_revert(report):
    agents = report["agents"]
    victims = sum(a["front_run"] for name, a in agents.items() if name != "copycat")
    assert agents["copycat"]["contributions"] == victims > 0
    assert report["gas"]["addData (reverted)"]["count"] == victims


def test_a_sybil_farming_known_data_gets_its_deposits_back_and_no_reputation(report):
    """It contributes only what the model already gets right: refunded on every address, but
    no contribution is informative, so farming earns no reputation."""
    sybil = report["agents"]["sybil"]
    assert len(sybil["addresses"]) == 3
    assert sybil["refunds"] >= 3 and 0 < sybil["refunded"] <= sybil["deposited"]
    assert sybil["reputation"] == 0


def test_attackers_and_free_riders_act_as_their_kind(report):
    agents = report["agents"]
    assert agents["steerer"]["contributions"] > 0 and agents["flipper"]["contributions"] > 0
    assert agents["noisy"]["contributions"] > 0
    free_rider = agents["free-rider"]
    assert free_rider["contributions"] == free_rider["refunds"] == 0
    assert free_rider["reputation"] == 0


def test_the_run_stops_when_the_chain_disagrees_with_the_mirror(monkeypatch):
    """A mirror asking one deposit unit too little: the contract refuses the contribution and
    the receipts' check says which transaction disagreed."""
    real = mechanisms.required_deposit
    monkeypatch.setattr(
        mechanisms, "required_deposit", lambda weight, seconds: real(weight, seconds) - 10**12
    )
    scenario = replace(load_preset("quick"), days=0.25)
    with pytest.raises(SimulationDiverged, match=r"addData 0x[0-9a-f]+ of \w+ at block"):
        _run(scenario)
