"""Wall time and transactions per second of a simulation on each chain backend, in one run.

Run with ``python scripts/bench_simulation.py`` (or ``ape run bench_simulation``): the reference
scenario on revm, then on anvil, each deployed on a fresh embedded anvil. `--days` shortens the
scenario for a quick look. tx/s is the run's transactions over its event loop's time; wall is
the whole run (deployment, loop and settlement); CPU is the processor time of this process and
of revm's worker (anvil's own is not counted: it is still running), which a busy machine does
not inflate as it does wall time. The last line says whether both backends gave the same report
(gas, statuses, balances; timings and transaction hashes aside).
"""

import resource
import time
from dataclasses import replace

import click

from ml.simulate import embedded_anvil, load_preset, preset_names, run_scenario
from ml.simulate.report import TIMING_KEYS
from ml.simulate.runner import BACKENDS


def _cpu_seconds() -> float:
    """Processor time of this process and of its children that have ended."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def _outcome(report: dict) -> dict:
    out = {k: v for k, v in report.items() if k not in TIMING_KEYS}
    out["accuracy"] = [{k: v for k, v in r.items() if k != "last_tx"} for r in report["accuracy"]]
    return out


@click.command()
@click.option("--preset", default="reference", show_default=True, help=", ".join(preset_names()))
@click.option("--days", type=float, help="Simulated days instead of the preset's.")
@click.option(
    "--backend",
    "backends",
    type=click.Choice(list(BACKENDS)),
    multiple=True,
    help="A backend to time (repeatable; default: revm and anvil).",
)
def cli(preset, days, backends):
    """Time the scenario on each backend."""
    scenario = load_preset(preset)
    if days is not None:
        if days <= 0:
            raise click.UsageError("--days must be positive")
        scenario = replace(scenario, days=days)
    outcomes = {}
    click.echo(f"{scenario.name}: {scenario.days:g} simulated days, {len(scenario.agents)} agents")
    for backend in backends or ("revm", "anvil"):
        start = time.perf_counter()
        with embedded_anvil() as provider:
            cpu = _cpu_seconds()
            report = run_scenario(scenario, provider=provider, backend=backend)
            cpu = _cpu_seconds() - cpu
        outcomes[backend] = _outcome(report)
        click.echo(
            f"  {backend:<6} {report['transactions']:>7,} tx  "
            f"wall {report['wall_seconds']:6.1f} s  loop {report['loop_seconds']:6.1f} s  "
            f"{report['tx_per_second']:7,.0f} tx/s  CPU {cpu:6.1f} s  "
            f"(with anvil's start and stop: wall {time.perf_counter() - start:.1f} s)"
        )
    if len(outcomes) > 1:
        same = all(o == next(iter(outcomes.values())) for o in outcomes.values())
        click.echo(f"  same gas, statuses and balances on every backend: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    cli()
