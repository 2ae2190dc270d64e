"""Distillation: a federated line's global model (a torch MLP trained off chain, too large for
the chain) teaches the small on-chain model, which then goes on learning from individual
contributions under the incentives.

The teacher labels the transfer set (a deployment's initial part: the inputs an on-chain model
starts from) and the on-chain model is trained on those labels by the ordinary path
(`ml.pipeline.train`, `ml.training`). A teacher travels inside the deployment's data source
(`ml.pipeline.Source.teacher`): the line, the round, the global model's CID and its parameters,
so that anyone rebuilding the data (status, publish, verify --from-data) gets the same labels
and the dataset manifest (and a registered version) names the global model it came from. The
parameters are carried, not fetched, so that no store is needed to rebuild the labels; `check`
proves them against the CID.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.errors import InvalidDataset

TEACHER_FIELDS = ("dataset", "seed", "line", "round", "model", "chunk_size", "architecture")


@dataclass(frozen=True)
class Teacher:
    """A global model that labels inputs of its line's dataset."""

    dataset: str  # the line's dataset (a numeric one: the MLP takes its raw features)
    seed: int  # the line's split
    line: str  # the line's address
    round: int  # the last settled round: the global model is that round's
    model: str  # the global model's CID
    chunk_size: int
    architecture: dict  # ml.federated.mlp.Architecture's fields
    parameters: list[int]  # the global model, fixed point

    @classmethod
    def from_dict(cls, raw: dict) -> Teacher:
        missing = [k for k in (*TEACHER_FIELDS, "parameters") if k not in raw]
        if missing:
            raise InvalidDataset(f"a teacher without {', '.join(missing)}")
        teacher = cls(**{k: raw[k] for k in (*TEACHER_FIELDS, "parameters")})
        teacher.check()
        return teacher

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in (*TEACHER_FIELDS, "parameters")}

    @property
    def arch(self):
        from ml.federated.mlp import Architecture

        return Architecture(**self.architecture)

    def check(self) -> None:
        """The parameters are the model the CID names (and fit the architecture)."""
        from ml.artifacts.cid import cid_of
        from ml.federated.vectors import ChunkedVector

        self.arch.check(self.parameters)
        cid = cid_of(ChunkedVector.of(self.parameters, self.chunk_size).to_bytes())
        if str(cid) != self.model:
            raise InvalidDataset(f"the teacher's parameters have CID {cid}, not {self.model}")

    def labels(self, inputs) -> np.ndarray:
        from ml.federated.mlp import predict

        return predict(self.arch, self.parameters, np.asarray(inputs, dtype=float))


def relabel(source, parts):
    """`parts` (`ml.pipeline.Parts` of `source`) with the initial part labelled by the source's
    teacher; refuses a teacher of other data (its classes would mean something else)."""
    from dataclasses import replace

    teacher = Teacher.from_dict(source.teacher)
    if (source.dataset, source.seed) != (teacher.dataset, teacher.seed):
        raise InvalidDataset(
            f"the teacher learnt {teacher.dataset} (seed {teacher.seed}); the transfer set is "
            f"{source.dataset} (seed {source.seed}): distil onto the line's dataset and seed"
        )
    classes = teacher.arch.classes
    if classes != len(parts.class_names):
        raise InvalidDataset(
            f"the teacher knows {classes} classes, the transfer set has "
            f"{len(parts.class_names)} ({', '.join(parts.class_names)})"
        )
    return replace(parts, y_initial=teacher.labels(parts.initial))


# ------------------------------------------------- the report (make federated-distill)

#: the on-chain kinds distilled into, per kind of data: the deploy defaults and a dense one
REPORT_MODELS = {
    "digits": ("naive-bayes", "nearest-centroid"),
    "sms-spam": ("averaged-sparse-perceptron", "nearest-centroid"),
}
REPORT_PARTICIPANTS = 10


