"""The contract's chunk aggregation (`FederatedAggregation`, through `AggregationHarness`)
equals the Python rules (`ml.federated.aggregation`) bit for bit: the fraud proof re-executes
exactly what an honest aggregator computed. The drawn chunks favour small values and repeats,
where floor rounding, ties and the even median differ from careless implementations; the test
counts that each such path ran."""

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml.federated.aggregation import mean, median, trimmed_mean
from ml.federated.vectors import MAX_ABS

values = st.one_of(st.integers(-5, 5), st.integers(-MAX_ABS, MAX_ABS))


@st.composite
def rounds(draw):
    n = draw(st.integers(1, 9))
    d = draw(st.integers(1, 6))
    updates = [draw(st.lists(values, min_size=d, max_size=d)) for _ in range(n)]
    weights = draw(st.lists(st.integers(1, 2**64), min_size=n, max_size=n))
    trim = draw(st.integers(0, (n - 1) // 2))
    return updates, weights, trim


@pytest.fixture(scope="module")
def harness(project, accounts):
    return accounts[0].deploy(project.AggregationHarness)


def test_the_contract_aggregates_a_chunk_exactly_as_python(harness):
    paths = Counter()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(rounds())
    def check(case):
        updates, weights, trim = case
        assert list(harness.mean(updates, weights)) == mean(updates, weights)
        assert list(harness.median(updates)) == median(updates)
        assert list(harness.trimmedMean(updates, trim)) == trimmed_mean(updates, trim)
        paths["even median" if len(updates) % 2 == 0 else "odd median"] += 1
        paths["trimmed"] += trim > 0
        exact = [
            Fraction(sum(w * u[j] for w, u in zip(weights, updates, strict=True)), sum(weights))
            for j in range(len(updates[0]))
        ]
        paths["negative non-integer mean"] += any(x < 0 and x.denominator > 1 for x in exact)

    check()
    for path in ("even median", "odd median", "trimmed", "negative non-integer mean"):
        assert paths[path] > 0, (path, paths)
