"""Role-named fixtures shared by the ape tests (they run on eth-tester and on anvil)."""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis profiles: "quick" (the default, for `make test`) and "deep" (`make fuzz`). Tests
# that set their own example counts keep them; the stateful trainer test scales with the
# profile (and is derandomised in "quick", so that every run checks the same steps).
settings.register_profile("quick")
settings.register_profile("deep")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

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
