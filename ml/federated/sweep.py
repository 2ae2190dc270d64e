"""The Byzantine sweep off chain: for each aggregation rule, attack and attacker share of the
participants, the final test accuracy against the no-attack run and the attackers' share of the
attribution (what the line would pay them). The money on chain (stakes, slashing, rewards in
wei) joins these columns when the on-chain line runs the same rounds (issue 13).

The defender does not know the attackers' number: the robust rules are configured for a
tolerance of `TOLERANCE` participants (30% of ten), so they are expected to break above it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ml.federated.mlp import Architecture
from ml.federated.rounds import Data, Participant, run
from ml.federated.shards import iid

PARTICIPANTS = 10
TOLERANCE = 3
SHARES = (0.1, 0.2, 0.3, 0.4, 0.5)
ATTACKS = ("label-flip", "sign-flip", "gaussian", "alie", "ipm", "free-ride")
#: each rule's parameters at the tolerance
RULE_PARAMS = {
    "mean": {},
    "median": {},
    "trimmed-mean": {"trim": TOLERANCE},
    "krum": {"f": TOLERANCE},
    "multi-krum": {"f": TOLERANCE, "m": PARTICIPANTS - TOLERANCE},
}


@dataclass(frozen=True)
class Point:
    rule: str
    attack: str
    share: float
    accuracy: float  # final test accuracy
    clean: float  # the same rule without attackers
    attackers_weight: float  # the attackers' share of the attribution, over all rounds

    @property
    def drop(self) -> float:
        return self.clean - self.accuracy


def _line(data: Data, attackers: int, attack: str, seed: int) -> list[Participant]:
    shards = iid(data.y_train, PARTICIPANTS, seed=seed)
    kinds = ["honest"] * (PARTICIPANTS - attackers) + [attack] * attackers
    return [Participant(kind, shard) for kind, shard in zip(kinds, shards, strict=True)]


def sweep(
    arch: Architecture,
    data: Data,
    *,
    rounds: int,
    seed: int = 0,
    rules=tuple(RULE_PARAMS),
    attacks=ATTACKS,
    shares=SHARES,
    progress=None,
) -> list[Point]:
    """Every (rule, attack, share) point, in that order."""
    points = []
    for rule in rules:
        params = RULE_PARAMS[rule]

        def final(attackers: int, attack: str, rule=rule, params=params):
            line = _line(data, attackers, attack, seed)
            return run(arch, data, line, rule=rule, params=params, rounds=rounds, seed=seed)

        clean = final(0, "honest")[-1].accuracy
        for attack in attacks:
            for share in shares:
                attackers = round(share * PARTICIPANTS)
                result = final(attackers, attack)
                bad = range(PARTICIPANTS - attackers, PARTICIPANTS)
                total = sum(sum(r.weights.values()) for r in result)
                theirs = sum(r.weights.get(i, 0) for r in result for i in bad)
                weight = theirs / total if total else 0.0
                points.append(Point(rule, attack, share, result[-1].accuracy, clean, weight))
                if progress:
                    progress(points[-1])
    return points


def breaking_share(points, rule: str, attack: str, margin: float = 0.1) -> float | None:
    """The smallest share at which the rule loses more than `margin` accuracy to the attack."""
    for p in points:
        if p.rule == rule and p.attack == attack and p.drop > margin:
            return p.share
    return None


def render_markdown(points, *, rounds: int) -> str:
    lines = [
        f"Final test accuracy after {rounds} rounds ({PARTICIPANTS} participants on IID digit "
        f"shards; robust rules tuned for {TOLERANCE} attackers). Each cell: accuracy, and in "
        "brackets the attackers' share of the attribution.",
        "",
        "| rule | attack | clean | " + " | ".join(f"{s:.0%}" for s in SHARES) + " | breaks at |",
        "|---|---|---:|" + "---:|" * len(SHARES) + "---|",
    ]
    for rule in RULE_PARAMS:
        for attack in ATTACKS:
            row = [p for p in points if p.rule == rule and p.attack == attack]
            if not row:
                continue
            cells = [f"{p.accuracy:.1%} ({p.attackers_weight:.0%})" for p in row]
            breaks = breaking_share(points, rule, attack)
            lines.append(
                f"| {rule} | {attack} | {row[0].clean:.1%} | "
                + " | ".join(cells)
                + f" | {f'{breaks:.0%}' if breaks else 'holds to 50%'} |"
            )
    return "\n".join(lines) + "\n"


def plot(points, path) -> None:
    """Accuracy against attacker share, one line per rule, one panel per attack."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True, sharey=True)
    for ax, attack in zip(axes.ravel(), ATTACKS, strict=True):
        for rule in RULE_PARAMS:
            row = [p for p in points if p.rule == rule and p.attack == attack]
            ax.plot(
                [100 * p.share for p in row],
                [100 * p.accuracy for p in row],
                marker="o",
                label=rule,
            )
        ax.set(title=attack, xlabel="attackers (% of participants)", ylabel="test accuracy (%)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower left", fontsize=8)
    fig.suptitle("Federated rounds off chain: accuracy against attacker share, per rule")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def to_json(points) -> list[dict]:
    return [{**asdict(p), "drop": p.drop} for p in points]
