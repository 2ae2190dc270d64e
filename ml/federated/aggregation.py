"""Robust aggregation of federated updates in exact integers, so that the contract that checks an
aggregate (one chunk at a time, in a fraud proof) recomputes the coordinate-wise rules bit for bit.

An update is a list of d >= 1 Python ints: fixed-point values (`ml.fixed_point`: 6 decimals, but
no rule depends on the scale). Every value must satisfy |x| <= MAX_ABS = 2**64, so that sums and
squared distances stay far inside a uint256/int256 word on chain.

The definitions below are the contract; i indexes the n participants, j the coordinates.

- Every division is floor division: rounded toward negative infinity, as Python's ``//``.
  Solidity's ``/`` truncates toward zero, so the contract implements the floor explicitly.
  The floor is on purpose, unlike the models' fixed point (`ml.fixed_point.div_round` and `mul`
  round to nearest, ties away from zero): the contract re-executes exactly this floor.
- Sorting a coordinate is stable by (value, participant index), so that ties are deterministic.
- mean (FedAvg): out[j] = floor(sum_i w_i * x_ij / sum_i w_i); weights are positive ints and
  default to all 1.
- median: sort coordinate j; n odd: the middle value; n even: floor((a + b) / 2) of the two
  middle values a <= b.
- trimmed mean with trim t (0 <= t, 2t < n): sort coordinate j, drop the t smallest and the t
  largest, out[j] = floor(sum of the other n - 2t / (n - 2t)).
- Krum with f Byzantine participants (n >= 2f + 3, Blanchard et al. 2017): d(i, k) is the exact
  squared Euclidean distance; score_i is the sum of the n - f - 2 smallest d(i, k), k != i. krum
  picks the smallest score, ties to the lowest index.
- multi-Krum with 1 <= m <= n: the m smallest scores (ties to the lower index), aggregated by
  the unweighted mean above.

`RULES` names each rule and gives it one signature, ``aggregate(updates, weights, params)``,
returning an `Aggregate`: the vector and ``kept``, the participants the rule used. For Krum that
is the chosen index, for multi-Krum the selection, for the mean everyone; for the coordinate-wise
median and trimmed mean it is every participant whose value was used in at least one coordinate
(the middle one or two, or the untrimmed ones, in the (value, index) order).

>>> median([[1, 10], [2, -4], [7, 0], [3, 5]])
[2, 2]
>>> mean([[1], [2]])
[1]
>>> mean([[-1], [-2]])
[-2]
>>> krum([[0, 0], [1, 0], [0, 1], [90, 90], [1, 1]], f=1)
(0, [0, 0])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ml.errors import CollabMLError
from ml.federated.vectors import MAX_ABS, in_range  # noqa: F401 (MAX_ABS: re-exported)

#: The largest weight (a participant's sample count): sums of weighted values fit in int256.
MAX_WEIGHT = 2**64


class AggregationError(CollabMLError, ValueError):
    """Updates, weights or parameters that no aggregation rule accepts."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_updates(updates: Sequence[Sequence[int]]) -> tuple[int, int]:
    """(n, d) of well-formed updates; raises AggregationError naming the first fault."""
    if not updates:
        raise AggregationError("no updates: expected at least one")
    d = len(updates[0])
    if d < 1:
        raise AggregationError("update 0 is empty: expected at least one coordinate")
    for i, update in enumerate(updates):
        if len(update) != d:
            raise AggregationError(f"update {i} has {len(update)} coordinates, expected {d}")
        for j, x in enumerate(update):
            if not in_range(x):
                raise AggregationError(
                    f"update {i} coordinate {j} = {x!r}: expected an int with |x| <= 2**64"
                )
    return len(updates), d


def _check_weights(weights: Sequence[int] | None, n: int) -> list[int]:
    if weights is None:
        return [1] * n
    if len(weights) != n:
        raise AggregationError(f"{len(weights)} weights for {n} updates: expected one each")
    for i, w in enumerate(weights):
        if not _is_int(w) or w <= 0:
            raise AggregationError(f"weight {i} = {w!r}: expected a positive int")
        if w > MAX_WEIGHT:
            raise AggregationError(f"weight {i} = {w}: expected at most 2^64")
    return list(weights)


def _check_count(name: str, value, lo: int, hi: int, expected: str) -> int:
    if not _is_int(value) or not lo <= value <= hi:
        raise AggregationError(f"{name} = {value!r}: expected an int with {expected}")
    return value


def _order(updates: Sequence[Sequence[int]], j: int) -> list[int]:
    """Participant indices sorted by (value at coordinate j, index): the one tie-break."""
    return sorted(range(len(updates)), key=lambda i: (updates[i][j], i))


def _floor_mean(values: Sequence[int], weights: Sequence[int]) -> int:
    return sum(x * w for x, w in zip(values, weights, strict=True)) // sum(weights)


def mean(updates: Sequence[Sequence[int]], weights: Sequence[int] | None = None) -> list[int]:
    """FedAvg: floor(sum_i w_i x_ij / sum_i w_i) per coordinate."""
    n, d = check_updates(updates)
    w = _check_weights(weights, n)
    return [_floor_mean([u[j] for u in updates], w) for j in range(d)]


