"""A prediction market through the commands, on the embedded chain: deploy over the bundled
reviews with a hidden test share -> contribute from two accounts -> reveal (resuming after a
partial reveal by someone else) -> score (resuming after a partial push) -> status -> claim
and withdraw, every wei accounted for; the provider who never reveals; and the mistakes a
user can make, each one line with nothing sent."""

import copy
import json
import stat

import pytest
from helpers import fails_with

from ml.chain import wei_to_eth
from ml.commands import claim, contribute, deploy, publish, reveal, score, status, verify
from ml.datasets import SAMPLE_REVIEWS, sample_reviews
from ml.encoders import Encoder
from ml.errors import InvalidSample
from ml.models import NaiveBayes
from ml.packing import decode_sparse, encode_sparse
from ml.provenance import read_version
from ml.test_set import TestSet

WINDOW = 3600  # seconds: the participation window, and the reveal window after it
REWARD = 10**16 + 1  # wei: odd, so that a forfeit leaves the provider a remainder
STAKE = 10**15  # the registry's default stake


def deploy_market(run, path, test=("--test-share", "0.2")):
    """A naive-Bayes market over the reviews judged by `test` (by default a fifth of them)."""
    args = ["--mechanism", "prediction-market", "--model", "naive-bayes", *test]
    window = ["--window", f"{WINDOW}s", "--reveal-window", f"{WINDOW}s", "--reward", REWARD]
    out = run(deploy.cli, *args, *window, "--out", path).output
    return json.loads(path.read_text()), out


def contribute_texts(run, path, picks):
    """(text, label, account) each through `ape run contribute`."""
    for text, label, account in picks:
        out = run(
            contribute.cli, text, "--label", label, "--account", account, "--deployment", path
        ).output
        assert f"Contributed as {label!r}" in out and "Scored by the hidden test set" in out


def encodable_texts(encoder, count):
    """The first `count` training texts the encoder can encode."""
    texts = []
    for text in sample_reviews().texts_train:
        try:
            encoder.encode(text)
        except InvalidSample:
            continue
        texts.append(text)
    return texts[:count]


def expected_scores(model, test_set, replay):
    """Each contribution's score by replaying them on the mirror of the initial model."""
    samples = [(decode_sparse(leaf.sample), leaf.label) for leaf in test_set.leaves]

    def correct(m):
        return sum(m.predict_fixed(x) == y for x, y in samples)

    scores, m, before = [], copy.deepcopy(model), correct(model)
    for sample, label in replay:
        m.update_fixed(sample, label)
        after = correct(m)
        scores.append(after - before)
        before = after
    return scores


