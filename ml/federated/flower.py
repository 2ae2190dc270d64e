"""The federated line's rounds on Flower (`flwr`): a ServerApp that coordinates each round
through the chain and a ClientApp that trains and commits through it. Flower carries the
messages between processes and machines (SuperLink, SuperNodes) and handles their failures; the
chain carries the protocol (`ml.federated.line`), so what a round does on chain is exactly what
`ape run federated round` does, with the same aggregate for the same seeds.

A round: the ServerApp (the line's aggregator) opens it and sends a `train` message to every
connected node; each ClientApp (one member: its own account, its shard) joins or tops up if it
must, trains its update from the global model (`rounds.trained_update`, with differential
privacy if configured, the noise from the operating system's entropy), stores it, commits and
keeps the salt beside the manifest (`commit_update`). After the commit window the ServerApp sends
a `query` message asking each committed node to reveal (`reveal_saved`); a node that fails or
does not answer in time is a straggler and the round goes on without it (the chain slashes a
commitment never revealed). After the reveal window the ServerApp aggregates the revealed
updates by the line's rule with leave-one-out attribution (`Line.compute`), posts, waits out the
challenge window and settles. On a local chain it moves the clock through the windows; on any
other network it waits for them.

Run configuration (the app's pyproject.toml, overridden by `flwr run --run-config`): manifest
(the line's federated.json), network (an ape network choice; "local": the anvil at `chain`),
chain, aggregator (an account), rounds, seed, timeout (seconds a node has to answer), dp-clip,
dp-noise, dp-delta, straggle (partitions that never reveal, for tests and demos), out (a JSON
report of every round). Node configuration (`flower-supernode --node-config`): partition-id,
num-partitions, account.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from flwr.app import ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp

#: the repository (ape's project: contracts, ape-config.yaml), whatever the process's directory
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: where the app's pyproject.toml is: `flwr run` takes this directory
APP_DIR = Path(__file__).resolve().parent / "flower_app"

server_app = ServerApp()
client_app = ClientApp()


@contextmanager
def _chain(run_config):
    """The provider of the run's network, with ape's project at the repository."""
    os.chdir(PROJECT_ROOT)
    from ml.commands.common import connected

    network = str(run_config["network"])
    if run_config.get("chain"):  # a local anvil at this address
        os.environ["APE_FOUNDRY_HOST"] = str(run_config["chain"])
        network = "ethereum:local:foundry" if network == "local" else network
    with connected(network) as provider:
        yield provider


def _line(run_config, provider):
    from ml.commands.common import read_manifest
    from ml.commands.federated import KIND, open_line

    path = Path(str(run_config["manifest"]))
    manifest = read_manifest(path, KIND)
    return manifest, path, open_line(manifest, provider)


def _privacy(run_config):
    from ml.commands.federated import privacy_of

    clip = float(run_config.get("dp-clip", 0.0))
    return privacy_of(
        clip or None,
        float(run_config.get("dp-noise", 0.0)),
        float(run_config.get("dp-delta", 1e-5)),
    )


def _account(run_config, node_config) -> str:
    """The member's account: the node's (`--node-config account=...`), or in the simulation
    runtime (whose nodes have only a partition) the run's `accounts` list at the partition."""
    if "account" in node_config:
        return str(node_config["account"])
    accounts = str(run_config.get("accounts", "")).split(",")
    k = int(node_config["partition-id"])
    if k >= len(accounts) or not accounts[k]:
        raise RuntimeError(f"no account for partition {k}: the run's accounts are {accounts}")
    return accounts[k]


def _signer(name: str, provider):
    """The account `name` (a test account's index on a local chain, else an ape account alias)
    set to sign without asking: a Flower process has nobody to answer a prompt, so an ape
    account's passphrase comes from APE_ACCOUNTS_<alias>_PASSPHRASE."""
    from ml.commands.common import load_account

    account = load_account(name, provider)
    if hasattr(account, "set_autosign"):
        account.set_autosign(True)
    return account


