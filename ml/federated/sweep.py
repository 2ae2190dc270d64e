"""The Byzantine sweep off chain: for each aggregation rule, attack and attacker share of the
participants, the final test accuracy against the no-attack run, the attackers' share of the
attribution, and the money: each round settled as `contracts/federated/FederatedLine.sol`
settles it (`ml.federated.settlement`) under `TERMS`, the attackers' and the honest
participants' rewards and slashes in wei.

The money's assumptions: everyone reveals (no non-reveal slash); the line is funded with
`rounds` rewards, so every round pays the full reward; under Krum and multi-Krum the updates
not selected are rejected (and slashed), under the coordinate-wise rules nobody is rejected
(the contract's rule: they reject only unavailable or malformed data) and a participant
outside the rule's `kept` just weighs 0; a slashed member tops its stake up before the next
round (the contract lets no member below the stake commit), and stakes are returned at exit,
so a participant's net is its rewards minus its slashes.

The defender does not know the attackers' number: the robust rules are configured for a
tolerance of `TOLERANCE` participants (30% of ten), so they are expected to break above it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ml.federated.aggregation import RULES
from ml.federated.mlp import Architecture
from ml.federated.privacy import Privacy
from ml.federated.rounds import Data, Participant, Training, run
from ml.federated.settlement import Terms, settle_round
from ml.federated.shards import iid

PARTICIPANTS = 10
TOLERANCE = 3
SHARES = (0.1, 0.2, 0.3, 0.4, 0.5)
ATTACKS = ("label-flip", "sign-flip", "gaussian", "alie", "ipm", "free-ride", "straggler")
#: each rule's parameters at the tolerance
RULE_PARAMS = {
    "mean": {},
    "median": {},
    "trimmed-mean": {"trim": TOLERANCE},
    "krum": {"f": TOLERANCE},
    "multi-krum": {"f": TOLERANCE, "m": PARTICIPANTS - TOLERANCE},
}
ETH = 10**18
#: the line's money in the sweep: stake 1 ETH, 1 ETH a round, 50% for not revealing, 25% for
#: a rejected update (the bond is returned on every accepted round: it does not change a net)
TERMS = Terms(
    stake=ETH,
    reward_per_round=ETH,
    aggregator_bond=ETH,
    non_reveal_slash_ppm=500_000,
    reject_slash_ppm=250_000,
)


@dataclass(frozen=True)
class Point:
    rule: str
    attack: str
    share: float
    accuracy: float  # final test accuracy
    clean: float  # the same rule without attackers
    attackers_weight: float  # the attackers' share of the attribution, over all rounds
    # the money over all rounds, in wei (`money`), summed over the attackers and the honest
    attackers_rewards: int = 0
    attackers_slashed: int = 0
    honest_rewards: int = 0
    honest_slashed: int = 0
    clean_net: int = 0  # every participant's net in the same rule's run without attackers

    @property
    def drop(self) -> float:
        return self.clean - self.accuracy

    @property
    def attackers(self) -> int:
        return round(self.share * PARTICIPANTS)

    @property
    def attackers_net(self) -> int:
        return self.attackers_rewards - self.attackers_slashed

    @property
    def honest_net(self) -> int:
        return self.honest_rewards - self.honest_slashed


@dataclass(frozen=True)
class Money:
    rewards: dict[int, int]  # participant: wei rewarded over the rounds
    slashed: dict[int, int]  # participant: wei slashed over the rounds
    pool: int  # what is left in the pool


def money(result, rule: str, *, terms: Terms = TERMS, participants: int = PARTICIPANTS) -> Money:
    """The rounds `result` (`rounds.run`) settled one after the other on a line funded with a
    reward a round: everyone commits and all but the stragglers reveal, in participant order;
    the rejected are the updates a selecting rule did not keep, the weights the round's
    attribution (0 outside it)."""
    everyone = list(range(participants))
    # Krum and multi-Krum leave out what they do not select: rejected on chain, not slashed
    selecting = not RULES[rule].coordinate_wise
    pool = terms.reward_per_round * len(result)
    rewards, slashed = dict.fromkeys(everyone, 0), dict.fromkeys(everyone, 0)
    for r in result:
        revealed = list(everyone if r.revealed is None else r.revealed)
        rejected = {k for k, i in enumerate(revealed) if i not in r.kept} if selecting else set()
        settled = settle_round(
            dict.fromkeys(everyone, terms.stake),  # topped up to the stake to commit
            pool,
            committed=everyone,
            revealed=revealed,
            rejected=rejected,
            weights=[r.weights.get(i, 0) for i in revealed],
            outcome="accepted" if r.accepted else "failed",
            terms=terms,
            slashes_rejected=not selecting,
        )
        pool = settled.pool
        for x in settled.slashes:
            slashed[x.member] += x.amount
        for x in settled.rewards:
            rewards[x.member] += x.amount
    return Money(rewards, slashed, pool)


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

        baseline = final(0, "honest")
        clean = baseline[-1].accuracy
        clean_paid = money(baseline, rule)
        clean_net = sum(clean_paid.rewards.values()) - sum(clean_paid.slashed.values())
        for attack in attacks:
            for share in shares:
                attackers = round(share * PARTICIPANTS)
                result = final(attackers, attack)
                bad = range(PARTICIPANTS - attackers, PARTICIPANTS)
                total = sum(sum(r.weights.values()) for r in result)
                theirs = sum(r.weights.get(i, 0) for r in result for i in bad)
                weight = theirs / total if total else 0.0
                paid = money(result, rule)
                honest = range(PARTICIPANTS - attackers)
                points.append(
                    Point(
                        rule,
                        attack,
                        share,
                        result[-1].accuracy,
                        clean,
                        weight,
                        attackers_rewards=sum(paid.rewards[i] for i in bad),
                        attackers_slashed=sum(paid.slashed[i] for i in bad),
                        honest_rewards=sum(paid.rewards[i] for i in honest),
                        honest_slashed=sum(paid.slashed[i] for i in honest),
                        clean_net=clean_net,
                    )
                )
                if progress:
                    progress(points[-1])
    return points


def breaking_share(points, rule: str, attack: str, margin: float = 0.1) -> float | None:
    """The smallest share at which the rule loses more than `margin` accuracy to the attack."""
    for p in points:
        if p.rule == rule and p.attack == attack and p.drop > margin:
            return p.share
    return None


def _rows(points):
    """(rule, attack, the points of that pair by share) for every pair that has points."""
    for rule in RULE_PARAMS:
        for attack in ATTACKS:
            row = [p for p in points if p.rule == rule and p.attack == attack]
            if row:
                yield rule, attack, row


def render_markdown(points, *, rounds: int) -> str:
    lines = [
        f"Final test accuracy after {rounds} rounds ({PARTICIPANTS} participants on IID digit "
        f"shards; robust rules tuned for {TOLERANCE} attackers). Each cell: accuracy, and in "
        "brackets the attackers' share of the attribution.",
        "",
        "| rule | attack | clean | " + " | ".join(f"{s:.0%}" for s in SHARES) + " | breaks at |",
        "|---|---|---:|" + "---:|" * len(SHARES) + "---|",
    ]
    for rule, attack, row in _rows(points):
        cells = [f"{p.accuracy:.1%} ({p.attackers_weight:.0%})" for p in row]
        breaks = breaking_share(points, rule, attack)
        lines.append(
            f"| {rule} | {attack} | {row[0].clean:.1%} | "
            + " | ".join(cells)
            + f" | {f'{breaks:.0%}' if breaks else 'holds to 50%'} |"
        )
    return "\n".join(lines) + "\n\n" + render_money(points, rounds=rounds)


def _eth(wei: int, participants: int) -> str:
    return f"{wei / participants / ETH:+.2f}"


def render_money(points, *, rounds: int) -> str:
    """The money table: per attacker and per honest participant, net ETH over the rounds."""
    t = TERMS
    lines = [
        f"Net ETH per participant over {rounds} rounds (rewards minus slashes; stake "
        f"{t.stake / ETH:g} ETH, reward {t.reward_per_round / ETH:g} ETH a round, "
        f"{t.non_reveal_slash_ppm / 10**4:g}% slashed for not revealing, "
        f"{t.reject_slash_ppm / 10**4:g}% for a rejected update; what Krum and multi-Krum do "
        "not select is left out, not slashed). Each cell: an attacker's net / an honest "
        "participant's net; clean: a participant's net without attackers. The attack pays "
        "where an attacker's net is above zero.",
        "",
        "| rule | attack | clean | " + " | ".join(f"{s:.0%}" for s in SHARES) + " | pays at |",
        "|---|---|---:|" + "---:|" * len(SHARES) + "---|",
    ]
    for rule, attack, row in _rows(points):
        cells = [
            f"{_eth(p.attackers_net, p.attackers)} / "
            f"{_eth(p.honest_net, PARTICIPANTS - p.attackers)}"
            for p in row
        ]
        pays = [f"{p.share:.0%}" for p in row if p.attackers_net > 0]
        lines.append(
            f"| {rule} | {attack} | {_eth(row[0].clean_net, PARTICIPANTS)} | "
            + " | ".join(cells)
            + f" | {', '.join(pays) if pays else 'never'} |"
        )
    return "\n".join(lines) + "\n"


def plot(points, path) -> None:
    """Accuracy against attacker share, one line per rule, one panel per attack."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 4
    rows = -(-len(ATTACKS) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(16, 3.75 * rows), sharex=True, sharey=True)
    for ax in axes.ravel()[len(ATTACKS) :]:
        ax.set_visible(False)
    for ax, attack in zip(axes.ravel()[: len(ATTACKS)], ATTACKS, strict=True):
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
    return [
        {
            **asdict(p),
            "drop": p.drop,
            "attackers_net": p.attackers_net,
            "honest_net": p.honest_net,
        }
        for p in points
    ]


