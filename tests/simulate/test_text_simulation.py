"""The `quick-text` preset on the real contracts: the shipped SMS spam messages over 1,000-word
presence features, an honest agent and a label-flipping attacker for three days, with the
preset's model (the averaged binary sparse perceptron), the plain perceptron and naive Bayes.
Where the model holds up, the honest agent gains, the attacker loses and the accuracy stays
within a point of its start."""

from dataclasses import replace

import pytest

from ml.simulate import embedded_anvil, load_preset, run_scenario

#: How far below its start the test accuracy may fall during the run (percentage points / 100).
ACCURACY_MARGIN = 0.01

#: The plain perceptron's mistake-driven ±lr step swings on honest data (issue 10): over the
#: three days its test accuracy moves between 80% and 93% (92.9% at the start), and the honest
#: agent's refunds and takes do not cover its gas (99.4% of its start). A learning rule that
#: honest data cannot hurt is what fixes it.
PLAIN_RULE = pytest.param(
    "sparse-perceptron",
    marks=pytest.mark.xfail(
        strict=True, reason="the plain perceptron rule loses accuracy on honest data (issue 10)"
    ),
)
MODELS = ["averaged-sparse-perceptron", "sparse-perceptron", "naive-bayes"]
HOLDING = ["averaged-sparse-perceptron", PLAIN_RULE, "naive-bayes"]


@pytest.fixture(scope="module")
def reports():
    """quick-text's report with a given model, each run once on an anvil of its own."""
    done = {}

    def report(model: str) -> dict:
        if model not in done:
            scenario = replace(load_preset("quick-text"), model=model)
            with embedded_anvil() as provider:
                done[model] = run_scenario(scenario, provider=provider)
        return done[model]

    return report


def test_the_preset_is_the_averaged_perceptron_on_the_shipped_texts():
    scenario = load_preset("quick-text")
    assert (scenario.dataset, scenario.model, scenario.encoder) == (
        "sms-spam",
        "averaged-sparse-perceptron",
        "vocabulary",
    )


@pytest.mark.parametrize("model", MODELS)
def test_the_chain_agrees_with_the_mirrors_and_the_books_balance(reports, model):
    report = reports(model)
    assert report["data"]["pool_samples"] == 4000 and report["data"]["test_samples"] == 1111
    assert all(check["model_equal"] for check in report["model_checks"])
    assert report["conservation"]["holds"] and report["conservation"]["gas_fees"] > 0
    honest, attacker = report["agents"]["honest"], report["agents"]["attacker"]
    assert honest["contributions"] > 400 and attacker["contributions"] > 60
    # Whatever the model, the attacker's losses are what others took from it, not gas alone.
    assert attacker["deposited"] - attacker["refunded"] > attacker["fees"]
    assert attacker["end_balance"] < attacker["start_balance"]


@pytest.mark.parametrize("model", HOLDING)
def test_honest_gains_and_the_label_flipper_loses(reports, model):
    honest, attacker = reports(model)["agents"]["honest"], reports(model)["agents"]["attacker"]
    assert honest["refunds"] > 0 and honest["takes"] > 0
    # After gas (1 gwei), counting its deposits still open at the end.
    assert honest["end_balance"] + honest["open_deposits"] > honest["start_balance"]
    assert attacker["end_balance"] + attacker["open_deposits"] < attacker["start_balance"]
    assert attacker["refunds"] < attacker["contributions"] / 10  # the model judged it wrong


@pytest.mark.parametrize("model", HOLDING)
def test_accuracy_stays_within_the_margin_of_its_start(reports, model):
    rows = reports(model)["accuracy"]
    start = rows[0]["accuracy"]
    assert len(rows) == 3 * 4 + 1  # every 6 hours for 3 days, and the start
    assert all(row["accuracy"] >= start - ACCURACY_MARGIN for row in rows)
