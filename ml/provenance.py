"""Provenance of a deployed model: its artifacts, their CIDs, and its versions in the registry.

`publish` snapshots a deployment's model at a block, adds the four artifacts that describe it
(encoder spec, dataset manifest, model snapshot, test set) to a store, measures the snapshot on
the test set and registers a version in `ModelRegistry`. `verify` fetches a version's artifacts
by CID and checks each claim the version makes against the chain and the artifacts themselves.
`rollback` redeploys a registered snapshot as a new model and trainer, checked bit for bit,
and registers it as a new version whose parent is the version rolled back to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ml.artifacts.cid import DAG_PB, RAW, Cid
from ml.artifacts.kinds import (
    DatasetManifest,
    InvalidArtifact,
    ModelSnapshot,
    accuracy,
    accuracy_ppm,
    keccak_hex,
)
from ml.artifacts.store import Store, StoreError
from ml.errors import CollabMLError
from ml.packing import decode_dense, decode_sparse
from ml.test_set import TestSet, TestSetError

#: The artifacts of a version, in the registry's bit order of `dagPbMask`.
ARTIFACTS = ("snapshot", "encoder", "dataset", "testSet")


class ProvenanceError(CollabMLError, ValueError):
    """A version, line or registry that is not what the command expects."""


# ---------------------------------------------------------------------------- reading the chain


class AtBlock:
    """A contract whose view calls all read the state at one block, so that a model read with
    several calls (`from_contract`) is one consistent state even while blocks are added."""

    def __init__(self, contract, block: int):
        self._contract, self._block = contract, block

    def __getattr__(self, name):
        method = getattr(self._contract, name)
        return lambda *args: method(*args, block_id=self._block)


def snapshot_at(model_contract, kind: str, block: int) -> ModelSnapshot:
    """The snapshot of a deployed model's state at `block`."""
    from ape import chain

    from ml.models import MODELS

    mirror = MODELS[kind].from_contract(AtBlock(model_contract, block))
    return ModelSnapshot.of(
        mirror, chain_id=chain.chain_id, model=model_contract.address, block=block
    )


def test_samples(test_set: TestSet, sparse: bool) -> tuple[list[list[int]], list[int]]:
    """The test set's samples in the mirror's representation, and their labels."""
    decode = decode_sparse if sparse else decode_dense
    return [decode(s) for s in test_set.samples], test_set.labels


test_samples.__test__ = False  # not a pytest test


def measure(snapshot: ModelSnapshot, test_set: TestSet) -> int:
    """The snapshot's accuracy on the test set in parts per million (rounded down)."""
    model = snapshot.to_model()
    samples, labels = test_samples(test_set, model.sparse)
    return accuracy_ppm(*accuracy(model, samples, labels))


# ---------------------------------------------------------------------------- the registry


def cid_fields(cids: dict[str, Cid]) -> dict:
    """The digests and codec mask of `VersionInput` for the four artifacts' CIDs."""
    fields = {name: cids[name].digest for name in ARTIFACTS}
    fields["dagPbMask"] = sum(1 << i for i, n in enumerate(ARTIFACTS) if cids[n].codec == DAG_PB)
    return fields


def cids_of(version) -> dict[str, Cid]:
    """The four artifacts' CIDs of a registered `Version`."""
    mask = int(version.dagPbMask)
    return {
        name: Cid(DAG_PB if mask >> i & 1 else RAW, bytes(getattr(version, name)))
        for i, name in enumerate(ARTIFACTS)
    }


@dataclass
class VersionRecord:
    """A registered version as the commands show it."""

    number: int
    parent: int
    model: str
    trainer: str
    cids: dict[str, Cid]
    accuracy_ppm: int
    measured_at: int
    publisher: str
    published_at: int
    #: the VersionRegistered event's transaction and block (`history` fills them in)
    registered_in: str | None = None
    registered_at_block: int | None = None

    def to_json(self) -> dict:
        """The record with its CIDs as strings (`history --json`)."""
        return {
            "version": self.number,
            "parent": self.parent,
            "model": self.model,
            "trainer": self.trainer,
            "cids": {name: str(cid) for name, cid in self.cids.items()},
            "accuracy_ppm": self.accuracy_ppm,
            "measured_at_block": self.measured_at,
            "publisher": self.publisher,
            "published_at": self.published_at,
            "registered_in": self.registered_in,
            "registered_at_block": self.registered_at_block,
        }


def read_version(registry, line: int, number: int) -> VersionRecord:
    count = int(registry.versionCount(line))
    if not 1 <= number <= count:
        raise ProvenanceError(
            f"line {line} has no version {number}: its versions are "
            + (f"1 to {count}" if count else "none yet (run `ape run publish`)")
        )
    v = registry.version(line, number)
    return VersionRecord(
        number,
        int(v.parent),
        v.model,
        v.trainer,
        cids_of(v),
        int(v.accuracyPpm),
        int(v.measuredAtBlock),
        v.publisher,
        int(v.publishedAt),
    )


def history(registry, line: int) -> list[VersionRecord]:
    """The line's versions, oldest first, each joined to the transaction that registered it
    (its VersionRegistered event; the search starts at version 1's measured block, which no
    registration of the line precedes)."""
    from ape import chain

    if not 1 <= line <= int(registry.lineCount()):
        raise ProvenanceError(f"no line {line} in the registry at {registry.address}")
    count = int(registry.versionCount(line))
    versions = [read_version(registry, line, n) for n in range(1, count + 1)]
    if versions:
        events = registry.VersionRegistered.range(
            versions[0].measured_at, chain.blocks.head.number + 1, search_topics={"line": line}
        )
        for event in events:
            v = versions[int(event.version) - 1]
            v.registered_in, v.registered_at_block = event.transaction_hash, event.block_number
    return versions


