"""The incentive rules of contracts/incentives/, in Python, exactly as the contracts compute
them (integer arithmetic, the same rounding): the formulas and constants. The mechanisms that
apply them (records, reputation, claims) are the mirrors in `ml.mechanisms`."""

from __future__ import annotations

from math import isqrt

DEPOSIT_UNIT = 10**12  # DepositRefundTakeTrainer.DEPOSIT_UNIT: deposits are whole units
REFUND_REPUTATION = 1
REFUND_POINTS = 2
REPORT_POINTS = 0  # PointsTrainer: a report closes bad data and earns nothing
MAX_STAKE_UNITS = 2**31 - 1  # a record's stake has 31 bits (bit 31 flags reputation)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def required_deposit(cost_weight: int, seconds_since_update: int) -> int:
    """Wei a contribution must stake: ceil(costWeight * 3600 / max(1, isqrt(elapsed))) rounded
    up to whole deposit units (so at least one unit)."""
    divisor = max(1, isqrt(max(0, seconds_since_update)))
    return ceil_div(cost_weight * 3600, divisor * DEPOSIT_UNIT) * DEPOSIT_UNIT


def max_cost_weight() -> int:
    """The largest cost weight a trainer accepts (its largest deposit fits 2^31 - 1 units)."""
    return (MAX_STAKE_UNITS * DEPOSIT_UNIT) // 3600


def take_share(stake_wei: int, remaining_wei: int, reputation: int, total_reputation: int) -> int:
    """Wei a reporter holding `reputation` of `total_reputation` takes from a contribution that
    staked `stake_wei` and has `remaining_wei` left: floor(stake * rep / total) in whole units,
    at most what is left."""
    if reputation == 0 or total_reputation == 0:
        return 0
    units = (stake_wei // DEPOSIT_UNIT) * reputation // total_reputation
    return min(units, remaining_wei // DEPOSIT_UNIT) * DEPOSIT_UNIT
