from trainer_helpers import add, encode, informative, wait


def test_contribute_refund_withdraw(drt, owner, contributor, chain, reputation):
    indices, label = informative(drt, 0)
    receipt = add(drt, contributor, indices, label)
    assert receipt.events[-1].event_name == "ContributionAdded"
    wait(86_400)
    drt.refund(encode(indices), label, sender=contributor)
    assert reputation.balanceOf(contributor) == 1
    assert drt.credits(contributor) > 0
    drt.withdraw(sender=contributor)
    assert drt.credits(contributor) == 0
