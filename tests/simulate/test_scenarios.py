"""Scenario files and the command line: every preset loads, and bad input is one clear line."""

import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from ml.artifacts.cid import Cid
from ml.artifacts.store import EmbeddedStore
from ml.incentives import required_deposit
from ml.simulate import ScenarioError, Sweep, load_preset, preset_names, scenario_from_dict
from ml.simulate.scenario import AGENT_KINDS, parse_duration

SCRIPT = Path(__file__).parents[2] / "scripts" / "simulate.py"
AGENT = {"name": "honest", "kind": "honest"}


@pytest.fixture(scope="module")
def cli():
    spec = importlib.util.spec_from_file_location("simulate_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_every_preset_loads():
    presets = {"quick", "quick-text", "reference", "reference-text", "sweep", "crowd", "gas-sweep"}
    assert presets <= set(preset_names())
    for name in preset_names():
        load_preset(name)
    reference = load_preset("reference")
    assert reference.days == 155 and [a.kind for a in reference.agents] == ["honest", "label-flip"]
    # 60 units / isqrt(seconds), the reference's cost weight 1: a unit an hour after an update.
    one_hour = required_deposit(reference.cost_weight, 3600)
    assert one_hour == pytest.approx(reference.unit_wei, rel=1e-3)
    # The text preset is the reference's scenario on the shipped SMS texts: only the data and the
    # model (its averaged perceptron) differ.
    text = load_preset("reference-text")
    data = {"dataset": "sms-spam", "encoder": "vocabulary", "features": 1000}
    model = "averaged-sparse-perceptron"
    assert text == replace(reference, name="reference-text", model=model, **data)
    sweep = load_preset("sweep")
    assert isinstance(sweep, Sweep)
    points = sweep.scenarios()
    assert len(points) == len(sweep.mechanisms) * len(sweep.attacks) * len(sweep.shares)


def test_a_sweep_gives_the_attacker_its_share_of_contributions():
    sweep = load_preset("sweep")
    assert sweep.mechanisms == ("deposit-refund-take", "points")
    for mechanism, kind, share, scenario in sweep.scenarios():
        assert scenario.mechanism == mechanism
        honest, attacker = scenario.agents
        assert attacker.kind == kind
        rate = 1 / attacker.interval
        assert rate / (rate + 1 / honest.interval) == pytest.approx(share, rel=0.01)


def test_the_gas_presets_the_gas_sweep_and_the_crowd():
    assert load_preset("reference-l1").gas_price_gwei == 2
    assert load_preset("reference-l2").gas_price_gwei == 0.005
    sweep = load_preset("gas-sweep")
    points = sweep.scenarios()
    assert [s.gas_price_gwei for *_, s in points] == list(sweep.gas_prices_gwei)
    assert len({s.name for *_, s in points}) == len(points)
    crowd = load_preset("crowd")
    assert len(crowd.agents) == 100 and crowd.days == 30
    # Every kind but a market's provider (the crowd runs Deposit-Refund-Take).
    assert {a.kind for a in crowd.agents} == set(AGENT_KINDS) - {"provider"}


def test_durations_are_the_commands_grammar():
    assert parse_duration("2w", "t") == 14 * 86_400 and parse_duration("1.5h", "t") == 5400


@pytest.mark.parametrize(
    "raw, message",
    [
        ([], "a scenario is a mapping"),
        ({"agents": []}, "non-empty list"),
        ({"agents": [{"name": "a", "kind": "saboteur"}]}, "kind 'saboteur' is not one of"),
        ({"agents": [AGENT], "speed": 3}, "unknown key(s) speed"),
        ({"agents": [AGENT], "refund_wait": "soon"}, "'soon' is not a duration"),
        ({"agents": [AGENT], "refund_wait": "10d"}, "must be shorter than any_address_wait"),
        ({"agents": [AGENT], "refund_wait": "9d"}, "must be shorter than any_address_wait"),
        ({"agents": [AGENT], "mechanism": "auction"}, "mechanism: 'auction' is not a mechanism"),
        ({"agents": [AGENT], "mechanism": 3}, "mechanism: 3 is not a mechanism; mechanisms:"),
        ({"agents": [AGENT], "deposit_after_1s": 0}, "deposit_after_1s (cost_weight) must be"),
        ({"agents": [AGENT], "parameters": {"speed": 1}}, "'speed' is not a mechanism parameter"),
        ({"agents": [AGENT], "parameters": {"refund_wait": 1}}, "as a scenario setting"),
        ({"agents": [AGENT], "parameters": {"commit_reveal_window": "1h"}}, "stays off (0)"),
        (
            {
                "agents": [AGENT, {"name": "attacker", "kind": "label-flip"}],
                "sweep": {"attacker": "attacker", "shares": [0.1], "mechanisms": ["lottery"]},
            },
            "sweep.mechanisms: 'lottery' is not a mechanism",
        ),
        ({"agents": [AGENT, AGENT]}, "agent names must be unique"),
        ({"agents": [{**AGENT, "noise": 2}]}, "agents[0].noise: 2 is outside"),
        ({"agents": [AGENT], "sweep": {"attacker": "x", "shares": [0.1]}}, "not one of the"),
        ({"agents": [AGENT], "refund_wait": "-1h"}, "refund_wait: '-1h' is not a duration"),
        (
            {
                "agents": [AGENT, {"name": "attacker", "kind": "label-flip"}],
                "sweep": {"attacker": "attacker", "shares": [0.1], "gas_prices_gwei": [-1]},
            },
            "sweep.gas_prices_gwei: -1 is outside",
        ),
        (
            {
                "agents": [AGENT, {"name": "attacker", "kind": "label-flip"}],
                "sweep": {"attacker": "attacker", "shares": [0.1], "gas_prices_gwei": 1},
            },
            "sweep.gas_prices_gwei: give a list",
        ),
    ],
)
def test_bad_scenarios_say_what_is_wrong(raw, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(raw)
    assert message in str(err.value)


def _usage_error(cli, args) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ")
    return line


def test_the_command_refuses_bad_input_in_one_line(cli, tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("agents: [unclosed\n")
    wrong_kind = tmp_path / "kind.yaml"
    wrong_kind.write_text("agents: [{name: a, kind: wizard}]\n")
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert "exactly one of --preset NAME or --config FILE" in _usage_error(cli, [])
    assert "unknown preset 'nope'; presets: crowd, gas-sweep, market" in _usage_error(
        cli, ["--preset", "nope"]
    )
    missing = _usage_error(cli, ["--config", str(tmp_path / "missing.yaml")])
    assert "cannot read" in missing
    assert "is not valid YAML" in _usage_error(cli, ["--config", str(bad_yaml)])
    assert "kind 'wizard' is not one of" in _usage_error(cli, ["--config", str(wrong_kind)])
    # An unknown mechanism: one line, and nothing runs (no output folder is made).
    auction = tmp_path / "auction.yaml"
    auction.write_text("mechanism: auction\nagents: [{name: a, kind: honest}]\n")
    never = tmp_path / "never"
    line = _usage_error(cli, ["--config", str(auction), "--out", str(never)])
    assert (
        "mechanism: 'auction' is not a mechanism; mechanisms: deposit-refund-take, points" in line
    )
    assert not never.exists()
    out = _usage_error(cli, ["--preset", "quick", "--out", str(a_file)])
    assert "exists and is not a directory" in out
    # Publishing: one run's report, to a store that answers; checked before anything runs.
    assert "--publish takes one run's report" in _usage_error(
        cli, ["--preset", "sweep", "--publish"]
    )
    unpublished = tmp_path / "unpublished"
    no_node = ["--preset", "quick", "--publish", "--ipfs", "http://127.0.0.1:9"]
    assert "no IPFS node answers at" in _usage_error(cli, [*no_node, "--out", str(unpublished)])
    assert not unpublished.exists()


def test_the_package_docstring_example_runs():
    import doctest

    import ml.simulate

    result = doctest.testmod(ml.simulate)
    assert result.attempted > 0 and result.failed == 0


def test_the_command_publishes_a_run_to_the_store(cli, tmp_path):
    out, store = tmp_path / "run", tmp_path / "store"
    args = ["--preset", "quick", "--out", str(out), "--publish", "--store", str(store)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    cids = json.loads((out / "published.json").read_text())
    assert list(cids) == ["report.json", "transactions.csv"]
    for name, cid in cids.items():
        assert f"published {name}: {cid}" in result.output
        assert EmbeddedStore(store).cat(Cid.parse(cid)) == (out / name).read_bytes()
