"""Small helpers shared by the ape tests."""

from contextlib import contextmanager

import ape


@contextmanager
def reverts_with(error, **inputs):
    """ape.reverts for a custom error, failing if an expected input name does not exist
    (ape.reverts silently ignores unknown names, which would make the check vacuous)."""
    names = {i.name for i in error.abi.inputs}
    unknown = set(inputs) - names
    assert not unknown, (
        f"{error.abi.name} has no input(s) {sorted(unknown)}; it has {sorted(names)}"
    )
    with ape.reverts(error, **inputs):
        yield
