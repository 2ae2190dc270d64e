"""`ape run simulate --preset quick --out reports/sim`: contributors and attackers on the real
contracts on anvil; writes report.json, transactions.csv, summary.md, accuracy.png and
balances.png (and, for a sweep, one folder per point with sweep.json and sweep.png)."""

from pathlib import Path

import click

from ml.artifacts.store import open_store
from ml.commands.common import ipfs_option, one_line_errors, store_option
from ml.simulate import (
    Sweep,
    embedded_anvil,
    load_preset,
    load_scenario,
    preset_names,
    run_scenario,
    run_sweep,
)
from ml.simulate.data import load_data
from ml.simulate.report import publish_report


def _progress_bar(label: str, seconds: int):
    """A progress bar over simulated time; returns the callback the run reports to."""
    bar = click.progressbar(length=seconds, label=label, show_eta=True, show_percent=True)
    bar.__enter__()
    done = 0

    def update(elapsed: int) -> None:
        nonlocal done
        if done < seconds:
            bar.update(min(elapsed, seconds) - done)
            done = min(elapsed, seconds)
            if done == seconds:
                bar.__exit__(None, None, None)

    return update


def _out_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"--out {path}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise click.UsageError(f"--out {path}: cannot create it ({err.strerror})") from err
    return out


@click.command()
@click.option("--preset", help=f"A bundled scenario: {', '.join(preset_names())}.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="A scenario YAML file.")
@click.option(
    "--out", default="reports/simulation", show_default=True, help="Folder for the outputs."
)
@click.option(
    "--backend",
    type=click.Choice(["anvil", "revm"]),
    default="anvil",
    show_default=True,
    help="The chain the run's transactions go to after the deployment on anvil: anvil, or revm "
    "in-process (same gas and outcome, several times faster).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Add report.json and transactions.csv to the artifact store and print their CIDs "
    "(recorded in published.json).",
)
@ipfs_option
@store_option
@one_line_errors
def cli(preset, config, out, backend, publish, ipfs, store_root):
    """Simulate contributors and attackers against a deployed model and its incentives, on an
    anvil of the simulation's own."""
    if (preset is None) == (config is None):
        raise click.UsageError("give exactly one of --preset NAME or --config FILE")
    # Every check (a ScenarioError: one line), the data's included, before a chain starts.
    scenario = load_preset(preset) if preset else load_scenario(config)
    data = load_data(scenario)
    if publish and isinstance(scenario, Sweep):
        raise click.UsageError(
            "--publish takes one run's report; publish a sweep's points one by one"
        )
    store = open_store(ipfs, root=store_root) if publish else None  # a bad node fails first
    out = _out_dir(out)
    if isinstance(scenario, Sweep):
        points = run_sweep(
            scenario,
            out=out,
            progress=lambda s: _progress_bar(s.name, s.duration),
            data=data,
            backend=backend,
        )
        click.echo((out / "summary.md").read_text())
        click.echo(f"{len(points)} runs; sweep.json, sweep.png and summary.md in {out}")
        return
    with embedded_anvil() as provider:
        _run(scenario, provider, out, data, backend)
    if store is not None:
        for name, cid in publish_report(out, store).items():
            click.echo(f"published {name}: {cid}")


def _run(scenario, provider, out: Path, data, backend: str) -> None:
    report = run_scenario(
        scenario,
        provider=provider,
        out=out,
        data=data,
        progress=_progress_bar(scenario.name, scenario.duration),
        backend=backend,
    )
    click.echo((out / "summary.md").read_text())
    click.echo(
        f"report.json, transactions.csv, summary.md, accuracy.png and balances.png in {out} "
        f"({report['transactions']:,} transactions at {report['tx_per_second']:.0f} tx/s)"
    )
