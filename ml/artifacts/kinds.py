"""The artifacts the project publishes, each with one canonical byte form and so one CID.

- encoder spec: `Encoder.to_json()`; its keccak256 is the trainer's `encoderSpecHash`.
- dataset manifest (`DatasetManifest`): the source file's CID, the split and every row's content
  hash; its keccak256 is the trainer's `datasetManifestHash`.
- model snapshot (`ModelSnapshot`): kind, constructor values and every parameter word, and
  where they were read; equal to the model's views at that block.
- test set: `TestSet.to_bytes()` (salted leaves and their Merkle root).
- report: a simulation's report.json, as written.

Every form is canonical JSON (`ml.encoders.canonical_json`), so the same object always has the
same bytes, and the same bytes the same CID on any IPFS node. Words and hashes are 0x-prefixed
hex strings (JSON numbers are exact only to 2^53).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from ml.encoders import canonical_json
from ml.errors import CollabMLError
from ml.models import MODELS, OnChainModel

SNAPSHOT_FORMAT = "collab-ml/model-snapshot/1"
DATASET_FORMAT = "collab-ml/dataset-manifest/1"


class InvalidArtifact(CollabMLError, ValueError):
    """Bytes that are not the artifact they were fetched as."""


def keccak_hex(data: bytes) -> str:
    """The 0x-hex keccak256 the contracts record (`encoderSpecHash`, `datasetManifestHash`)."""
    return "0x" + keccak(data).hex()


def _json(data: bytes, expected_format: str) -> dict:
    import json

    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidArtifact(f"not JSON, expected a {expected_format} artifact: {err}") from None
    if not isinstance(value, dict) or value.get("format") != expected_format:
        found = value.get("format") if isinstance(value, dict) else type(value).__name__
        raise InvalidArtifact(f"format {found!r}, expected {expected_format}")
    if canonical_json(value).encode() != data:
        raise InvalidArtifact(f"a {expected_format} artifact that is not in canonical form")
    return value


def _hex(value: int) -> str:
    return f"0x{value:064x}"


# ---------------------------------------------------------------------------- model snapshot


def _json_value(value):
    """A constructor argument as JSON: ints over 2^53 as 0x-hex strings, lists element-wise."""
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return value if abs(value) < 2**53 else {"int": str(value)}


def _from_json_value(value):
    if isinstance(value, list):
        return [_from_json_value(v) for v in value]
    if isinstance(value, dict):
        return int(value["int"])
    return value


@dataclass(frozen=True)
class ModelSnapshot:
    """A model's whole state: enough to redeploy it exactly (`to_model`, `ml.deploy`), and where
    it was read (chain, address, block) so that `verify` can compare it with the chain."""

    kind: str
    constructor: list  # constructor_args(owner)[1:]
    words: list[int]
    chain_id: int
    model: str  # the address it was read from
    block: int

    @classmethod
    def of(cls, mirror: OnChainModel, *, chain_id: int, model: str, block: int) -> ModelSnapshot:
        return cls(
            mirror.kind,
            [_from_json_value(_json_value(a)) for a in mirror.constructor_args(None)[1:]],
            mirror.words(),
            chain_id,
            model,
            block,
        )

    def to_model(self) -> OnChainModel:
        return MODELS[self.kind].from_constructor_args(self.constructor, self.words)

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "format": SNAPSHOT_FORMAT,
                "kind": self.kind,
                "constructor": _json_value(self.constructor),
                "words": [_hex(w) for w in self.words],
                "taken_from": {"chain_id": self.chain_id, "model": self.model, "block": self.block},
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> ModelSnapshot:
        raw = _json(data, SNAPSHOT_FORMAT)
        try:
            if raw["kind"] not in MODELS:
                raise InvalidArtifact(f"unknown model kind {raw['kind']!r} in the snapshot")
            where = raw["taken_from"]
            return cls(
                raw["kind"],
                _from_json_value(raw["constructor"]),
                [int(w, 16) for w in raw["words"]],
                int(where["chain_id"]),
                where["model"],
                int(where["block"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, InvalidArtifact):
                raise
            raise InvalidArtifact(f"a malformed model snapshot ({err!r})") from None

    def differences(self, other: ModelSnapshot) -> list[str]:
        """What differs in the model's state (kind, constructor values, words), for messages."""
        out = []
        if self.kind != other.kind:
            out.append(f"kind {other.kind} instead of {self.kind}")
        if self.constructor != other.constructor:
            out.append("constructor values (hyperparameters, counts or class names)")
        if len(self.words) != len(other.words):
            out.append(f"{len(other.words)} parameter words instead of {len(self.words)}")
        else:
            changed = [
                i for i, (a, b) in enumerate(zip(self.words, other.words, strict=True)) if a != b
            ]
            if changed:
                out.append(
                    f"{len(changed)} of {len(self.words)} parameter words (first: word "
                    f"{changed[0]})"
                )
        return out


