"""Differential privacy for the participants' updates, on the client (DP-FedAvg's Gaussian
mechanism in the local model: nobody, the aggregator included, sees an update before its
noise). Each round a participant clips its update to an L2 norm of at most `clip` and adds
Gaussian noise of standard deviation `noise_multiplier * clip` to every coordinate; only then
is it stored, committed and revealed.

Clipping bounds what the participant's whole shard can change in one update (the sensitivity
is `clip`), so one round is a Gaussian mechanism with noise multiplier `noise_multiplier` on
the participant's data, and the rounds it sends compose. The privacy spent, epsilon at `delta`,
is opacus's RDP accountant over those rounds at sample rate 1 (a participant uses all its data
every round). Clipping and noise work on the fixed-point integers themselves: clipping is
exact integer arithmetic (the clipped norm never exceeds `clip`), the noise is seeded and
quantised like every parameter (`ml.fixed_point.to_fixed`), so an update is reproducible bit
for bit from its seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ml.errors import CollabMLError
from ml.federated.vectors import in_range
from ml.fixed_point import to_fixed

#: the largest clip and noise multiplier accepted (beyond them an update leaves ±2^64)
MAX_CLIP = 1e6
MAX_NOISE_MULTIPLIER = 1e6
#: Renyi orders tried besides opacus's defaults (1.1 to 63): small noise is tightest below
#: 1.1, large noise above 63
ALPHAS = [1 + x / 10_000 for x in range(1, 1000, 10)] + [2**k for k in range(7, 13)]


class InvalidPrivacy(CollabMLError, ValueError):
    """A differential-privacy setting out of range."""


@dataclass(frozen=True)
class Privacy:
    """Each update clipped to L2 norm `clip` (model units; None: not clipped) and noised with
    standard deviation `noise_multiplier * clip`; epsilon reported at `delta`."""

    clip: float | None
    noise_multiplier: float = 0.0
    delta: float = 1e-5

    def __post_init__(self):
        z, clip, delta = self.noise_multiplier, self.clip, self.delta
        if not (math.isfinite(z) and 0 <= z <= MAX_NOISE_MULTIPLIER):
            raise InvalidPrivacy(
                f"noise multiplier {z}: give a number from 0 to {MAX_NOISE_MULTIPLIER:g}"
            )
        if clip is None:
            if z > 0:  # noise without a bound on the sensitivity protects nothing measurable
                raise InvalidPrivacy(f"noise multiplier {z} needs a clip (the sensitivity)")
        elif not (math.isfinite(clip) and 0 < clip <= MAX_CLIP):
            raise InvalidPrivacy(f"clip {clip}: give an L2 norm above 0, at most {MAX_CLIP:g}")
        if not 0 < delta < 1:
            raise InvalidPrivacy(f"delta {delta}: give a probability strictly between 0 and 1")


def clip_update(update: list[int], clip: int) -> list[int]:
    """`update` scaled to an L2 norm of at most `clip` (both fixed point): unchanged when its
    norm is within it, else each coordinate times clip / ceil(norm), rounded toward zero, so
    that the clipped norm is at most `clip` exactly."""
    squares = sum(v * v for v in update)
    if squares <= clip * clip:
        return list(update)
    norm = math.isqrt(squares - 1) + 1  # ceil(sqrt(squares))
    return [_toward_zero(v * clip, norm) for v in update]


def _toward_zero(n: int, d: int) -> int:
    return n // d if n >= 0 else -((-n) // d)


def privatise(update: list[int], privacy: Privacy, *, seed: int) -> list[int]:
    """The update a participant sends: clipped, then noised (seeded by `seed`, which must stay
    secret in real use: whoever knows it can regenerate the noise and subtract it)."""
    if privacy.clip is None:
        return list(update)
    clip = to_fixed(privacy.clip)
    clipped = clip_update(update, clip)
    if privacy.noise_multiplier == 0:
        return clipped
    deviation = privacy.noise_multiplier * privacy.clip
    noise = np.random.default_rng(seed).normal(0.0, deviation, size=len(clipped))
    noised = [v + to_fixed(float(e)) for v, e in zip(clipped, noise, strict=True)]
    if not all(in_range(v) for v in noised):
        raise InvalidPrivacy(f"noise of deviation {deviation:g} takes a coordinate beyond ±2^64")
    return noised


def epsilon(privacy: Privacy, rounds: int) -> float:
    """The privacy a participant has spent after sending `rounds` updates: epsilon at
    `privacy.delta` (opacus's RDP accountant, sample rate 1); 0 before any, inf without noise."""
    if rounds == 0:
        return 0.0
    if privacy.noise_multiplier == 0:
        return math.inf
    from opacus.accountants import RDPAccountant

    accountant = RDPAccountant()
    for _ in range(rounds):
        accountant.step(noise_multiplier=privacy.noise_multiplier, sample_rate=1.0)
    return float(accountant.get_epsilon(privacy.delta, alphas=ALPHAS + accountant.DEFAULT_ALPHAS))
