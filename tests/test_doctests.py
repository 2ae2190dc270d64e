"""The examples in the ml package's docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = [
    "ml.fixed_point",
    "ml.models.perceptron",
    "ml.encoders",
    "ml.encoders.binary",
    "ml.mechanisms",
    "ml.durations",
    "ml.artifacts.cid",
    "ml.artifacts.car",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
