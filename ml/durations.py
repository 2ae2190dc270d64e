"""The one grammar of durations, for the commands' options and the simulation's scenarios: a
number of seconds, or a string of a number and a unit (s, m, h, d or w; none means seconds),
decimals allowed, rounded to whole seconds.

>>> [parse_duration(v) for v in (90, "90s", "15m", "1.5h", "9d", "2w", " 2.5 ")]
[90, 90, 900, 5400, 777600, 1209600, 2]
>>> parse_duration("-1h")
Traceback (most recent call last):
...
ml.durations.InvalidDuration: '-1h' is not a duration such as 90s, 15m, 1.5h, 9d, 2w
"""

from __future__ import annotations

import math
import re

from ml.errors import CollabMLError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_GRAMMAR = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhdw]?)\s*")
_EXAMPLES = "90s, 15m, 1.5h, 9d, 2w"


class InvalidDuration(CollabMLError, ValueError):
    """A value that is not a non-negative, finite duration."""


def parse_duration(value) -> int:
    """Whole seconds (rounded half to even) from seconds (int or float) or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidDuration(f"{value!r} is not a duration such as {_EXAMPLES}")
    seconds = value
    if isinstance(value, str):
        match = _GRAMMAR.fullmatch(value)
        if not match:
            raise InvalidDuration(f"{value!r} is not a duration such as {_EXAMPLES}")
        seconds = float(match[1]) * UNITS[match[2] or "s"]
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidDuration(f"{value!r} is not a finite, non-negative duration")
    return round(seconds)


def format_duration(seconds: int) -> str:
    """The shortest whole-unit spelling of `seconds`, which parse_duration reads back.

    >>> [format_duration(s) for s in (0, 90, 3600, 86_400 * 14, 5400)]
    ['0s', '90s', '1h', '2w', '90m']
    """
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"
