"""The market's gas measurement (ml/gas_market.py) runs end to end on a tiny market, so that
the code behind docs/gas.md cannot rot: every operation is measured, scoring stays under the
per-transaction cap, and the table renders."""

import pytest

from ml import gas_market


@pytest.mark.parametrize("model", gas_market.MODELS)
def test_a_tiny_market_is_measured(accounts, chain, model):
    run = gas_market.measure(
        accounts, chain, model=model, contributions=4, test_samples=6, reveal_chunk=4, steps=5
    )
    s = run.summary()
    assert run.contributions == 4
    ops = s["operations"]
    assert ops["addData"]["count"] == 4
    assert ops["revealTestSet"]["count"] == 2  # 4 + 2 leaves
    # Round 0 (6 predictions) and 4 rounds of an update and 6 predictions, 5 steps a call.
    assert s["scoring_steps"] == 6 + 4 * 7
    assert ops["evaluate"]["count"] == -(-s["scoring_steps"] // 5)
    assert all(steps <= 5 for steps in run.steps)
    assert 1 <= ops["withdraw"]["count"] <= 3  # the two authors and the provider at most
    assert 0 < s["largest_transaction"] < gas_market.TX_GAS_CAP
    assert s["drt_per_contribution"] > 21_000
    assert s["total_per_contribution"] > s["after_creation_per_contribution"] > 21_000
    table = gas_market.render_markdown([s])
    assert f"| {model} | addData |" in table and "Deposit-Refund-Take" in table
