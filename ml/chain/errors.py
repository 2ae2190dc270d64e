"""Reverts in one line: the custom error's name and values, decoded from the raw revert data
with the ABIs of the contracts involved, and what the user can do about it."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from eth_abi import decode
from eth_utils import keccak

from ml.errors import CollabMLError


class ChainError(CollabMLError, RuntimeError):
    """A call or transaction the chain refused (or would refuse), explained in one line."""


#: What to do about the errors a user can cause; the rest speak for themselves.
HINTS = {
    "InsufficientDeposit": "send at least the required deposit (it falls as time passes)",
    "DuplicateContribution": "this data with this label is already an open contribution",
    "UnknownContribution": "no open contribution has this data and label",
    "AlreadyClaimed": "nothing is left to claim on this contribution",
    "RefundTooEarly": "wait until the refund wait has passed",
    "TakeTooEarly": "wait until the refund wait has passed",
    "ModelDisagrees": "the model does not predict the label you gave, so no refund (yet)",
    "ModelAgrees": "the model agrees with the label, so there is nothing to take",
    "NoReputation": "only accounts with reputation may take before the any-address wait",
    "NothingToWithdraw": "this account has no credit",
    "SelfTake": "you cannot take your own contribution before anyone may",
    "AlreadyTaken": "this account already took its share of this contribution",
    "UnknownClass": "the label is not one of the model's classes",
    "NotContributor": "only the contribution's author can claim it",
    # The prediction market's.
    "ParticipationClosed": "the market's participation window is over: it takes no more data",
    "MarketFull": "the market has taken as many contributions as it accepts",
    "RevealNotOpen": "the test set can be revealed once the participation window is over",
    "RevealClosed": "the reveal deadline has passed: the market is forfeited, so claim instead",
    "LeafOutOfRange": "the market's test set has fewer leaves: check the test-set file",
    "LeafAlreadyRevealed": "reveal only the leaves not yet revealed (see ape run status)",
    "InvalidProof": "the leaf is not in the committed root: use the test-set file the market "
    "was deployed with",
    "NotScoring": "scoring runs once the whole test set is revealed, until the market settles",
    "NoSteps": "ask for at least one step of scoring",
    "MissingContribution": "pass the contributions from the next unscored one, in order "
    "(their data is in the ContributionAdded events)",
    "WrongContribution": "pass the contributions in the order they were added, from the next "
    "unscored one",
    "NotSettled": "claims open once the market is scored to the end, or forfeited",
    "NotForfeitable": "a market is forfeited only once, after its reveal deadline passed "
    "without the whole test set",
    "StakeForfeited": "this contribution made the model worse on the test set: its stake went "
    "to the contributions that improved it",
    "ReportsNotUsed": "a market judges contributions by its test set: claim with refund instead",
}


def revert_data(err: BaseException) -> bytes | None:
    """The raw revert data of a failed call or transaction, whatever form ape gives it in
    (the error's data field, hex or a bytes literal in its message, or anvil's
    ``custom error 0x<selector>: <arguments>``); None when there is none."""
    for source in (getattr(err, "base_err", None), err):
        data = getattr(source, "data", None)
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        if isinstance(data, bytes | bytearray):
            return bytes(data)
    message = getattr(err, "revert_message", None)
    if message is None and err.args:  # eth-tester: the data, or its repr, as the argument
        message = err.args[0]
    if isinstance(message, bytes):
        return message
    if not isinstance(message, str):
        return None
    message = message.removeprefix("execution reverted: ")
    if message.startswith("0x"):
        return bytes.fromhex(message[2:])
    if message.startswith(("b'", 'b"')):
        return ast.literal_eval(message)
    if message.startswith("custom error 0x"):
        selector, _, payload = message[len("custom error 0x") :].partition(": ")
        try:
            arguments = bytes.fromhex(payload)
        except ValueError:
            arguments = payload.encode("latin-1")
        return bytes.fromhex(selector) + arguments
    return None


def decode_error(data: bytes, contracts: Iterable) -> tuple[str, dict] | None:
    """(name, inputs) of the custom error `data` encodes, looked up in the ABIs of `contracts`
    (ape contract instances or contract types); None when no ABI has its selector."""
    if len(data) < 4:
        return None
    for contract in contracts:
        contract_type = getattr(contract, "contract_type", contract)
        for abi in contract_type.errors:
            if keccak(text=abi.selector)[:4] == data[:4]:
                values = decode([i.canonical_type for i in abi.inputs], data[4:])
                return abi.name, {i.name: v for i, v in zip(abi.inputs, values, strict=True)}
    return None


def _show(value) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


def describe_revert(err: BaseException, contracts: Iterable = ()) -> str:
    """One line saying why the chain refused: ``Name(a=1, b=2): hint`` for a custom error of
    one of `contracts`, else the revert reason or the error's first line."""
    name = getattr(getattr(err, "abi", None), "name", None)
    inputs = dict(getattr(err, "inputs", {}) or {}) if name else None
    if name is None and (data := revert_data(err)) is not None:
        decoded = decode_error(data, contracts)
        if decoded:
            name, inputs = decoded
    if name is None:
        reason = getattr(err, "revert_message", None) or str(err)
        return f"the chain refused: {str(reason).splitlines()[0] if reason else type(err).__name__}"
    values = ", ".join(f"{k}={_show(v)}" for k, v in inputs.items())
    hint = HINTS.get(name)
    return f"{name}({values})" + (f": {hint}" if hint else "")
