"""`ape run federated` (ml/commands/federated.py) on the session's chain: create, join, a round
and the status in one go, and every user mistake in one line with no transaction sent."""

import json

import pytest
from click.testing import CliRunner
from helpers import fails_with

from ml.commands import federated
from ml.federated.line import advance


@pytest.fixture(scope="module")
def network(chain):
    return chain.provider.network_choice


@pytest.fixture(scope="module")
def run(network):
    """run(*args, ok=True) -> click Result of `ape run federated *args` on the session's chain."""

    def invoke(command, *args, ok: bool = True, code: int = 1):
        result = CliRunner().invoke(command, [*map(str, args), "--network", network])
        expected = 0 if ok else code
        assert result.exit_code == expected, (result.output, result.exception)
        return result

    return invoke


@pytest.fixture(scope="module")
def line(run, tmp_path_factory):
    """A tiny line: 4 hidden units over digits, the median, a quorum of 3."""
    where = tmp_path_factory.mktemp("federated")
    manifest = where / "federated.json"
    result = run(
        federated.cli,
        "create",
        "--hidden",
        4,
        "--validation",
        100,
        "--quorum",
        3,
        "--max-participants",
        8,
        "--out",
        manifest,
        "--store",
        where / "artifacts",
    )
    assert "architecture" in result.output and "deploy gas" in result.output
    return manifest


def test_create_join_round_status(run, accounts, line):
    manifest = json.loads(line.read_text())
    assert manifest["kind"] == "federated-line" and manifest["spec"]["rule"] == "median"
    assert manifest["spec"]["dimension"] == 4 * 65 + 10 * 5
    joined = run(federated.cli, "join", "--account", 2, "--deployment", line)
    assert "stake 1 ETH" in joined.output and "gas" in joined.output
    played = run(
        federated.cli,
        "round",
        "--members",
        "2,3,4,5",
        "--kinds",
        "honest,honest,honest,sign-flip",
        "--stragglers",
        "3",
        "--deployment",
        line,
    )
    out = played.output
    assert "Round 1: accepted; test accuracy" in out, out
    assert "slashed 0.5 ETH" in out  # the straggler
    assert "aggregator" in out and "credit 2 ETH" in out  # the bond back
    assert "challenged chunk none" in out and "postAggregate" in out and "settle" in out
    status = run(federated.cli, "status", "--deployment", line).output
    assert "median" in status and "4 members" in status
    assert "Round 1: settled, accepted" in status
    assert "round 1: accepted, model b" in status and "rewarded" in status
    assert "(not revealed)" in status and "Reputation:" in status


def test_bad_input_is_one_line(run, accounts, line, tmp_path, monkeypatch):
    out = tmp_path / "f.json"
    for args, message in [
        (("--rule", "mode"), "'mode' is not one of"),
        (("--quorum", 0), "0 is not in the range x>=1"),
        (("--commit-window", "soon"), "--commit-window"),
    ]:  # click's usage errors (exit 2)
        result = run(federated.cli, "create", *args, "--out", out, ok=False, code=2)
        assert message in result.output.strip().splitlines()[-1], result.output
        assert "Traceback" not in result.output
    for args, message in [  # found after parsing: one line, exit 1
        (("--rule", "trimmed-mean"), "trimmed-mean needs --trim"),
        (("--trim", 1), "median takes no --trim"),
        (("--rule", "krum", "--f", 1), "Krum: quorum >= 2 f + 3"),
    ]:
        fails_with(run, accounts, message, federated.cli, "create", *args, "--out", out)
    fails_with(
        run,
        accounts,
        "--quorum 9 is over --max-participants",
        federated.cli,
        "create",
        "--quorum",
        9,
        "--max-participants",
        8,
        "--out",
        out,
    )
    fails_with(
        run,
        accounts,
        "no federated-line manifest at",
        federated.cli,
        "join",
        "--deployment",
        tmp_path / "missing.json",
    )
    run(federated.cli, "join", "--account", 2, "--deployment", line)  # (each test starts afresh)
    fails_with(
        run, accounts, "AlreadyJoined", federated.cli, "join", "--account", 2, "--deployment", line
    )
    for args, message in [  # differential privacy out of range: one line, nothing sent
        (("--dp-clip", 0), "clip 0.0: give an L2 norm above 0"),
        (("--dp-clip", 1, "--dp-noise", -1), "noise multiplier -1.0: give a number from 0"),
        (("--dp-noise", 1), "noise multiplier 1.0 needs a clip"),
        (("--dp-clip", 1, "--dp-noise", 1, "--dp-delta", 2), "delta 2.0"),
    ]:
        for command in ("round", "commit"):
            fails_with(run, accounts, message, federated.cli, command, *args, "--deployment", line)
    monkeypatch.setattr(federated, "is_local", lambda provider: False)
    fails_with(
        run,
        accounts,
        "`round` simulates the participants on a local chain only",
        federated.cli,
        "round",
        "--deployment",
        line,
    )


