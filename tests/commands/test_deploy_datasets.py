"""`ape run deploy` on the bundled datasets the simulation also uses: the shipped SMS spam texts
(vocabulary encoder) and a sparse model on numeric data (the binary encoder)."""

import json

import pytest

from ml.commands import deploy


@pytest.mark.parametrize(
    "dataset, model, encoder, classes",
    [
        ("sms-spam", "sparse-perceptron", "vocabulary", ["ham", "spam"]),
        ("digits", "naive-bayes", "binary", [str(c) for c in range(10)]),
    ],
)
def test_deploy_a_bundled_dataset(run, tmp_path, dataset, model, encoder, classes):
    manifest_path = tmp_path / "deployment.json"
    out = run(deploy.cli, "--dataset", dataset, "--model", model, "--out", manifest_path).output
    assert f"({encoder} encoder" in out
    manifest = json.loads(manifest_path.read_text())
    assert manifest["encoder"]["spec"]["kind"] == encoder and manifest["class_names"] == classes
    assert manifest["model"]["kind"] == model and manifest["model"]["initial_accuracy"] > 0.8
