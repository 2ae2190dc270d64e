"""The README's tour through the commands themselves, on the embedded chain: deploy from the
bundled reviews -> predict (equal to the Python mirror) -> contribute -> claim a refund and a
take -> withdraw -> status."""

import json

import pytest
from helpers import encodable, informative_and_wrong

from ml.commands import claim, contribute, deploy, predict, status
from ml.datasets import sample_reviews
from ml.encoders import Encoder
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
    texts = [t for t in sample_reviews().texts_test if encodable(encoder, t)][:6]
    lines = run(predict.cli, "--deployment", manifest_path, *texts).output.splitlines()
    mirror = NaiveBayes.from_contract(model)
    expected = [mirror.classes_[p] for p in mirror.predict(encoder.encode_batch(texts))]
    assert [line.split("\t") for line in lines] == [
        list(p) for p in zip(expected, texts, strict=True)
    ]

    # contribute: an informative sample (one the model gets wrong now and right after learning
    # it, so its refund earns reputation) by accounts[1], and a wrongly labelled one by
    # accounts[2], chosen with the mirror so that after both updates the model still agrees
    # with the first and disagrees with the second.
    honest = accounts[1]
    candidates = [t for t in sample_reviews().texts_train if encodable(encoder, t)]
    good_text, good_label, bad_text, bad_label = informative_and_wrong(mirror, encoder, candidates)
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
    assert "its refund earns reputation" in out  # the wrong one is new content, too
    assert trainer.balance > 0

    out = run(claim.cli, "--account", 1, "--deployment", manifest_path).output
    assert "Nothing to claim" in out  # the refund wait has not passed

    # No block is mined meanwhile: claim must judge by the time of the block it sends into.
    chain.pending_timestamp += WAIT + 1
    before = honest.balance
    out = run(claim.cli, "--account", 1, "--deployment", manifest_path).output
    assert "2 claim(s)" in out and "  refund " in out and "  report " in out, out
    assert "+1 reputation" in out and "Withdrew" in out
    assert trainer.credits(honest) == 0
    assert honest.balance > before
    bad = encode_sparse(encoder.encode(bad_text), encoder.num_features)
    assert trainer.claimable(bad, mirror.classes_.index(bad_label), honest) == (0, 0, 0)

    out = run(status.cli, "--deployment", manifest_path).output
    assert "Contributions 2, refunds 1, takes 1" in out
    assert "2 of the contributions informative" in out
    assert honest.address in out


def test_points_deploy_contribute_claim_status(run, tmp_path, accounts, chain, project):
    """The same tour under --mechanism points: no deposit, the informative refund earns
    REFUND_POINTS, and a report of the wrong one would pay nothing, so it is not sent."""
    manifest_path = tmp_path / "points.json"
    args = ["--mechanism", "points", "--refund-wait", f"{WAIT}s", "--out", manifest_path]
    run(deploy.cli, "--model", "naive-bayes", *args)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["trainer"]["contract"] == "PointsTrainer"
    assert manifest["trainer"]["parameters"] == {"refund_wait": WAIT, "commit_reveal_window": 0}
    trainer = project.PointsTrainer.at(manifest["trainer"]["address"])
    reputation = project.ReputationToken.at(trainer.reputation())
    encoder = Encoder.from_spec(manifest["encoder"]["spec"])
    mirror = NaiveBayes.from_contract(project.NaiveBayes.at(manifest["model"]["address"]))
    candidates = [t for t in sample_reviews().texts_train if encodable(encoder, t)]
    good_text, good_label, bad_text, bad_label = informative_and_wrong(mirror, encoder, candidates)

    dry = ["--label", good_label, "--dry-run", "--deployment", manifest_path]
    out = run(contribute.cli, good_text, *dry).output
    assert "required deposit 0 ETH (0 wei)" in out and "nothing sent" in out
    for text, label, account in ((good_text, good_label, 1), (bad_text, bad_label, 2)):
        contribute_args = ["--label", label, "--account", account, "--deployment", manifest_path]
        assert "its refund earns reputation" in run(contribute.cli, text, *contribute_args).output
    assert trainer.balance == 0

    chain.pending_timestamp += WAIT + 1
    out = run(claim.cli, "--account", 1, "--deployment", manifest_path).output
    assert "1 claim(s)" in out and "  refund " in out and "0 ETH, +2 reputation" in out, out
    assert "1 more would pay nothing" in out  # the report of the wrong one
    assert reputation.balanceOf(accounts[1]) == trainer.REFUND_POINTS()
    out = run(claim.cli, "--account", 2, "--deployment", manifest_path).output
    assert "0 claim(s)" in out and "Nothing to claim" in out

    out = run(status.cli, "--deployment", manifest_path).output
    assert "Contributions 2, claims 1; ETH held 0 ETH; next deposit 0 ETH" in out
    assert "Mechanism points: 2 of the contributions informative" in out
    assert accounts[1].address in out


@pytest.mark.parametrize(
    "dataset, kind", [("reviews", "averaged-sparse-perceptron"), ("iris", "naive-bayes")]
)
def test_deploy_default_model_averaged_perceptron_for_texts(run, tmp_path, dataset, kind):
    manifest_path = tmp_path / "deployment.json"
    run(deploy.cli, "--dataset", dataset, "--out", manifest_path)
    assert json.loads(manifest_path.read_text())["model"]["kind"] == kind
