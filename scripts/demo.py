"""The main demo: on the embedded chain, train a model off chain, deploy it in chunks, query it
for free, teach it on chain, and check the chain against the Python mirror.

Run with `make demo` (anvil) or `ape run demo` (ape's in-process chain).
"""

import click
from ape import accounts, chain
from ape.cli import ConnectedProviderCommand, network_option

from ml import datasets
from ml.deploy import deploy_model
from ml.models import NaiveBayes
from ml.training import train_naive_bayes


def _show(label: str, receipt) -> None:
    click.echo(
        f"  {label:<22} block {receipt.block_number:>3}  gas {receipt.gas_used:>10,}  "
        f"tx {receipt.txn_hash}"
    )


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--queries", default=30, show_default=True, help="Test digits to predict on chain.")
@click.option("--updates", default=5, show_default=True, help="Labelled digits to learn on chain.")
def cli(ecosystem, network, provider, queries, updates):
    """Train naive Bayes on scikit-learn's digits, deploy it, predict and learn on chain."""
    owner = accounts.test_accounts[0]
    uri = getattr(provider, "uri", "in-process")
    click.echo(f"Chain: {provider.name} at {uri} (chain id {chain.chain_id})")

    data = datasets.digits_binary(seed=0)
    trained = train_naive_bayes(
        data.X_train[:-updates],
        data.y_train[:-updates],
        data.X_test,
        data.y_test,
        num_classes=10,
        class_names=data.class_names,
    )
    click.echo(f"Trained off chain on {len(data.X_train) - updates} digits: {trained.summary()}")

    model = trained.mirror
    deployment = deploy_model(model, owner)
    contract = deployment.contract
    click.echo(
        f"Deployed {model.contract_name} at {contract.address} in {deployment.transactions} "
        f"transactions, {deployment.gas_used:,} gas:"
    )
    for label, receipt in zip(
        ["constructor"] + [f"chunk {i}" for i, _ in model.chunks()] + ["finalize"],
        deployment.receipts,
        strict=True,
    ):
        _show(label, receipt)

    samples = datasets.indices(data.X_test[:queries])
    predictions = [contract.predict(model.encode(x)) for x in samples]
    correct = sum(int(p == y) for p, y in zip(predictions, data.y_test[:queries], strict=True))
    click.echo(f"Predicted {queries} test digits with free view calls: {correct} correct")

    click.echo(f"Learning {updates} more labelled digits on chain with update():")
    for x, y in zip(
        datasets.indices(data.X_train[-updates:]), data.y_train[-updates:], strict=True
    ):
        receipt = contract.update(model.encode(x), int(y), sender=owner)
        model.update_fixed(x, int(y))
        _show(f"digit {y} ({len(x)} pixels)", receipt)

    same = NaiveBayes.from_contract(contract).state() == model.state()
    click.echo(f"Chain state equals the Python mirror's, bit for bit: {same}")
    if not same:
        raise click.ClickException("the chain and the mirror disagree")
