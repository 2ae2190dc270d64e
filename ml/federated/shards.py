"""Each participant's own data: a seeded split of a training set's indices into shards, IID
(a shuffle dealt round-robin) or non-IID by a Dirichlet over labels (Hsu et al. 2019: for
each class, the shares of its samples going to each participant are drawn from
Dirichlet(alpha); a small alpha gives each participant few classes, a large one tends to IID).

Every index lands in exactly one shard, and the same seed gives the same shards.
"""

from __future__ import annotations

import numpy as np

from ml.errors import CollabMLError


class InvalidSplit(CollabMLError, ValueError):
    """A split that cannot give every participant data."""


def _check(labels, participants: int) -> np.ndarray:
    labels = np.asarray(labels)
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
        raise InvalidSplit(f"participants must be a positive integer, got {participants!r}")
    if len(labels) < participants:
        raise InvalidSplit(
            f"{len(labels)} samples cannot give each of {participants} participants one"
        )
    return labels


def iid(labels, participants: int, *, seed: int) -> list[list[int]]:
    """Shards of (almost) equal size from one seeded shuffle."""
    labels = _check(labels, participants)
    order = np.random.default_rng(seed).permutation(len(labels))
    return [sorted(int(i) for i in order[p::participants]) for p in range(participants)]


def dirichlet(labels, participants: int, *, alpha: float, seed: int) -> list[list[int]]:
    """Shards whose label mix is drawn from Dirichlet(alpha) for each class. A participant a
    draw leaves empty takes one sample from the largest shard, so every shard has data."""
    labels = _check(labels, participants)
    if not alpha > 0 or not np.isfinite(alpha):
        raise InvalidSplit(f"alpha must be a positive finite number, got {alpha!r}")
    rng = np.random.default_rng(seed)
    shards: list[list[int]] = [[] for _ in range(participants)]
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        shares = rng.dirichlet(np.full(participants, float(alpha)))
        cuts = (np.cumsum(shares)[:-1] * len(members)).astype(int)
        for p, part in enumerate(np.split(members, cuts)):
            shards[p].extend(int(i) for i in part)
    for shard in shards:
        if not shard:
            largest = max(shards, key=len)
            shard.append(largest.pop())
    return [sorted(shard) for shard in shards]
