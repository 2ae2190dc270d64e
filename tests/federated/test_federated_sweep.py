"""The sweep's points, their table and plot, on a one-round slice (the full sweep is
`make federated-sweep`), the money settled as the contract settles it, and the command's
refusal of bad input in one line."""

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from ml.datasets import digits
from ml.federated.mlp import Architecture
from ml.federated.rounds import Data, Round
from ml.federated.sweep import (
    ETH,
    TERMS,
    Point,
    breaking_share,
    money,
    plot,
    plot_privacy,
    privacy_sweep,
    render_markdown,
    render_privacy_markdown,
    sweep,
)

SCRIPT = Path(__file__).parents[2] / "scripts" / "federated_sweep.py"


@pytest.fixture(scope="module")
def cli():
    spec = importlib.util.spec_from_file_location("federated_sweep_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_a_slice_of_the_sweep_measures_each_point(tmp_path):
    data = Data.of(digits(seed=0), validation=200)
    arch = Architecture(features=64, hidden=8, classes=10)
    points = sweep(
        arch, data, rounds=2, rules=("mean", "krum"), attacks=("sign-flip",), shares=(0.1, 0.5)
    )
    assert [(p.rule, p.attack, p.share) for p in points] == [
        ("mean", "sign-flip", 0.1),
        ("mean", "sign-flip", 0.5),
        ("krum", "sign-flip", 0.1),
        ("krum", "sign-flip", 0.5),
    ]
    assert points[1].accuracy < points[0].clean and 0 <= points[1].attackers_weight <= 1
    # the money: the pool is funded with a reward a round, so every round pays it in full;
    # nobody is slashed: everyone reveals, and what Krum leaves out is a selection, not a fault
    for p in points:
        assert p.attackers_rewards + p.honest_rewards == 2 * TERMS.reward_per_round
        assert p.attackers_slashed == p.honest_slashed == 0
        assert p.attackers_net + p.honest_net == p.clean_net == 2 * ETH
    table = render_markdown(points, rounds=2)
    assert "| mean | sign-flip |" in table and table.count("\n| mean") == 2  # both tables
    assert "| krum | sign-flip | +0.20 |" in table  # 2 ETH paid over 10 participants
    plot(points, tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 10_000


def test_money_settles_each_round_as_the_contract_does():
    # participants 0-3, 3 the attacker; round 1 keeps 0, 1, 3 (3 weighs 0), round 2 keeps 0-2
    result = [
        Round(1, 0.5, (0, 1, 3), {0: 2, 1: 1, 3: 0}),
        Round(2, 0.6, (0, 1, 2), {0: 1, 1: 1, 2: 1}),
    ]
    third = ETH // 3  # 2:1 leaves a wei to 0, 1:1:1 one more: 0 gets 3 thirds and 2 wei
    coordinatewise = money(result, "median", participants=4)
    assert coordinatewise.slashed == dict.fromkeys(range(4), 0)
    assert coordinatewise.rewards == {0: 3 * third + 2, 1: 2 * third, 2: third, 3: 0}
    assert coordinatewise.pool == 0
    selecting = money(result, "multi-krum", participants=4)
    assert selecting.rewards == coordinatewise.rewards
    assert selecting.slashed == dict.fromkeys(range(4), 0)  # left out, not slashed
    assert selecting.pool == 0
    stragglers = [Round(1, 0.5, (0, 1), {0: 1, 1: 1}, revealed=(0, 1, 3))]
    straggled = money(stragglers, "median", participants=4)
    assert straggled.slashed == {0: 0, 1: 0, 2: ETH // 2, 3: 0}  # 2 did not reveal
    assert straggled.rewards == {0: ETH // 2, 1: ETH // 2, 2: 0, 3: 0}
    assert straggled.pool == ETH // 2  # the straggler's slash waits for the next round
    failed = [Round(1, 0.5, (), {}, revealed=(0, 1), accepted=False)]  # too few for the rule
    unpaid = money(failed, "krum", participants=4)
    assert unpaid.rewards == dict.fromkeys(range(4), 0)
    assert unpaid.slashed == {0: 0, 1: 0, 2: ETH // 2, 3: ETH // 2}
    assert unpaid.pool == 2 * ETH


@pytest.mark.parametrize(("drops", "breaks"), [((0.0, 0.05, 0.2), 0.3), ((0.0, 0.08, 0.05), None)])
def test_a_rule_breaks_at_the_first_share_losing_more_than_the_margin(drops, breaks):
    points = [
        Point("median", "ipm", s, 0.9 - d, 0.9, 0.0)
        for s, d in zip((0.1, 0.2, 0.3), drops, strict=True)
    ]
    assert breaking_share(points, "median", "ipm") == breaks


def _error_line(cli, args, exit_code: int) -> str:
    """The one `Error: ...` line of a refused command line (click adds its usage to a usage
    error, exit code 2; a mistake found after parsing is the line alone, exit code 1)."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == exit_code, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert result.output.rstrip().endswith(line)
    return line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "Invalid value for '--rounds': 0 is not in the range x>=1"),
        (["--rounds", "two"], "Invalid value for '--rounds': 'two' is not a valid integer"),
        (["--seed", "1.5"], "Invalid value for '--seed': '1.5' is not a valid integer"),
    ],
)
def test_the_command_refuses_bad_options_in_one_line(cli, tmp_path, args, message):
    out = tmp_path / "never"
    assert message in _error_line(cli, [*args, "--out", str(out)], exit_code=2)
    assert not out.exists()


def test_an_out_that_is_a_file_is_one_line(cli, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert "File exists" in _error_line(cli, ["--out", str(a_file)], exit_code=1)


def test_the_privacy_trade_off_measures_accuracy_against_epsilon(tmp_path):
    data = Data.of(digits(seed=0), validation=200)
    arch = Architecture(features=64, hidden=8, classes=10)
    points = privacy_sweep(arch, data, rounds=2, rules=("mean",), noises=(0.0, 0.1, 1.0))
    assert [p.noise_multiplier for p in points] == [0.0, 0.1, 1.0]
    assert points[0].epsilon == float("inf") and points[1].epsilon > points[2].epsilon > 0
    assert points[2].accuracy < points[0].clean  # this much noise costs accuracy
    table = render_privacy_markdown(points, rounds=2)
    assert "| noise multiplier | epsilon | mean |" in table
    assert "| 0 | inf (clipping only) |" in table and "| 1 | " in table
    plot_privacy(points, tmp_path / "privacy.png")
    assert (tmp_path / "privacy.png").stat().st_size > 10_000
