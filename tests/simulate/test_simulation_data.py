"""The simulation's data comes from the deploy pipeline (`ml.pipeline`): any bundled dataset or
labelled-text CSV, any encoder that fits the model, every model kind; and every bad value is
one line (ScenarioError), found before a chain starts (`ape run simulate` in a subprocess)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ml import pipeline
from ml.models import MODELS
from ml.simulate import ScenarioError, load_preset, scenario_from_dict
from ml.simulate.data import load_data, source

ROOT = Path(__file__).parents[2]
AGENTS = [{"name": "honest", "kind": "honest"}, {"name": "attacker", "kind": "label-flip"}]


def _scenario(**settings):
    return scenario_from_dict({"agents": AGENTS, "days": 1, **settings})


def _csv(path: Path, rows) -> Path:
    path.write_text("message,verdict\n" + "".join(f"{t},{label}\n" for t, label in rows))
    return path


@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_kind_simulates_on_numeric_data(model):
    # Breast cancer has two classes, so the binary perceptrons take it too: sparse models
    # through the binary encoder, dense ones through the dense encoder.
    data = load_data(_scenario(dataset="breast-cancer", model=model))
    # (the multi-class perceptron on two classes trains as the binary one: ml.training)
    assert data.model.sparse == MODELS[model].sparse and data.num_classes == 2
    assert len(data.pool) == len(data.pool_samples) == len(data.pool_labels) > 100
    assert len(data.test_samples) == len(data.test_labels) > 50
    assert 0.5 < data.full_data_accuracy <= 1


def test_sparse_models_take_the_digits_binarised():
    data = load_data(_scenario(dataset="digits", model="multiclass-sparse-perceptron"))
    assert data.num_classes == 10 and data.model.num_features == 64
    assert all(s == sorted(s) and s for s in data.pool_samples)  # present pixels
    assert data.full_data_accuracy > 0.8


def test_the_shipped_sms_data_with_the_averaged_binary_perceptron():
    scenario = load_preset("quick-text")
    data = load_data(scenario)
    assert (scenario.dataset, scenario.model) == ("sms-spam", "averaged-sparse-perceptron")
    assert data.model.num_features == 1000 and data.model.classes_ == ["ham", "spam"]
    assert data.initial_size == 444 and len(data.pool) == 4000 and len(data.test_labels) == 1111
    assert data.full_data_accuracy > 0.95


def test_the_simulation_s_model_is_the_one_deploy_trains():
    scenario = load_preset("quick-text")
    encoder = pipeline.make_encoder("vocabulary", source(scenario), scenario.model, 1000)
    encoded = pipeline.encode(encoder, pipeline.load(source(scenario)))
    trained = pipeline.train(scenario.model, encoded, seed=scenario.seed)
    data = load_data(scenario)
    assert data.model.state() == trained.mirror.state()
    assert data.pool_samples == encoded.train and data.test_samples == encoded.test


def test_a_csv_of_the_user_s_with_its_columns_relative_to_the_scenario_file(tmp_path):
    rows = [(f"cheap pills offer {i}", "spam") for i in range(20)]
    rows += [(f"see you at lunch {i}", "ham") for i in range(20)]
    _csv(tmp_path / "texts.csv", rows)
    config = tmp_path / "mine.yaml"
    config.write_text(
        "dataset: texts.csv\ntext_column: message\nlabel_column: verdict\n"
        "model: sparse-perceptron\nencoder: hashing\nfeatures: 256\ninitial_share: 0.2\n"
        "agents: [{name: honest, kind: honest}]\n"
    )
    from ml.simulate import load_scenario

    scenario = load_scenario(config)
    assert scenario.dataset == str(tmp_path / "texts.csv")
    data = load_data(scenario)
    assert data.model.num_features == 256 and data.model.classes_ == ["ham", "spam"]
    assert data.full_data_accuracy == 1.0


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"dataset": "imdb"}, "dataset: 'imdb' is neither a bundled dataset (reviews, sms-spam"),
        ({"model": "forest"}, "model: 'forest' is not one of sparse-perceptron"),
        ({"encoder": "bert"}, "encoder: 'bert' is not one of vocabulary, hashing, embedding"),
        ({"features": 0}, "features: 0 is outside"),
        ({"text_column": 3}, "text_column: expected a column name"),
    ],
)
def test_bad_settings_are_refused_when_the_scenario_loads(settings, message):
    with pytest.raises(ScenarioError) as err:
        _scenario(**settings)
    assert message in str(err.value)


def _one_class(tmp_path) -> str:
    return str(_csv(tmp_path / "one.csv", [(f"hello {i}", "ham") for i in range(10)]))


@pytest.mark.parametrize(
    "settings, message",
    [
        (
            {"dataset": "sms-spam", "text_column": "body"},
            "has no column 'body'; its columns are ['text', 'label']",
        ),
        ({"dataset": "one-class"}, "has 1 class(es); at least 2 are needed"),
        (
            {"dataset": "sms-spam", "model": "sparse-perceptron", "encoder": "embedding"},
            "sparse-perceptron takes sparse samples: use the vocabulary encoder",
        ),
        (
            {"dataset": "sms-spam", "model": "nearest-centroid", "encoder": "vocabulary"},
            "nearest-centroid takes dense vectors: use the embedding encoder",
        ),
        ({"dataset": "sms-spam", "encoder": "dense"}, "the dense encoder takes vectors"),
        ({"dataset": "digits", "encoder": "vocabulary"}, "the vocabulary encoder takes texts"),
        (
            {"dataset": "digits", "model": "sparse-perceptron"},
            "sparse-perceptron is binary and the data has 10 classes",
        ),
        (
            {"dataset": "sms-spam", "model": "naive-bayes", "encoder": "binary"},
            "the binary encoder takes vectors",
        ),
        (
            {"dataset": "sms-spam", "model": "nearest-centroid", "features": 1000},
            "features: dimensions must be in [1, 384]",
        ),
    ],
)
def test_data_that_does_not_fit_is_one_line(tmp_path, settings, message):
    if settings["dataset"] == "one-class":
        settings = {**settings, "dataset": _one_class(tmp_path)}
    with pytest.raises(ScenarioError) as err:
        load_data(_scenario(**settings))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_judge_steer_classes_must_be_the_data_s():
    agents = [{"name": "steer", "kind": "judge-steer", "source": 0, "target": 2}]
    scenario = scenario_from_dict({"agents": agents, "days": 1, "dataset": "sms-spam"})
    with pytest.raises(ScenarioError, match=r"steer: source and target must be classes .*0 to 1"):
        load_data(scenario)


def test_a_sweep_s_judge_steer_points_are_checked_against_the_data():
    attacker = {"name": "attacker", "kind": "label-flip", "source": 3, "target": 8}
    sweep = scenario_from_dict(
        {
            "agents": [AGENTS[0], attacker],
            "days": 1,
            "dataset": "sms-spam",
            "sweep": {"attacker": "attacker", "attacks": ["judge-steer"], "shares": [0.2]},
        }
    )
    with pytest.raises(ScenarioError, match="attacker: source and target must be classes"):
        load_data(sweep)


def _simulate(*args) -> subprocess.CompletedProcess:
    ape = Path(sys.executable).parent / "ape"
    return subprocess.run(
        [str(ape), "run", "simulate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=300,
    )


def test_the_command_refuses_bad_data_in_one_line_and_starts_no_chain(tmp_path):
    unknown_column = tmp_path / "column.yaml"
    unknown_column.write_text(
        "dataset: sms-spam\ntext_column: body\nagents: [{name: a, kind: honest}]\n"
    )
    one_class = tmp_path / "one.yaml"
    _one_class(tmp_path)
    one_class.write_text("dataset: one.csv\nagents: [{name: a, kind: honest}]\n")
    for config, message in [
        (unknown_column, "has no column 'body'"),
        (one_class, "has 1 class(es); at least 2 are needed"),
    ]:
        out = tmp_path / f"out-{config.stem}"
        result = _simulate("--config", str(config), "--out", str(out))
        assert result.returncode != 0
        assert "Traceback" not in result.stderr + result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
        assert not out.exists()  # nothing ran: the output folder is made after every check
