"""Distillation end to end on the session's chain: a federated line trains two rounds, its
global model labels a deployment's initial part (`ape run deploy --teacher`), the on-chain model
answers as its mirror does, the published version's dataset manifest names the global model
and `verify --from-data` rebuilds the same labels; and a teacher of other data, or of a line
that has not trained, is refused in one line with nothing sent."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import fails_with

from ml import pipeline
from ml.artifacts.kinds import DatasetManifest
from ml.artifacts.store import EmbeddedStore
from ml.commands import deploy, federated, publish, verify
from ml.errors import InvalidDataset
from ml.federated.distill import Teacher, relabel
from ml.federated.mlp import predict
from ml.packing import encode_dense
from ml.provenance import read_version


@pytest.fixture(scope="module")
def run(chain):
    network = chain.provider.network_choice

    def invoke(command, *args, ok: bool = True):
        result = CliRunner().invoke(command, [*map(str, args), "--network", network])
        assert result.exit_code == (0 if ok else 1), (result.output, result.exception)
        return result

    return invoke


@pytest.fixture
def line(run, tmp_path):
    """A tiny digits line (8 hidden units, the median)."""
    manifest = tmp_path / "federated.json"
    store = tmp_path / "line-artifacts"
    run(
        federated.cli,
        "create",
        "--hidden",
        8,
        "--validation",
        100,
        "--out",
        manifest,
        "--store",
        store,
    )
    return manifest


def _train(run, line, rounds):
    for _ in range(rounds):
        run(federated.cli, "round", "--members", "2,3,4", "--deployment", line)


def test_a_distilled_deployment_is_labelled_by_the_global_model(run, line, tmp_path, project):
    _train(run, line, 2)
    out, store = tmp_path / "distilled.json", tmp_path / "store"
    deployed = run(
        deploy.cli,
        "--dataset",
        "digits",
        "--model",
        "nearest-centroid",
        "--teacher",
        line,
        "--out",
        out,
    ).output
    assert "after round 2 labels the initial part" in deployed, deployed
    manifest = json.loads(out.read_text())
    teacher = Teacher.from_dict(manifest["dataset"]["teacher"])
    line_manifest = json.loads(line.read_text())
    assert teacher.line == line_manifest["line"]["address"] and teacher.round == 2
    assert teacher.model.startswith("b")

    # The initial part carries the teacher's labels; the test part keeps the true ones.
    source = pipeline.Source(**manifest["dataset"])
    parts, plain = pipeline.load(source), pipeline._load(source)
    assert list(parts.y_initial) == list(predict(teacher.arch, teacher.parameters, parts.initial))
    assert list(parts.y_initial) != list(plain.y_initial)  # a two-round model errs
    assert list(parts.y_test) == list(plain.y_test)

    # The on-chain model is its mirror, trained on those labels.
    encoder = pipeline.make_encoder("dense", source, "nearest-centroid", None)
    encoded = pipeline.encode(encoder, parts)
    mirror = pipeline.train("nearest-centroid", encoded).mirror
    contract = project.NearestCentroid.at(manifest["model"]["address"])
    for sample in encoded.test[:40]:
        assert contract.predict(encode_dense(sample, 64)) == mirror.predict_fixed(sample)

    # Published: the version's dataset manifest names the global model and its round, and the
    # labels are rebuilt from the data by verify.
    run(publish.cli, "--deployment", out, "--store", store)
    manifest = json.loads(out.read_text())
    registry = project.ModelRegistry.at(manifest["registry"]["address"])
    version = read_version(registry, manifest["registry"]["line"], 1)
    published = DatasetManifest.from_bytes(EmbeddedStore(store).cat(version.cids["dataset"]))
    assert published.source["teacher"]["model"] == teacher.model
    assert published.source["teacher"]["round"] == 2
    checked = run(verify.cli, "--from-data", "--deployment", out, "--store", store).output
    assert "FAIL" not in checked and "All 10 checks passed" in checked, checked


def test_a_teacher_of_other_data_or_untrained_is_refused(run, line, tmp_path, accounts):
    out = tmp_path / "d.json"

    def refused(message, *args, teacher=line):
        fails_with(run, accounts, message, deploy.cli, *args, "--teacher", teacher, "--out", out)

    refused("has settled no round", "--dataset", "digits")
    _train(run, line, 1)
    refused("the teacher learnt digits (seed 0); the transfer set is wine", "--dataset", "wine")
    refused("(seed 0); the transfer set is digits (seed 1)", "--dataset", "digits", "--seed", 1)
    refused("no federated-line manifest at", "--dataset", "digits", teacher=tmp_path / "no.json")
    assert not out.exists()


def test_a_teacher_whose_parameters_are_not_its_model_is_refused():
    source = pipeline.Source("digits")
    parts = pipeline._load(source)
    arch = {"features": 64, "hidden": 2, "classes": 10}
    parameters = [0] * (2 * 65 + 10 * 3)
    teacher = {
        "dataset": "digits",
        "seed": 0,
        "line": "0x" + "00" * 20,
        "round": 1,
        "model": "bafkreiwrong",
        "chunk_size": 64,
        "architecture": arch,
        "parameters": parameters,
    }
    with pytest.raises(InvalidDataset, match="the teacher's parameters have CID b"):
        relabel(pipeline.Source("digits", teacher=teacher), parts)
    with pytest.raises(InvalidDataset, match="a teacher without parameters"):
        Teacher.from_dict({k: v for k, v in teacher.items() if k != "parameters"})
    assert np.all(parts.y_initial == pipeline.load(source).y_initial)  # no teacher: as before


def test_the_report_measures_global_distilled_and_direct_models():
    from ml.federated.distill import render_markdown, report

    rows = report("digits", rounds=1)
    assert [r.model for r in rows] == ["naive-bayes", "nearest-centroid"]
    for r in rows:
        assert r.transfer == 431 and 0 < r.teacher_agreement < 1
        assert 0.1 < r.distilled <= 1 and 0.5 < r.direct <= 1 and 0 < r.global_accuracy < 1
    table = render_markdown(rows, rounds=1)
    assert table.count("\n| digits |") == 2 and "(binary) | 431 |" in table
