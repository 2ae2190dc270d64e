"""The fixed-point convention shared with `contracts/libraries/FixedPoint.sol`.

A real number r is stored as the integer ``round(r * ONE)`` with ``ONE = 10**6``; every rounding
is to nearest with ties away from zero, in Python exactly as in Solidity. Parameters are int64
(4 per storage word), int32 or uint32 (8 per word); dense sample values are int32 (|r| < 2147.48),
sparse feature indices uint16.

>>> to_fixed(0.5)
500000
>>> mul(to_fixed(0.5), to_fixed(-0.25))
-125000
"""

from fractions import Fraction
from numbers import Real

import numpy as np

from ml.errors import FixedPointOverflow

ONE = 10**6
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UINT32_MAX = 2**32 - 1
UINT16_MAX = 2**16 - 1


def div_round(n: int, d: int) -> int:
    """n / d (d > 0) rounded to nearest, ties away from zero: FixedPoint.divRound."""
    if d <= 0:
        raise ValueError("divisor must be positive")
    q = abs(n) // d
    if 2 * (abs(n) - q * d) >= d:
        q += 1
    return q if n >= 0 else -q


def mul(a: int, b: int) -> int:
    """a * b / ONE rounded to nearest, ties away from zero: FixedPoint.mul."""
    return div_round(a * b, ONE)


def to_fixed(x: Real) -> int:
    """The fixed-point integer of a real number (exact: a float is taken at its binary value)."""
    f = Fraction(x) * ONE
    return div_round(f.numerator, f.denominator)


def from_fixed(v: int) -> float:
    return v / ONE


def to_fixed_array(values, *, lo: int = INT64_MIN, hi: int = INT64_MAX) -> list[int]:
    """Fixed-point integers of an array of reals, each checked against [lo, hi]."""
    out = [to_fixed(float(v)) for v in np.asarray(values, dtype=float).ravel()]
    for i, v in enumerate(out):
        check_range(v, lo, hi, f"value {i}")
    return out


def saturate(value: int, lo: int, hi: int) -> int:
    """`value` clamped to [lo, hi]: how every model parameter meets the end of its storage lane
    (ModelBase's loops), so that no update reverts for overflow."""
    return lo if value < lo else hi if value > hi else value


def saturate_int64(value: int) -> int:
    return saturate(value, INT64_MIN, INT64_MAX)


def check_range(value: int, lo: int, hi: int, what: str = "value") -> int:
    if not lo <= value <= hi:
        raise FixedPointOverflow(f"{what} = {value} is outside [{lo}, {hi}]")
    return value