#: the privacy trade-off: the honest line under each rule, each update clipped to CLIP (the
#: first round's honest updates have L2 norms of about 0.85-0.93 on digits) and noised
PRIVACY_RULES = ("mean", "median")
PRIVACY_CLIP = 1.0
NOISE_MULTIPLIERS = (0.0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0, 3.0)
PRIVACY_DELTA = 1e-5


@dataclass(frozen=True)
class PrivacyPoint:
    rule: str
    noise_multiplier: float
    epsilon: float  # each participant's, after the rounds, at PRIVACY_DELTA
    accuracy: float  # final test accuracy
    clean: float  # the same rule without clipping or noise


def privacy_sweep(
    arch: Architecture,
    data: Data,
    *,
    rounds: int,
    seed: int = 0,
    rules=PRIVACY_RULES,
    noises=NOISE_MULTIPLIERS,
    progress=None,
) -> list[PrivacyPoint]:
    """Accuracy against epsilon: ten honest participants under each rule, every update clipped
    to PRIVACY_CLIP and noised by each multiplier in turn (0: clipped only)."""
    points = []
    line = _line(data, 0, "honest", seed)
    for rule in rules:

        def final(privacy, rule=rule):
            training = Training(privacy=privacy)
            params = RULE_PARAMS[rule]
            return run(
                arch,
                data,
                line,
                rule=rule,
                params=params,
                rounds=rounds,
                seed=seed,
                training=training,
            )

        clean = final(None)[-1].accuracy
        for z in noises:
            result = final(Privacy(PRIVACY_CLIP, z, PRIVACY_DELTA))
            spent = result[-1].epsilons[0]  # every participant trains every round: the same
            points.append(PrivacyPoint(rule, z, spent, result[-1].accuracy, clean))
            if progress:
                progress(points[-1])
    return points


