"""Role-named fixtures shared by the ape tests (they run on eth-tester and on anvil)."""

import sys
from pathlib import Path

import pytest

# Test helper modules (helpers.py, models/strategies.py) import by their plain names.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def owner(accounts):
    """Deploys contracts; for the token tests it is also the minter."""
    return accounts[0]


@pytest.fixture(scope="session")
def contributor(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def reporter(accounts):
    return accounts[2]


@pytest.fixture
def reputation(owner, project):
    return owner.deploy(project.ReputationToken, "Reputation", "REP")
