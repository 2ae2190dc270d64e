"""ml.federated.aggregation against oracles written independently of it: exact rationals
(Fraction) for the means and medians, rank counting for who was kept, brute force over subsets
for Krum. A seeded loop at the end proves the suite exercised each branch it claims to test."""

import itertools
import math
import random
import re
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ml.federated.aggregation import (
    MAX_ABS,
    RULES,
    AggregationError,
    chunks,
    krum,
    krum_scores,
    mean,
    median,
    multi_krum,
    trimmed_mean,
)

SETTINGS = settings(max_examples=200, deadline=None)

# Small values make ties and equal scores common; large ones reach the bound.
values = st.one_of(st.integers(-4, 4), st.integers(-MAX_ABS, MAX_ABS))


@st.composite
def update_sets(draw, min_n=1, max_n=7, max_d=4):
    n = draw(st.integers(min_n, max_n))
    d = draw(st.integers(1, max_d))
    return [draw(st.lists(values, min_size=d, max_size=d)) for _ in range(n)]


def columns(updates):
    return [[u[j] for u in updates] for j in range(len(updates[0]))]


def rank(updates, i, j):
    """Position of participant i in coordinate j's (value, index) order, by counting."""
    return sum((updates[k][j], k) < (updates[i][j], i) for k in range(len(updates)))


