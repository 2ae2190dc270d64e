"""The simulation runs on an anvil of its own (ml.simulate.embedded_anvil), whatever provider
the test session uses; so it runs once, in the eth-tester pass, and not again under anvil."""

import pytest
from ape import networks


@pytest.fixture(scope="session", autouse=True)
def _once():
    if networks.provider.name == "foundry":
        pytest.skip(
            "the simulation starts its own anvil: it already ran in the eth-tester pass "
            "(make test-ape), so the anvil pass does not repeat it"
        )
