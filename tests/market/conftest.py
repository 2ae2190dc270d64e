"""Fixtures for the market tests: roles, and small markets (a sparse perceptron and a naive
Bayes model that know nothing of features 0-13, committed to the 16-sample test set of
market_helpers.TESTS) deployed beside their mirror as `MarketRun`s."""

import sys
from pathlib import Path

import pytest

# Let the tests here import market_helpers beside them.
sys.path.insert(0, str(Path(__file__).parent))

from market_helpers import TESTS, deploy_market, small_naive_bayes, small_perceptron  # noqa: E402


@pytest.fixture(scope="session")
def provider(owner):
    """Deploys the market, funds its pool and holds the test set."""
    return owner


@pytest.fixture(scope="session")
def contributors(accounts):
    return list(accounts[1:4])


@pytest.fixture(scope="session")
def keeper(accounts):
    """Reveals and evaluates: anyone may, and is paid nothing for it."""
    return accounts[5]


@pytest.fixture
def make_market(provider):
    """A factory: `make_market(model, tests=TESTS, **parameters)` deploys a market over
    `model` (see market_helpers.deploy_market for the parameters and their defaults)."""

    def make(model, tests=TESTS, **parameters):
        return deploy_market(model, tests, provider, **parameters)

    return make


@pytest.fixture
def perceptron_market(make_market):
    return make_market(small_perceptron())


@pytest.fixture
def naive_bayes_market(make_market):
    return make_market(small_naive_bayes())
