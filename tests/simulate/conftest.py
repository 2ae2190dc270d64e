"""The simulation runs on an anvil of its own (ml.simulate.embedded_anvil), whatever provider
the test session uses; so it runs once, in the eth-tester pass, and not again under anvil."""

import pytest
from ape import networks

from ml.simulate import scenario_from_dict


@pytest.fixture(scope="session", autouse=True)
def _once():
    if networks.provider.name == "foundry":
        pytest.skip(
            "the simulation starts its own anvil: it already ran in the eth-tester pass "
            "(make test-ape), so the anvil pass does not repeat it"
        )


@pytest.fixture
def tiny_sweep():
    """make(name, **axes): the Scenario of a half-day sweep of an honest agent against a label
    flipper (the attacker), with short waits, over the given sweep axes."""

    def make(name: str, **axes):
        return scenario_from_dict(
            {
                "name": name,
                "days": 0.5,
                "refund_wait": "2h",
                "any_address_wait": "4h",
                "eval_interval": "6h",
                "agents": [
                    {"name": "honest", "kind": "honest", "interval": "10m"},
                    {"name": "attacker", "kind": "label-flip", "interval": "1h", "deposit": 100},
                ],
                "sweep": {"attacker": "attacker", **axes},
            }
        )

    return make
