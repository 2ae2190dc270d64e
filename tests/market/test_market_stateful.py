"""Random sequences against a real market beside its mirror: contributions (accepted and
refused), time passing, the reveal in chunks (and with bad proofs, and twice), scoring in
chunks, forfeit, claims (by the author, twice, by a stranger) and withdrawals. After every step
the invariants, from conservation rather than from the contract's code:
- the market's ether equals the stakes it holds, plus the reward not yet distributed, plus the
  credits not yet withdrawn (each as the mirror's state gives it), and the mirror's balance;
- the ether paid out never exceeds the pool plus what contributors sent in;
- no contribution is claimed twice (and a claimed one offers nothing more);
- the chain equals the mirror: phase, cursor, scores, claims, credits and reputation.

The run counts the rules that succeeded (and the refusals it meant to provoke) and fails unless
each happened: a rule that never runs checks nothing. `HYPOTHESIS_PROFILE=deep` (`make fuzz`)
runs many more, longer sequences; the default profile is short and derandomised.
"""

from ape import chain
from helpers import run_counted
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from market_helpers import DAY, deploy_market, pin, small_naive_bayes, small_perceptron

from ml.incentives import DEPOSIT_UNIT
from ml.mechanisms import Action, Claim, Phase

# Six test samples (three of each class) and contributions that teach them, unteach them or
# touch nothing the test set holds.
TESTS = [([i], 1) for i in (0, 2, 4)] + [([i], 0) for i in (8, 10, 12)]
SAMPLES = [[0], [2, 3], [4, 5], [8], [10, 11], [0, 12], [6], [14]]
STAKE = 10**15
REWARD = 10**17 + 1  # not a multiple of the contributions: the forfeit leaves a remainder
MODELS = {"sparse perceptron": small_perceptron, "naive Bayes": small_naive_bayes}
STEPS = {"quick": (5, 45), "deep": (150, 50)}  # examples x steps per example
EXPECTED = (
    "add",
    "refused add",
    "reveal",
    "bad proof refused",
    "double reveal refused",
    "evaluate",
    "forfeit",  # by forfeit() or by the first claim after the deadline
    "claim",
    "second claim refused",
    "stranger's claim refused",
    "withdraw",
)


P, R, S, SETTLED, F = Phase  # the phases, for the preconditions below


def during(*phases):
    """Enables a rule only in `phases` (the machine's `phase()` now), so that most steps are
    relevant to where the market is; the rules enabled in a phase past their own still meet
    that phase's refusals (after the window, after the deadline, before settlement), which the
    chain must give exactly as the mirror does."""
    return precondition(lambda self: self.phase() in phases)