def test_one_party_at_a_time(run, line):
    """A round by the one-party commands: the aggregator opens, three members commit their
    shard's update and reveal it, the aggregator posts, anyone settles."""
    terms = json.loads(line.read_text())["terms"]
    for member in (2, 3, 4):
        run(federated.cli, "join", "--account", member, "--deployment", line)
    assert "Round 1 open" in run(federated.cli, "post", "--open", "--deployment", line).output
    for k, member in enumerate((2, 3, 4)):
        args = ("--account", member, "--shard", f"{k}/3", "--deployment", line)
        if member == 4:  # with differential privacy: clipped and noised, the spend reported
            args += ("--dp-clip", 1, "--dp-noise", 0.01)
        committed = run(federated.cli, "commit", *args).output
        assert "Committed b" in committed
        assert ("Privacy spent once this update is revealed: epsilon" in committed) == (member == 4)
    saved = json.loads(next(line.parent.glob("*.pending-*.json")).read_text())
    assert "privacy" in saved
    # an update of the wrong shape, or out of range, or not a list of integers: one line
    bad, size = line.parent / "bad-update.json", 4 * 65 + 10 * 5
    for text, message in [
        ("[1, 2, 3]", f"a vector of this model has {size} coordinates, got 3"),
        (json.dumps([2**70] * size), "coordinate 0 is 1180591620717411303424"),
        ('{"not": "a list"}', "not a JSON list of integers"),
    ]:
        bad.write_text(text)
        args = ("--account", 5, "--update", bad, "--deployment", line)
        fails_with(run, [], message, federated.cli, "commit", *args)
    fails_with(  # a second commit of the round: the contract's error, in one line
        run, [], "AlreadyCommitted", federated.cli, "commit", "--account", 2, "--deployment", line
    )
    advance(terms["commit_window"])
    for member in (2, 3, 4):
        args = ("--account", member, "--deployment", line)
        assert "Revealed b" in run(federated.cli, "reveal", *args).output
    advance(terms["reveal_window"])
    assert "Posted round 1's model b" in run(federated.cli, "post", "--deployment", line).output
    checked = run(federated.cli, "challenge", "--account", 8, "--deployment", line).output
    assert "nothing to challenge" in checked
    advance(terms["challenge_window"])
    settled = run(federated.cli, "settle", "--deployment", line).output
    assert "Round 1 settled: accepted" in settled


def test_a_consistent_lie_is_challenged(run, accounts, chain, line):
    """The aggregator posts a model and aggregate that agree with each other but not with the
    rule: `challenge` finds the wrong chunk and voids the round."""
    from ml.federated.line import Posting, store_vector
    from ml.federated.vectors import ChunkedVector

    manifest = json.loads(line.read_text())
    terms = manifest["terms"]
    for member in (2, 3, 4):
        run(federated.cli, "join", "--account", member, "--deployment", line)
    run(federated.cli, "post", "--open", "--deployment", line)
    for k, member in enumerate((2, 3, 4)):
        run(federated.cli, "commit", "--account", member, "--shard", f"{k}/3", "--deployment", line)
    advance(terms["commit_window"])
    for member in (2, 3, 4):
        run(federated.cli, "reveal", "--account", member, "--deployment", line)
    advance(terms["reveal_window"])
    fails_with(  # nothing posted yet
        run, [], "round 1 is open", federated.cli, "challenge", "--deployment", line
    )
    lined = federated.open_line(manifest, chain.provider)
    honest = lined.compute(1, lambda vector: 0)
    values = list(honest.aggregate.values)
    values[0] += 1
    model = list(honest.model)
    model[0] += 1
    cid, _ = store_vector(lined.store, model, lined.spec.chunk_size)
    lie = Posting(model, cid, ChunkedVector.of(values, lined.spec.chunk_size), (), honest.weights)
    lined.post(accounts[1], 1, lie)
    caught = run(federated.cli, "challenge", "--account", 8, "--deployment", line).output
    assert "Chunk 0 of round 1's aggregate is wrong" in caught and "2 ETH credited" in caught
    assert lined.status(1) == "voided"


def test_a_round_with_differential_privacy(run, line):
    """Each member's trained update clipped and noised; the epsilon each has spent listed."""
    played = run(
        federated.cli,
        "round",
        "--members",
        "2,3,4",
        "--dp-clip",
        1.0,
        "--dp-noise",
        0.5,
        "--deployment",
        line,
    ).output
    assert "Round 1: accepted" in played, played
    assert "privacy spent (epsilon at delta 1e-05, per member):" in played
    assert played.count("after 1 updates") == 3
