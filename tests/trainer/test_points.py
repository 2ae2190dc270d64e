"""Points: no deposit; a validated contribution earns REFUND_POINTS reputation, a report of bad
data REPORT_POINTS for a reporter who already holds reputation; each contribution claimed once."""

from helpers import reverts_with
from trainer_helpers import GOOD, OTHER_GOOD, REFUND_WAIT, contribution_id, encode, record, wait

from ml.incentives import REFUND_POINTS, REPORT_POINTS


def test_points_cycle(points, project, contributor, reporter, stranger):
    rep = project.ReputationToken.at(points.reputation())
    receipt = points.addData(encode(OTHER_GOOD), 1, sender=reporter)
    assert receipt.events[-1].deposit == 0
    assert record(points, OTHER_GOOD, 1)["remaining"] == 1
    points.addData(encode(GOOD), 0, sender=contributor)  # bad data
    wait(REFUND_WAIT)

    receipt = points.refund(encode(OTHER_GOOD), 1, sender=reporter)
    assert (
        points.PointsAwarded(contribution_id(points, OTHER_GOOD, 1), reporter, REFUND_POINTS)
        in receipt.events
    )
    with reverts_with(points.NoReputation, taker=stranger):
        points.report(encode(GOOD), 0, sender=stranger)
    with reverts_with(points.SelfTake, taker=contributor):
        points.report(encode(GOOD), 0, sender=contributor)
    points.report(encode(GOOD), 0, sender=reporter)

    assert [rep.balanceOf(a) for a in (reporter, contributor, stranger)] == [
        REFUND_POINTS + REPORT_POINTS,
        0,
        0,
    ]
    assert rep.totalSupply() == REFUND_POINTS + REPORT_POINTS
    for indices, label in ((GOOD, 0), (OTHER_GOOD, 1)):
        assert record(points, indices, label)["remaining"] == 0
    with reverts_with(points.AlreadyClaimed, id=contribution_id(points, GOOD, 0)):
        points.report(encode(GOOD), 0, sender=reporter)
    with reverts_with(points.NothingToWithdraw, account=reporter):
        points.withdraw(sender=reporter)
    assert points.balance == 0


def test_points_refuse_ether(points, contributor):
    with reverts_with(points.DepositNotAccepted, value=1):
        points.addData(encode(GOOD), 1, sender=contributor, value=1)
    assert record(points, GOOD, 1)["contributor"] == "0x" + "0" * 40
