"""What a run produced (a RunResult, made at the end of the run), as report.json,
transactions.csv and summary.md, with the conservation check: the agents' ether changes sum to
minus (what the trainer still holds + the gas fees), and the fees are what the chain's fee
recipient received."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from .data import SimulationData
from .ledger import Tx
from .scenario import DAY, Scenario

#: Keys of report.json that differ from run to run with the same seed (the machine's speed).
TIMING_KEYS = ("wall_seconds", "loop_seconds", "tx_per_second")
#: An agent's counts of transactions, as the ledger keeps them (summed in the report's counts).
_COUNTS = (
    "contributions",
    "refunds",
    "takes",
    "withdrawals",
    "front_run",
    "reveals",
    "evaluations",
    "forfeits",
)
#: An agent's counts and amounts.
_STATS = (
    *_COUNTS,
    "deposited",
    "refunded",
    "taken",
    "withdrawn",
    "gas_used",
    "fees",
)


@dataclass(frozen=True)
class AgentResult:
    name: str
    kind: str
    addresses: list[str]
    start_balance: int  # wei, over all its addresses
    stats: dict[str, int]  # the ledger's counts and amounts
    balance_over_time: list[dict]  # one row per measurement


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    data: SimulationData
    deployment: dict
    agents: list[AgentResult]
    accuracy: list[dict]  # one row per measurement
    model_checks: list[dict]
    txs: list[Tx]
    held_at_end: int  # wei the trainer holds at the end, read from the chain
    coinbase_received: int  # wei the fee recipient gained during the run, read from the chain
    end_block: int
    loop_seconds: float
    wall_seconds: float
    market: dict | None = None  # a market's end (Simulation.market_outcome)


def _eth(stats: dict[str, int], open_deposits: int) -> dict[str, float]:
    """An agent's money in ether at the scenario's gas price: what it staked, got back, took
    and paid as gas, and its net (its ether and credit at the end less at the start) with
    and without the gas; deposits still open at the end are in neither."""
    wei = {k: stats.get(k, 0) for k in ("deposited", "refunded", "taken", "fees")}
    net_before_fees = wei["refunded"] + wei["taken"] - wei["deposited"]
    wei.update(
        net_before_fees=net_before_fees,
        net=net_before_fees - wei["fees"],
        open_deposits=open_deposits,
    )
    return {k: v / 10**18 for k, v in wei.items()}


def _gas_table(txs) -> dict:
    used = defaultdict(list)
    for tx in txs:
        used[tx.operation if tx.ok else f"{tx.operation} (reverted)"].append(tx.gas_used)
    return {
        op: {
            "count": len(g),
            "mean": round(sum(g) / len(g)),
            "min": min(g),
            "max": max(g),
            "total": sum(g),
        }
        for op, g in sorted(used.items())
    }


def build_report(result: RunResult) -> dict:
    s = result.scenario
    agents = {}
    for agent in result.agents:
        rows, stats = agent.balance_over_time, agent.stats
        end = rows[-1]
        agents[agent.name] = {
            "kind": agent.kind,
            "addresses": agent.addresses,
            "start_balance": agent.start_balance,
            "end_balance": end["balance"],
            "end_percent_of_start": 100 * end["balance"] / agent.start_balance,
            "credit": end["credit"],
            "open_deposits": end["open_deposits"],
            "reputation": end["reputation"],
            **{k: stats.get(k, 0) for k in _STATS},
            "eth": _eth(stats, end["open_deposits"]),
            "balance_over_time": rows,
        }
    accuracies = [row["accuracy"] for row in result.accuracy]
    fees = sum(tx.fee for tx in result.txs)
    changes = sum(a["end_balance"] - a["start_balance"] for a in agents.values())
    held = result.held_at_end
    counts = {k: sum(a[k] for a in agents.values()) for k in _COUNTS}
    blocks = len({tx.block for tx in result.txs})
    return {
        "scenario": {**asdict(s), "cost_weight": s.cost_weight},
        "data": {
            "dataset": s.dataset,
            "model": s.model,
            "initial_samples": result.data.initial_size,
            "pool_samples": len(result.data.pool),
            "test_samples": len(result.data.test_labels),
            "full_data_accuracy": result.data.full_data_accuracy,
        },
        "chain": {
            **result.deployment,
            "start_block": result.accuracy[0]["block"],
            "end_block": result.end_block,
            "blocks_with_transactions": blocks,
        },
        "simulated_seconds": s.duration,
        "simulated_days": s.duration / DAY,
        "agents": agents,
        "accuracy": result.accuracy,
        "accuracy_summary": {
            "start": accuracies[0],
            "end": accuracies[-1],
            "min": min(accuracies),
            "max": max(accuracies),
        },
        "counts": counts,
        "market": result.market,
        "gas": _gas_table(result.txs),
        "conservation": {
            "sum_of_balance_changes": changes,
            "held_by_trainer": held,
            "gas_fees": fees,
            "coinbase_received": result.coinbase_received,
            "holds": changes == -(held + fees) and result.coinbase_received == fees,
        },
        "model_checks": result.model_checks,
        "transactions": len(result.txs),
        "tx_per_second": len(result.txs) / result.loop_seconds if result.loop_seconds else 0.0,
        "loop_seconds": result.loop_seconds,
        "wall_seconds": result.wall_seconds,
    }


def summary(report: dict) -> str:
    s, acc = report["scenario"], report["accuracy_summary"]
    lines = [
        f"# Simulation `{s['name']}`",
        "",
        f"{report['simulated_days']:g} simulated days, {s['model']} on {s['dataset']}, "
        f"mechanism {s['mechanism']}, gas price {s['gas_price_gwei']:g} gwei "
        f"(initial model on {report['data']['initial_samples']} samples; the same model on all "
        f"the training data: {report['data']['full_data_accuracy']:.1%}).",
        "",
        f"- Accuracy on {report['data']['test_samples']} held-out samples: start "
        f"{acc['start']:.1%}, end {acc['end']:.1%}, min {acc['min']:.1%}, max {acc['max']:.1%}.",
    ]
    for name, a in report["agents"].items():
        eth = a["eth"]
        lines.append(
            f"- {name} ({a['kind']}): {a['end_percent_of_start']:.1f}% of its start balance; "
            f"{a['contributions']} contributions, {a['refunds']} refunds, {a['takes']} takes, "
            f"reputation {a['reputation']}. In ETH: deposited {eth['deposited']:.6f}, "
            f"refunded {eth['refunded']:.6f}, taken {eth['taken']:.6f}, "
            f"gas {eth['fees']:.6f}; net {eth['net']:+.6f} ({eth['net_before_fees']:+.6f} "
            f"before gas), {eth['open_deposits']:.6f} still deposited."
        )
    market = report["market"]
    if market is not None:
        scores = "; ".join(
            f"{name} {row['positive']} above zero, {row['zero']} at zero, {row['negative']} "
            f"below (total {row['total']:+d})"
            for name, row in market["scores"].items()
        )
        lines.append(
            f"- The market ends {market['phase']}: {market['revealed']} of "
            f"{market['test_set_size']} test samples revealed, {market['scored']} of "
            f"{market['contributions']} contributions scored ({market['positive_total']} points "
            f"above zero, {market['negative_count']} stakes forfeited). Scores: {scores or 'none'}."
        )
    c, conservation = report["counts"], report["conservation"]
    chunks = (
        f", {c['reveals']:,} reveals, {c['evaluations']:,} scoring chunks, {c['forfeits']} forfeits"
        if market is not None
        else ""
    )
    lines += [
        f"- {report['transactions']:,} transactions ({c['contributions']:,} contributions, "
        f"{c['refunds']:,} refunds, {c['takes']:,} takes, {c['withdrawals']:,} withdrawals"
        f"{chunks}) "
        f"in {report['chain']['blocks_with_transactions']:,} blocks: "
        f"{report['tx_per_second']:.0f} tx/s, {report['wall_seconds']:.0f} s in all.",
        f"- Conservation (agents' ether changes = -(trainer's ether + gas fees), and the fees "
        f"= what the fee recipient received, to the wei): "
        f"{'holds' if conservation['holds'] else 'FAILS'}.",
    ]
    return "\n".join(lines) + "\n"


def write_report(result: RunResult, out: Path) -> dict:
    """report.json, transactions.csv (every transaction: the audit trail) and summary.md;
    returns the report."""
    report = build_report(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    with (out / "transactions.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        fields = ["time", "block", "hash", "agent", "address", "operation", "value", "ok"]
        writer.writerow(fields + ["gas_used", "fee"])
        for tx in result.txs:
            writer.writerow([getattr(tx, k) for k in fields] + [tx.gas_used, tx.fee])
    (out / "summary.md").write_text(summary(report))
    return report


#: The files of a run that `publish_report` adds to a store: the report and its audit trail.
PUBLISHED_FILES = ("report.json", "transactions.csv")


def publish_report(out: Path, store) -> dict[str, str]:
    """Adds a run's report.json and transactions.csv, byte for byte as written, to `store` and
    records their CIDs in out/published.json; returns {file name: CID}. The report names the
    chain, the deployment's transactions and each measurement's block and last transaction,
    and the CSV every transaction's hash and block: the CIDs pin those facts."""
    cids = {name: str(store.add((out / name).read_bytes())) for name in PUBLISHED_FILES}
    (out / "published.json").write_text(json.dumps(cids, indent=1) + "\n")
    return cids
