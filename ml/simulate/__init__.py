"""Contributor simulations on the real contracts: seeded agents (honest, noisy, attackers,
copycats, sybils, free-riders) contribute, claim refunds and take deposits on anvil for
simulated months, under any mechanism of `ml.mechanisms` (the scenario's `mechanism`), while
the model's accuracy and everyone's balance and reputation are measured.

>>> from ml.simulate import load_preset
>>> load_preset("quick").agents[1].kind
'label-flip'
"""

from __future__ import annotations

import json
from pathlib import Path

from .anvil import embedded_anvil
from .data import load_data
from .plots import plot_accuracy, plot_balances, plot_sweep
from .report import summary, write_report
from .runner import Simulation, SimulationDiverged
from .scenario import (
    Scenario,
    ScenarioError,
    Sweep,
    load_preset,
    load_scenario,
    preset_names,
    scenario_from_dict,
)


def run_scenario(
    scenario: Scenario, *, owner, provider, out=None, progress=None, data=None, backend="anvil"
):
    """Runs one scenario on a connected anvil (deployed there, then run on `backend`: "anvil"
    or "revm"); with `out`, writes report.json, transactions.csv, summary.md, accuracy.png and
    balances.png there. Returns the report."""
    sim = Simulation(scenario, owner=owner, provider=provider, data=data, backend=backend)
    report = sim.run(progress)
    if out is not None:
        out = Path(out)
        write_report(report, sim.txs, out)
        plot_accuracy(report, out / "accuracy.png")
        plot_balances(report, out / "balances.png")
    return report


def sweep_point(mechanism: str, attack: str, share: float, report: dict, attacker: str) -> dict:
    honest = [a for a in report["agents"].values() if a["kind"] in ("honest", "noisy")]
    total_reputation = sum(a["reputation"] for a in report["agents"].values())
    return {
        "mechanism": mechanism,
        "attack": attack,
        "share": share,
        "attacker_deposit_share": _deposit_share(report, attacker),
        "accuracy_start": report["accuracy_summary"]["start"],
        "accuracy_end": report["accuracy_summary"]["end"],
        "accuracy_min": report["accuracy_summary"]["min"],
        "attacker_percent": _percent([report["agents"][attacker]]),
        "honest_percent": _percent(honest),
        # Deposits still open at the end are neither lost nor back yet: counted here as held.
        "attacker_percent_with_open": _percent([report["agents"][attacker]], with_open=True),
        "honest_percent_with_open": _percent(honest, with_open=True),
        # Reputation at the end, and the attacker's share of all the agents' reputation.
        "attacker_reputation": report["agents"][attacker]["reputation"],
        "honest_reputation": sum(a["reputation"] for a in honest),
        "attacker_reputation_share": (
            report["agents"][attacker]["reputation"] / total_reputation if total_reputation else 0.0
        ),
        "transactions": report["transactions"],
        "tx_per_second": report["tx_per_second"],
    }


def _percent(agents: list[dict], *, with_open: bool = False) -> float:
    """Their end balance (plus open deposits) as a percentage of their start balance."""
    end = sum(a["end_balance"] + (a["open_deposits"] if with_open else 0) for a in agents)
    return 100 * end / sum(a["start_balance"] for a in agents)


def _deposit_share(report: dict, attacker: str) -> float:
    total = sum(a["deposited"] for a in report["agents"].values())
    return report["agents"][attacker]["deposited"] / total if total else 0.0


def run_sweep(sweep: Sweep, *, out, progress=None, data=None, backend="anvil") -> list[dict]:
    """Runs every point of the sweep, each on a fresh anvil of its own (a chain that kept the
    earlier points' contracts would mine ever slower) and in its own folder under `out`, then
    writes sweep.json, sweep.png and summary.md. `data` is `load_data(sweep.base)` if the
    caller has it already."""
    from ape import accounts

    out = Path(out)
    data = data or load_data(sweep.base)
    points = []
    for mechanism, attack, share, scenario in sweep.scenarios():
        with embedded_anvil() as provider:
            report = run_scenario(
                scenario,
                owner=accounts.test_accounts[0],
                provider=provider,
                out=out / scenario.name,
                data=data,
                progress=progress(scenario) if progress else None,
                backend=backend,
            )
        points.append(sweep_point(mechanism, attack, share, report, sweep.attacker))
    (out / "sweep.json").write_text(json.dumps(points, indent=1) + "\n")
    plot_sweep(points, out / "sweep.png")
    (out / "summary.md").write_text(sweep_summary(sweep, points))
    return points


def sweep_summary(sweep: Sweep, points: list[dict]) -> str:
    lines = [
        f"# Sweep `{sweep.name}`: {sweep.base.days:g} days per point",
        "",
        "Balances are % of the start balance (with the deposits still open at the end); "
        "reputation is the agent's at the end (the attacker's share of all of it).",
        "",
        "| mechanism | attack | share of contributions | share of deposits "
        "| accuracy start → end (min) | attacker % of start | honest % of start "
        "| attacker reputation | honest reputation |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for p in points:
        lines.append(
            f"| {p['mechanism']} | {p['attack']} | {p['share']:.0%} "
            f"| {p['attacker_deposit_share']:.0%} "
            f"| {p['accuracy_start']:.1%} → {p['accuracy_end']:.1%} ({p['accuracy_min']:.1%}) "
            f"| {p['attacker_percent']:.1f} ({p['attacker_percent_with_open']:.1f}) "
            f"| {p['honest_percent']:.1f} ({p['honest_percent_with_open']:.1f}) "
            f"| {p['attacker_reputation']} ({p['attacker_reputation_share']:.0%}) "
            f"| {p['honest_reputation']} |"
        )
    return "\n".join(lines) + "\n"


__all__ = [
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SimulationDiverged",
    "Sweep",
    "embedded_anvil",
    "load_preset",
    "load_scenario",
    "preset_names",
    "run_scenario",
    "run_sweep",
    "scenario_from_dict",
    "summary",
]
