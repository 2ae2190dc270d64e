"""The pictures of a run and of a sweep (matplotlib, drawn off screen)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the off-screen backend)


def plot_accuracy(report: dict, path: Path) -> None:
    rows = report["accuracy"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot([r["day"] for r in rows], [100 * r["accuracy"] for r in rows], label="on-chain model")
    ax.axhline(100 * rows[0]["accuracy"], color="grey", ls=":", label="initial model")
    full = report["data"]["full_data_accuracy"]
    ax.axhline(100 * full, color="green", ls="--", label="trained on all the data (off chain)")
    ax.set(
        title=f"Test accuracy of the on-chain model: {report['scenario']['name']}",
        xlabel="simulated days",
        ylabel="accuracy on held-out data (%)",
    )
    _save(fig, [ax], path, loc="lower right")


def plot_balances(report: dict, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, agent in report["agents"].items():
        rows = agent["balance_over_time"]
        percent = [100 * (r["balance"] + r["credit"]) / agent["start_balance"] for r in rows]
        ax.plot([r["day"] for r in rows], percent, label=f"{name} ({agent['kind']})")
    ax.axhline(100, color="grey", ls=":", lw=1)
    ax.set(
        title="Each agent's ether and withdrawable credit, % of its start",
        xlabel="simulated days",
        ylabel="% of start balance",
    )
    _save(fig, [ax], path)


def plot_sweep(points: list[dict], path: Path) -> None:
    """points: {attack, share, accuracy_end, accuracy_start, attacker_percent, honest_percent}."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for attack in dict.fromkeys(p["attack"] for p in points):
        rows = [p for p in points if p["attack"] == attack]
        shares = [100 * p["share"] for p in rows]
        left.plot(shares, [100 * p["accuracy_end"] for p in rows], marker="o", label=attack)
        (line,) = right.plot(
            shares, [p["attacker_percent"] for p in rows], marker="o", label=f"{attack}: attacker"
        )
        right.plot(
            shares,
            [p["honest_percent"] for p in rows],
            marker="s",
            ls="--",
            color=line.get_color(),
            label=f"{attack}: honest",
        )
    left.axhline(100 * points[0]["accuracy_start"], color="grey", ls=":", label="initial model")
    left.set(
        title="Final test accuracy",
        xlabel="attacker share of contributions (%)",
        ylabel="accuracy (%)",
    )
    right.axhline(100, color="grey", ls=":", lw=1)
    right.set(
        title="Final balance, % of start",
        xlabel="attacker share of contributions (%)",
        ylabel="% of start balance",
    )
    _save(fig, [left, right], path, fontsize=8)


def _save(fig, axes, path: Path, **legend) -> None:
    """Grid and legend on each of `axes`, then the figure to `path` (120 dpi), closed."""
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(**legend)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
