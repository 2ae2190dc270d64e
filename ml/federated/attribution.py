"""Who helped: each kept participant's attribution by leave-one-out on the validation set.

score_i = quality(aggregate of the kept updates) - quality(aggregate of the kept updates but
i), in validation samples answered correctly (an integer: exact, and what a verifier recounts).
Negative scores are clipped to zero (an update that hurt earns nothing; slashing is the robust
rule's business, not attribution's); if every score is zero, each kept participant gets an
equal weight of 1 (BlockKD3A's fallback: a round where no single update mattered still pays the
contributors the rule kept). Leave-one-out is chosen over consensus focus because it measures
each update's marginal effect on the one thing the line pays for, accuracy on its validation
set, with n + 1 evaluations a round; its known weakness (two identical useful updates each score
zero) is met by the fallback only when all are zero, and is stated in docs/federated.md.
"""

from __future__ import annotations

from collections.abc import Callable


def leave_one_out(
    kept: list[int],
    aggregate: Callable[[list[int]], list[int]],
    correct: Callable[[list[int]], int],
) -> dict[int, int]:
    """{participant: weight} of the `kept` participants. `aggregate(indices)` is the rule's
    aggregate of those participants' updates; `correct(vector)` counts the validation samples
    the model with that aggregate applied answers correctly."""
    if not kept:
        return {}
    full = correct(aggregate(kept))
    scores = {}
    for i in kept:
        others = [j for j in kept if j != i]
        without = correct(aggregate(others)) if others else 0
        scores[i] = max(0, full - without)
    if not any(scores.values()):
        return dict.fromkeys(kept, 1)
    return scores


def shares(weights: dict[int, int], total: int) -> dict[int, int]:
    """`total` wei split by weight, each share rounded down and the remainder (fewer wei than
    there are positive weights) one wei each to the lowest-numbered participants of positive
    weight: the shares sum to `total`, and a zero weight gets nothing."""
    if total < 0:
        raise ValueError(f"a total of {total} wei")
    weight_sum = sum(weights.values())
    if not weights or weight_sum == 0:
        return dict.fromkeys(weights, 0)
    out = {i: total * w // weight_sum for i, w in weights.items()}
    left = total - sum(out.values())
    for i in sorted(i for i, w in weights.items() if w > 0)[:left]:
        out[i] += 1
    return out