# ---------------------------------------------------------------------------- dataset manifest


def row_hash(raw_input, label: str) -> str:
    """The content hash of one labelled row: sha256 of the canonical JSON [input, label]."""
    return "0x" + hashlib.sha256(canonical_json([raw_input, label]).encode()).hexdigest()


@dataclass(frozen=True)
class DatasetManifest:
    """What trained and measures a model: the source (a bundled dataset's name and the library
    version that ships it, or the CSV file's CID), the split (`ml.pipeline.Source`: shares,
    seed, columns), the class names, and every row's content hash in each part."""

    source: dict  # ml.pipeline.Source.to_dict()
    source_file: str | None  # the CID of the CSV file; None for a bundled numeric dataset
    library: str | None  # e.g. "scikit-learn 1.5.2" for bundled numeric datasets
    class_names: list[str]
    parts: dict[str, list[str]]  # initial / train / test -> row hashes, in order

    @classmethod
    def of(cls, source, parts, *, source_file: bytes | None, library: str | None = None):
        """The manifest of an `ml.pipeline.Source` and its loaded `Parts`; source_file is the
        CSV's bytes (its CID is recorded) or None."""
        from ml.artifacts.cid import cid_of

        names = list(parts.class_names)

        def hashes(inputs, labels):
            return [row_hash(x, names[int(y)]) for x, y in zip(inputs, labels, strict=True)]

        return cls(
            source.to_dict(),
            str(cid_of(source_file)) if source_file is not None else None,
            library,
            names,
            {
                "initial": hashes(parts.initial, parts.y_initial),
                "train": hashes(parts.train, parts.y_train),
                "test": hashes(parts.test, parts.y_test),
            },
        )

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "format": DATASET_FORMAT,
                "source": self.source,
                "source_file": self.source_file,
                "library": self.library,
                "class_names": self.class_names,
                "parts": self.parts,
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> DatasetManifest:
        raw = _json(data, DATASET_FORMAT)
        try:
            return cls(
                raw["source"], raw["source_file"], raw["library"], raw["class_names"], raw["parts"]
            )
        except KeyError as err:
            raise InvalidArtifact(f"a dataset manifest without {err}") from None

    def hash(self) -> str:
        """What the trainer records as `datasetManifestHash`."""
        return keccak_hex(self.to_bytes())


def dataset_manifest(source) -> DatasetManifest:
    """The manifest of an `ml.pipeline.Source`, loading its data as `deploy` does."""
    from ml import pipeline

    parts = pipeline.load(source)
    if source.dataset in pipeline.NUMERIC:
        import sklearn

        return DatasetManifest.of(
            source, parts, source_file=None, library=f"scikit-learn {sklearn.__version__}"
        )
    path = Path(pipeline.TEXT.get(source.dataset, source.dataset))
    return DatasetManifest.of(source, parts, source_file=path.read_bytes())


def accuracy(model: OnChainModel, samples: Sequence[Sequence[int]], labels) -> tuple[int, int]:
    """(correct, total) of the mirror on samples in the contract's representation."""
    correct = sum(
        int(model.predict_fixed(s) == int(y)) for s, y in zip(samples, labels, strict=True)
    )
    return correct, len(labels)


def accuracy_ppm(correct: int, total: int) -> int:
    """Accuracy in parts per million, rounded down (what the registry stores)."""
    return correct * 1_000_000 // total if total else 0