def test_market_deploy_contribute_reveal_score_status_claim(
    run, tmp_path, accounts, chain, project
):
    path = tmp_path / "market.json"
    manifest, out = deploy_market(run, path, ("--test-share", "0.1"))
    trainer = project.PredictionMarket.at(manifest["trainer"]["address"])
    model = project.NaiveBayes.at(manifest["model"]["address"])
    encoder = Encoder.from_spec(manifest["encoder"]["spec"])
    # The commitment is in the manifest; the leaves are in the secret file beside it, only.
    commitment = manifest["trainer"]["test_set"]
    secret = tmp_path / "market.test-set.json"
    assert commitment["file"] == secret.name and manifest["trainer"]["reward"] == REWARD
    test_set = TestSet.load(secret)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert commitment["root"] == "0x" + bytes(trainer.testSetRoot()).hex()
    assert commitment["root"] == "0x" + test_set.root.hex()
    size = len(test_set)
    assert commitment["size"] == trainer.testSetSize() == size == 10
    assert test_set.leaves[0].salt.hex() not in path.read_text()
    assert trainer.rewardPool() == trainer.balance == REWARD
    assert f"Hidden test set: 10 samples (the dataset test part), root {commitment['root']}" in out
    assert "phase participation" in run(status.cli, "--deployment", path).output
    # Its test set is secret until revealed: publishing (which measures on it) waits.
    store = ["--store", tmp_path / "store"]
    nonce = accounts[0].nonce
    out = run(publish.cli, "--deployment", path, *store, ok=False).output
    assert "test set stays hidden until it is revealed" in out and accounts[0].nonce == nonce

    # One contribution that the replay scores above zero (accounts[1]), then one below zero
    # (accounts[2]), found with the mirror of the initial model (the market's model learns
    # only when scored).
    names = manifest["class_names"]
    mirror = NaiveBayes.from_contract(model)
    picks = scored_pair(mirror, test_set, encoder)
    contribute_texts(run, path, [(t, names[y], a) for t, y, a in picks])
    assert trainer.balance == REWARD + 2 * STAKE
    replay = [(encoder.encode(t), y) for t, y, _ in picks]
    expected = expected_scores(mirror, test_set, replay)
    assert expected[0] > 0 > expected[1]

    chain.pending_timestamp += WINDOW + 1
    # Someone else reveals most leaves first: the provider's reveal does the rest.
    trainer.revealTestSet(test_set.reveal_args(0, size - 3), sender=accounts[3])
    out = run(reveal.cli, "--no-score", "--deployment", path).output
    assert f"{size - 3} of {size} leaves revealed before" in out and "  leaves 3: gas" in out
    assert f"Revealed: {size} of {size}" in out and "Scored" not in out
    out = run(reveal.cli, "--no-score", "--deployment", path).output
    assert f"{size} of {size} leaves revealed before" in out and "gas" not in out

    # Anyone pushes scoring most of the way; `ape run score` finishes it in small steps.
    total = size + 2 * (1 + size)
    upcoming = [(encode_sparse(x, encoder.num_features), y) for x, y in replay]
    trainer.evaluate(total - 5, upcoming, sender=accounts[4])
    out = run(score.cli, "--max-steps", 3, "--account", 4, "--deployment", path).output
    assert out.count("  steps 3: gas") == 2, out
    assert f"scoring: {total:,} of {total:,} steps done" in out
    assert "Scored: 2 transaction(s) sent; the market is settled" in out
    for (x, y), want in zip(replay, expected, strict=True):
        assert tuple(trainer.scoreOf(encode_sparse(x, encoder.num_features), y)) == (True, want)

    out = run(status.cli, "--deployment", path, "--top", 1).output
    assert "phase settled" in out and f"{size} of {size} leaves revealed" in out
    assert f"on {size} revealed test samples" in out
    assert "Contributions 2, scored 2, payouts 0" in out
    assert "Scores (2 of 2 scored; the best 1):" in out
    assert f"  +{expected[0]}  {accounts[1].address}" in out and accounts[2].address not in out

    # Revealed, the test set is published with the version, which is measured on it: the
    # registered accuracy is the settled model's on the revealed leaves, and verify agrees.
    assert "Version 1 registered" in run(publish.cli, "--deployment", path, *store).output
    registered = json.loads(path.read_text())["registry"]
    version = read_version(project.ModelRegistry.at(registered["address"]), registered["line"], 1)
    assert version.cids["testSet"].digest != bytes(32)
    correct = sum(model.predict(leaf.sample) == leaf.label for leaf in test_set.leaves)
    assert version.accuracy_ppm == correct * 1_000_000 // size
    assert "All 8 checks passed" in run(verify.cli, "--deployment", path, *store).output

    # The positive one claims its stake, the pool and the negative one's stake, to the wei;
    # the negative one has nothing to claim; nothing is left anywhere.
    before = accounts[1].balance
    out = run(claim.cli, "--account", 1, "--deployment", path).output
    assert "1 claim(s)" in out and f"+{expected[0]} reputation" in out and "Withdrew" in out
    assert accounts[1].balance > before + REWARD  # less gas
    [payout] = trainer.MarketPayout.range(manifest["start_block"], chain.blocks.head.number + 1)
    assert payout.amount == STAKE + REWARD + STAKE and payout.reputationMinted == expected[0]
    out = run(claim.cli, "--account", 2, "--deployment", path).output
    assert "Nothing to claim or withdraw now" in out
    assert trainer.balance == 0 and trainer.credits(accounts[0]) == 0
    reputation = project.ReputationToken.at(trainer.reputation())
    assert reputation.balanceOf(accounts[1]) == reputation.totalSupply() == expected[0]
    assert "Nothing to claim" in run(claim.cli, "--account", 1, "--deployment", path).output


def scored_pair(mirror, test_set, encoder):
    """(text, label, account) of a training text whose update raises the mirror's count of
    correct test samples, then one whose update (after the first) lowers it."""
    candidates = [(t, y) for t in encodable_texts(encoder, 50) for y in (0, 1)]
    for good, y_good in candidates:
        if expected_scores(mirror, test_set, [(encoder.encode(good), y_good)])[0] <= 0:
            continue
        for bad, y_bad in candidates:
            pair = [(encoder.encode(good), y_good), (encoder.encode(bad), y_bad)]
            if bad != good and expected_scores(mirror, test_set, pair)[1] < 0:
                return [(good, y_good, 1), (bad, y_bad, 2)]
    raise AssertionError("no pair of contributions scoring above and below zero")