def _reply(msg: Message, **metrics) -> Message:
    return Message(RecordDict({"metrics": MetricRecord(metrics)}), reply_to=msg)


# ---------------------------------------------------------------- a member (ClientApp)


@client_app.train()
def commit(msg: Message, context: Context) -> Message:
    """Train this node's update for the round in the message and commit it."""
    from ml.commands.federated import _data, commit_update, ready_to_commit
    from ml.federated.rounds import trained_update
    from ml.federated.shards import iid

    run, node = context.run_config, context.node_config
    number = int(msg.content["config"]["round"])
    k, n = int(node["partition-id"]), int(node["num-partitions"])
    with _chain(run) as provider:
        manifest, path, line = _line(run, provider)
        member = _signer(_account(run, node), provider)
        gas = ready_to_commit(line, member)
        data = _data(manifest)
        rows = iid(data.y_train, n, seed=manifest["dataset"]["seed"])[k]
        update = trained_update(
            line.spec.arch, line.global_model(), data, rows, k, number, int(run["seed"])
        )
        pending, receipt, spent = commit_update(line, member, number, update, path, _privacy(run))
    return _reply(
        msg,
        partition=k,
        commit_gas=receipt.gas_used,
        join_gas=sum(gas.values()),
        epsilon=spent["epsilon"] if spent else -1.0,
    )


@client_app.query()
def reveal(msg: Message, context: Context) -> Message:
    """Reveal what this node committed in the round (a configured straggler never does)."""
    from ml.commands.federated import reveal_saved

    run, node = context.run_config, context.node_config
    k = int(node["partition-id"])
    if str(k) in str(run.get("straggle", "")).split(","):
        raise RuntimeError(f"partition {k} straggles: it does not reveal")
    with _chain(run) as provider:
        _manifest, path, line = _line(run, provider)
        member = _signer(_account(run, node), provider)
        _pending, receipt = reveal_saved(line, member, path)
    return _reply(msg, partition=k, reveal_gas=receipt.gas_used)


# ---------------------------------------------------------------- the aggregator (ServerApp)


def _wait(line, seconds: int, deadline: int) -> None:
    """Past `deadline` (chain time): the clock moved on a local chain, a wait elsewhere."""
    from ape import chain

    from ml.commands.common import is_local
    from ml.federated.line import advance

    if is_local(chain.provider):
        advance(seconds)
        return
    while chain.blocks.head.timestamp <= deadline:
        time.sleep(5)


def _ask(grid: Grid, nodes, message_type: str, number: int, timeout: float):
    """{partition: metrics} of the nodes that answered without error in time."""
    messages = [
        Message(
            RecordDict({"config": ConfigRecord({"round": number})}),
            dst_node_id=node,
            message_type=message_type,
        )
        for node in nodes
    ]
    answered = {}
    for reply in grid.send_and_receive(messages, timeout=timeout):
        if reply.has_content():
            metrics = dict(reply.content["metrics"])
            answered[reply.metadata.src_node_id] = metrics
    return answered


