"""Random sequences of several contributors against the real Deposit-Refund-Take trainer:
add, refund, report, withdraw, and time passing. The invariants come from conservation, not
from the contract's code:
- the trainer's ETH equals open deposits plus unwithdrawn credits;
- no contribution pays out more than its deposit;
- no address withdraws more than it was credited;
- reputation supply equals the sum of balances;
and every deposit and payout equals the rule in ml.incentives."""

from ape.exceptions import ContractLogicError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from trainer_helpers import COST_WEIGHT, encode

from ml.incentives import DEPOSIT_UNIT, required_deposit, take_share

SAMPLES = [[0, 1], [2, 3], [4, 5], [8, 9], [10, 11]]  # predicted 1, 1, 1, 0, 0
DAY = 86_400


def test_random_contributors_conserve_every_wei(drt, reputation, accounts, chain):
    actors = list(accounts[1:5])

    class Trainer(RuleBasedStateMachine):
        contributions = Bundle("contributions")

        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.open = {}  # (sample, label) -> {contributor, stake, remaining, paid}
            self.credited = {a.address: 0 for a in actors}
            self.withdrawn = {a.address: 0 for a in actors}

        def teardown(self):
            chain.restore(self.snapshot)

        @initialize()
        def two_reputation_holders(self):
            """Actors 0 and 1 earn reputation with validated data, so that takes can happen."""
            for who, which in ((0, 1), (1, 2)):
                self._add(who, which, 1, 0)
            chain.mine(1, deltatime=DAY)
            for which in (1, 2):
                self._refund(which, 1)
            assert reputation.totalSupply() == 2
            # ... and one share-take, so that every run checks a share against the rule.
            self._add(2, 0, 0, 0)  # bad data: [0, 1] is predicted 1
            chain.mine(1, deltatime=DAY)
            self._report(0, 0, 0)
            assert self.open[(0, 0)]["paid"] > 0

        @rule(
            who=st.integers(0, 3),
            which=st.integers(0, 4),
            label=st.integers(0, 1),
            extra=st.sampled_from([0, 0, 1, 10**12]),
        )
        def add(self, who, which, label, extra):
            self._add(who, which, label, extra)

        def _add(self, who, which, label, extra):
            actor, key = actors[who], (which, label)
            chain.pending_timestamp = chain.pending_timestamp
            expected = required_deposit(COST_WEIGHT, chain.pending_timestamp - drt.lastUpdateTime())
            try:
                drt.addData(encode(SAMPLES[which]), label, sender=actor, value=expected + extra)
            except ContractLogicError:
                assert key in self.open and self.open[key]["remaining"] > 0  # a duplicate
                return
            assert key not in self.open or self.open[key]["remaining"] == 0
            self.open[key] = {
                "stake": expected,
                "remaining": expected,
                "paid": 0,
                "contributor": actor,
            }
            self.credited[actor.address] += extra

        @rule(contribution=contributions)
        def refund(self, contribution):
            self._refund(*contribution)

        def _refund(self, which, label):
            entry = self.open.get((which, label))
            if not entry:
                return
            author = entry["contributor"]
            before = drt.credits(author)
            try:
                drt.refund(encode(SAMPLES[which]), label, sender=author)
            except ContractLogicError:
                return
            self._paid(entry, author.address, drt.credits(author) - before, entry["remaining"])

        @rule(who=st.integers(0, 3), contribution=contributions)
        def report(self, who, contribution):
            self._report(who, *contribution)

        def _report(self, who, which, label):
            entry, actor = self.open.get((which, label)), actors[who]
            if not entry:
                return
            _, added_at, _, _ = drt.contribution(encode(SAMPLES[which]), label)
            anyone = chain.pending_timestamp >= added_at + 9 * DAY
            rule = (
                entry["remaining"]
                if anyone
                else take_share(
                    entry["stake"],
                    entry["remaining"],
                    reputation.balanceOf(actor),
                    reputation.totalSupply(),
                )
            )
            before = drt.credits(actor)
            try:
                drt.report(encode(SAMPLES[which]), label, sender=actor)
            except ContractLogicError:
                return
            self._paid(entry, actor.address, drt.credits(actor) - before, rule)

        def _paid(self, entry, account, amount, rule):
            assert amount == rule, "a payout differs from the rule in ml.incentives"
            entry["remaining"] -= amount
            entry["paid"] += amount
            self.credited[account] += amount

        @rule(who=st.integers(0, 3))
        def withdraw(self, who):
            actor = actors[who]
            credit = drt.credits(actor)
            if credit == 0:
                return
            balance = actor.balance
            receipt = drt.withdraw(sender=actor)
            assert actor.balance == balance + credit - receipt.total_fees_paid
            self.withdrawn[actor.address] += credit

        @rule(seconds=st.sampled_from([3600, DAY, DAY, DAY, 2 * DAY, 9 * DAY]))
        def time_passes(self, seconds):
            chain.mine(1, deltatime=seconds)

        @invariant()
        def ether_is_open_deposits_plus_credits(self):
            open_deposits = 0
            for which, label in self.open:
                _, _, _, remaining = drt.contribution(encode(SAMPLES[which]), label)
                open_deposits += remaining * DEPOSIT_UNIT
            credits = sum(drt.credits(a) for a in actors)
            assert drt.balance == open_deposits + credits

        @invariant()
        def no_contribution_pays_out_more_than_its_deposit(self):
            for entry in self.open.values():
                assert entry["paid"] <= entry["stake"]

        @invariant()
        def no_address_withdraws_more_than_it_was_credited(self):
            for account, amount in self.withdrawn.items():
                assert amount <= self.credited[account]

        @invariant()
        def reputation_supply_is_the_sum_of_balances(self):
            assert reputation.totalSupply() == sum(reputation.balanceOf(a) for a in actors)

    run_state_machine_as_test(
        Trainer,
        settings=settings(
            max_examples=5,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
