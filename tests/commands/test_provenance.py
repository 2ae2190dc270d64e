"""The provenance tour through the commands, on the embedded chain and the embedded store:
deploy -> publish v1 -> bad contributions -> publish v2 -> history -> verify; and `verify`
catching each kind of tampering: an artifact changed in the store, a snapshot whose words are
not the chain's, an encoder spec that is not the trainer's."""

import json

import pytest

from ml.artifacts.kinds import ModelSnapshot
from ml.artifacts.store import EmbeddedStore
from ml.commands import contribute, deploy, history, publish, rollback, verify
from ml.provenance import cid_fields, read_version
from ml.test_set import TestSet


@pytest.fixture
def deployed(run, tmp_path):
    manifest_path = tmp_path / "deployment.json"
    run(deploy.cli, "--model", "naive-bayes", "--refund-wait", "60s", "--out", manifest_path)
    return manifest_path


def test_publish_history_verify(run, deployed, tmp_path, project):
    store = tmp_path / "store"
    common = ["--deployment", deployed, "--store", store]
    out = run(publish.cli, *common).output
    assert "Version 1 registered" in out
    manifest = json.loads(deployed.read_text())
    registry = project.ModelRegistry.at(manifest["registry"]["address"])
    line = manifest["registry"]["line"]
    v1 = read_version(registry, line, 1)
    assert v1.parent == 0 and v1.model == manifest["model"]["address"]
    assert all(EmbeddedStore(store).has(cid) for cid in v1.cids.values())
    # The registered accuracy is the chain's own: the trainer's view calls on the test set.
    test_set = TestSet.from_json(EmbeddedStore(store).cat(v1.cids["testSet"]).decode())
    trainer = project.DepositRefundTakeTrainer.at(v1.trainer)
    correct = sum(
        trainer.predict(s) == y for s, y in zip(test_set.samples, test_set.labels, strict=True)
    )
    assert v1.accuracy_ppm == correct * 1_000_000 // len(test_set)

    for text in ("A warm, funny film.", "A delight from start to end.", "Lovely and kind."):
        run(contribute.cli, text, "--label", "negative", "--deployment", deployed, "--account", 1)
    second = run(publish.cli, *common).output
    assert "Version 2 registered" in second
    v2 = read_version(registry, line, 2)
    assert v2.parent == 1 and v2.cids["testSet"] == v1.cids["testSet"]
    assert v2.cids["snapshot"] != v1.cids["snapshot"]

    listing = run(history.cli, "--deployment", deployed).output
    assert (
        "2 versions" in listing
        and "v2 (parent 1)" in listing
        and str(v1.cids["snapshot"]) in listing
    )
    # Each version's metrics are joined to the chain: the block they were measured at and the
    # transaction (and block) that registered them, the one each publish printed.
    records = json.loads(run(history.cli, "--deployment", deployed, "--json").output)
    assert [(r["version"], r["parent"]) for r in records] == [(1, 0), (2, 1)]
    for record, printed in zip(records, (out, second), strict=True):
        assert f"tx {record['registered_in']}" in printed
        assert record["measured_at_block"] < record["registered_at_block"]
        assert f"in {record['registered_in']}" in listing

    for number in (1, 2):
        checked = run(verify.cli, number, "--from-data", *common).output
        assert "FAIL" not in checked and "All 10 checks passed" in checked, checked


def test_verify_catches_each_tampering(run, deployed, tmp_path, project, accounts, chain):
    store_dir = tmp_path / "store"
    common = ["--deployment", deployed, "--store", store_dir]
    run(publish.cli, *common)
    manifest = json.loads(deployed.read_text())
    registry = project.ModelRegistry.at(manifest["registry"]["address"])
    line = manifest["registry"]["line"]
    v1 = read_version(registry, line, 1)
    store = EmbeddedStore(store_dir)

    def register(**replaced):
        cids = {**v1.cids, **{k: store.add(v) for k, v in replaced.items()}}
        registry.register(
            line,
            {
                "model": v1.model,
                "trainer": v1.trainer,
                **cid_fields(cids),
                "parent": 1,
                "accuracyPpm": v1.accuracy_ppm,
                "measuredAtBlock": v1.measured_at,
            },
            sender=accounts[0],
        )
        return int(registry.versionCount(line))

    snapshot = ModelSnapshot.from_bytes(store.cat(v1.cids["snapshot"]))
    words = list(snapshot.words)
    words[0] ^= 1
    forged = ModelSnapshot(
        snapshot.kind,
        snapshot.constructor,
        words,
        snapshot.chain_id,
        snapshot.model,
        snapshot.block,
    )
    wrong_words = register(snapshot=forged.to_bytes())
    wrong_encoder = register(encoder=b'{"kind":"vocabulary","words":["a"]}')

    out = run(verify.cli, wrong_words, *common, ok=False).output
    assert "FAIL  snapshot = chain: 1 of" in out and "1 of 8 checks failed" in out
    out = run(verify.cli, wrong_encoder, *common, ok=False).output
    assert "FAIL  encoder hash" in out

    # Other data than the deployment's (a larger test share): with --from-data the manifest
    # rebuilt from it and the encoder refitted on it both differ from what was published.
    other = json.loads(deployed.read_text())
    other["dataset"]["test_share"] = 0.5
    other_path = tmp_path / "other.json"
    other_path.write_text(json.dumps(other))
    mixed = ["--from-data", "--deployment", other_path, "--store", store_dir]
    out = run(verify.cli, 1, *mixed, ok=False).output
    assert "FAIL  dataset from the data" in out and "FAIL  encoder from the data" in out

    # An artifact changed in the store: refused on fetch, by its CID.
    (store_dir / str(v1.cids["dataset"])).write_bytes(b"{}")
    out = run(verify.cli, 1, *common, ok=False).output
    assert "FAIL  fetch dataset" in out and "hashes to" in out


