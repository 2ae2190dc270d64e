"""Byzantine participants' updates, for the simulation and the sweep. Each attack returns a
fixed-point vector the contract accepts (every coordinate within ±MAX_ABS), so an attack is
caught by the aggregation rule or the attribution, never by a range check.

- label flipping is a data attack: `flip_labels` before the honest training;
- `sign_flip`: the honest update reversed and scaled (Damaskinos et al.);
- `gaussian`: noise of a given deviation instead of an update;
- `a_little_is_enough` (Baruch et al. 2019): per coordinate, the honest mean minus z honest
  deviations, with z the largest that still hides among the honest updates;
- `inner_product_manipulation` (Xie et al. 2020): minus epsilon times the honest mean;
- `free_ride`: the global model resubmitted, i.e. a zero update.
The omniscient attacks (ALIE, IPM) see the honest updates of the round, the strongest case.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ml.federated.vectors import MAX_ABS


def _clipped(values) -> list[int]:
    return [max(-MAX_ABS, min(MAX_ABS, int(v))) for v in values]


def flip_labels(y, classes: int) -> np.ndarray:
    """Each label y replaced by classes - 1 - y."""
    return classes - 1 - np.asarray(y)


def sign_flip(update: list[int], scale: int = 1) -> list[int]:
    return _clipped(-scale * u for u in update)


def gaussian(size: int, deviation: int, *, seed: int) -> list[int]:
    noise = np.random.default_rng(seed).normal(0.0, float(deviation), size)
    return _clipped(np.rint(noise))


def alie_z(participants: int, byzantine: int) -> float:
    """Baruch et al.'s z_max: s = floor(n/2 + 1) - f honest votes are needed for a majority;
    z is the normal quantile that leaves (n - s) / n of the honest values above the mean - z
    std."""
    s = math.floor(participants / 2 + 1) - byzantine
    return NormalDist().inv_cdf((participants - s) / participants)


def a_little_is_enough(honest: list[list[int]], z: float) -> list[int]:
    matrix = np.asarray(honest, dtype=float)
    return _clipped(np.rint(matrix.mean(axis=0) - z * matrix.std(axis=0)))


def inner_product_manipulation(honest: list[list[int]], epsilon: float) -> list[int]:
    return _clipped(np.rint(-epsilon * np.asarray(honest, dtype=float).mean(axis=0)))


def free_ride(size: int) -> list[int]:
    return [0] * size
