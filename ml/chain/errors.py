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
    # The prediction market (phases: 0 participation, 1 reveal, 2 scoring, 3 settled,
    # 4 forfeited; `ape run status` shows the phase and the deadlines).
    "ParticipationClosed": "the market's participation window is over: no more contributions",
    "MarketFull": "the market has taken its most contributions",
    "RevealNotOpen": "the test set is revealed only after the participation window ends",
    "RevealClosed": "the reveal deadline has passed: the market is forfeited (`ape run claim`)",
    "LeafOutOfRange": "the leaf index is beyond the committed test-set size: wrong test-set file?",
    "LeafAlreadyRevealed": "that leaf is on chain already: `ape run reveal` skips revealed leaves",
    "InvalidProof": "the leaf is not in the committed root: wrong test-set file?",
    "NotScoring": "scoring runs once the whole test set is revealed, until the market settles",
    "NoSteps": "give at least one step",
    "MissingContribution": "resupply the contributions' data in order (`ape run score` does)",
    "WrongContribution": "resupply the contributions' data in order (`ape run score` does)",
    "NotSettled": "claims open once the market is scored (`ape run score`) or forfeited",
    "NotForfeitable": "only a market past its reveal deadline without its test set forfeits",
    "StakeForfeited": "the contribution scored below zero: its stake went to the positive ones",
    "ReportsNotUsed": "a market judges by its test set: its authors claim with `ape run claim`",
    "ModelNotOwned": "the market does not own its model yet: the provider must hand it over "
    "(`ape run deploy` does) before anyone contributes",
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