def test_random_market_sequences_conserve_every_wei(provider, accounts):
    actors = list(accounts[1:5])
    stranger = accounts[6]
    succeeded = dict.fromkeys(EXPECTED, 0)
    started = [0]  # examples begun

    class Market(RuleBasedStateMachine):
        contributions = Bundle("contributions")
        claimed = Bundle("claimed")

        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.claimed_keys = set()
            self.shares_claimed = 0  # wei beyond the stake the claims credited
            self.paid_in = 0  # wei contributors sent with accepted contributions
            self.withdrawn = 0
            self.last_full = None  # (phase, claims) at the latest full check
            self.contributions_seen = []  # the set-up's, not yet in the bundle
            started[0] += 1
            self.provider_reveals = started[0] % 2 == 0  # alternately: forfeits get their turn

        def teardown(self):
            chain.restore(self.snapshot)

        @initialize(model=st.sampled_from(sorted(MODELS)))
        def deploy(self, model):
            self.run = deploy_market(
                MODELS[model](),
                TESTS,
                provider,
                stake=STAKE,
                reward=REWARD,
                max_contributions=6,
                reveal_window=3 * DAY,
            )

            # Two contributions to start with (the set-up's own successes are not the rules').
            for who, which, label in ((0, 0, 1), (1, 3, 0)):
                assert self.run.add(actors[who], SAMPLES[which], label) is None
                self.paid_in += STAKE
                self.contributions_seen.append(self.run.contributions[-1])

        def phase(self) -> Phase:
            return self.run.mirror.phase(chain.pending_timestamp)

        @rule(target=contributions)
        def progress(self):
            """What the parties do next: time passes to the window's end, the provider reveals
            the rest (or, in every other example, lets the deadline pass), a keeper scores to
            the end, or anyone forfeits the market; and a contribution of the set-up is offered
            to the claim rules. (Counted as the rules it does; it keeps every example moving.)"""
            run, phase = self.run, self.phase()
            if phase == P:
                chain.mine(1, timestamp=run.mirror.window_end)
            elif phase == R and not self.provider_reveals:
                chain.mine(1, timestamp=run.mirror.reveal_deadline)
                assert run.forfeit(stranger) is None
                succeeded["forfeit"] += 1
            elif phase == R:
                assert run.reveal(run.unrevealed(), provider) is None
                succeeded["reveal"] += 1
            elif phase == S:
                assert run.evaluate(1000, stranger)[0] is None
                succeeded["evaluate"] += 1
            elif phase == F and not run.mirror.forfeited:
                assert run.forfeit(stranger) is None
                succeeded["forfeit"] += 1
            if self.contributions_seen:
                return self.contributions_seen.pop()
            return multiple()

        # -------------------------------------------------------------- participation

        @during(P)
        @rule(
            target=contributions,
            who=st.integers(0, 3),
            which=st.integers(0, len(SAMPLES) - 1),
            label=st.integers(0, 1),
            extra=st.sampled_from([0, 0, DEPOSIT_UNIT]),
        )
        def add(self, who, which, label, extra):
            reason = self.run.add(actors[who], SAMPLES[which], label, value=STAKE + extra)
            if reason is not None:  # after the window, or the market full: the mirror agreed
                succeeded["refused add"] += 1
                return multiple()
            succeeded["add"] += 1
            self.paid_in += STAKE + extra
            return self.run.contributions[-1]

        @during(P, R)
        @rule(who=st.integers(0, 3), how=st.sampled_from(["low stake", "unknown class", "copy"]))
        def add_invalid(self, who, how):
            run = self.run
            if how == "copy" and run.contributions:
                copied = run.contributions[-1]
                reason = run.add(actors[who], copied.indices, copied.label)
            elif how == "low stake":
                reason = run.add(actors[who], [15], 1, value=STAKE - DEPOSIT_UNIT)
            else:
                reason = run.add(actors[who], [15], 2)
            assert reason is not None  # the mirror agreed on which refusal
            succeeded["refused add"] += 1

        @rule(seconds=st.sampled_from([DAY, DAY // 2, 2 * DAY, 3600]))
        def time_passes(self, seconds):
            chain.mine(1, deltatime=seconds)

        # -------------------------------------------------------------- the reveal

        @during(R)
        @rule(count=st.sampled_from([6, 3, 2, 1]), who=st.integers(0, 3))
        def reveal_chunk(self, count, who):
            leaves = self.run.unrevealed()[:count]
            if leaves and self.run.reveal(leaves, actors[who]) is None:
                succeeded["reveal"] += 1

        @during(P, R, S)
        @rule(index=st.integers(0, len(TESTS) - 1), field=st.sampled_from(["salt", "label"]))
        def reveal_with_a_bad_proof(self, index, field):
            run, m = self.run, self.run.mirror
            i, salt, label, sample, proof = run.test_set.reveal_args(index, 1)[0]
            if field == "salt":
                salt = bytes(32)
            else:
                label = 1 - label
            now = pin()
            if now < m.window_end:
                expected = "RevealNotOpen"
            elif now >= m.reveal_deadline or m.forfeited:
                expected = "RevealClosed"
            elif index in m.test_set:
                expected = "LeafAlreadyRevealed"
            else:
                expected = "InvalidProof"
            args = [(i, salt, label, sample, proof)]
            assert run.reveal([index], stranger, args=args, expected=expected) == expected
            if expected == "InvalidProof":
                succeeded["bad proof refused"] += 1

        @during(R, S)
        @rule(index=st.integers(0, len(TESTS) - 1))
        def reveal_again(self, index):
            if index in self.run.mirror.test_set:
                reason = self.run.reveal([index], stranger)  # the mirror says which refusal
                assert reason is not None
                succeeded["double reveal refused"] += reason == "LeafAlreadyRevealed"

        # -------------------------------------------------------------- scoring

        @during(R, S)
        @rule(
            steps=st.sampled_from([1000, 50, 7, 1]),
            source=st.sampled_from(["list", "events"]),
            supply=st.sampled_from([None, None, 0, 1]),
        )
        def evaluate_chunk(self, steps, source, supply):
            reason, _ = self.run.evaluate(steps, stranger, source=source, supply=supply)
            succeeded["evaluate"] += reason is None

        @during(R, SETTLED, F)
        @rule(who=st.integers(0, 3))
        def forfeit(self, who):
            succeeded["forfeit"] += self.run.forfeit(actors[who]) is None

        # -------------------------------------------------------------- claims

        @during(S, SETTLED, F)
        @rule(target=claimed, contribution=contributions, by_stranger=st.booleans())
        def claim(self, contribution, by_stranger):
            """A stranger tries to claim the contribution (it may only be refused); then, unless
            `by_stranger`, its author claims."""
            run = self.run
            author = contribution.sender
            for by in [stranger] if by_stranger else [stranger, None]:
                before, was_forfeited = run.market.credits(author), run.mirror.forfeited
                reason = run.claim(contribution, by=by)
                succeeded["forfeit"] += run.mirror.forfeited and not was_forfeited  # 1st claim
                if reason == "NotContributor":
                    succeeded["stranger's claim refused"] += 1
                if reason == "AlreadyClaimed":
                    assert contribution.key in self.claimed_keys
                    succeeded["second claim refused"] += 1
                assert by is None or reason is not None, "a stranger claimed"
            if reason is not None:
                return multiple()
            assert contribution.key not in self.claimed_keys, "a contribution was claimed twice"
            self.claimed_keys.add(contribution.key)
            self.shares_claimed += run.market.credits(author) - before - STAKE
            succeeded["claim"] += 1
            return contribution

        @during(SETTLED, F)
        @rule(contribution=claimed)
        def claim_again(self, contribution):
            assert self.run.claim(contribution) == "AlreadyClaimed"
            succeeded["second claim refused"] += 1

        @during(P, SETTLED, F)
        @rule(who=st.integers(-1, 3))
        def withdraw(self, who):
            paid = self.run.withdraw(provider if who < 0 else actors[who])
            self.withdrawn += paid
            succeeded["withdraw"] += paid > 0

        # -------------------------------------------------------------- invariants

        @invariant()
        def ether_is_stakes_plus_undistributed_reward_plus_credits(self):
            m = self.run.mirror
            c = m.cursor
            phase = m.phase(chain.blocks.head.timestamp)
            if m.forfeited:
                undistributed = m.forfeit_share * len(m.open)
            elif phase == Phase.FORFEITED or not c.done:  # not yet split, or still scoring
                undistributed = REWARD + STAKE * c.negative_count
            elif c.positive_total == 0:
                undistributed = 0  # credited to the provider at settlement
            else:
                undistributed = REWARD + STAKE * c.negative_count - self.shares_claimed
            held = STAKE * len(m.open)
            credits = sum(m.credits.values())
            assert self.run.market.balance == held + undistributed + credits == m.balance

        @invariant()
        def paid_out_never_exceeds_what_came_in(self):
            assert self.withdrawn + sum(self.run.mirror.credits.values()) <= REWARD + self.paid_in

        @invariant()
        def a_claimed_contribution_offers_nothing_more(self):
            for c in self.run.contributions:
                if c.key in self.claimed_keys:
                    offer = Claim.of(self.run.market.claimable(*c.key, c.sender))
                    assert offer.action == Action.NONE

        @invariant()
        def chain_equals_mirror(self):
            """Phase, cursor and credits every step; scores, claims and reputation too when the
            phase has changed or a claim was made (they change only then)."""
            phase = self.run.mirror.phase(chain.blocks.head.timestamp)
            full = (phase, len(self.claimed_keys)) != self.last_full
            self.run.check(full=full)
            if full:
                self.last_full = (phase, len(self.claimed_keys))

    total = run_counted(Market, succeeded, STEPS)
    print(f"stateful market steps that succeeded: {total}")
    for name in EXPECTED:
        assert total[name] > 0, f"'{name}' never happened: it checked nothing"
