"""Prediction markets in the simulation, on the real contracts: the `market` preset (a provider
who reveals its hidden test set and scores, an honest agent, a label flipper) end to end with
every wei accounted for and the chain equal to the mirror; the provider who never reveals
(every contribution is paid its stake and a share of the pool); both backends transaction for
transaction; the claiming schedule during the window; and the scenario's market fields."""

import csv
from dataclasses import replace

import pytest

from ml import mechanisms
from ml.simulate import ScenarioError, embedded_anvil, load_preset, run_scenario
from ml.simulate.actions import Market
from ml.simulate.agents import Agent
from ml.simulate.data import load_data
from ml.simulate.ledger import Ledger
from ml.simulate.report import TIMING_KEYS
from ml.simulate.scenario import DAY, AgentSpec, scenario_from_dict
from ml.simulate.sweep import side_by_side

#: A transaction of the issue's bound: no reveal or scoring chunk may need more.
MAX_TX_GAS = 2**24


def _run(name, out, backend="revm"):
    with embedded_anvil() as provider:
        return run_scenario(load_preset(name), provider=provider, out=out, backend=backend)


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    out = tmp_path_factory.mktemp("market")
    return _run("market", out), out


@pytest.fixture(scope="module")
def no_reveal(tmp_path_factory):
    return _run("market-no-reveal", tmp_path_factory.mktemp("no-reveal"))


