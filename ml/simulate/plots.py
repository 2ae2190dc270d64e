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
    """points: {mechanism, attack, share, accuracy_end, accuracy_start, attacker_percent,
    honest_percent, attacker_reputation_share}; one row of three panels per mechanism."""
    kinds = list(dict.fromkeys(p["mechanism"] for p in points))
    fig, rows = plt.subplots(len(kinds), 3, figsize=(15, 4.5 * len(kinds)), squeeze=False)
    for mechanism, (left, middle, right) in zip(kinds, rows, strict=True):
        ours = [p for p in points if p["mechanism"] == mechanism]
        for attack in dict.fromkeys(p["attack"] for p in ours):
            line_points = [p for p in ours if p["attack"] == attack]
            shares = [100 * p["share"] for p in line_points]
            left.plot(
                shares, [100 * p["accuracy_end"] for p in line_points], marker="o", label=attack
            )
            _one_colour(
                middle,
                shares,
                [
                    ([p["attacker_percent"] for p in line_points], f"{attack}: attacker", _SOLID),
                    ([p["honest_percent"] for p in line_points], f"{attack}: honest", _DASHED),
                ],
            )
            right.plot(
                shares,
                [100 * p["attacker_reputation_share"] for p in line_points],
                marker="o",
                label=attack,
            )
        left.axhline(100 * ours[0]["accuracy_start"], color="grey", ls=":", label="initial model")
        left.set(
            title=f"{mechanism}: final test accuracy",
            xlabel="attacker share of contributions (%)",
            ylabel="accuracy (%)",
        )
        middle.axhline(100, color="grey", ls=":", lw=1)
        middle.set(
            title=f"{mechanism}: final balance, % of start",
            xlabel="attacker share of contributions (%)",
            ylabel="% of start balance",
        )
        right.set(
            title=f"{mechanism}: attacker's share of the reputation",
            xlabel="attacker share of contributions (%)",
            ylabel="% of all reputation",
        )
    _save(fig, list(rows.flat), path, fontsize=8)


def plot_gas(points: list[dict], path: Path) -> None:
    """A gas-price sweep: the honest agents' net in ether before and after gas (and with the
    deposits still open at the end) against the gas price, one line per mechanism/attack/share."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    lines = dict.fromkeys((p["mechanism"], p["attack"], p["share"]) for p in points)
    for mechanism, attack, share in lines:
        ours = [
            p
            for p in points
            if (p["mechanism"], p["attack"], p["share"]) == (mechanism, attack, share)
        ]
        label = f"{mechanism}, {attack} {share:.0%}"
        _one_colour(
            ax,
            [p["gas_price_gwei"] for p in ours],
            [
                ([p["honest_net_eth"] for p in ours], f"{label}: after gas", _SOLID),
                (
                    [p["honest_net_with_open_eth"] for p in ours],
                    f"{label}: with open deposits",
                    _DASHED,
                ),
                (
                    [p["honest_net_before_fees_eth"] for p in ours],
                    f"{label}: before gas",
                    {"ls": ":"},
                ),
            ],
        )
    ax.axhline(0, color="grey", lw=1)
    ax.set(
        title="Honest agents' net (ETH) against the gas price",
        xlabel="gas price (gwei)",
        ylabel="net (ETH)",
    )
    _save(fig, [ax], path, fontsize=8)


_SOLID = {"marker": "o"}
_DASHED = {"marker": "s", "ls": "--"}


def _one_colour(ax, x, lines) -> None:
    """Lines (ys, label, style) over x, all in the colour the first one takes: the figures of
    one case drawn together."""
    colour = None
    for ys, label, style in lines:
        (line,) = ax.plot(x, ys, label=label, color=colour, **style)
        colour = line.get_color()


def _save(fig, axes, path: Path, **legend) -> None:
    """Grid and legend on each of `axes`, then the figure to `path` (120 dpi), closed."""
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(**legend)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
