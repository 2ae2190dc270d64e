"""Small helpers shared by the ape tests."""

import copy
from contextlib import contextmanager

import pytest
from ape.exceptions import ContractLogicError, CustomError
from eth_abi import decode
from eth_utils import keccak

from ml.chain.errors import revert_data
from ml.errors import InvalidSample


def _normal(value):
    if hasattr(value, "address"):
        value = value.address
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        return value.lower()
    return value


@contextmanager
def reverts_with(error, **inputs):
    """Expects a revert with the custom error `error` (e.g. `contract.ErrorName`) and, for each
    keyword, that input's value. Unlike ape.reverts, it decodes the revert data itself, so that
    a different error cannot pass on providers where ape does not decode custom errors, and it
    fails on input names the error does not have."""
    abi = error.abi
    selector = keccak(text=abi.selector)[:4]
    names = [i.name for i in abi.inputs]
    unknown = set(inputs) - set(names)
    assert not unknown, f"{abi.name} has no input(s) {sorted(unknown)}; it has {names}"
    with pytest.raises(ContractLogicError) as raised:
        yield
    err = raised.value
    if isinstance(err, CustomError):
        assert keccak(text=err.abi.selector)[:4] == selector, (
            f"expected {abi.name}, but the revert is {err.abi.name}{dict(err.inputs)}"
        )
        actual = dict(err.inputs)
    else:
        data = revert_data(err)
        assert data is not None, f"no revert data in {err!r}"
        assert data[:4] == selector, (
            f"expected {abi.name} (selector 0x{selector.hex()}), "
            f"but the revert data is 0x{data.hex()} ({err!r})"
        )
        values = decode([i.canonical_type for i in abi.inputs], data[4:])
        actual = dict(zip(names, values, strict=True))
    for name, expected in inputs.items():
        assert _normal(actual[name]) == _normal(expected), (
            f"{abi.name}.{name}: expected {expected!r}, got {actual[name]!r}"
        )


def fails_with(run, accounts, message, command, *args):
    """Runs the command, expects exit code 1 with `message` on one line and no nonce used."""
    nonces = [a.nonce for a in accounts]
    result = run(command, *args, ok=False)
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: ") and message in lines[-1], (
        result.output,
        result.exception,
    )
    assert "Traceback" not in result.output
    assert [a.nonce for a in accounts] == nonces, "a transaction was sent"
    return lines[-1]


def run_counted(machine, succeeded: dict, steps: dict) -> dict:
    """Runs the Hypothesis state machine `machine` with the current profile's (examples, steps
    per example) from `steps`, derandomised in the quick profile, every example running all
    its steps; its rules count their successes in `succeeded`, and this returns the totals over
    all examples (each example's counts are added up at its teardown, then reset)."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    profile = settings.get_current_profile_name()
    examples, count = steps[profile]
    total = dict.fromkeys(succeeded, 0)

    class Counted(machine):
        def teardown(self):
            for name, n in succeeded.items():
                total[name] += n
                succeeded[name] = 0
            super().teardown()

    run_state_machine_as_test(
        Counted,
        settings=settings(
            max_examples=examples,
            stateful_step_count=count,
            deadline=None,
            derandomize=profile == "quick",
            suppress_health_check=list(HealthCheck),
        ),
        # Hypothesis starts with its simplest, shortest programs; every example here runs all
        # its steps (a pinned Hypothesis: this keyword is not public API).
        _min_steps=count,
    )
    return total


def informative_and_wrong(mirror, encoder, texts):
    """(good text, its label, bad text, its label): the model predicts the good one wrongly
    now and rightly after learning it; the bad one, labelled as the model does not predict it,
    stays misclassified after both updates, and the good one stays right."""
    encoded = [(t, encoder.encode(t)) for t in texts]
    for good_text, good in encoded:
        label = 1 - mirror.predict_fixed(good)
        learnt = copy.deepcopy(mirror)
        learnt.update_fixed(good, label)
        if learnt.predict_fixed(good) != label:
            continue
        for bad_text, x in encoded:
            wrong = 1 - learnt.predict_fixed(x)
            if bad_text == good_text or mirror.predict_fixed(x) == wrong:
                continue
            after = copy.deepcopy(learnt)
            after.update_fixed(x, wrong)
            if after.predict_fixed(x) != wrong and after.predict_fixed(good) == label:
                return good_text, mirror.classes_[label], bad_text, mirror.classes_[wrong]
    raise AssertionError("no informative text with a wrong one that stays misclassified")


def encodable(encoder, text) -> bool:
    try:
        encoder.encode(text)
    except InvalidSample:
        return False
    return True