def render_privacy_markdown(points, *, rounds: int) -> str:
    rules = _privacy_rules(points)
    lines = [
        f"Final test accuracy after {rounds} rounds ({PARTICIPANTS} honest participants on IID "
        f"digit shards), every update clipped to an L2 norm of {PRIVACY_CLIP:g} and noised with "
        f"deviation (noise multiplier x clip); epsilon is each participant's after the "
        f"{rounds} rounds at delta {PRIVACY_DELTA:g} (opacus's RDP accountant, sample rate 1).",
        "",
        "| noise multiplier | epsilon | " + " | ".join(rules) + " |",
        "|---:|---:|" + "---:|" * len(rules),
        "| no clipping, no noise | - | "
        + " | ".join(f"{_privacy_row(points, r)[0].clean:.1%}" for r in rules)
        + " |",
    ]
    for z in sorted({p.noise_multiplier for p in points}):
        row = [p for p in points if p.noise_multiplier == z]
        cells = " | ".join(f"{p.accuracy:.1%}" for p in row)
        lines.append(f"| {z:g} | {_epsilon_text(row[0].epsilon)} | {cells} |")
    return "\n".join(lines) + "\n"


def _privacy_row(points, rule):
    return [p for p in points if p.rule == rule]


def _privacy_rules(points) -> list[str]:
    return [rule for rule in PRIVACY_RULES if _privacy_row(points, rule)]


def _epsilon_text(eps: float) -> str:
    return "inf (clipping only)" if eps == float("inf") else f"{eps:,.3g}"


def plot_privacy(points, path) -> None:
    """Accuracy against epsilon (log scale), one line per rule."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for rule in _privacy_rules(points):
        row = [p for p in _privacy_row(points, rule) if p.noise_multiplier > 0]
        ax.plot([p.epsilon for p in row], [100 * p.accuracy for p in row], marker="o", label=rule)
        ax.axhline(100 * row[0].clean, linestyle=":", color=ax.lines[-1].get_color())
    ax.set(
        xscale="log",
        xlabel=f"epsilon per participant (delta {PRIVACY_DELTA:g})",
        ylabel="test accuracy (%)",
        title="Federated rounds with differential privacy (dotted: no DP)",
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
