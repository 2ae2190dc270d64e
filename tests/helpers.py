"""Small helpers shared by the ape tests."""

import ast
from contextlib import contextmanager

import pytest
from ape.exceptions import ContractLogicError, CustomError
from eth_abi import decode
from eth_utils import keccak


def _revert_data(err: ContractLogicError) -> bytes:
    """The raw revert data of a failed call or transaction, whatever form ape gives it in."""
    base = getattr(err, "base_err", None)
    data = getattr(base, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    message = err.revert_message
    if isinstance(message, bytes):
        return message
    if message.startswith("0x"):
        return bytes.fromhex(message[2:])
    if message.startswith(("b'", 'b"')):
        return ast.literal_eval(message)
    if message.startswith("custom error 0x"):  # anvil view calls: selector, then the arguments
        selector, _, payload = message[len("custom error 0x") :].partition(": ")
        try:
            arguments = bytes.fromhex(payload)
        except ValueError:
            arguments = payload.encode("latin-1")
        return bytes.fromhex(selector) + arguments
    raise AssertionError(f"no revert data in {err!r}")


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
        data = _revert_data(err)
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
