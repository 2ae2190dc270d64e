"""The one duration grammar (ml.durations), as the commands' options and the scenarios read it."""

import math

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml.commands.common import Duration
from ml.durations import UNITS, InvalidDuration, format_duration, parse_duration
from ml.simulate import ScenarioError
from ml.simulate.scenario import parse_duration as scenario_duration


@pytest.mark.parametrize(
    "value, seconds",
    [
        (0, 0),
        (90, 90),
        (90.4, 90),
        ("90", 90),
        ("90s", 90),
        ("10m", 600),
        ("1.5h", 5400),
        (".5m", 30),
        ("2.", 2),
        ("9d", 777_600),
        ("2w", 1_209_600),
        (" 3 h ", 10_800),
    ],
)
def test_durations(value, seconds):
    assert parse_duration(value) == seconds
    assert scenario_duration(value, "t") == seconds
    assert Duration().convert(value, None, None) == seconds


@pytest.mark.parametrize(
    "value, message",
    [
        ("soon", "'soon' is not a duration such as 90s, 15m, 1.5h, 9d, 2w"),
        ("-1h", "'-1h' is not a duration"),
        ("1y", "'1y' is not a duration"),
        ("1e3", "'1e3' is not a duration"),
        ("", "'' is not a duration"),
        (True, "True is not a duration"),
        (None, "None is not a duration"),
        (-1, "-1 is not a finite, non-negative duration"),
        (math.nan, "nan is not a finite, non-negative duration"),
        (math.inf, "inf is not a finite, non-negative duration"),
        ("9" * 400 + "d", "is not a finite, non-negative duration"),
    ],
)
def test_bad_durations_are_one_line(value, message):
    with pytest.raises(InvalidDuration) as err:
        parse_duration(value)
    assert message in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ScenarioError, match=r"^refund_wait: "):
        scenario_duration(value, "refund_wait")
    with pytest.raises(click.BadParameter):
        Duration().convert(value, None, None)


@given(st.integers(0, 10**12))
def test_a_formatted_duration_reads_back(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.integers(0, 10**9), st.sampled_from(sorted(UNITS)), st.integers(0, 99))
def test_a_decimal_with_a_unit_is_its_seconds_rounded(whole, unit, hundredths):
    text = f"{whole}.{hundredths:02d}{unit}"
    assert parse_duration(text) == round(float(f"{whole}.{hundredths:02d}") * UNITS[unit])
