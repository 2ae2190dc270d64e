"""ReputationToken: minted and burnt only by its minter, never transferred or approved."""

import ape
from helpers import reverts_with
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ZERO = "0x0000000000000000000000000000000000000000"
PROPERTY = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def test_deployer_is_minter_and_token_has_no_decimals(reputation, owner):
    assert reputation.minter() == owner
    assert reputation.decimals() == 0
    assert reputation.name() == "Reputation"
    assert reputation.totalSupply() == 0


def test_mint_credits_balance_and_emits_transfer(reputation, owner, contributor):
    receipt = reputation.mint(contributor, 3, sender=owner)

    assert reputation.balanceOf(contributor) == 3
    assert reputation.totalSupply() == 3
    assert receipt.events == [reputation.Transfer(ZERO, contributor, 3)]


def test_transfer_and_approve_revert_and_change_nothing(reputation, owner, contributor, reporter):
    reputation.mint(contributor, 5, sender=owner)

    with ape.reverts(reputation.ReputationNotTransferable):
        reputation.transfer(reporter, 1, sender=contributor)
    with ape.reverts(reputation.ReputationNotTransferable):
        reputation.approve(reporter, 1, sender=contributor)
    with ape.reverts(reputation.ReputationNotTransferable):
        reputation.transferFrom(contributor, reporter, 1, sender=reporter)

    assert reputation.balanceOf(contributor) == 5
    assert reputation.balanceOf(reporter) == 0
    assert reputation.allowance(contributor, reporter) == 0


def test_only_minter_mints_or_burns(reputation, owner, contributor):
    with reverts_with(reputation.ReputationUnauthorized, caller=contributor, minter=owner):
        reputation.mint(contributor, 1, sender=contributor)
    reputation.mint(contributor, 2, sender=owner)
    with reverts_with(reputation.ReputationUnauthorized, caller=contributor, minter=owner):
        reputation.burn(contributor, 1, sender=contributor)
    assert reputation.balanceOf(contributor) == 2


def test_burn_is_capped_at_balance(reputation, owner, contributor):
    reputation.mint(contributor, 2, sender=owner)
    receipt = reputation.burn(contributor, 5, sender=owner)

    assert reputation.balanceOf(contributor) == 0
    assert reputation.totalSupply() == 0
    assert receipt.events == [reputation.Transfer(contributor, ZERO, 2)]


operations = st.lists(
    st.tuples(st.sampled_from(["mint", "burn"]), st.integers(1, 3), st.integers(0, 10**6)),
    min_size=1,
    max_size=6,
)


@PROPERTY
@given(ops=operations)
def test_supply_is_sum_of_balances_after_any_mints_and_burns(
    chain, reputation, owner, accounts, ops
):
    snapshot = chain.snapshot()
    try:
        expected = {i: 0 for i in range(1, 4)}
        for op, who, amount in ops:
            account = accounts[who]
            if op == "mint":
                reputation.mint(account, amount, sender=owner)
                expected[who] += amount
            else:
                reputation.burn(account, amount, sender=owner)
                expected[who] -= min(amount, expected[who])
        balances = {i: reputation.balanceOf(accounts[i]) for i in expected}
        assert balances == expected
        assert reputation.totalSupply() == sum(balances.values())
    finally:
        chain.restore(snapshot)
