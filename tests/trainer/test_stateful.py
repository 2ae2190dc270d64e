"""Random sequences of several contributors against the real Deposit-Refund-Take trainer:
add, refund, report, withdraw, and time passing. The invariants come from conservation, not
from the contract's code:
- the trainer's ETH equals open deposits plus unwithdrawn credits;
- no contribution pays out more than its deposit;
- no address withdraws more than it was credited;
- reputation supply equals the sum of balances;
- reputation is minted only by the refunds of informative contributions (new content the model
  predicted wrongly before learning it), one unit each;
and every deposit and payout equals the rule in ml.incentives.

The run counts the rules that succeeded and fails unless refunds, reports and withdrawals all
happened: a rule that never runs checks nothing. `HYPOTHESIS_PROFILE=deep` (`make fuzz`) runs
thousands of steps; the default profile is short and derandomised (the same steps every run).
"""

from ape.exceptions import ContractLogicError
from helpers import run_counted
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)
from trainer_helpers import ANY_ADDRESS_WAIT, COST_WEIGHT, encode

from ml.incentives import DEPOSIT_UNIT, REFUND_REPUTATION, required_deposit, take_share

# Predicted 1, 1, 1, 0, 0 whatever is learnt; the last three sit on the decision boundary, so
# that some contributions teach the model something and earn reputation.
SAMPLES = [[0, 1], [2, 3], [4, 5], [8, 9], [10, 11], [16], [17], [18]]
DAY = 86_400
STEPS = {"quick": (8, 20), "deep": (100, 25)}  # examples x steps per example


def test_random_contributors_conserve_every_wei(drt, reputation, accounts, chain):
    actors = list(accounts[1:5])
    succeeded = {"add": 0, "refund": 0, "report": 0, "withdraw": 0, "reputation minted": 0}

    class Trainer(RuleBasedStateMachine):
        contributions = Bundle("contributions")

        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.open = {}  # (sample, label) -> {contributor, stake, remaining, paid, earns}
            self.seen = set()  # every (sample, label) ever contributed
            self.informative_refunds = 0
            self.credited = {a.address: 0 for a in actors}
            self.withdrawn = {a.address: 0 for a in actors}

        def teardown(self):
            chain.restore(self.snapshot)

        @initialize()
        def two_reputation_holders(self):
            """Actors 0 and 1 earn reputation with informative data, so that takes can happen."""
            for who, which in ((0, 5), (1, 6)):
                self._add(who, which, 1 - drt.predict(encode(SAMPLES[which])), 0)
            chain.mine(1, deltatime=DAY)
            for key in list(self.open):
                self._refund(*key)
            assert reputation.totalSupply() == 2
            # ... and one share-take, so that every run checks a share against the rule.
            self._add(2, 0, 0, 0)  # bad data: [0, 1] is predicted 1
            chain.mine(1, deltatime=DAY)
            self._report(0, 0, 0)
            assert self.open[(0, 0)]["paid"] > 0
            for name in succeeded:  # the set-up's own successes do not count as the rules'
                succeeded[name] = 0

        @rule(
            target=contributions,
            who=st.integers(0, 3),
            which=st.sampled_from([0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7]),  # boundary ones often
            label=st.integers(0, 1),
            extra=st.sampled_from([0, 0, 1, 10**12]),
        )
        def add(self, who, which, label, extra):
            return (which, label) if self._add(who, which, label, extra) else multiple()

        @rule(target=contributions, who=st.integers(0, 3), which=st.sampled_from([5, 6, 7]))
        def add_what_the_model_gets_wrong(self, who, which):
            """An honest teacher: a boundary sample with the label the model does not predict."""
            label = 1 - drt.predict(encode(SAMPLES[which]))
            return (which, label) if self._add(who, which, label, 0) else multiple()

        def _add(self, who, which, label, extra) -> bool:
            actor, key = actors[who], (which, label)
            chain.pending_timestamp = chain.pending_timestamp
            expected = required_deposit(COST_WEIGHT, chain.pending_timestamp - drt.lastUpdateTime())
            predicted_before = drt.predict(encode(SAMPLES[which]))
            try:
                receipt = drt.addData(
                    encode(SAMPLES[which]), label, sender=actor, value=expected + extra
                )
            except ContractLogicError:
                assert key in self.open and self.open[key]["remaining"] > 0  # a duplicate
                return False
            assert key not in self.open or self.open[key]["remaining"] == 0
            earns = key not in self.seen and predicted_before != label
            assert receipt.events[-1].earnsReputation == earns
            self.seen.add(key)
            self.open[key] = {
                "stake": expected,
                "remaining": expected,
                "paid": 0,
                "contributor": actor,
                "earns": earns,
            }
            self.credited[actor.address] += extra
            succeeded["add"] += 1
            return True

        @rule(contribution=contributions)
        def refund(self, contribution):
            self._refund(*contribution)

        def _refund(self, which, label):
            entry = self.open.get((which, label))
            if not entry or entry["remaining"] == 0:
                return
            author = entry["contributor"]
            before = drt.credits(author), reputation.balanceOf(author)
            try:
                drt.refund(encode(SAMPLES[which]), label, sender=author)
            except ContractLogicError:
                return
            minted = reputation.balanceOf(author) - before[1]
            assert minted == (REFUND_REPUTATION if entry["earns"] else 0)
            self.informative_refunds += entry["earns"]
            succeeded["reputation minted"] += minted
            self._paid(entry, author.address, drt.credits(author) - before[0], entry["remaining"])
            succeeded["refund"] += 1

        @rule()
        def a_day_later_authors_refund_everything_due(self):
            """What a diligent author does after the wait: every refund that goes through."""
            chain.mine(1, deltatime=DAY)
            for key in list(self.open):
                self._refund(*key)

        @rule(who=st.integers(0, 3), contribution=contributions)
        def report(self, who, contribution):
            self._report(who, *contribution)

        def _report(self, who, which, label):
            entry, actor = self.open.get((which, label)), actors[who]
            if not entry or entry["remaining"] == 0:
                return
            _, added_at, _, _ = drt.contribution(encode(SAMPLES[which]), label)
            anyone = chain.pending_timestamp >= added_at + ANY_ADDRESS_WAIT
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
            succeeded["report"] += 1

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
            succeeded["withdraw"] += 1

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

        @invariant()
        def reputation_is_minted_only_by_informative_refunds(self):
            assert reputation.totalSupply() == REFUND_REPUTATION * self.informative_refunds

    total = run_counted(Trainer, succeeded, STEPS)
    print(f"stateful steps that succeeded: {total}")
    for name in ("add", "refund", "report", "withdraw", "reputation minted"):
        assert total[name] > 0, f"the {name} rule never succeeded: it checked nothing"
