"""What a run produced, as report.json, transactions.csv and summary.md, with the conservation
check: the agents' ether changes sum to minus (what the trainer still holds + the gas fees)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from .scenario import DAY

if TYPE_CHECKING:
    from .runner import Simulation

#: Keys of report.json that differ from run to run with the same seed (the machine's speed).
TIMING_KEYS = ("wall_seconds", "loop_seconds", "tx_per_second")


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


def build_report(sim: Simulation, end_block: int, loop_seconds: float, wall_seconds: float) -> dict:
    s = sim.scenario
    agents = {}
    for agent in sim.agents:
        rows = sim.balances[agent.name]
        start_balance = round(agent.spec.balance * s.unit_wei) * len(agent.addresses)
        stats = sim.stats[agent.name]
        end = rows[-1]
        agents[agent.name] = {
            "kind": agent.kind,
            "addresses": agent.addresses,
            "start_balance": start_balance,
            "end_balance": end["balance"],
            "end_percent_of_start": 100 * end["balance"] / start_balance,
            "credit": end["credit"],
            "open_deposits": end["open_deposits"],
            "reputation": end["reputation"],
            **{
                k: stats[k]
                for k in (
                    "contributions",
                    "refunds",
                    "takes",
                    "withdrawals",
                    "front_run",
                    "deposited",
                    "refunded",
                    "taken",
                    "withdrawn",
                    "gas_used",
                    "fees",
                )
            },
            "balance_over_time": rows,
        }
    accuracies = [row["accuracy"] for row in sim.accuracy]
    fees = sum(tx.fee for tx in sim.txs)
    changes = sum(a["end_balance"] - a["start_balance"] for a in agents.values())
    held = sim.held_at_end
    counts = {
        k: sum(sim.stats[a.name][k] for a in sim.agents)
        for k in ("contributions", "refunds", "takes", "withdrawals", "front_run")
    }
    blocks = len({tx.block for tx in sim.txs})
    return {
        "scenario": {**asdict(s), "cost_weight": s.cost_weight},
        "data": {
            "dataset": s.dataset,
            "model": s.model,
            "initial_samples": sim.data.initial_size,
            "pool_samples": len(sim.data.pool),
            "test_samples": len(sim.data.test_labels),
            "full_data_accuracy": sim.data.full_data_accuracy,
        },
        "chain": {
            **sim.deployment,
            "start_block": sim.accuracy[0]["block"],
            "end_block": end_block,
            "blocks_with_transactions": blocks,
        },
        "simulated_seconds": s.duration,
        "simulated_days": s.duration / DAY,
        "agents": agents,
        "accuracy": sim.accuracy,
        "accuracy_summary": {
            "start": accuracies[0],
            "end": accuracies[-1],
            "min": min(accuracies),
            "max": max(accuracies),
        },
        "counts": counts,
        "gas": _gas_table(sim.txs),
        "conservation": {
            "sum_of_balance_changes": changes,
            "held_by_trainer": held,
            "gas_fees": fees,
            "holds": changes == -(held + fees),
        },
        "model_checks": sim.checks,
        "transactions": len(sim.txs),
        "tx_per_second": len(sim.txs) / loop_seconds if loop_seconds else 0.0,
        "loop_seconds": loop_seconds,
        "wall_seconds": wall_seconds,
    }


def summary(report: dict) -> str:
    s, acc = report["scenario"], report["accuracy_summary"]
    lines = [
        f"# Simulation `{s['name']}`",
        "",
        f"{report['simulated_days']:g} simulated days, {s['model']} on {s['dataset']}, "
        f"mechanism {s['mechanism']} "
        f"(initial model on {report['data']['initial_samples']} samples; the same model on all "
        f"the training data: {report['data']['full_data_accuracy']:.1%}).",
        "",
        f"- Accuracy on {report['data']['test_samples']} held-out samples: start "
        f"{acc['start']:.1%}, end {acc['end']:.1%}, min {acc['min']:.1%}, max {acc['max']:.1%}.",
    ]
    for name, a in report["agents"].items():
        lines.append(
            f"- {name} ({a['kind']}): {a['end_percent_of_start']:.1f}% of its start balance; "
            f"{a['contributions']} contributions, {a['refunds']} refunds, {a['takes']} takes, "
            f"reputation {a['reputation']}."
        )
    c, conservation = report["counts"], report["conservation"]
    lines += [
        f"- {report['transactions']:,} transactions ({c['contributions']:,} contributions, "
        f"{c['refunds']:,} refunds, {c['takes']:,} takes, {c['withdrawals']:,} withdrawals) "
        f"in {report['chain']['blocks_with_transactions']:,} blocks: "
        f"{report['tx_per_second']:.0f} tx/s, {report['wall_seconds']:.0f} s in all.",
        f"- Conservation (agents' ether changes = -(trainer's ether + gas fees), to the wei): "
        f"{'holds' if conservation['holds'] else 'FAILS'}.",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: dict, txs, out: Path) -> None:
    """report.json, transactions.csv (every transaction: the audit trail) and summary.md."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    with (out / "transactions.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        fields = ["time", "block", "hash", "agent", "address", "operation", "value", "ok"]
        writer.writerow(fields + ["gas_used", "fee"])
        for tx in txs:
            writer.writerow([getattr(tx, k) for k in fields] + [tx.gas_used, tx.fee])
    (out / "summary.md").write_text(summary(report))
