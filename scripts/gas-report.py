"""`ape run gas-report --out FILE.json`: deploy and exercise every model, write exact gas per
operation as JSON (scenario -> operation -> gas) and the table in docs/gas.md, then a real
sequence of contributions on the shipped SMS texts priced both ways (`ml/gas_sequence.py`), and
a standard prediction market on the same texts (`ml/gas_market.py`), and the model registry's
transactions (`ml/gas_registry.py`), and every write of a federated line with the fraud
proof's cost against its inputs and chunk size (`ml/gas_federated.py`).

Runs on anvil by default: its eth_estimateGas (the `predict` figure) equals the gas a call
uses, while eth-tester's estimate adds a margin. Deployments and updates are identical on both.
"""

import json
from pathlib import Path

import click
from ape import accounts, chain, networks
from ape.cli import ConnectedProviderCommand, network_option

from ml import gas_federated, gas_market, gas_registry, gas_sequence
from ml.gas import (
    SCENARIOS,
    floors,
    measure_model_scenario,
    measure_trainer_scenario,
    render_markdown,
)
from ml.simulate.anvil import embedded_anvil


@click.command(cls=ConnectedProviderCommand)
@network_option(default="ethereum:local:foundry")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    default="reports/gas.json",
    show_default=True,
    help="Where to write the JSON report.",
)
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, writable=True),
    default="docs/gas.md",
    show_default=True,
    help="Where to write the table.",
)
def cli(ecosystem, network, provider, out, markdown):
    """Measure the gas of every model operation on identical inputs to the reference's."""
    owner = accounts.test_accounts[0]
    report = {}
    for name in SCENARIOS:
        report[name] = measure_model_scenario(name, owner, chain)
        report[name].update(measure_trainer_scenario(name, accounts.test_accounts, chain))
        ops = ", ".join(f"{op} {gas:,}" for op, gas in report[name].items())
        click.echo(f"{name}: {ops}")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(markdown).parent.mkdir(parents=True, exist_ok=True)
    floor = {name: floors(name, accounts.test_accounts) for name in SCENARIOS}
    runs = [
        gas_sequence.measure(accounts.test_accounts, chain, model=kind, dataset="sms-spam")
        for kind in gas_sequence.MODELS
    ]
    report["sequence"] = [run.summary() for run in runs]
    report["registry"] = gas_registry.measure(accounts.test_accounts, chain)
    # A market's scoring is ~100 transactions of 4-8M gas each, and the line's largest fraud
    # proofs are over 10M: the anvil ape-foundry starts keeps every EVM step of them in memory
    # (--steps-tracing) and dies or stalls. So they run on the simulation's anvil (the same
    # gas: Cancun rules there, and no EIP-7623 floor reaches these transactions), reached
    # through ape-foundry's provider, which moves its time.
    with (
        embedded_anvil() as plain,
        networks.parse_network_choice(
            "ethereum:local:foundry", provider_settings={"host": plain.uri}
        ),
    ):
        markets = [
            gas_market.measure(accounts.test_accounts, chain, model=kind)
            for kind in gas_market.MODELS
        ]
        report["federated"] = gas_federated.measure(accounts.test_accounts, chain)
    report["market"] = [run.summary() for run in markets]
    Path(out).write_text(json.dumps(report, indent=2) + "\n")
    Path(markdown).write_text(
        render_markdown({k: v for k, v in report.items() if k in SCENARIOS}, floor)
        + "\n"
        + gas_sequence.render_markdown(runs)
        + "\n"
        + gas_market.render_markdown(report["market"])
        + "\n"
        + gas_registry.render_markdown(report["registry"])
        + "\n"
        + gas_federated.render_markdown(report["federated"])
    )
    click.echo(f"Wrote {out} and {markdown}")
