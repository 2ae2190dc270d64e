"""Points: no deposit; a validated contribution that taught the model something earns
REFUND_POINTS reputation, one the model already knew earns nothing, and a report of bad data
closes it and earns nothing (REPORT_POINTS = 0); each contribution is claimed once."""

from helpers import reverts_with
from trainer_helpers import (
    GOOD,
    OTHER_GOOD,
    REFUND_WAIT,
    contribution_id,
    encode,
    informative,
    record,
    wait,
)

from ml.incentives import REFUND_POINTS, REPORT_POINTS


def test_points_cycle(points, project, contributor, reporter, stranger):
    rep = project.ReputationToken.at(points.reputation())
    lesson, label = informative(points, 0)
    receipt = points.addData(encode(lesson), label, sender=reporter)
    assert receipt.events[-1].deposit == 0 and receipt.events[-1].earnsReputation
    assert record(points, lesson, label)["remaining"] == 1
    points.addData(encode(OTHER_GOOD), 1, sender=reporter)  # the model knew it already
    points.addData(encode(GOOD), 0, sender=contributor)  # bad data
    assert points.requiredDeposit() == 0
    wait(REFUND_WAIT)

    assert points.claimable(encode(lesson), label, reporter) == (1, 0, REFUND_POINTS)
    receipt = points.refund(encode(lesson), label, sender=reporter)
    assert (
        points.PointsAwarded(contribution_id(points, lesson, label), reporter, REFUND_POINTS)
        in receipt.events
    )
    assert points.claimable(encode(OTHER_GOOD), 1, reporter) == (1, 0, 0)
    receipt = points.refund(encode(OTHER_GOOD), 1, sender=reporter)
    assert points.PointsAwarded(contribution_id(points, OTHER_GOOD, 1), reporter, 0) in (
        receipt.events
    )
    with reverts_with(points.SelfTake, taker=contributor):
        points.report(encode(GOOD), 0, sender=contributor)
    assert points.claimable(encode(GOOD), 0, stranger) == (2, 0, REPORT_POINTS)
    points.report(encode(GOOD), 0, sender=stranger)  # anyone may close bad data, for nothing

    assert [rep.balanceOf(a) for a in (reporter, contributor, stranger)] == [REFUND_POINTS, 0, 0]
    assert rep.totalSupply() == REFUND_POINTS
    for indices, lbl in ((GOOD, 0), (OTHER_GOOD, 1), (lesson, label)):
        assert record(points, indices, lbl)["remaining"] == 0
    with reverts_with(points.AlreadyClaimed, id=contribution_id(points, GOOD, 0)):
        points.report(encode(GOOD), 0, sender=reporter)
    with reverts_with(points.NothingToWithdraw, account=reporter):
        points.withdraw(sender=reporter)
    assert points.balance == 0


def test_points_refuse_ether(points, contributor):
    with reverts_with(points.DepositNotAccepted, value=1):
        points.addData(encode(GOOD), 1, sender=contributor, value=1)
    assert record(points, GOOD, 1)["contributor"] == "0x" + "0" * 40