def oracle_median(column):
    s, n = sorted(column), len(column)
    exact = Fraction(s[n // 2]) if n % 2 else Fraction(s[n // 2 - 1] + s[n // 2], 2)
    return math.floor(exact)


def distances(updates):
    return [
        [sum((a - b) ** 2 for a, b in zip(u, v, strict=True)) for v in updates] for u in updates
    ]


def oracle_scores(updates, f):
    """Krum scores by brute force: the least sum over every choice of n - f - 2 others."""
    n = len(updates)
    dist = distances(updates)
    return [
        min(
            sum(dist[i][k] for k in c)
            for c in itertools.combinations([k for k in range(n) if k != i], n - f - 2)
        )
        for i in range(n)
    ]


# ---- the definitions -----------------------------------------------------------------------


@SETTINGS
@given(update_sets(), st.data())
def test_mean_is_floor_of_exact_weighted_mean(updates, data):
    weights = data.draw(
        st.lists(st.integers(1, 10**6), min_size=len(updates), max_size=len(updates))
    )
    for got, column in zip(mean(updates, weights), columns(updates), strict=True):
        exact = Fraction(sum(w * x for w, x in zip(weights, column, strict=True)), sum(weights))
        assert got == math.floor(exact)
        event("mean: exact" if exact.denominator == 1 else "mean: rounded")
    assert mean(updates) == [math.floor(Fraction(sum(c), len(c))) for c in columns(updates)]


@SETTINGS
@given(update_sets())
def test_median_is_floor_of_exact_median(updates):
    assert median(updates) == [oracle_median(c) for c in columns(updates)]
    event(f"median: n {'odd' if len(updates) % 2 else 'even'}")


@SETTINGS
@given(update_sets(), st.data())
def test_trimmed_mean_is_floor_of_mean_of_the_middle(updates, data):
    n = len(updates)
    trim = data.draw(st.integers(0, (n - 1) // 2))
    expected = [
        math.floor(Fraction(sum(sorted(c)[trim : n - trim]), n - 2 * trim))
        for c in columns(updates)
    ]
    assert trimmed_mean(updates, trim) == expected
    assert trimmed_mean(updates, 0) == mean(updates)


@SETTINGS
@given(update_sets(), st.data())
def test_coordinate_wise_results_lie_within_each_coordinate_range(updates, data):
    n = len(updates)
    weights = data.draw(st.lists(st.integers(1, 50), min_size=n, max_size=n))
    trim = data.draw(st.integers(0, (n - 1) // 2))
    for out in (mean(updates, weights), median(updates), trimmed_mean(updates, trim)):
        for got, column in zip(out, columns(updates), strict=True):
            assert min(column) <= got <= max(column)


@SETTINGS
@given(update_sets(min_n=3), st.data())
def test_permuting_participants_changes_nothing_but_krum_tie_breaks(updates, data):
    n = len(updates)
    order = data.draw(st.permutations(range(n)))
    shuffled = [updates[i] for i in order]
    trim = data.draw(st.integers(0, (n - 1) // 2))
    assert mean(shuffled) == mean(updates)
    assert median(shuffled) == median(updates)
    assert trimmed_mean(shuffled, trim) == trimmed_mean(updates, trim)
    f = data.draw(st.integers(0, (n - 3) // 2))
    scores = krum_scores(updates, f)
    assert krum_scores(shuffled, f) == [scores[i] for i in order]
    # With tied best scores the index tie-break may pick another update; it is always a best one.
    best = {tuple(updates[i]) for i in range(n) if scores[i] == min(scores)}
    _, chosen = krum(shuffled, f)
    assert tuple(chosen) in best
    if len(best) == 1:
        assert chosen == krum(updates, f)[1]
    else:
        event("krum: distinct updates share the best score")


@SETTINGS
@given(update_sets(min_n=3, max_n=7, max_d=3), st.data())
def test_krum_scores_and_choice_match_brute_force(updates, data):
    n = len(updates)
    f = data.draw(st.integers(0, (n - 3) // 2))
    scores = oracle_scores(updates, f)
    assert krum_scores(updates, f) == scores
    index, chosen = krum(updates, f)
    assert index == min(range(n), key=lambda i: (scores[i], i))
    assert chosen == updates[index]


@SETTINGS
@given(update_sets(min_n=3, max_n=7, max_d=3))
def test_krum_with_no_byzantine_drops_only_the_farthest(updates):
    # f = 0: each score is the sum of all n - 1 distances but the largest.
    dist = distances(updates)
    scores = [sum(row) - max(row) for row in dist]
    assert krum_scores(updates, 0) == scores
    assert krum(updates, 0)[0] == scores.index(min(scores))


@SETTINGS
@given(update_sets(min_n=3), st.data())
def test_multi_krum_spans_krum_to_mean(updates, data):
    n = len(updates)
    f = data.draw(st.integers(0, (n - 3) // 2))
    index, chosen = krum(updates, f)
    assert multi_krum(updates, f, 1) == ((index,), chosen)
    assert multi_krum(updates, f, n) == (tuple(range(n)), mean(updates))
    m = data.draw(st.integers(1, n))
    scores = krum_scores(updates, f)
    selected, out = multi_krum(updates, f, m)
    threshold = sorted(scores)[m - 1]
    assert len(selected) == m and list(selected) == sorted(selected)
    assert all(scores[i] <= threshold for i in selected)
    assert all(scores[i] >= threshold for i in set(range(n)) - set(selected))
    assert out == mean([updates[i] for i in selected])


# ---- robustness ----------------------------------------------------------------------------


@st.composite
def attacked(draw):
    """Honest updates in a small range, then Byzantine ones anywhere (up to the bound)."""
    honest_n = draw(st.integers(1, 6))
    byzantine_n = draw(st.integers(0, 5))
    d = draw(st.integers(1, 3))
    honest = [
        draw(st.lists(st.integers(-100, 100), min_size=d, max_size=d)) for _ in range(honest_n)
    ]
    extreme = st.one_of(st.sampled_from([-MAX_ABS, MAX_ABS]), st.integers(-MAX_ABS, MAX_ABS))
    byzantine = [draw(st.lists(extreme, min_size=d, max_size=d)) for _ in range(byzantine_n)]
    updates = honest + byzantine
    order = draw(st.permutations(range(len(updates))))
    return [updates[i] for i in order], honest, byzantine_n


@SETTINGS
@given(attacked(), st.data())
def test_a_minority_of_byzantine_updates_cannot_leave_the_honest_range(case, data):
    updates, honest, b = case
    n = len(updates)
    lo = [min(c) for c in columns(honest)]
    hi = [max(c) for c in columns(honest)]
    if 2 * b < n:
        trim = data.draw(st.integers(b, (n - 1) // 2))
        for out in (median(updates), trimmed_mean(updates, trim)):
            assert all(a <= x <= z for a, x, z in zip(lo, out, hi, strict=True))
    event(f"byzantine: {'minority' if 2 * b < n else 'majority'}")


def test_one_huge_update_moves_the_mean_but_not_the_median():
    updates = [[1], [2], [3], [4], [MAX_ABS]]
    assert mean(updates) == [(10 + MAX_ABS) // 5]
    assert median(updates) == [3]
    assert trimmed_mean(updates, 1) == [3]
    assert krum(updates, 1)[0] in range(4)


# ---- who was kept, the registry, chunks ----------------------------------------------------


@SETTINGS
@given(update_sets(), st.data())
def test_kept_is_who_the_rule_used(updates, data):
    n = len(updates)
    trim = data.draw(st.integers(0, (n - 1) // 2))
    d = len(updates[0])
    used = [i for i in range(n) if any(trim <= rank(updates, i, j) < n - trim for j in range(d))]
    got = RULES["trimmed-mean"].aggregate(updates, None, {"trim": trim})
    assert got.vector == trimmed_mean(updates, trim) and list(got.kept) == used
    middle = {n // 2} if n % 2 else {n // 2 - 1, n // 2}
    used = [i for i in range(n) if any(rank(updates, i, j) in middle for j in range(d))]
    got = RULES["median"].aggregate(updates, None, {})
    assert got.vector == median(updates) and list(got.kept) == used
    got = RULES["mean"].aggregate(updates, [1] * n, {})
    assert got.vector == mean(updates) and got.kept == tuple(range(n))
    if trim and len(used) < n:
        event("kept: someone trimmed everywhere")


@SETTINGS
@given(update_sets(min_n=3), st.data())
def test_registry_krum_rules_keep_the_selection(updates, data):
    n = len(updates)
    f = data.draw(st.integers(0, (n - 3) // 2))
    m = data.draw(st.integers(1, n))
    index, chosen = krum(updates, f)
    got = RULES["krum"].aggregate(updates, None, {"f": f})
    assert (got.kept, got.vector) == ((index,), chosen)
    selected, out = multi_krum(updates, f, m)
    got = RULES["multi-krum"].aggregate(updates, None, {"f": f, "m": m})
    assert (got.kept, got.vector) == (selected, out)


@SETTINGS
@given(update_sets(min_n=3, max_d=7), st.integers(1, 8), st.data())
def test_coordinate_wise_rules_can_be_checked_one_chunk_at_a_time(updates, size, data):
    n = len(updates)
    params = {
        "mean": {},
        "median": {},
        "trimmed-mean": {"trim": data.draw(st.integers(0, (n - 1) // 2))},
    }
    assert {name for name, rule in RULES.items() if rule.coordinate_wise} == set(params)
    for name, p in params.items():
        whole = RULES[name].aggregate(updates, None, p).vector
        parts = [chunks(u, size) for u in updates]
        by_chunk = [
            RULES[name].aggregate([u[c] for u in parts], None, p).vector
            for c in range(len(parts[0]))
        ]
        assert by_chunk == chunks(whole, size)


@SETTINGS
@given(st.lists(st.integers(), max_size=30), st.integers(1, 12))
def test_chunks_cut_consecutively(vector, size):
    parts = chunks(vector, size)
    assert [x for p in parts for x in p] == vector
    assert len(parts) == math.ceil(len(vector) / size)
    assert all(len(p) == size for p in parts[:-1])
    assert all(0 < len(p) <= size for p in parts)


def test_floor_not_truncation():
    assert mean([[-1], [-2]]) == [-2]  # Solidity's -3 / 2 would give -1
    assert median([[-1], [-2]]) == [-2]
    assert trimmed_mean([[-1], [-2], [0], [-9]], 1) == [-2]  # -3 / 2 again
    assert mean([[-1], [0]], [2, 1]) == [-1]


def test_bounds_are_inclusive():
    assert mean([[MAX_ABS, -MAX_ABS]]) == [MAX_ABS, -MAX_ABS]


# ---- refusals ------------------------------------------------------------------------------

OK = [[1, 2], [3, 4], [5, 6]]

REFUSALS = [
    (lambda: mean([]), "no updates: expected at least one"),
    (lambda: median([[]]), "update 0 is empty: expected at least one coordinate"),
    (lambda: mean([[1, 2], [3]]), "update 1 has 1 coordinates, expected 2"),
    (
        lambda: median([[1], [MAX_ABS + 1]]),
        f"update 1 coordinate 0 = {MAX_ABS + 1}: expected an int with |x| <= 2**64",
    ),
    (
        lambda: mean([[0, -MAX_ABS - 1]]),
        f"update 0 coordinate 1 = {-MAX_ABS - 1}: expected an int with |x| <= 2**64",
    ),
    (lambda: mean([[1.5]]), "update 0 coordinate 0 = 1.5: expected an int with |x| <= 2**64"),
    (lambda: mean([[True]]), "update 0 coordinate 0 = True: expected an int with |x| <= 2**64"),
    (lambda: mean(OK, [1, 1]), "2 weights for 3 updates: expected one each"),
    (lambda: mean(OK, [1, 0, 1]), "weight 1 = 0: expected a positive int"),
    (lambda: mean(OK, [1, 1, -2]), "weight 2 = -2: expected a positive int"),
    (lambda: mean(OK, [1, 1.0, 1]), "weight 1 = 1.0: expected a positive int"),
    (lambda: mean(OK, [1, 2**64 + 1, 1]), "weight 1 = 18446744073709551617: expected at most 2^64"),
    (lambda: trimmed_mean(OK, 2), "trim = 2: expected an int with 0 <= trim and 2 * trim < n = 3"),
    (
        lambda: trimmed_mean(OK, -1),
        "trim = -1: expected an int with 0 <= trim and 2 * trim < n = 3",
    ),
    (lambda: krum(OK, 1), "f = 1: expected an int with 0 <= f and n = 3 >= 2 * f + 3"),
    (lambda: krum([[1], [2]], 0), "f = 0: expected an int with 0 <= f and n = 2 >= 2 * f + 3"),
    (lambda: krum_scores(OK, -1), "f = -1: expected an int with 0 <= f and n = 3 >= 2 * f + 3"),
    (lambda: multi_krum(OK, 0, 0), "m = 0: expected an int with 1 <= m <= n = 3"),
    (lambda: multi_krum(OK, 0, 4), "m = 4: expected an int with 1 <= m <= n = 3"),
    (lambda: chunks([1, 2], 0), "chunk size = 0: expected a positive int"),
    (
        lambda: RULES["trimmed-mean"].aggregate(OK, None, {}),
        "trimmed-mean parameters []: expected trim",
    ),
    (
        lambda: RULES["mean"].aggregate(OK, None, {"trim": 1}),
        "mean parameters ['trim']: expected none",
    ),
    (
        lambda: RULES["median"].aggregate(OK, [1, 1, 1], {}),
        "median takes no weights: expected weights=None",
    ),
]


@pytest.mark.parametrize("call, message", REFUSALS, ids=[m for _, m in REFUSALS])
def test_refusals_raise_one_line_aggregation_errors(call, message):
    with pytest.raises(AggregationError, match=f"^{re.escape(message)}$") as caught:
        call()
    assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


# ---- the branches the properties claim to cover --------------------------------------------


def test_seeded_cases_exercise_every_branch():
    """The properties above hold on each seeded case, and together the cases reach every branch:
    odd and even medians, negative results that floor and truncation would round apart, ties in
    a coordinate's order, a trim that drops someone everywhere, tied Krum scores."""
    rng = random.Random(20261202)
    seen = dict.fromkeys(
        [
            "median odd",
            "median even",
            "floor below truncation",
            "tie in a coordinate",
            "trimmed everywhere",
            "krum score tie",
            "krum f > 0",
        ],
        0,
    )
    for _ in range(400):
        n, d = rng.randint(1, 7), rng.randint(1, 3)
        spread = rng.choice([3, 1000, MAX_ABS])
        updates = [[rng.randint(-spread, spread) for _ in range(d)] for _ in range(n)]
        cols = columns(updates)
        assert median(updates) == [oracle_median(c) for c in cols]
        seen["median odd" if n % 2 else "median even"] += 1
        for got, c in zip(mean(updates), cols, strict=True):
            exact = Fraction(sum(c), n)
            assert got == math.floor(exact)
            seen["floor below truncation"] += got != int(exact)  # int() truncates
        seen["tie in a coordinate"] += any(len(set(c)) < n for c in cols)
        trim = rng.randint(0, (n - 1) // 2)
        kept = RULES["trimmed-mean"].aggregate(updates, None, {"trim": trim}).kept
        seen["trimmed everywhere"] += len(kept) < n
        if n >= 3:
            f = rng.randint(0, (n - 3) // 2)
            scores = krum_scores(updates, f)
            assert scores == oracle_scores(updates, f)
            seen["krum score tie"] += scores.count(min(scores)) > 1
            seen["krum f > 0"] += f > 0
    assert all(seen.values()), seen


def test_docstring_examples():
    import doctest

    import ml.federated.aggregation as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
