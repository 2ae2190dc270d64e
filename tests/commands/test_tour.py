"""The README's tour through the commands themselves, on the embedded chain: deploy from the
bundled reviews -> predict (equal to the Python mirror) -> contribute -> claim a refund and a
take -> withdraw -> status."""

import copy
import json

from ml.commands import claim, contribute, deploy, predict, status
from ml.datasets import sample_reviews
from ml.encoders import Encoder
from ml.errors import InvalidSample
from ml.models import NaiveBayes
from ml.packing import encode_sparse

WAIT = 60  # seconds: the refund wait of the tour's deployment


def test_deploy_predict_contribute_claim_status(run, tmp_path, accounts, chain, project):
    manifest_path = tmp_path / "deployment.json"
    deploy_args = ["--model", "naive-bayes", "--refund-wait", f"{WAIT}s", "--any-address-wait"]
    out = run(deploy.cli, *deploy_args, "2m", "--out", manifest_path).output
    assert "Manifest written to" in out
    manifest = json.loads(manifest_path.read_text())
    trainer = project.DepositRefundTakeTrainer.at(manifest["trainer"]["address"])
    model = project.NaiveBayes.at(manifest["model"]["address"])
    encoder = Encoder.from_spec(manifest["encoder"]["spec"])
    assert "0x" + bytes(trainer.encoderSpecHash()).hex() == manifest["encoder"]["hash"]
    assert manifest["encoder"]["hash"] == encoder.spec_hash()
    names = [t["name"] for t in manifest["transactions"]]
    assert names[0] == "model constructor" and names[-1] == "hand model to trainer"
    assert all(t["gas_used"] > 0 for t in manifest["transactions"])

    # predict: the chain's answers are the mirror's.
    texts = [t for t in sample_reviews().texts_test if _encodable(encoder, t)][:6]
    lines = run(predict.cli, "--deployment", manifest_path, *texts).output.splitlines()
    mirror = NaiveBayes.from_contract(model)
    expected = [mirror.classes_[p] for p in mirror.predict(encoder.encode_batch(texts))]
    assert [line.split("\t") for line in lines] == [
        list(p) for p in zip(expected, texts, strict=True)
    ]

    # contribute: an honest sample (labelled as the model predicts it) by accounts[1], and a
    # wrongly labelled one by accounts[2], chosen with the mirror so that after both updates
    # the model still agrees with the first and disagrees with the second.
    honest = accounts[1]
    good_text, good_label = texts[0], expected[0]
    candidates = [t for t in sample_reviews().texts_train if _encodable(encoder, t)]
    bad_text, bad_label = _stays_wrong(mirror, encoder, candidates, good_text, good_label)
    for text, label, account in ((good_text, good_label, 1), (bad_text, bad_label, 2)):
        out = run(
            contribute.cli,
            text,
            "--label",
            label,
            "--account",
            account,
            "--deployment",
            manifest_path,
        ).output
        assert f"Contributed as {label!r}" in out
    assert trainer.balance > 0

    out = run(claim.cli, "--account", 1, "--deployment", manifest_path).output
    assert "Nothing to claim" in out  # the refund wait has not passed

    # No block is mined meanwhile: claim must judge by the time of the block it sends into.
    chain.pending_timestamp += WAIT + 1
    before = honest.balance
    out = run(claim.cli, "--account", 1, "--deployment", manifest_path).output
    assert "2 claim(s)" in out and "  refund " in out and "  report " in out, out
    assert "Withdrew" in out
    assert trainer.credits(honest) == 0
    assert honest.balance > before
    bad = encode_sparse(encoder.encode(bad_text), encoder.num_features)
    assert trainer.claimable(bad, mirror.classes_.index(bad_label), honest) == (0, 0)

    out = run(status.cli, "--deployment", manifest_path).output
    assert "Contributions 2, refunds 1, takes 1" in out
    assert honest.address in out


def _stays_wrong(mirror, encoder, texts, good_text, good_label):
    good, good_index = encoder.encode(good_text), mirror.classes_.index(good_label)
    for text in texts:
        x = encoder.encode(text)
        wrong = 1 - mirror.predict_fixed(x)
        after = copy.deepcopy(mirror)
        after.update_fixed(good, good_index)
        after.update_fixed(x, wrong)
        if after.predict_fixed(x) != wrong and after.predict_fixed(good) == good_index:
            return text, mirror.classes_[wrong]
    raise AssertionError("no test text stays misclassified after one wrong update")


def _encodable(encoder, text) -> bool:
    try:
        encoder.encode(text)
    except InvalidSample:
        return False
    return True