def _nodes(grid: Grid, wanted: int, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        nodes = sorted(grid.get_node_ids())
        if len(nodes) >= wanted or time.monotonic() > deadline:
            return nodes
        time.sleep(1)


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    from ml.commands.federated import _data
    from ml.federated.line import OUTCOMES, LineError, find
    from ml.federated.mlp import accuracy

    run = context.run_config
    timeout = float(run["timeout"])
    rounds, report = int(run["rounds"]), []
    with _chain(run) as provider:
        manifest, _path, line = _line(run, provider)
        contract, terms = line.contract, line.contract.terms()
        aggregator = _signer(str(run["aggregator"]), provider)
        data, arch = _data(manifest), line.spec.arch

        def correct(vector):
            return round(accuracy(arch, vector, data.X_val, data.y_val) * len(data.y_val))

        for _ in range(rounds):
            started = time.monotonic()
            nodes = _nodes(grid, int(run.get("min-nodes", 1)), timeout)
            gas = {"openRound": line.client.send(contract.openRound, sender=aggregator).gas_used}
            number = int(contract.currentRound())
            committed = _ask(grid, nodes, "train", number, timeout)
            r = contract.rounds(number)
            _wait(line, terms.commitWindow, r.commitDeadline)
            revealed = _ask(grid, list(committed), "query", number, timeout)
            _wait(line, terms.revealWindow, r.revealDeadline)
            posted = False
            if len(line.reveals(number)) >= terms.quorum:  # else the round fails on chain
                try:
                    posting = line.compute(number, correct)
                    gas["postAggregate"] = line.post(aggregator, number, posting).gas_used
                    posted = True
                except LineError:  # nothing revealed could be used: the round fails
                    pass
            if posted:
                _wait(line, terms.challengeWindow, contract.rounds(number).challengeDeadline)
            else:
                _wait(line, terms.aggregateWindow, r.aggregateDeadline)
            gas["settle"] = line.settle(aggregator, number).gas_used
            model = line.global_model()
            report.append(
                {
                    "round": number,
                    "outcome": OUTCOMES[contract.rounds(number).outcome],
                    "model_cid": str(find(line.store, bytes(contract.globalModelCid()))),
                    "accuracy": accuracy(arch, model, data.X_test, data.y_test),
                    "committed": sorted(int(m["partition"]) for m in committed.values()),
                    "revealed": sorted(int(m["partition"]) for m in revealed.values()),
                    "epsilon": {
                        int(m["partition"]): m["epsilon"]
                        for m in committed.values()
                        if m["epsilon"] >= 0
                    },
                    "gas": {
                        **gas,
                        "commit": [int(m["commit_gas"]) for m in committed.values()],
                        "reveal": [int(m["reveal_gas"]) for m in revealed.values()],
                    },
                    "seconds": time.monotonic() - started,
                }
            )
            print(json.dumps(report[-1]), flush=True)
            if run.get("out"):  # after every round: a run that fails later keeps its rounds
                Path(str(run["out"])).write_text(json.dumps(report, indent=1) + "\n")


# ---------------------------------------------------------------- a federation on this machine


@contextmanager
def local_federation(
    where: Path,
    accounts=(),
    *,
    chain: str = "",
    simulation: bool = False,
    start_seconds: float = 60,
):
    """A SuperLink and one SuperNode per member account (partition k of len(accounts)) on
    loopback, each in a process group of its own with its log in `where`; yields the
    SuperLink's address and the processes, and stops them all. `chain`: the anvil they join
    (APE_FOUNDRY_HOST). `simulation`: a SuperLink of the simulation runtime (its members are
    Ray workers it starts itself), and no SuperNodes."""
    import signal
    import subprocess
    import sys

    from ml.chain.local import _free_port

    bin_dir = Path(sys.executable).parent
    where = where.resolve()  # Flower's runtime environments are not found by a relative home
    env = {**os.environ, "FLWR_HOME": str(where / "flwr")}
    if chain:
        env["APE_FOUNDRY_HOST"] = chain
    port, processes = _free_port(0), []

    def start(name, *args, log):
        out = (where / log).open("w")
        processes.append(
            subprocess.Popen(
                [str(bin_dir / name), "--insecure", *map(str, args)],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    try:
        start(
            "flower-superlink",
            *(["--simulation"] if simulation else []),
            "--port",
            port,
            "--database",
            where / "superlink.db",
            log="superlink.log",
        )
        _wait_for_port(port, start_seconds)
        for k, account in enumerate(accounts):
            node = f"partition-id={k} num-partitions={len(accounts)} account={account}"
            start(
                "flower-supernode",
                "--superlink",
                f"127.0.0.1:{port}",
                "--port",
                _free_port(0),
                "--node-config",
                node,
                log=f"supernode{k}.log",
            )
        yield f"127.0.0.1:{port}", processes
    finally:
        for process in processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _wait_for_port(port: int, seconds: float) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the SuperLink did not listen on port {port} within {seconds:g} s")
