"""Running the `ape run` commands in-process, on the chain the test session is connected to."""

import pytest
from click.testing import CliRunner


@pytest.fixture(scope="session")
def network(chain):
    """The --network value that makes the commands use the session's provider."""
    return chain.provider.network_choice


@pytest.fixture(scope="session")
def run(network):
    """run(command, *args, ok=True) -> click Result; checks the exit code."""

    def invoke(command, *args, ok: bool = True):
        result = CliRunner().invoke(command, [*map(str, args), "--network", network])
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        else:
            assert result.exit_code == 1, (result.output, result.exception)
        return result

    return invoke


from ipfs_fixture import ipfs_node  # noqa: E402, F401 (the live node, for the provenance tour)
