"""The settlement mirror (`ml.federated.settlement`): known rounds to the wei, and the
contract's invariants on any round: wei conserved, the reward shared out exactly, zero weight
paid nothing, the equal-weight fallback."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.federated.settlement import (
    NON_REVEAL,
    REJECTED,
    Reward,
    Slash,
    Terms,
    rejected_from_mask,
    settle_round,
)

ETH = 10**18
TERMS = Terms(
    stake=ETH,
    reward_per_round=ETH,
    aggregator_bond=ETH // 10,
    non_reveal_slash_ppm=500_000,
    reject_slash_ppm=250_000,
)


def _stakes(*members, stake=ETH):
    return dict.fromkeys(members, stake)


def test_an_accepted_round_slashes_then_pays_by_weight_to_the_wei():
    # a and e committed but did not reveal; reveal order c, b, d; d (index 2) rejected.
    s = settle_round(
        _stakes("a", "b", "c", "d", "e"),
        pool=10,
        committed=["e", "a", "b", "c", "d"],
        revealed=["c", "b", "d"],
        rejected={2},
        weights=[1, 2, 0],
        outcome="accepted",
        terms=TERMS,
    )
    assert s.slashes == (
        Slash("e", ETH // 2, NON_REVEAL),
        Slash("a", ETH // 2, NON_REVEAL),
        Slash("d", ETH // 4, REJECTED),
    )
    assert s.stakes == {"a": ETH // 2, "b": ETH, "c": ETH, "d": 3 * ETH // 4, "e": ETH // 2}
    # the pool after the slashes: 10 + 1.25 ETH; the reward is the full 1 ETH, shared 1:2,
    # 10^18 // 3 = 333...333 and 666...666, the one wei left to reveal index 0 (c).
    assert s.reward == ETH
    assert s.pool == 10 + 5 * ETH // 4 - ETH
    third = ETH // 3
    assert s.rewards == (Reward("c", 1, third + 1), Reward("b", 2, 2 * third))
    assert s.credits == {"c": third + 1, "b": 2 * third}
    assert s.reputation == {"c": 1, "b": 2}
    assert s.bond_returned == TERMS.aggregator_bond
    assert s.credits_with("agg") == {**s.credits, "agg": TERMS.aggregator_bond}


def test_the_reward_is_capped_by_the_pool_and_the_remainder_goes_to_the_lowest_indices():
    s = settle_round(
        _stakes(1, 2, 3, 4),
        pool=5,
        committed=[1, 2, 3, 4],
        revealed=[4, 3, 2, 1],
        rejected=set(),
        weights=[0, 1, 1, 1],
        outcome="accepted",
        terms=TERMS,
    )
    # 5 wei by 1:1:1 -> 1 each and 2 left, to indices 1 and 2 (index 0 has weight 0)
    assert s.reward == 5 and s.pool == 0 and not s.slashes
    assert s.rewards == (Reward(3, 1, 2), Reward(2, 1, 2), Reward(1, 1, 1))
    assert 4 not in s.credits and 4 not in s.reputation


def test_all_zero_weights_fall_back_to_one_for_every_input():
    s = settle_round(
        _stakes("a", "b", "c"),
        pool=ETH,
        committed=["a", "b", "c"],
        revealed=["a", "b", "c"],
        rejected=rejected_from_mask(0b010),
        weights=[0, 0, 0],
        outcome="accepted",
        terms=TERMS,
    )
    assert s.slashes == (Slash("b", ETH // 4, REJECTED),)
    assert s.rewards == (Reward("a", 1, ETH // 2), Reward("c", 1, ETH // 2))
    assert s.pool == ETH // 4


@pytest.mark.parametrize("outcome", ["voided", "failed"])
def test_a_voided_or_failed_round_only_slashes_the_non_revealers(outcome):
    s = settle_round(
        {"a": 3, "b": ETH},
        pool=7,
        committed=["a", "b"],
        revealed=["b"],
        rejected={0},  # ignored: only an accepted aggregate rejects
        weights=[],
        outcome=outcome,
        terms=TERMS,
    )
    # a's 3 wei * 50% rounds down to 1 wei
    assert s.slashes == (Slash("a", 1, NON_REVEAL),)
    assert s.stakes == {"a": 2, "b": ETH} and s.pool == 8
    assert s.reward == 0 and not s.rewards and s.bond_returned == 0


def test_a_slash_that_rounds_to_zero_is_skipped():
    s = settle_round(
        {"a": 1, "b": 1},
        pool=0,
        committed=["a", "b"],
        revealed=["b"],
        rejected=set(),
        weights=[1],
        outcome="accepted",
        terms=Terms(1, 1, 1, 999_999, 0),
    )
    assert not s.slashes and s.reward == 0 and s.rewards == (Reward("b", 1, 0),)
    assert s.credits == {} and s.reputation == {"b": 1}


@pytest.mark.parametrize(
    ("rejected", "weights", "message"),
    [
        ({3}, [1, 1, 1], "not reveal indices"),
        (set(), [1, 1], "2 weights for 3 reveals"),
        ({1}, [1, 1, 1], "weight 1 of the rejected reveal 1"),
        (set(), [2**64 + 1, 0, 0], "expected 0 to 2\\^64"),
        ({0, 1, 2}, [0, 0, 0], "every revealed update rejected"),
    ],
)
def test_what_post_aggregate_refuses_is_refused(rejected, weights, message):
    with pytest.raises(ValueError, match=message):
        settle_round(
            _stakes(0, 1, 2), 0, [0, 1, 2], [0, 1, 2], rejected, weights, "accepted", TERMS
        )


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="outcome"):
        settle_round({}, 0, [], [], set(), [], "settled", TERMS)
    with pytest.raises(ValueError, match="without a stake"):
        settle_round({}, 0, ["a"], [], set(), [], "failed", TERMS)
    with pytest.raises(ValueError, match="did not commit"):
        settle_round({"a": 1}, 0, ["a"], ["b"], set(), [1], "failed", TERMS)
    with pytest.raises(ValueError, match="ppm"):
        Terms(1, 1, 1, 1_000_001, 0)


@st.composite
def rounds(draw):
    n = draw(st.integers(1, 8))
    members = list(range(n))
    stakes = {m: draw(st.integers(0, 10**20)) for m in members}
    committed = draw(st.permutations(members))
    shown = draw(st.lists(st.sampled_from(committed), unique=True, min_size=1))
    revealed = draw(st.permutations(shown))
    rejected = draw(st.sets(st.integers(0, len(revealed) - 1), max_size=len(revealed) - 1))
    weights = [0 if k in rejected else draw(st.integers(0, 5)) for k in range(len(revealed))]
    terms = Terms(
        stake=1,
        reward_per_round=draw(st.integers(0, 10**19)),
        aggregator_bond=draw(st.integers(1, 10**18)),
        non_reveal_slash_ppm=draw(st.integers(0, 10**6)),
        reject_slash_ppm=draw(st.integers(0, 10**6)),
    )
    outcome = draw(st.sampled_from(["accepted", "accepted", "voided", "failed"]))
    pool = draw(st.integers(0, 10**19))
    slashes_rejected = draw(st.booleans())
    return stakes, pool, committed, revealed, rejected, weights, outcome, terms, slashes_rejected


#: the paths the property below must see at least once (counted, then asserted)
PATHS = (
    "accepted",
    "voided or failed",
    "non-revealer slashed",
    "rejected slashed",
    "rejected not slashed (a selecting rule)",
    "equal-weights fallback",
    "reward capped by the pool",
    "remainder wei",
)


def test_settlement_conserves_wei_and_shares_out_the_reward():
    seen = dict.fromkeys(PATHS, 0)

    @settings(max_examples=300, deadline=None)
    @given(rounds())
    def check(case):
        _check_settlement(case, seen)

    check()
    assert all(seen.values()), seen


def _check_settlement(case, seen):
    stakes, pool, committed, revealed, rejected, weights, outcome, terms, slashes_rejected = case
    s = settle_round(
        stakes,
        pool,
        committed,
        revealed,
        rejected,
        weights,
        outcome,
        terms,
        slashes_rejected=slashes_rejected,
    )
    seen["non-revealer slashed"] += any(x.reason == 0 for x in s.slashes)
    # wei conserved: what left the stakes and the pool is the members' credits (the bond
    # returned came from bondsHeld, not from them)
    before = sum(stakes.values()) + pool
    after = sum(s.stakes.values()) + s.pool + sum(s.credits_with("agg").values())
    assert before == after - s.bond_returned
    assert sum(x.amount for x in s.slashes) == sum(stakes.values()) - sum(s.stakes.values())
    accepted = outcome == "accepted"
    assert s.bond_returned == (terms.aggregator_bond if accepted else 0)
    # the reward: min(rewardPerRound, pool after the slashes), shared out to the wei
    assert s.reward == (
        min(terms.reward_per_round, pool + sum(x.amount for x in s.slashes)) if accepted else 0
    )
    assert sum(r.amount for r in s.rewards) == s.reward
    if not accepted:
        assert not s.rewards and all(x.reason == 0 for x in s.slashes)
        seen["voided or failed"] += 1
        return
    seen["accepted"] += 1
    seen["reward capped by the pool"] += s.reward < terms.reward_per_round
    seen["equal-weights fallback"] += not any(weights)
    if rejected:
        key = "rejected slashed" if slashes_rejected else "rejected not slashed (a selecting rule)"
        seen[key] += any(x.reason == 1 for x in s.slashes) or not slashes_rejected
    effective = (
        weights if any(weights) else [0 if k in rejected else 1 for k in range(len(weights))]
    )
    assert [r.member for r in s.rewards] == [
        m for m, w in zip(revealed, effective, strict=True) if w
    ]
    assert s.reputation == {m: w for m, w in zip(revealed, effective, strict=True) if w}
    total = sum(effective)
    seen["remainder wei"] += any(r.amount != s.reward * r.weight // total for r in s.rewards)
    for r in s.rewards:
        assert s.reward * r.weight // total <= r.amount <= s.reward * r.weight // total + 1
    # zero weight (rejected ones included) gets nothing
    paid = set(s.credits)
    assert all(revealed[k] not in paid for k, w in enumerate(effective) if w == 0)
    # slashes in the contract's order: non-revealers by commit order, then rejected by reveal
    slashed_rejected = sorted(rejected) if slashes_rejected else []
    order = [m for m in committed if m not in revealed] + [revealed[k] for k in slashed_rejected]
    assert [x.member for x in s.slashes] == [m for m in order if s.slashed(m)]