def test_rollback_restores_version_1_after_bad_data(run, deployed, tmp_path, project, chain):
    store_dir = tmp_path / "store"
    common = ["--deployment", deployed, "--store", store_dir]
    run(publish.cli, *common)
    manifest = json.loads(deployed.read_text())
    registry = project.ModelRegistry.at(manifest["registry"]["address"])
    line = manifest["registry"]["line"]
    # Contribute the test texts with flipped labels until the model's accuracy drops.
    from ml.datasets import sample_reviews

    reviews = sample_reviews()
    v1 = read_version(registry, line, 1)
    for text, y in list(zip(reviews.texts_test, reviews.y_test, strict=True))[:12]:
        wrong = reviews.class_names[1 - int(y)]
        run(contribute.cli, text, "--label", wrong, "--deployment", deployed, "--account", 2)
    run(publish.cli, *common)
    v2 = read_version(registry, line, 2)
    assert v2.accuracy_ppm < v1.accuracy_ppm

    out = run(rollback.cli, 1, *common).output
    assert "Version 3 registered (parent 1)" in out
    v3 = read_version(registry, line, 3)
    assert v3.parent == 1 and v3.accuracy_ppm == v1.accuracy_ppm
    assert v3.model != v1.model and v3.model == json.loads(deployed.read_text())["model"]["address"]
    restored = ModelSnapshot.from_bytes(EmbeddedStore(store_dir).cat(v3.cids["snapshot"]))
    original = ModelSnapshot.from_bytes(EmbeddedStore(store_dir).cat(v1.cids["snapshot"]))
    assert restored.words == original.words and restored.constructor == original.constructor
    assert "All 8 checks passed" in run(verify.cli, 3, *common).output
    # The old deployment stays as it was: version 2's model still answers with its state.
    assert "All 8 checks passed" in run(verify.cli, 2, *common).output


def test_bad_input_is_one_line_and_sends_nothing(run, deployed, tmp_path, project, chain, accounts):
    store_dir = tmp_path / "store"
    common = ["--deployment", deployed, "--store", store_dir]
    out = run(history.cli, "--deployment", deployed, ok=False).output
    assert "not in a registry yet" in out
    run(publish.cli, *common)
    nonce = accounts[1].nonce
    head = chain.blocks.head.number
    out = run(publish.cli, *common, "--account", 1, ok=False).output
    assert "is owned by" in out and "only its owner publishes" in out
    out = run(verify.cli, 7, *common, ok=False).output
    assert "has no version 7: its versions are 1 to 1" in out
    out = run(rollback.cli, 9, *common, ok=False).output
    assert "has no version 9" in out
    out = run(publish.cli, *common, "--registry", "0x" + "12" * 20, ok=False).output
    assert "no contract at the registry address" in out
    out = run(verify.cli, *common[:2], "--ipfs", "http://127.0.0.1:1", ok=False).output
    assert (
        out.startswith("Error: no IPFS node answers at http://127.0.0.1:1") and out.count("\n") == 1
    )
    assert chain.blocks.head.number == head and accounts[1].nonce == nonce


def test_the_tour_against_a_live_ipfs_node(run, deployed, ipfs_node, tmp_path):
    """publish -> verify -> rollback with the artifacts on a real node (--ipfs): the CIDs the
    node gives are the embedded store's, so the same versions verify from either."""
    node = ["--deployment", deployed, "--ipfs", ipfs_node]
    assert "Version 1 registered" in run(publish.cli, *node).output
    assert "All 8 checks passed" in run(verify.cli, 1, *node).output
    assert "Version 2 registered (parent 1)" in run(rollback.cli, 1, *node).output
    assert "All 8 checks passed" in run(verify.cli, 2, *node).output
    # The embedded store holds the same bytes under the same CIDs once exported there.
    from ml.artifacts.store import EmbeddedStore, NodeStore

    embedded, live = EmbeddedStore(tmp_path / "copy"), NodeStore(ipfs_node)
    manifest = json.loads(deployed.read_text())
    registry_line = manifest["registry"]
    from ape import project

    registry = project.ModelRegistry.at(registry_line["address"])
    for cid in read_version(registry, registry_line["line"], 2).cids.values():
        assert embedded.import_car(live.export_car(cid)) == cid
    local = ["--deployment", deployed, "--store", tmp_path / "copy"]
    assert "All 8 checks passed" in run(verify.cli, 2, *local).output