def test_a_market_runs_end_to_end_and_every_wei_is_accounted_for(market):
    report, _ = market
    m, agents = report["market"], report["agents"]
    assert m["phase"] == "settled"
    assert m["revealed"] == m["test_set_size"] == 50
    assert (
        m["scored"]
        == m["contributions"]
        == sum(agents[n]["contributions"] for n in ("honest", "attacker"))
    )
    provider = agents["provider"]
    assert provider["reveals"] == 2  # 50 leaves in chunks of 25
    steps = (m["contributions"] + 1) * (1 + m["test_set_size"]) - 1
    assert provider["evaluations"] == -(-steps // 35)  # the scoring in chunks of 35 steps
    # Everyone claimed and withdrew: the market holds nothing, and the agents' ether changes
    # are exactly the gas fees (the coinbase's gain), the provider's pool included.
    conservation = report["conservation"]
    assert conservation["holds"] and conservation["held_by_trainer"] == 0
    assert all(a["open_deposits"] == 0 and a["credit"] == 0 for a in agents.values())
    assert conservation["sum_of_balance_changes"] == -conservation["gas_fees"] < 0
    # Each contributor was paid what its scores give: its stakes less the forfeited ones, plus
    # its shares of the pool and of the forfeited stakes; the sum is what came in.
    paid = sum(a["refunded"] for n, a in agents.items() if n != "provider")
    staked = sum(a["deposited"] for n, a in agents.items() if n != "provider")
    assert paid == staked + m["reward"] - provider["refunded"]
    for name in ("honest", "attacker"):
        row = m["scores"][name]
        forfeited = row["negative"] * m["stake"]
        assert agents[name]["refunded"] >= agents[name]["deposited"] - forfeited
        assert agents[name]["reputation"] == row["points"]  # minted: the positive scores
    # The honest data improved the model on the hidden test set; the flipped labels did not.
    assert m["scores"]["honest"]["total"] > 0 and m["scores"]["attacker"]["total"] <= 0
    assert agents["attacker"]["end_balance"] < agents["attacker"]["start_balance"]
    assert agents["honest"]["eth"]["net_before_fees"] > 0
    # The chain equalled the mirrors at every check (the model, the cursor, the scores).
    assert report["model_checks"] and all(c["model_equal"] for c in report["model_checks"])


def test_every_reveal_and_scoring_chunk_is_well_under_the_transaction_bound(market):
    gas = market[0]["gas"]
    for operation in ("revealTestSet", "evaluate"):
        assert 0 < gas[operation]["max"] < MAX_TX_GAS // 2
    assert not any("(reverted)" in op for op in gas)


def test_the_market_report_lists_its_transactions(market):
    _, out = market
    with (out / "transactions.csv").open() as f:
        operations = {row["operation"] for row in csv.DictReader(f)}
    assert {"addData", "revealTestSet", "evaluate", "refund", "withdraw"} <= operations
    assert "The market ends settled" in (out / "summary.md").read_text()


def test_a_provider_who_never_reveals_pays_every_contribution_its_stake_and_a_share(no_reveal):
    m, agents = no_reveal["market"], no_reveal["agents"]
    assert m["phase"] == "forfeited" and m["revealed"] == 0 and m["scored"] == 0
    share = m["reward"] // m["contributions"]
    assert m["forfeit_share"] == share > 0
    for name in ("honest", "attacker"):
        a = agents[name]
        assert a["refunds"] == a["contributions"] > 0
        assert a["refunded"] == a["contributions"] * (m["stake"] + share)
        assert a["reputation"] == 0
    provider = agents["provider"]
    assert provider["forfeits"] + provider["reveals"] + provider["evaluations"] <= 1
    assert provider["refunded"] == m["reward"] - share * m["contributions"]
    conservation = no_reveal["conservation"]
    assert conservation["holds"] and conservation["held_by_trainer"] == 0


def test_the_market_gives_the_same_transactions_on_anvil_and_revm(market, tmp_path):
    report, out = market
    anvil = _run("market", tmp_path, backend="anvil")

    def rows(folder):
        with (folder / "transactions.csv").open() as f:
            return [{k: v for k, v in r.items() if k != "hash"} for r in csv.DictReader(f)]

    assert rows(tmp_path) == rows(out)
    assert anvil["agents"] == report["agents"] and anvil["market"] == report["market"]
    for r in (anvil, report):
        for row in r["accuracy"]:
            row.pop("last_tx")
    drop = {*TIMING_KEYS, "chain"}
    assert {k: v for k, v in anvil.items() if k not in drop} == {
        k: v for k, v in report.items() if k not in drop
    }


def test_every_agent_kind_takes_part_in_a_market():
    base = load_preset("market")
    others = (
        AgentSpec("noisy", "noisy", noise=0.3),
        AgentSpec("steerer", "judge-steer", interval=3600, source=3, target=8),
        AgentSpec("copycat", "copycat", copy_rate=0.3),
        AgentSpec("sybil", "sybil", interval=3600, addresses=3),
        AgentSpec("free-rider", "free-rider"),
    )
    with embedded_anvil() as provider:
        report = run_scenario(
            replace(base, agents=(*base.agents, *others)), provider=provider, backend="revm"
        )
    agents, m = report["agents"], report["market"]
    assert m["phase"] == "settled" and m["scored"] == m["contributions"]
    assert report["conservation"]["holds"] and report["conservation"]["held_by_trainer"] == 0
    for name in ("honest", "attacker", "noisy", "steerer", "copycat", "sybil"):
        a = agents[name]
        assert (
            a["contributions"] > 0
            and a["refunds"] == a["contributions"] - m["scores"][name]["negative"]
        )
    assert sum(a["front_run"] for a in agents.values()) > 0  # the copycat's victims reverted
    assert len(agents["sybil"]["addresses"]) == 3
    free = agents["free-rider"]
    assert free["end_balance"] == free["start_balance"] and free["contributions"] == 0


class _Chain:
    """Sends nothing: the claiming schedule alone is under test."""

    def send(self, *args):
        return "0x"


def test_the_agents_do_not_look_at_market_records_before_the_window_ends():
    scenario = load_preset("market")
    data = load_data(scenario)
    trainer = mechanisms.get("prediction-market").mirror(
        data.model,
        scenario.trainer_parameters(),
        deployed_at=0,
        test_set_size=scenario.market_test_size,
        reward=scenario.reward_wei,
        provider="0xprovider",
    )
    looks = []
    claimable = trainer.claimable
    trainer.claimable = lambda key, account, now: looks.append(now) or claimable(key, account, now)
    spec = scenario.agents[1]
    agent = Agent(spec, 1, 0, recheck=3600)
    ledger = Ledger(_Chain(), gas_price=0, start=0, agents=[agent.name])
    ledger.wallet[agent.addresses[0]] = 10**21
    market = Market(trainer, data, ledger, unit_wei=scenario.unit_wei, copycats=[])
    for now in range(3600, trainer.window_end, 600):  # a turn every 10 minutes in the window
        market.now = now
        agent.act(market)
    assert len(trainer.replay) > 50 and looks == []  # never during the window
    market.now = trainer.window_end
    agent.act(market)  # at the window's end each record is looked at once (nothing to claim)
    assert len(looks) == len(trainer.replay)
    assert not market.contribute(agent, agent.addresses[0], 0, data.pool_labels[0])
    market.now = trainer.window_end + 600
    agent.act(market)  # and not again before its recheck
    assert len(looks) == len(trainer.replay)


MARKET = {
    "name": "m",
    "days": 2,
    "mechanism": "prediction-market",
    "parameters": {"window": "1d", "reveal_window": "6h"},
    "reward": 100,
    "agents": [{"name": "p", "kind": "provider"}, {"name": "h", "kind": "honest"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reward": 0}, "reward: prediction-market needs a positive reward pool (units)"),
        ({"agents": [{"name": "h", "kind": "honest"}]}, "needs exactly one agent of kind provider"),
        (
            {"mechanism": "deposit-refund-take", "parameters": {}},
            "p: a provider needs a mechanism that takes a test set",
        ),
        ({"parameters": {"window": "30m"}}, "must exceed the 3600 s between the deployment"),
        ({"days": 1}, "days (1) must outlast the market's window and reveal window"),
        ({"stake": 0.0000001}, "stake must be a positive multiple of 1000000000000 wei"),
        ({"parameters": {"stake": 10}}, "parameters.stake: set it as a scenario setting instead"),
        ({"market_test_size": 2000}, "market_test_size: 2000 is outside [1, 1024]"),
        (
            {"agents": [{"name": "p", "kind": "provider", "reveals": "no"}]},
            "agents[0].reveals: expected true or false",
        ),
        ({"parameters": {"max_contributions": 5000}}, "max_contributions must be within 1 and"),
    ],
)
def test_bad_market_fields_are_one_line_errors(change, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({**MARKET, **change})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_test_set_too_large_for_the_pool_is_one_line():
    scenario = replace(scenario_from_dict(MARKET), dataset="iris", market_test_size=1000)
    with pytest.raises(ScenarioError, match=r"market_test_size \(1000\) must leave samples"):
        load_data(scenario)


def test_the_market_sweep_runs_both_mechanisms_and_only_markets_have_a_provider():
    sweep = load_preset("market-sweep")
    points = sweep.scenarios()
    assert {m for m, *_ in points} == {"deposit-refund-take", "prediction-market"}
    for mechanism, _, _, scenario in points:
        kinds = [a.kind for a in scenario.agents]
        assert ("provider" in kinds) == (mechanism == "prediction-market")
    assert load_preset("market").days * DAY > load_preset("market").trainer_parameters()["window"]


def test_a_sweep_over_mechanisms_sets_them_side_by_side():
    point = {
        "attack": "copycat",
        "share": 0.5,
        "attacker_percent": 110.0,
        "attacker_percent_with_open": 110.0,
        "honest_percent": 99.0,
        "honest_percent_with_open": 100.0,
        "accuracy_end": 0.856,
        "attacker_reputation": 27,
        "honest_reputation": 0,
    }
    points = [
        {**point, "mechanism": "deposit-refund-take", "attacker_score": None, "honest_score": None},
        {**point, "mechanism": "prediction-market", "attacker_score": 5, "honest_score": 0},
    ]
    header, rule, row = side_by_side(("deposit-refund-take", "prediction-market"), points)
    assert header.count("|") == rule.count("|") == row.count("|") == 10
    assert row == (
        "| copycat | 50% | 110.0 (110.0) | 99.0 (100.0) | 85.6% "
        "| 110.0 (110.0) | 99.0 (100.0) | 85.6% | +5 (27) / +0 (0) |"
    )
