from trainer_helpers import GOOD, add, encode, wait


def test_contribute_refund_withdraw(drt, owner, contributor, chain, reputation):
    receipt = add(drt, contributor, GOOD, 1)
    assert receipt.events[-1].event_name == "ContributionAdded"
    wait(86_400)
    drt.refund(encode(GOOD), 1, sender=contributor)
    assert reputation.balanceOf(contributor) == 1
    assert drt.credits(contributor) > 0
    drt.withdraw(sender=contributor)
    assert drt.credits(contributor) == 0