# ---------------------------------------------------------------------------- publishing


@dataclass
class Artifacts:
    """The four artifacts of a version, as bytes, and the objects they are."""

    encoder: bytes
    dataset: bytes
    snapshot: ModelSnapshot
    test_set: TestSet

    def blobs(self) -> dict[str, bytes]:
        return {
            "snapshot": self.snapshot.to_bytes(),
            "encoder": self.encoder,
            "dataset": self.dataset,
            "testSet": self.test_set.to_bytes(),
        }


@dataclass
class Published:
    version: int
    cids: dict[str, Cid]
    accuracy_ppm: int
    block: int
    receipts: list = field(default_factory=list)


def add_all(store: Store, artifacts: Artifacts) -> dict[str, Cid]:
    return {name: store.add(data) for name, data in artifacts.blobs().items()}


def version_input(model, trainer, cids, *, parent: int, accuracy: int, block: int) -> dict:
    return {
        "model": model,
        "trainer": trainer,
        **cid_fields(cids),
        "parent": parent,
        "accuracyPpm": accuracy,
        "measuredAtBlock": block,
    }


# ---------------------------------------------------------------------------- verifying


def _refitted(published: bytes, refit) -> tuple[bool, str, str]:
    """(equal, what passing says, what failing says) of the published encoder spec against
    one fitted anew on the data."""
    try:
        spec = json.loads(published)
        again = refit(spec).to_json().encode()
    except (ValueError, TypeError, KeyError) as err:  # InvalidSpec is a ValueError
        return False, "", f"the published spec does not rebuild an encoder: {err}"
    return (
        again == published,
        "an encoder of the spec's kind and parameters, fitted on the data, has this spec",
        f"an encoder fitted on the data has another spec (keccak256 {keccak_hex(again)})",
    )


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def verify(
    version: VersionRecord,
    store: Store,
    *,
    trainer,
    model_contract,
    line_encoder_hash: str,
    dataset: DatasetManifest | None = None,
    refit=None,
) -> list[Check]:
    """Every check of a version: each artifact fetched and hashed to its CID, the encoder and
    the dataset manifest against the trainer's recorded hashes (and both against the data: the
    manifest when `dataset` is rebuilt from it, the encoder spec when `refit(spec)` fits a new
    encoder of its kind and hyperparameters on it), the snapshot against the model's state at
    the block it claims, and the metrics re-measured from the snapshot on the test set."""
    checks: list[Check] = []
    blobs: dict[str, bytes] = {}
    for name in ARTIFACTS:
        cid = version.cids[name]
        try:
            blobs[name] = store.cat(cid)
            checks.append(Check(f"fetch {name}", True, f"{cid}, {len(blobs[name]):,} bytes"))
        except StoreError as err:
            checks.append(Check(f"fetch {name}", False, str(err)))

    def check(name, ok, good, bad):
        checks.append(Check(name, bool(ok), good if ok else bad))

    if "encoder" in blobs:
        recorded = "0x" + bytes(trainer.encoderSpecHash()).hex()
        actual = keccak_hex(blobs["encoder"])
        check(
            "encoder hash",
            actual == recorded == line_encoder_hash,
            f"keccak256 {actual} = the trainer's encoderSpecHash and the line's",
            f"keccak256 {actual}; the trainer recorded {recorded}, the line {line_encoder_hash}",
        )
        if refit is not None:
            check("encoder from the data", *_refitted(blobs["encoder"], refit))
    if "dataset" in blobs:
        recorded = "0x" + bytes(trainer.datasetManifestHash()).hex()
        actual = keccak_hex(blobs["dataset"])
        check(
            "dataset manifest hash",
            actual == recorded,
            f"keccak256 {actual} = the trainer's datasetManifestHash",
            f"keccak256 {actual}; the trainer recorded {recorded}",
        )
        if dataset is not None:
            check(
                "dataset from the data",
                dataset.to_bytes() == blobs["dataset"],
                "the manifest rebuilt from the data is byte for byte the published one",
                "the manifest rebuilt from the data differs from the published one "
                f"(keccak256 {dataset.hash()})",
            )
    snapshot = test_set = None
    if "snapshot" in blobs:
        try:
            snapshot = ModelSnapshot.from_bytes(blobs["snapshot"])
        except InvalidArtifact as err:
            check("snapshot", False, "", f"not a model snapshot: {err}")
    if snapshot is not None:
        where_ok = (
            snapshot.model.lower() == version.model.lower()
            and snapshot.block == version.measured_at
        )
        on_chain = snapshot_at(model_contract, snapshot.kind, version.measured_at)
        differences = on_chain.differences(snapshot)
        check(
            "snapshot = chain",
            where_ok and not differences,
            f"{len(snapshot.words)} words and the constructor values equal the model's at "
            f"block {version.measured_at}",
            "; ".join(
                differences or [f"the snapshot claims {snapshot.model} at block {snapshot.block}"]
            )
            + f" (the model {version.model} at block {version.measured_at})",
        )
    if "testSet" in blobs:
        try:
            test_set = TestSet.from_json(blobs["testSet"].decode())
        except (TestSetError, UnicodeDecodeError) as err:
            check("test set", False, "", f"not a test set: {err}")
    if snapshot is not None and test_set is not None:
        measured = measure(snapshot, test_set)
        check(
            "metrics",
            measured == version.accuracy_ppm,
            f"accuracy {measured / 1e4:.2f}% on {len(test_set)} test samples, as registered",
            f"accuracy re-measured {measured / 1e4:.4f}%, registered "
            f"{version.accuracy_ppm / 1e4:.4f}%",
        )
    return checks