@dataclass(frozen=True)
class Row:
    dataset: str
    model: str  # the on-chain kind
    encoder: str
    global_accuracy: float  # the federated MLP on the test part
    teacher_agreement: float  # its labels against the true ones on the transfer set
    distilled: float  # the on-chain model (its mirror) trained on the teacher's labels
    direct: float  # the same on-chain model trained on the true labels
    transfer: int  # transfer-set size (the initial part)


def _global_model(dataset: str, *, rounds: int, seed: int):
    """(architecture, the federated global model, featurise): ten honest participants on IID
    shards under the mean, digits on its pixels, texts on 32-dimensional sentence
    embeddings (`rounds.embedded_texts`)."""
    from ml.datasets import digits
    from ml.federated.mlp import Architecture
    from ml.federated.rounds import Data, Participant, embedded_texts, run
    from ml.federated.shards import iid

    if dataset == "digits":
        split = digits(seed=seed)

        def featurise(inputs):
            return np.asarray(inputs, dtype=float)
    else:
        from ml.encoders import SentenceEmbeddingEncoder
        from ml.fixed_point import ONE

        split = embedded_texts(dataset, seed=seed)
        encoder = SentenceEmbeddingEncoder(dimensions=32).fit()

        def featurise(inputs):
            return np.asarray(encoder.encode_batch(inputs), dtype=float) / ONE

    data = Data.of(split, validation=200)
    arch = Architecture(features=data.X_train.shape[1], hidden=16, classes=data.classes)
    shards = iid(data.y_train, REPORT_PARTICIPANTS, seed=seed)
    participants = [Participant("honest", shard) for shard in shards]
    result = run(arch, data, participants, rule="mean", params={}, rounds=rounds, seed=seed)
    return arch, result[-1].model, result[-1].accuracy, featurise


def report(dataset: str, *, rounds: int = 5, seed: int = 0) -> list[Row]:
    """The global model, the on-chain models distilled from it and the same models trained on
    the true labels, each measured on the deployment's test part."""
    from dataclasses import replace

    from ml import pipeline
    from ml.federated.mlp import predict

    arch, model, global_accuracy, featurise = _global_model(dataset, rounds=rounds, seed=seed)
    source = pipeline.Source(dataset, seed=seed)
    parts = pipeline.load(source)
    teacher = predict(arch, model, featurise(parts.initial))
    taught = replace(parts, y_initial=teacher)
    rows = []
    for kind in REPORT_MODELS[dataset]:
        encoder_kind = pipeline.default_encoder(source, kind)

        def accuracy(p, kind=kind, encoder_kind=encoder_kind):
            encoder = pipeline.make_encoder(encoder_kind, source, kind, None)
            return pipeline.train(kind, pipeline.encode(encoder, p)).quantised_accuracy

        rows.append(
            Row(
                dataset,
                kind,
                encoder_kind,
                global_accuracy,
                float(np.mean(teacher == np.asarray(parts.y_initial))),
                accuracy(taught),
                accuracy(parts),
                len(parts.initial),
            )
        )
    return rows


def render_markdown(rows: list[Row], *, rounds: int) -> str:
    lines = [
        f"Test accuracy of the federated global model ({REPORT_PARTICIPANTS} honest participants, "
        f"the mean, {rounds} rounds; a 16-unit MLP), of an on-chain model distilled from it (its "
        "mirror, bit for bit the contract, trained on the global model's labels of the "
        "transfer set: the deployment's initial part) and of the same on-chain model trained "
        "on the transfer set's true labels.",
        "",
        "| dataset | on-chain model (encoder) | transfer set | global model | teacher agrees "
        "with the true labels | distilled on-chain | on-chain, true labels |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.dataset} | {r.model} ({r.encoder}) | {r.transfer} | {r.global_accuracy:.1%} "
            f"| {r.teacher_agreement:.1%} | {r.distilled:.1%} | {r.direct:.1%} |"
        )
    return "\n".join(lines) + "\n"