def _median(updates) -> tuple[list[int], set[int]]:
    n, d = check_updates(updates)
    middle = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    out, used = [], set()
    for j in range(d):
        order = _order(updates, j)
        picked = [order[k] for k in middle]
        used.update(picked)
        out.append(_floor_mean([updates[i][j] for i in picked], [1] * len(picked)))
    return out, used


def median(updates: Sequence[Sequence[int]]) -> list[int]:
    """Coordinate-wise median; the two middle values' floor mean when n is even."""
    return _median(updates)[0]


def _trimmed_mean(updates, trim) -> tuple[list[int], set[int]]:
    n, d = check_updates(updates)
    _check_count("trim", trim, 0, (n - 1) // 2, f"0 <= trim and 2 * trim < n = {n}")
    out, used = [], set()
    for j in range(d):
        rest = _order(updates, j)[trim : n - trim]
        used.update(rest)
        out.append(_floor_mean([updates[i][j] for i in rest], [1] * len(rest)))
    return out, used


def trimmed_mean(updates: Sequence[Sequence[int]], trim: int) -> list[int]:
    """Coordinate-wise mean after dropping the `trim` smallest and `trim` largest values."""
    return _trimmed_mean(updates, trim)[0]


def krum_scores(updates: Sequence[Sequence[int]], f: int) -> list[int]:
    """Each update's sum of squared distances to its n - f - 2 nearest others."""
    n, _ = check_updates(updates)
    _check_count("f", f, 0, (n - 3) // 2, f"0 <= f and n = {n} >= 2 * f + 3")
    dist = [
        [sum((a - b) ** 2 for a, b in zip(u, v, strict=True)) for v in updates] for u in updates
    ]
    return [sum(sorted(dist[i][k] for k in range(n) if k != i)[: n - f - 2]) for i in range(n)]


def _ranked(updates, f) -> list[int]:
    scores = krum_scores(updates, f)
    return sorted(range(len(updates)), key=lambda i: (scores[i], i))


def krum(updates: Sequence[Sequence[int]], f: int) -> tuple[int, list[int]]:
    """(index, update) of the smallest Krum score, ties to the lowest index."""
    best = _ranked(updates, f)[0]
    return best, list(updates[best])


def multi_krum(
    updates: Sequence[Sequence[int]], f: int, m: int
) -> tuple[tuple[int, ...], list[int]]:
    """(sorted indices of the m smallest scores, their unweighted mean)."""
    ranked = _ranked(updates, f)
    _check_count("m", m, 1, len(updates), f"1 <= m <= n = {len(updates)}")
    selected = tuple(sorted(ranked[:m]))
    return selected, mean([updates[i] for i in selected])


def chunks(vector: Sequence[int], size: int) -> list[list[int]]:
    """Consecutive chunks of `size` (the last may be shorter): what a fraud proof challenges."""
    if not _is_int(size) or size < 1:
        raise AggregationError(f"chunk size = {size!r}: expected a positive int")
    return [list(vector[k : k + size]) for k in range(0, len(vector), size)]


@dataclass(frozen=True)
class Aggregate:
    vector: list[int]
    kept: tuple[int, ...]  # participants the rule used (see the module docstring)


@dataclass(frozen=True)
class Rule:
    """A named rule with the registry's uniform signature."""

    name: str
    coordinate_wise: bool  # out[j] depends on coordinate j alone: re-executable per chunk
    params: tuple[str, ...]
    weighted: bool
    _run: Callable[[Sequence[Sequence[int]], list[int] | None, Mapping], Aggregate] = field(
        repr=False
    )

    def aggregate(
        self,
        updates: Sequence[Sequence[int]],
        weights: Sequence[int] | None = None,
        params: Mapping[str, int] | None = None,
    ) -> Aggregate:
        params = dict(params or {})
        if set(params) != set(self.params):
            expected = ", ".join(self.params) or "none"
            raise AggregationError(f"{self.name} parameters {sorted(params)}: expected {expected}")
        if weights is not None and not self.weighted:
            raise AggregationError(f"{self.name} takes no weights: expected weights=None")
        return self._run(updates, weights, params)


def _mean_rule(updates, weights, _params) -> Aggregate:
    return Aggregate(mean(updates, weights), tuple(range(len(updates))))


def _median_rule(updates, _weights, _params) -> Aggregate:
    out, used = _median(updates)
    return Aggregate(out, tuple(sorted(used)))


def _trimmed_rule(updates, _weights, params) -> Aggregate:
    out, used = _trimmed_mean(updates, params["trim"])
    return Aggregate(out, tuple(sorted(used)))


def _krum_rule(updates, _weights, params) -> Aggregate:
    index, update = krum(updates, params["f"])
    return Aggregate(update, (index,))


def _multi_krum_rule(updates, _weights, params) -> Aggregate:
    selected, out = multi_krum(updates, params["f"], params["m"])
    return Aggregate(out, selected)


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("mean", True, (), True, _mean_rule),
        Rule("median", True, (), False, _median_rule),
        Rule("trimmed-mean", True, ("trim",), False, _trimmed_rule),
        Rule("krum", False, ("f",), False, _krum_rule),
        Rule("multi-krum", False, ("f", "m"), False, _multi_krum_rule),
    )
}
