"""The transaction-safe client: dry runs that refuse with the decoded custom error and send
nothing, nonces tracked per account across interleaved senders, and the persistent local
chain's lifecycle."""

import pytest

from ml.chain import ChainError, Client, decode_error, local
from ml.deploy import deploy_model, deploy_trainer
from ml.models import SparsePerceptron
from ml.packing import encode_sparse


@pytest.fixture
def trainer(owner):
    model = SparsePerceptron(num_features=16, learning_rate=0.5)
    contract = deploy_model(model, owner).contract
    return deploy_trainer(contract, owner, refund_wait=60, any_address_wait=120).contract, contract


def test_a_refused_dry_run_names_the_error_of_the_right_contract_and_sends_nothing(
    trainer, accounts
):
    trainer, model = trainer
    client = Client(contracts=[trainer, model])
    sender = accounts[1]
    nonce = sender.nonce
    with pytest.raises(ChainError, match=r"^InsufficientDeposit\(sent=0, required=\d+\): send"):
        client.send(trainer.addData, encode_sparse([1, 2], 16), 1, sender=sender)
    # A model error travels through the trainer and is decoded with the model's ABI.
    with pytest.raises(ChainError, match=r"^UnknownClass\(label=7, numClasses=2\)"):
        client.send(trainer.addData, encode_sparse([1], 16), 7, sender=sender, value=10**19)
    bad = bytes.fromhex("0002") + bytes.fromhex("0001")  # indices 2 then 1
    with pytest.raises(ChainError, match=r"^FeaturesNotIncreasing\(position=1, previous=2"):
        client.send(trainer.addData, bad, 1, sender=sender, value=10**19)
    with pytest.raises(ChainError, match=r"^NothingToWithdraw\(account=0x"):
        client.send(trainer.withdraw, sender=sender)
    assert sender.nonce == nonce


def test_nonces_are_tracked_per_account_across_interleaved_senders(trainer, accounts):
    trainer, model = trainer
    client = Client(contracts=[trainer, model])
    senders = [accounts[1], accounts[2], accounts[3]]
    start = [s.nonce for s in senders]
    for round_ in range(3):
        for i, sender in enumerate(senders):
            sample = encode_sparse([round_ * 3 + i], 16)
            value = trainer.requiredDeposit() * 2
            receipt = client.send(trainer.addData, sample, 1, sender=sender, value=value)
            assert receipt.transaction.nonce == start[i] + round_
    assert [s.nonce for s in senders] == [n + 3 for n in start]
    # A transaction the client did not send moves the chain's count past the client's:
    # the next nonce is the chain's, not a reused one.
    trainer.withdraw(sender=senders[0])
    receipt = client.send(trainer.withdraw, sender=senders[1])
    assert receipt.transaction.nonce == start[1] + 3
    receipt = client.send(
        trainer.addData, encode_sparse([15], 16), 0, sender=senders[0], value=10**19
    )
    assert receipt.transaction.nonce == start[0] + 4


def test_decode_error_ignores_unknown_selectors(trainer):
    trainer, model = trainer
    assert decode_error(bytes.fromhex("deadbeef"), [trainer, model]) is None
    assert decode_error(b"", [trainer]) is None


def test_the_local_chain_starts_once_persists_and_stops(tmp_path):
    uri = local.ensure(tmp_path)
    try:
        assert local.running(tmp_path)["uri"] == uri
        assert local.ensure(tmp_path) == uri  # already running: the same chain
    finally:
        assert local.stop(tmp_path)
    assert local.running(tmp_path) is None
    assert (tmp_path / "state.json").is_file()  # saved on stop, loaded on the next start
    assert not local.stop(tmp_path, forget=True)
    assert not (tmp_path / "state.json").exists()
