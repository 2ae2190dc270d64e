"""The settlement of a federated round, in integers, bit for bit as
`contracts/federated/FederatedLine.sol`'s `settle` does it (`_slashNonRevealers`,
`_slashRejected`, `_slash`, `_reward`): who is slashed and by how much, the reward, each input's
share of it and the reputation it mints.

A committed member that did not reveal loses `non_reveal_slash_ppm` of its stake (in committer
order); under an accepted aggregate of a coordinate-wise rule each rejected update (in reveal
order) then loses `reject_slash_ppm` of it (`slashes_rejected`; under Krum and multi-Krum the
rejected are those the selection left out, and lose nothing). A slash is stake * ppm //
1,000,000, skipped when zero, and joins the pool. An accepted round pays min(reward_per_round,
pool after the slashes) by weight (all weights zero: weight 1 for every revealed update not
rejected) with `attribution.shares`, the contract's rule exactly (each share rounded down, the
remainder one wei each to the lowest reveal indices of positive weight); every positive weight
mints that much reputation, and the aggregator's bond is credited back. A voided or failed round
only slashes the non-revealers (a voided round's bond went to its challenger when it was voided,
not at settlement).

The inputs are what a test reads from the chain: `members(a).stake`, `pool`, `committers(r)`,
`revealers(r)`, the posted `rejectedMask` (`rejected_from_mask`) and weights.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, fields

from ml.federated.attribution import shares

PPM = 1_000_000
MAX_WEIGHT = 2**64
OUTCOMES = ("accepted", "voided", "failed")
NON_REVEAL, REJECTED = 0, 1  # the reasons of the contract's `Slashed` event


@dataclass(frozen=True)
class Terms:
    """The line's money, timing and membership: the contract's `Terms`, in wei, parts per
    million and seconds (settling reads the first five)."""

    stake: int = 10**18
    reward_per_round: int = 10**18
    aggregator_bond: int = 2 * 10**18
    non_reveal_slash_ppm: int = 500_000
    reject_slash_ppm: int = 250_000
    commit_window: int = 3600
    reveal_window: int = 3600
    aggregate_window: int = 3600
    challenge_window: int = 3600
    cooldown: int = 86_400
    quorum: int = 3
    max_participants: int = 16

    def as_tuple(self) -> tuple[int, ...]:
        """The constructor's `Terms` argument."""
        return tuple(getattr(self, f.name) for f in fields(self))

    def __post_init__(self):
        for name in ("stake", "reward_per_round", "aggregator_bond"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} {getattr(self, name)}: a negative amount of wei")
        for name in ("non_reveal_slash_ppm", "reject_slash_ppm"):
            if not 0 <= getattr(self, name) <= PPM:
                raise ValueError(f"{name} {getattr(self, name)}: expected 0 to {PPM} ppm")


@dataclass(frozen=True)
class Slash:
    """One `Slashed` event: `reason` 0 committed but did not reveal, 1 update rejected."""

    member: Hashable
    amount: int
    reason: int


@dataclass(frozen=True)
class Reward:
    """One `Rewarded` event: every revealed update of positive weight, in reveal order."""

    member: Hashable
    weight: int
    amount: int


@dataclass(frozen=True)
class Settlement:
    stakes: dict  # every member's stake after the round (the input's keys)
    pool: int
    slashes: tuple[Slash, ...]  # in the contract's order: non-revealers, then rejected
    rewards: tuple[Reward, ...]  # in reveal order
    reward: int  # what the round paid out of the pool (`RoundSettled.reward`)
    bond_returned: int  # credited to the aggregator (accepted rounds)

    @property
    def credits(self) -> dict:
        """{member: wei credited}, the members paid a positive amount (`credits` grows by it;
        the aggregator's bond is `bond_returned`, see `credits_with`)."""
        out: dict = {}
        for r in self.rewards:
            if r.amount:
                out[r.member] = out.get(r.member, 0) + r.amount
        return out

    def credits_with(self, aggregator: Hashable) -> dict:
        """Every account's credit growth, the aggregator's returned bond included."""
        out = self.credits
        if self.bond_returned:
            out[aggregator] = out.get(aggregator, 0) + self.bond_returned
        return out

    @property
    def reputation(self) -> dict:
        """{member: reputation minted}: its weight, for every positive weight."""
        return {r.member: r.weight for r in self.rewards}

    def slashed(self, member: Hashable) -> int:
        return sum(s.amount for s in self.slashes if s.member == member)


