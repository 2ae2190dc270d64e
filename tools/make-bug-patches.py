"""Writes tests/forge/bugs/*.patch: each injects one bug into the current sources (a single
textual replacement), with a header naming the bug and the suite that must catch it. Re-run
after the contracts or ml/incentives.py change; `make check-bugs` then checks every bug is
caught."""

from __future__ import annotations

import difflib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUGS = ROOT / "tests" / "forge" / "bugs"
DRT = "contracts/incentives/DepositRefundTakeTrainer.sol"
TRAINER = "contracts/trainer/CollaborativeTrainer.sol"
POINTS = "contracts/incentives/PointsTrainer.sol"
FORGE = "forge"
APE_DRT = "ape tests/trainer/test_deposit_refund_take.py"

# (file name, bug, suite, path, old text, new text)
PATCHES = [
    (
        "01-share-rounded-up",
        "a reputation holder's share is rounded up instead of down",
        FORGE,
        DRT,
        "Math.min(_stakeOf(r) * held / reputation.totalSupply(), r.remaining)",
        "Math.min(Math.ceilDiv(_stakeOf(r) * held, reputation.totalSupply()), r.remaining)",
    ),
    (
        "02-refund-without-verdict",
        "a refund without the model's verdict (the author is refunded even if it disagrees)",
        FORGE,
        TRAINER,
        "        if (predicted != label) revert ModelDisagrees(label, predicted);\n",
        "        predicted;\n",
    ),
    (
        "03-no-duplicate-check",
        "no duplicate check: open content can be added again, overwriting its record",
        FORGE,
        TRAINER,
        "        if (record.remaining != 0) {\n",
        "        if (false) {\n",
    ),
    (
        "04-second-take",
        "a second take of the same contribution by the same taker is allowed",
        FORGE,
        DRT,
        "            if (_taken[id][msg.sender]) revert AlreadyTaken(id, msg.sender);\n",
        "",
    ),
    (
        "05-credit-zeroed-after-transfer",
        "withdraw zeroes the credit after sending (the receiver sees the old credit)",
        FORGE,
        TRAINER,
        "        credits[msg.sender] = 0;\n        emit Withdrawn(msg.sender, to, amount);\n"
        "        Address.sendValue(to, amount);\n",
        "        emit Withdrawn(msg.sender, to, amount);\n        Address.sendValue(to, amount);\n"
        "        credits[msg.sender] = 0;\n",
    ),
    (
        "06-refund-one-second-early",
        "a refund allowed one second before refundableAt",
        FORGE,
        TRAINER,
        "if (block.timestamp < refundableAt) revert RefundTooEarly",
        "if (block.timestamp + 1 < refundableAt) revert RefundTooEarly",
    ),
    (
        "07-deposit-off-by-one-unit",
        "the deposit formula charges one unit too many",
        FORGE,
        DRT,
        "return Math.ceilDiv(costWeight * 3600, divisor * DEPOSIT_UNIT) * DEPOSIT_UNIT;",
        "return (Math.ceilDiv(costWeight * 3600, divisor * DEPOSIT_UNIT) + 1) * DEPOSIT_UNIT;",
    ),
    (
        "08-reputation-on-take",
        "a take mints reputation to the taker",
        FORGE,
        DRT,
        "        credits[msg.sender] += amount;\n"
        "        emit DepositTaken(id, msg.sender, amount);\n",
        "        credits[msg.sender] += amount;\n        reputation.mint(msg.sender, 1);\n"
        "        emit DepositTaken(id, msg.sender, amount);\n",
    ),
    (
        "09-any-address-wait-ignored",
        "the any-address wait is ignored: anyone takes everything after the refund wait",
        FORGE,
        DRT,
        "        if (block.timestamp >= uint256(r.addedAt) + anyAddressWait) {\n"
        "            units = r.remaining;",
        "        if (block.timestamp >= uint256(r.addedAt) + refundWait) {\n"
        "            units = r.remaining;",
    ),
    (
        "10-reputation-for-known-content",
        "re-added content earns reputation again (reputation farming by repetition)",
        FORGE,
        TRAINER,
        "bool earns = !seen && predictedBefore != label;",
        "bool earns = predictedBefore != label;",
    ),
    (
        "11-python-deposit-off-by-one-unit",
        "the Python mirror's deposit formula (ml/incentives.py) charges one unit too many",
        APE_DRT,
        "ml/incentives.py",
        "return ceil_div(cost_weight * 3600, divisor * DEPOSIT_UNIT) * DEPOSIT_UNIT",
        "return (ceil_div(cost_weight * 3600, divisor * DEPOSIT_UNIT) + 1) * DEPOSIT_UNIT",
    ),
    (
        "12-python-share-rounded-up",
        "the Python mirror's take share (ml/incentives.py) is rounded up",
        APE_DRT,
        "ml/incentives.py",
        "units = (stake_wei // DEPOSIT_UNIT) * reputation // total_reputation",
        "units = ceil_div((stake_wei // DEPOSIT_UNIT) * reputation, total_reputation)",
    ),
]


def main() -> None:
    for old_patch in BUGS.glob("*.patch"):
        old_patch.unlink()
    for name, bug, suite, path, old, new in PATCHES:
        text = (ROOT / path).read_text()
        if text.count(old) != 1:
            count = text.count(old)
            raise SystemExit(f"{name}: the text to replace occurs {count} times in {path}")
        diff = difflib.unified_diff(
            text.splitlines(keepends=True),
            text.replace(old, new).splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
            n=2,
        )
        header = f"# Bug: {bug}\n# Caught by: {suite}\n"
        (BUGS / f"{name}.patch").write_text(header + "".join(diff))
        print(f"wrote tests/forge/bugs/{name}.patch")


if __name__ == "__main__":
    main()
