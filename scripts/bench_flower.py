"""Rounds per minute, on-chain gas per round and the ServerApp's memory of the federated line on
Flower's deployment runtime (`make bench-flower`): an anvil, a line, a SuperLink and one
SuperNode per client, all as processes on this machine (2 cores here), then `ape run federated
flower` for --rounds rounds. A round's wall time runs from opening it to settling it (the local
chain's windows are skipped by moving its clock); its gas is every transaction of the round
(opening, commits, reveals, post, settlement; not the members' joins before their first commit).
Memory is the peak resident set of the
flwr-serverapp process, sampled every 0.2 s. Results in OUT/bench.json and OUT/bench.md.

There are ten funded test accounts: with 10 clients the creator (0) and the aggregator (1)
train too, which changes no gas figure of a round.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import psutil

from ml.chain.local import MNEMONIC, launch
from ml.federated.flower import PROJECT_ROOT, local_federation

MEMBER_ACCOUNTS = (2, 3, 4, 5, 6, 7, 8, 9, 0, 1)


def _ape(uri, *args):
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ape"),
            "run",
            *map(str, args),
            "--network",
            "ethereum:local:foundry",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "APE_FOUNDRY_HOST": uri},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        command = " ".join(map(str, args))
        raise click.ClickException(
            f"ape run {command} failed:\n{done.stdout[-3000:]}{done.stderr[-1000:]}"
        )
    return done.stdout


class PeakMemory(threading.Thread):
    """The largest resident set of any process whose command line has `needle`."""

    def __init__(self, needle: str):
        super().__init__(daemon=True)
        self.needle, self.peak, self.running = needle, 0, True

    def run(self):
        while self.running:
            for p in psutil.process_iter(["cmdline", "memory_info"]):
                if any(self.needle in part for part in p.info["cmdline"] or []):
                    self.peak = max(self.peak, p.info["memory_info"].rss)
            time.sleep(0.2)


@click.command()
@click.option(
    "--runtime",
    type=click.Choice(["deployment", "simulation"]),
    default="deployment",
    show_default=True,
    help="SuperNode processes, or Flower's simulation runtime (Ray).",
)
@click.option("--clients", type=click.IntRange(1, len(MEMBER_ACCOUNTS)), default=10)
@click.option("--rounds", type=click.IntRange(1), default=3, show_default=True)
@click.option("--hidden", type=click.IntRange(1), default=16, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/bench-flower"),
    show_default=True,
)
def cli(runtime, clients, rounds, hidden, out):
    out.mkdir(parents=True, exist_ok=True)
    process, uri = launch(["--mnemonic", MNEMONIC, "--hardfork", "prague"], detach=True)
    try:
        manifest = out / "federated.json"
        _ape(
            uri,
            "federated",
            "create",
            "--hidden",
            hidden,
            "--validation",
            200,
            "--quorum",
            max(1, clients // 2),
            "--out",
            manifest,
            "--store",
            out / "artifacts",
        )
        accounts = MEMBER_ACCOUNTS[:clients]
        # the ServerApp: its own process, or with the Ray driver in the simulation process
        memory = PeakMemory("flwr-simulation" if runtime == "simulation" else "flwr-serverapp")
        memory.start()
        common = (
            "federated",
            "flower",
            "--deployment",
            manifest,
            "--rounds",
            rounds,
            "--out",
            out / "rounds.json",
        )
        started = time.monotonic()
        if runtime == "simulation":
            _ape(uri, *common, "--simulation", clients, "--accounts", ",".join(map(str, accounts)))
        else:
            with local_federation(out, accounts, chain=uri) as (superlink, _processes):
                _ape(uri, *common, "--superlink", superlink, "--min-nodes", clients)
        wall = time.monotonic() - started
        memory.running = False
    finally:
        process.terminate()
        process.wait(timeout=30)
    report = json.loads((out / "rounds.json").read_text())
    rows = []
    for r in report:
        gas = r["gas"]
        total = sum(v for v in gas.values() if isinstance(v, int))
        total += sum(sum(v) for v in gas.values() if isinstance(v, list))
        rows.append(
            {
                "round": r["round"],
                "seconds": r["seconds"],
                "gas": total,
                "accuracy": r["accuracy"],
                "outcome": r["outcome"],
            }
        )
    steady = rows[1:] or rows
    summary = {
        "runtime": runtime,
        "clients": clients,
        "rounds": rows,
        "rounds_per_minute": 60 * len(steady) / sum(r["seconds"] for r in steady),
        "gas_per_round": sum(r["gas"] for r in steady) / len(steady),
        "serverapp_peak_rss_mib": memory.peak / 2**20,
        "wall_seconds": wall,
    }
    (out / "bench.json").write_text(json.dumps(summary, indent=1) + "\n")
    lines = [
        f"{clients} clients, {rounds} rounds on Flower's {runtime} runtime (one machine, "
        f"{os.cpu_count()} cores):",
        "",
        "| round | outcome | wall s | gas (all the round's transactions) | test accuracy |",
        "|---:|---|---:|---:|---:|",
        *(
            f"| {r['round']} | {r['outcome']} | {r['seconds']:.1f} | {r['gas']:,} | "
            f"{r['accuracy']:.1%} |"
            for r in rows
        ),
        "",
        f"Rounds per minute (after the first): {summary['rounds_per_minute']:.2f}; gas per "
        f"round {summary['gas_per_round']:,.0f}; the ServerApp's peak memory "
        f"{summary['serverapp_peak_rss_mib']:.0f} MiB; the whole run {wall:.0f} s.",
    ]
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    click.echo("\n".join(lines))


if __name__ == "__main__":
    cli()
