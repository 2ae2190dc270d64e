"""Federated rounds on Flower in real processes over loopback (ml/federated/flower.py): the
test starts an anvil, a Flower SuperLink and three SuperNodes, runs two rounds of a line with
`ape run federated flower`, and stops them. Each round's global model is the Python loop's
(`ape run federated round` on an identical line) bit for bit, and Flower's simulation runtime
gives the same models; a straggler's round slashes it and reports each member's privacy spent;
bad input is one line with nothing run."""

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ml.chain.local import MNEMONIC, launch
from ml.commands import federated
from ml.commands.common import MANIFEST_KINDS, MANIFEST_VERSION
from ml.federated.flower import local_federation

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
MEMBERS = (2, 3, 4)  # the test accounts of partitions 0, 1, 2


def _loopback() -> bool:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _loopback(), reason="this platform cannot open loopback sockets"
)


@pytest.fixture(scope="module")
def anvil():
    process, uri = launch(["--mnemonic", MNEMONIC, "--hardfork", "prague"], detach=True)
    try:
        yield uri
    finally:
        process.terminate()
        process.wait(timeout=30)


def ape_run(uri, *args, ok=True):
    """`ape run ARGS` against the test's anvil, in a process of its own."""
    done = subprocess.run(
        [str(BIN / "ape"), "run", *map(str, args), "--network", "ethereum:local:foundry"],
        cwd=ROOT,
        env={**os.environ, "APE_FOUNDRY_HOST": uri},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done.stdout


def _create(uri, where: Path, name: str) -> Path:
    manifest = where / f"{name}.json"
    # a quorum of 2 of the 3 members: a round with one straggler is still accepted
    ape_run(
        uri,
        "federated",
        "create",
        "--hidden",
        8,
        "--validation",
        100,
        "--quorum",
        2,
        "--out",
        manifest,
        "--store",
        where / "artifacts",
    )
    return manifest


def test_two_rounds_on_flower_equal_the_python_loop_then_a_straggler(anvil, tmp_path):
    flowered = _create(anvil, tmp_path, "flower-line")
    looped = _create(anvil, tmp_path, "loop-line")
    report = tmp_path / "report.json"
    with local_federation(tmp_path, MEMBERS, chain=anvil) as (superlink, _processes):
        common = ("--deployment", flowered, "--superlink", superlink, "--min-nodes", len(MEMBERS))
        ape_run(anvil, "federated", "flower", *common, "--rounds", 2, "--out", report)
        rounds = json.loads(report.read_text())
        assert [r["outcome"] for r in rounds] == ["accepted", "accepted"]
        assert all(r["committed"] == r["revealed"] == [0, 1, 2] for r in rounds)
        assert all(len(r["gas"]["commit"]) == 3 and r["gas"]["settle"] > 0 for r in rounds)

        # The same line played by the Python loop: the same global model, bit for bit.
        members = ",".join(map(str, MEMBERS))
        for r in rounds:
            out = ape_run(anvil, "federated", "round", "--members", members, "--deployment", looped)
            [cid] = re.findall(r"global model (\S+)", out)
            assert cid == r["model_cid"], (cid, r)

        # A third round in which partition 2 commits and never reveals, under differential
        # privacy: the round goes on, the straggler is slashed, each member's epsilon reported.
        straggled = tmp_path / "straggled.json"
        ape_run(
            anvil,
            "federated",
            "flower",
            *common,
            "--rounds",
            1,
            "--stragglers",
            "2",
            "--dp-clip",
            1.0,
            "--dp-noise",
            1.0,
            "--out",
            straggled,
        )
    # The same rounds in Flower's simulation runtime (Ray workers, no SuperNodes): the same
    # models again.
    simulated, sim_report = _create(anvil, tmp_path, "simulated-line"), tmp_path / "sim.json"
    ape_run(
        anvil,
        "federated",
        "flower",
        "--deployment",
        simulated,
        "--simulation",
        len(MEMBERS),
        "--rounds",
        2,
        "--out",
        sim_report,
    )
    assert [r["model_cid"] for r in json.loads(sim_report.read_text())] == [
        r["model_cid"] for r in rounds
    ]

    [third] = json.loads(straggled.read_text())
    assert third["round"] == 3 and third["outcome"] == "accepted"
    assert third["committed"] == [0, 1, 2] and third["revealed"] == [0, 1]
    assert set(third["epsilon"]) == {"0", "1", "2"} and all(
        e > 0 for e in third["epsilon"].values()
    )
    status = ape_run(anvil, "federated", "status", "--deployment", flowered)
    assert "round 3: accepted" in status and "(not revealed)" in status, status


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "give --superlink HOST:PORT (a running SuperLink) or --simulation N"),
        (("--superlink", "127.0.0.1:1", "--simulation", 2), "give --superlink HOST:PORT"),
        (("--simulation", 2, "--accounts", "2"), "'2': give 2 accounts"),
        (("--superlink", "127.0.0.1:1"), "no Flower SuperLink answers at 127.0.0.1:1"),
        (("--superlink", "127.0.0.1:1", "--dp-clip", 0), "clip 0.0: give an L2 norm above 0"),
        (("--simulation", 2, "--dp-noise", 1), "noise multiplier 1.0 needs a clip"),
    ],
)
def test_bad_input_is_one_line_and_runs_nothing(tmp_path, args, message):
    required, _writer = MANIFEST_KINDS[federated.KIND]  # a well-formed manifest, no chain
    fields = {"kind": federated.KIND, "version": MANIFEST_VERSION, **dict.fromkeys(required, {})}
    manifest = tmp_path / "federated.json"
    manifest.write_text(json.dumps(fields))
    result = CliRunner().invoke(federated.cli, ["flower", "--deployment", str(manifest), *args])
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: ") and message in last, result.output
    assert "Traceback" not in result.output


def test_a_missing_manifest_is_one_line(tmp_path):
    result = CliRunner().invoke(
        federated.cli, ["flower", "--simulation", "2", "--deployment", str(tmp_path / "none.json")]
    )
    assert result.exit_code == 1 and "no federated-line manifest at" in result.output
