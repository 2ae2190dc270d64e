"""Every user mistake the commands can meet gives one line (`Error: ...`, exit code 1) and
sends no transaction."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import fails_with

from ml.commands import claim, contribute, deploy, predict, status


@pytest.fixture(scope="module")
def text_deployment(tmp_path_factory, network):
    """Naive Bayes over the bundled reviews (vocabulary encoder)."""
    from click.testing import CliRunner

    path = tmp_path_factory.mktemp("text") / "deployment.json"
    args = ["--model", "naive-bayes", "--out", str(path), "--network", network]
    assert CliRunner().invoke(deploy.cli, args).exit_code == 0
    return path


@pytest.fixture(scope="module")
def vector_deployment(tmp_path_factory, network):
    """Nearest centroid over iris (4 numbers per sample)."""
    from click.testing import CliRunner

    path = tmp_path_factory.mktemp("vector") / "deployment.json"
    args = ["--model", "nearest-centroid", "--dataset", "iris", "--out", str(path)]
    assert CliRunner().invoke(deploy.cli, [*args, "--network", network]).exit_code == 0
    return path


def test_unknown_label(run, accounts, text_deployment):
    line = fails_with(
        run,
        accounts,
        "'happy' is not a class of this model",
        contribute.cli,
        "a fine film",
        "--label",
        "happy",
        "--deployment",
        text_deployment,
    )
    assert "negative, positive" in line


def test_text_with_no_known_token(run, accounts, text_deployment):
    fails_with(
        run,
        accounts,
        "no token in the vocabulary",
        contribute.cli,
        "zzyzx qwfp",
        "--label",
        "positive",
        "--deployment",
        text_deployment,
    )
    fails_with(
        run,
        accounts,
        "no token in the vocabulary",
        predict.cli,
        "zzyzx",
        "--deployment",
        text_deployment,
    )


def test_wrong_dimension(run, accounts, vector_deployment):
    fails_with(
        run,
        accounts,
        "wrong dimension: 2 values, the encoder takes 4",
        predict.cli,
        "1.0, 2.0",
        "--deployment",
        vector_deployment,
    )
    fails_with(
        run,
        accounts,
        "takes vectors of 4 numbers",
        contribute.cli,
        "1.0, two, 3, 4",
        "--label",
        "0",
        "--deployment",
        vector_deployment,
    )


def test_too_little_deposit(run, accounts, text_deployment):
    fails_with(
        run,
        accounts,
        "InsufficientDeposit(sent=5, required=",
        contribute.cli,
        "a fine film",
        "--label",
        "positive",
        "--deposit",
        5,
        "--deployment",
        text_deployment,
    )


def test_insufficient_balance(run, accounts, text_deployment):
    fails_with(
        run,
        accounts,
        "insufficient balance",
        contribute.cli,
        "a fine film",
        "--label",
        "positive",
        "--deposit",
        10**30,
        "--deployment",
        text_deployment,
    )


def test_unknown_contribution(run, accounts, text_deployment):
    fails_with(
        run,
        accounts,
        "UnknownContribution",
        claim.cli,
        "--text",
        "a fine film",
        "--label",
        "positive",
        "--deployment",
        text_deployment,
    )


def test_duplicate_contribution_is_refused_before_sending(run, accounts, text_deployment):
    args = ["a fine film", "--label", "positive", "--deployment", text_deployment]
    run(contribute.cli, *args)
    fails_with(run, accounts, "DuplicateContribution(id=0x", contribute.cli, *args)


def test_missing_or_broken_manifest(run, accounts, tmp_path):
    fails_with(
        run,
        accounts,
        "no deployment manifest at",
        status.cli,
        "--deployment",
        tmp_path / "none.json",
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    fails_with(run, accounts, "is not valid JSON", predict.cli, "x", "--deployment", broken)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"version": 1}))
    fails_with(
        run,
        accounts,
        "is not a version-1 deployment manifest",
        predict.cli,
        "x",
        "--deployment",
        other,
    )


def test_manifest_of_another_encoder_is_refused(run, accounts, text_deployment, tmp_path):
    manifest = json.loads(Path(text_deployment).read_text())
    manifest["encoder"]["spec"]["vocabulary"][0] = "tampered"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(manifest))
    fails_with(
        run,
        accounts,
        "is not the one the trainer recorded",
        predict.cli,
        "a fine film",
        "--deployment",
        tampered,
    )


def test_unknown_account_and_bad_options(run, accounts, text_deployment):
    fails_with(
        run,
        accounts,
        "no ape account named 'nobody'",
        contribute.cli,
        "a fine film",
        "--label",
        "positive",
        "--account",
        "nobody",
        "--deployment",
        text_deployment,
    )
    fails_with(
        run,
        accounts,
        "there are",
        contribute.cli,
        "a fine film",
        "--label",
        "positive",
        "--account",
        99,
        "--deployment",
        text_deployment,
    )
    fails_with(run, accounts, "neither a bundled dataset", deploy.cli, "--dataset", "no-such.csv")
    fails_with(
        run,
        accounts,
        "is binary and the data has 3 classes",
        deploy.cli,
        "--dataset",
        "iris",
        "--model",
        "dense-perceptron",
    )


def test_a_real_process_prints_one_line(tmp_path):
    """Through `ape run` itself: one line on stderr, no traceback, exit code 1."""
    ape = Path(sys.executable).with_name("ape")
    result = subprocess.run(
        [str(ape), "run", "predict", "x", "--deployment", str(tmp_path / "none.json")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=300,
    )
    assert result.returncode == 1, result
    assert result.stderr.strip().splitlines()[-1].startswith("Error: no deployment manifest")
    assert "Traceback" not in result.stderr + result.stdout


def test_mechanism_parameters_are_checked_before_anything_is_sent(run, accounts):
    fails_with(
        run,
        accounts,
        "--cost-weight does not apply to points (it takes --refund-wait",
        deploy.cli,
        "--mechanism",
        "points",
        "--cost-weight",
        5,
    )
    fails_with(
        run,
        accounts,
        "--refund-wait (120 s) must be shorter than --any-address-wait (120 s)",
        deploy.cli,
        "--refund-wait",
        "2m",
        "--any-address-wait",
        "2m",
    )
    fails_with(run, accounts, "--cost-weight must be positive", deploy.cli, "--cost-weight", 0)