def test_market_provider_never_reveals(run, tmp_path, accounts, chain, project):
    """Past the reveal deadline without the test set: the first claim forfeits the market and
    pays stake + floor(pool / N); the provider withdraws the remainder; a late reveal fails."""
    path = tmp_path / "forfeit.json"
    # Judged by a test-set file this time: every row the encoder can encode, labels by name.
    rows = tmp_path / "test.csv"
    rows.write_text(
        'text,label\n"A warm, funny film.",positive\nThe worst film this year.,negative\n'
        "zzyzx qwfp,negative\nA moving and beautiful story.,positive\n"
    )
    out_file = tmp_path / "secret" / "leaves.json"
    test = ("--test-set", rows, "--test-set-out", out_file)
    manifest, out = deploy_market(run, path, test)
    assert f"Hidden test set: 3 samples ({rows})" in out  # the unencodable row is left out
    assert manifest["trainer"]["test_set"]["file"] == "secret/leaves.json"  # beside it
    assert sorted(TestSet.load(out_file).labels) == [0, 1, 1]  # by name: negative, positive
    trainer = project.PredictionMarket.at(manifest["trainer"]["address"])
    encoder = Encoder.from_spec(manifest["encoder"]["spec"])
    names = manifest["class_names"]
    a, b = encodable_texts(encoder, 2)
    contribute_texts(run, path, [(a, names[1], 1), (b, names[0], 2)])
    out = run(claim.cli, "--account", 1, "--deployment", path).output
    assert "Nothing to claim" in out  # still participating

    chain.pending_timestamp += 2 * WINDOW + 1
    out = run(status.cli, "--deployment", path).output
    share = REWARD // 2
    assert "phase forfeited" in out and f"stake plus {wei_to_eth(share)}" in out, out
    fails_with(run, accounts, "RevealClosed(deadline=", reveal.cli, "--deployment", path)
    late = ["--label", names[1], "--account", 3, "--deployment", path]
    line = fails_with(run, accounts, "ParticipationClosed(windowEnd=", contribute.cli, b, *late)
    assert "no more contributions" in line
    for account in (1, 2):
        before = accounts[account].balance
        out = run(claim.cli, "--account", account, "--deployment", path).output
        assert "1 claim(s)" in out and "Withdrew" in out, out
        assert accounts[account].balance > before
    assert trainer.forfeited() and trainer.forfeitShare() == share
    assert trainer.credits(accounts[0]) == REWARD - 2 * share == 1
    out = run(claim.cli, "--account", 0, "--deployment", path).output
    assert "Withdrew 1 wei" in out
    assert trainer.balance == 0


@pytest.fixture(scope="module")
def market(tmp_path_factory, network):
    """A market still in its participation window, for the mistakes below."""
    from click.testing import CliRunner

    path = tmp_path_factory.mktemp("market") / "market.json"
    args = ["--mechanism", "prediction-market", "--model", "naive-bayes", "--test-share", "0.2"]
    args += ["--reward", str(REWARD), "--out", str(path), "--network", network]
    assert CliRunner().invoke(deploy.cli, args).exit_code == 0
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--mechanism", "points", "--test-set", str(SAMPLE_REVIEWS)],
            "--test-set applies only to prediction-market, not to points",
        ),
        (["--reward", "5"], "--reward applies only to prediction-market"),
        (
            ["--mechanism", "prediction-market", "--reward", "5"],
            "give either --test-set FILE or --test-share X",
        ),
        (
            ["--mechanism", "prediction-market", "--test-share", "0.2", "--reward", "0"],
            "needs a reward pool: pass --reward WEI",
        ),
        (
            ["--mechanism", "prediction-market", "--test-share", "0.2", "--stake", "5"],
            "--stake must be a positive multiple of 1000000000000 wei",
        ),
        (
            ["--mechanism", "prediction-market", "--dataset", "sms-spam", "--test-share", "0.3"],
            "a market takes 1 to 1024: lower --test-share",
        ),
    ],
)
def test_deploy_market_mistakes(run, accounts, tmp_path, args, message):
    out = tmp_path / "deployment.json"
    reward = [] if "--reward" in args else ["--reward", REWARD]
    fails_with(run, accounts, message, deploy.cli, *args, *reward, "--out", out)
    assert not out.exists() and not (tmp_path / "deployment.test-set.json").exists()


def test_reveal_and_score_mistakes(run, accounts, tmp_path, market):
    fails_with(run, accounts, "RevealNotOpen(opensAt=", reveal.cli, "--deployment", market)
    fails_with(run, accounts, "NotScoring(phase=0)", score.cli, "--deployment", market)
    other = tmp_path / "other.test-set.json"
    TestSet.make([b"\x00\x01\x00\x02"], [0], seed=1).save(other)
    fails_with(
        run,
        accounts,
        "is not this market's test set",
        reveal.cli,
        "--test-set",
        other,
        "--deployment",
        market,
    )
    trainer_path = tmp_path / "trainer.json"
    run(deploy.cli, "--model", "naive-bayes", "--out", trainer_path)
    fails_with(run, accounts, "records no test set", reveal.cli, "--deployment", trainer_path)
    only = "only a prediction-market deployment"
    fails_with(run, accounts, only, score.cli, "--deployment", trainer_path)
