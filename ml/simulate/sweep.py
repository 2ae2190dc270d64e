"""A sweep: the same scenario for every mechanism, attack kind and attacker share (and gas
price), each point on a fresh anvil of its own; one row per point in sweep.json and
summary.md."""

from __future__ import annotations

import json
from pathlib import Path

from .anvil import embedded_anvil
from .data import load_data
from .plots import plot_gas, plot_sweep
from .runner import run_scenario
from .scenario import Sweep


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
        # Money in ether at the point's gas price: where honest participation stops paying.
        "gas_price_gwei": report["scenario"]["gas_price_gwei"],
        "honest_fees_eth": sum(a["eth"]["fees"] for a in honest),
        "honest_net_before_fees_eth": sum(a["eth"]["net_before_fees"] for a in honest),
        "honest_net_eth": sum(a["eth"]["net"] for a in honest),
        "honest_net_with_open_eth": sum(
            a["eth"]["net"] + a["eth"]["open_deposits"] for a in honest
        ),
        "attacker_net_eth": report["agents"][attacker]["eth"]["net"],
        # A market's scores (their sum over the agent's contributions; None: not a market).
        "attacker_score": _score(report, [attacker]),
        "honest_score": _score(report, [n for n, a in report["agents"].items() if a in honest]),
        "transactions": report["transactions"],
        "tx_per_second": report["tx_per_second"],
        "wall_seconds": report["wall_seconds"],
    }


def _score(report: dict, names: list[str]) -> int | None:
    market = report["market"]
    if market is None:
        return None
    return sum(market["scores"].get(n, {}).get("total", 0) for n in names)


def _percent(agents: list[dict], *, with_open: bool = False) -> float:
    """Their end balance (plus open deposits) as a percentage of their start balance."""
    end = sum(a["end_balance"] + (a["open_deposits"] if with_open else 0) for a in agents)
    return 100 * end / sum(a["start_balance"] for a in agents)


def _deposit_share(report: dict, attacker: str) -> float:
    """The attacker's share of the contributors' deposits (a provider's reward pool is not
    one)."""
    total = sum(a["deposited"] for a in report["agents"].values() if a["kind"] != "provider")
    return report["agents"][attacker]["deposited"] / total if total else 0.0


def run_sweep(sweep: Sweep, *, out, progress=None, data=None, backend="anvil") -> list[dict]:
    """Runs every point of the sweep, each on a fresh anvil of its own (a chain that kept the
    earlier points' contracts would mine ever slower) and in its own folder under `out`, then
    writes sweep.json, sweep.png and summary.md (and, over gas prices, gas.png). `data` is
    `load_data(sweep.base)` if the caller has it already; `backend` as in `run_scenario`."""
    out = Path(out)
    data = data or load_data(sweep.base)
    points = []
    for mechanism, attack, share, scenario in sweep.scenarios():
        with embedded_anvil() as provider:
            report = run_scenario(
                scenario,
                provider=provider,
                out=out / scenario.name,
                data=data,
                progress=progress(scenario) if progress else None,
                backend=backend,
            )
        points.append(sweep_point(mechanism, attack, share, report, sweep.attacker))
    (out / "sweep.json").write_text(json.dumps(points, indent=1) + "\n")
    plot_sweep(points, out / "sweep.png")
    if sweep.gas_prices_gwei:
        plot_gas(points, out / "gas.png")
    (out / "summary.md").write_text(sweep_summary(sweep, points))
    return points


def sweep_summary(sweep: Sweep, points: list[dict]) -> str:
    lines = [
        f"# Sweep `{sweep.name}`: {sweep.base.days:g} days per point",
        "",
        "Balances are % of the start balance (with the deposits still open at the end); "
        "reputation is the agent's at the end (the attacker's share of all of it); the honest "
        "agents' net is in ether at the point's gas price: before gas → after gas (with the "
        "deposits still open at the end).",
        "",
        "| mechanism | attack | share of contributions | share of deposits | gas price (gwei) "
        "| accuracy start → end (min) | attacker % of start | honest % of start "
        "| attacker reputation | honest reputation | honest gas (ETH) | honest net (ETH) |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        lines.append(
            f"| {p['mechanism']} | {p['attack']} | {p['share']:.0%} "
            f"| {p['attacker_deposit_share']:.0%} | {p['gas_price_gwei']:g} "
            f"| {p['accuracy_start']:.1%} → {p['accuracy_end']:.1%} ({p['accuracy_min']:.1%}) "
            f"| {p['attacker_percent']:.1f} ({p['attacker_percent_with_open']:.1f}) "
            f"| {p['honest_percent']:.1f} ({p['honest_percent_with_open']:.1f}) "
            f"| {p['attacker_reputation']} ({p['attacker_reputation_share']:.0%}) "
            f"| {p['honest_reputation']} | {p['honest_fees_eth']:.4f} "
            f"| {p['honest_net_before_fees_eth']:+.4f} → {p['honest_net_eth']:+.4f} "
            f"({p['honest_net_with_open_eth']:+.4f}) |"
        )
    if len(sweep.mechanisms) > 1:
        lines += ["", *side_by_side(sweep.mechanisms, points)]
    return "\n".join(lines) + "\n"


def side_by_side(mechanisms: tuple[str, ...], points: list[dict]) -> list[str]:
    """The mechanisms' outcomes beside each other, a row per attack and share: the attacker's
    and the honest agents' balance (% of start; with open deposits), the accuracy at the end
    and, for a market, the score sums (with the positive part: the reputation)."""
    at = {(p["mechanism"], p["attack"], p["share"]): p for p in points}
    header = ["attack", "share"]
    for m in mechanisms:
        header += [f"{m}: attacker %", f"{m}: honest %", f"{m}: accuracy end"]
        if any(p["attacker_score"] is not None for p in points if p["mechanism"] == m):
            header.append(f"{m}: attacker / honest score (points)")
    lines = ["| " + " | ".join(header) + " |", "|---|---:" + "|---:" * (len(header) - 2) + "|"]
    for attack, share in dict.fromkeys((p["attack"], p["share"]) for p in points):
        row = [attack, f"{share:.0%}"]
        for m in mechanisms:
            p = at[(m, attack, share)]
            row += [
                f"{p['attacker_percent']:.1f} ({p['attacker_percent_with_open']:.1f})",
                f"{p['honest_percent']:.1f} ({p['honest_percent_with_open']:.1f})",
                f"{p['accuracy_end']:.1%}",
            ]
            if p["attacker_score"] is not None:
                row.append(
                    f"{p['attacker_score']:+d} ({p['attacker_reputation']}) / "
                    f"{p['honest_score']:+d} ({p['honest_reputation']})"
                )
        lines.append("| " + " | ".join(row) + " |")
    return lines