def rejected_from_mask(mask: int) -> set[int]:
    """The reveal indices of a `rejectedMask` (bit k: the k-th reveal)."""
    return {k for k in range(mask.bit_length()) if (mask >> k) & 1}


def settle_round(
    stakes: dict,
    pool: int,
    committed: Sequence[Hashable],
    revealed: Sequence[Hashable],
    rejected: Iterable[int],
    weights: Sequence[int],
    outcome: str,
    terms: Terms,
    *,
    slashes_rejected: bool = True,
) -> Settlement:
    """The round settled: `stakes` {member: wei} (at least every committer), `pool` before,
    `committed` in commit order, `revealed` in reveal order (a subsequence of the committers),
    `rejected` the reveal indices the aggregate did not use and `weights` every revealed
    update's posted attribution (both read only when `outcome` is "accepted", as on chain);
    `slashes_rejected` whether the line's rule slashes a rejection (the coordinate-wise rules)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
    if pool < 0:
        raise ValueError(f"a pool of {pool} wei")
    missing = [m for m in committed if m not in stakes]
    if missing:
        raise ValueError(f"committers without a stake: {missing}")
    if len(set(committed)) != len(committed) or len(set(revealed)) != len(revealed):
        raise ValueError("a member commits and reveals at most once a round")
    if not set(revealed) <= set(committed):
        raise ValueError("a revealer that did not commit")
    stakes, slashes = dict(stakes), []

    def slash(member, ppm: int, reason: int) -> int:
        amount = stakes[member] * ppm // PPM
        if amount:
            stakes[member] -= amount
            slashes.append(Slash(member, amount, reason))
        return amount

    shown = set(revealed)
    for member in committed:
        if member not in shown:
            pool += slash(member, terms.non_reveal_slash_ppm, NON_REVEAL)
    if outcome != "accepted":
        return Settlement(stakes, pool, tuple(slashes), (), 0, 0)

    n, rejected = len(revealed), set(rejected)
    weights = list(weights)
    _check_posted(n, rejected, weights)
    for k in sorted(rejected) if slashes_rejected else ():
        pool += slash(revealed[k], terms.reject_slash_ppm, REJECTED)
    if not any(weights):
        weights = [0 if k in rejected else 1 for k in range(n)]
    reward = min(terms.reward_per_round, pool)
    pool -= reward
    amounts = shares(dict(enumerate(weights)), reward)
    rewards = tuple(Reward(revealed[k], w, amounts[k]) for k, w in enumerate(weights) if w > 0)
    return Settlement(stakes, pool, tuple(slashes), rewards, reward, terms.aggregator_bond)


def _check_posted(n: int, rejected: set[int], weights: list[int]) -> None:
    """What `postAggregate` refuses: a mask or weights not of the reveals, a weight over 2^64
    or of a rejected update, and no input at all (no rule accepts none)."""
    if not rejected <= set(range(n)):
        raise ValueError(f"rejected {sorted(rejected)}: not reveal indices of {n} reveals")
    if len(weights) != n:
        raise ValueError(f"{len(weights)} weights for {n} reveals")
    for k, w in enumerate(weights):
        if not 0 <= w <= MAX_WEIGHT:
            raise ValueError(f"weight {w} at reveal {k}: expected 0 to 2^64")
        if w and k in rejected:
            raise ValueError(f"weight {w} of the rejected reveal {k}")
    if len(rejected) == n:
        raise ValueError("every revealed update rejected: an accepted aggregate has inputs")
