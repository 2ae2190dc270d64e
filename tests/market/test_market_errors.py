"""Every custom error a market user can meet, raised for real: the commands' client refuses the
transaction in its dry run with one line naming the error, its values and what to do
(`ml.chain.errors.HINTS`), and the transaction itself reverts with exactly that error and those
values (`helpers.reverts_with` decodes the revert data itself)."""

import pytest
from ape import chain
from helpers import reverts_with
from market_helpers import DAY, REWARD, STAKE, TESTS, small_perceptron

from ml.chain import ChainError, Client
from ml.chain.errors import HINTS
from ml.deploy import deploy_model
from ml.mechanisms import Phase
from ml.test_set import TestSet


def enc(run, indices):
    return run.model.encode_fixed(indices)


# ------------------------------------------------------------------ the states the cases start in


def participating(run, a):
    """One contribution in: [0, 1] labelled 1 (it will score +2)."""
    assert run.add(a, [0, 1], 1) is None


def revealing(run, a):
    participating(run, a)
    chain.mine(1, deltatime=DAY)


def half_revealed(run, a):
    revealing(run, a)
    assert run.reveal(list(range(8)), a) is None


def scoring(run, a):
    revealing(run, a)
    run.reveal_all(len(TESTS), a)


def in_round_one(run, a):
    """Scoring, with round 0 counted: the next step applies contribution 0."""
    scoring(run, a)
    assert run.evaluate(len(TESTS), a) == (None, len(TESTS))


def settled(run, a):
    scoring(run, a)
    run.evaluate_all(1000, a)


def settled_with_a_loser(run, a):
    """Settled, the third contribution ([0, 10, 11] labelled 0) having scored -2 (see
    test_market_flow)."""
    participating(run, a)
    assert run.add(a, [2, 9], 0) is None
    assert run.add(a, [0, 10, 11], 0) is None
    chain.mine(1, deltatime=DAY)
    run.reveal_all(len(TESTS), a)
    run.evaluate_all(1000, a)
    assert run.mirror.scores[(enc(run, [0, 10, 11]), 0)][0] == -2


def past_the_deadline(run, a):
    revealing(run, a)
    chain.mine(1, deltatime=DAY)


def forfeited(run, a):
    past_the_deadline(run, a)
    assert run.forfeit(a) is None


def leaf(run, position, **changes):
    """revealTestSet's tuple for leaf `position`, with fields changed (index, salt, label)."""
    i, salt, label, sample, proof = run.test_set.reveal_args(position, 1)[0]
    values = {"index": i, "salt": salt, "label": label, **changes}
    return (values["index"], values["salt"], values["label"], sample, proof)


# ------------------------------------------------------------------ the cases
# name: (state, the call as (method name, args(run), value), the error's values(run, a))

CASES = {
    "ParticipationClosed": (
        revealing,
        ("addData", lambda run: [enc(run, [2]), 1], STAKE),
        lambda run, a: {"windowEnd": run.mirror.window_end},
    ),
    "MarketFull": (
        participating,  # in a market of max_contributions=1 (below)
        ("addData", lambda run: [enc(run, [2]), 1], STAKE),
        lambda run, a: {"maxContributions": 1},
    ),
    "RevealNotOpen": (
        participating,
        ("revealTestSet", lambda run: [[leaf(run, 0)]], 0),
        lambda run, a: {"opensAt": run.mirror.window_end},
    ),
    "RevealClosed": (
        past_the_deadline,
        ("revealTestSet", lambda run: [[leaf(run, 0)]], 0),
        lambda run, a: {"deadline": run.mirror.reveal_deadline},
    ),
    "LeafOutOfRange": (
        revealing,
        ("revealTestSet", lambda run: [[leaf(run, 0, index=len(TESTS))]], 0),
        lambda run, a: {"index": len(TESTS), "testSetSize": len(TESTS)},
    ),
    "LeafAlreadyRevealed": (
        half_revealed,
        ("revealTestSet", lambda run: [[leaf(run, 8), leaf(run, 3)]], 0),
        lambda run, a: {"index": 3},
    ),
    "InvalidProof": (
        revealing,
        ("revealTestSet", lambda run: [[leaf(run, 5, salt=b"\x01" * 32)]], 0),
        lambda run, a: {"index": 5},
    ),
    "NotScoring": (
        half_revealed,
        ("evaluate", lambda run: [10, []], 0),
        lambda run, a: {"phase": Phase.REVEAL},
    ),
    "NoSteps": (
        scoring,
        ("evaluate", lambda run: [0, []], 0),
        lambda run, a: {},
    ),
    "MissingContribution": (
        in_round_one,
        ("evaluate", lambda run: [10, []], 0),
        lambda run, a: {"index": 0},
    ),
    "WrongContribution": (
        in_round_one,
        ("evaluate", lambda run: [10, [(enc(run, [0, 1]), 0)]], 0),
        lambda run, a: {
            "index": 0,
            "expected": run.market.contentKey(enc(run, [0, 1]), 1),
            "given": run.market.contentKey(enc(run, [0, 1]), 0),
        },
    ),
    "NotSettled": (
        scoring,
        ("refund", lambda run: [enc(run, [0, 1]), 1], 0),
        lambda run, a: {"phase": Phase.SCORING},
    ),
    "NotForfeitable": (
        forfeited,  # and so no longer forfeitable
        ("forfeit", lambda run: [], 0),
        lambda run, a: {"phase": Phase.FORFEITED},
    ),
    "StakeForfeited": (
        settled_with_a_loser,
        ("refund", lambda run: [enc(run, [0, 10, 11]), 0], 0),
        lambda run, a: {"score": -2},
    ),
    "ReportsNotUsed": (
        settled,
        ("report", lambda run: [enc(run, [0, 1]), 1], 0),
        lambda run, a: {},
    ),
    # Errors of every trainer, as a market's users meet them.
    "InsufficientDeposit": (
        participating,
        ("addData", lambda run: [enc(run, [2]), 1], STAKE - 1),
        lambda run, a: {"sent": STAKE - 1, "required": STAKE},
    ),
    "DuplicateContribution": (
        participating,
        ("addData", lambda run: [enc(run, [0, 1]), 1], STAKE),
        lambda run, a: {},
    ),
    "UnknownClass": (
        participating,
        ("addData", lambda run: [enc(run, [2]), 2], STAKE),
        lambda run, a: {"label": 2, "numClasses": 2},
    ),
    "UnknownContribution": (
        settled,
        ("refund", lambda run: [enc(run, [7]), 1], 0),
        lambda run, a: {"contentKey": run.market.contentKey(enc(run, [7]), 1)},
    ),
    "AlreadyClaimed": (
        lambda run, a: (settled(run, a), run.claim(run.contributions[0])),
        ("refund", lambda run: [enc(run, [0, 1]), 1], 0),
        lambda run, a: {},
    ),
    "NotContributor": (
        settled,
        ("refund", lambda run: [enc(run, [0, 1]), 1], 0),  # sent by the stranger
        lambda run, a: {"contributor": a.address},
    ),
    "NothingToWithdraw": (
        participating,
        ("withdraw", lambda run: [], 0),
        lambda run, a: {},
    ),
}

#: who sends the failing call: the contributor, but a stranger for NotContributor
BY_STRANGER = {"NotContributor"}


@pytest.mark.parametrize("name", list(CASES))
def test_each_market_error_is_explained_in_one_line_and_reverts_with_its_values(
    name, make_market, contributors, accounts
):
    state, (method_name, args, value), values = CASES[name]
    run = make_market(small_perceptron(), max_contributions=1 if name == "MarketFull" else 64)
    a = contributors[0]
    state(run, a)
    sender = accounts[6] if name in BY_STRANGER else a
    method = getattr(run.market, method_name)
    client = Client(contracts=[run.market, run.model_contract])
    nonce = sender.nonce
    with pytest.raises(ChainError) as refused:
        client.send(method, *args(run), sender=sender, value=value)
    line = str(refused.value)
    assert line.startswith(f"{name}(") and line.endswith(f": {HINTS[name]}"), line
    assert "\n" not in line
    assert sender.nonce == nonce  # the dry run refused it: nothing was sent

    error = getattr(run.market, name)
    with reverts_with(error, **values(run, a)):
        method(*args(run), sender=sender, value=value)


def test_every_error_of_the_market_has_a_case_and_a_hint(project):
    """The market's own errors (beyond those every trainer has) are all exercised above and all
    explained: a new error without a case or a hint fails here."""
    own = {e.name for e in project.PredictionMarket.contract_type.errors} - {
        e.name for e in project.DepositRefundTakeTrainer.contract_type.errors
    }
    assert "InvalidProof" in own and "UnknownClass" in own  # the market's, and the model's
    cases = {*CASES, *OWN_TESTS}
    assert own <= cases, f"errors without a case: {sorted(own - cases)}"
    assert set(OWN_TESTS) - set(HINTS) == set(), "an error tested below has no hint"
    missing = set(CASES) - set(HINTS)
    assert not missing, f"errors without a hint in ml.chain.errors.HINTS: {sorted(missing)}"
    for name in CASES:
        hint = HINTS[name]
        assert hint[0].islower() and not hint.endswith("."), f"{name}: {hint!r} is not one clause"


#: errors whose state no market of `make_market` can reach, each with its own test below
OWN_TESTS = {"ModelNotOwned"}


def test_a_market_that_does_not_own_its_model_takes_no_contribution(
    project, provider, contributors
):
    """A provider who kept the model could update it between evaluate calls (steering every
    score) or make scoring revert: the market refuses contributions until it owns the model."""
    model = small_perceptron()
    model_contract = deploy_model(model, provider).contract
    test_set = TestSet.make([model.encode_fixed(s) for s, _ in TESTS], [y for _, y in TESTS])
    market = provider.deploy(
        project.PredictionMarket,
        model_contract,
        STAKE,
        DAY,
        DAY,
        64,
        0,
        test_set.root,
        len(test_set),
        bytes(32),
        bytes(32),
        value=REWARD,
    )  # the model's ownership not handed over
    a = contributors[0]
    data = model.encode_fixed([0, 1])
    with pytest.raises(ChainError) as refused:
        Client(contracts=[market, model_contract]).send(
            market.addData, data, 1, sender=a, value=STAKE
        )
    assert str(refused.value).startswith("ModelNotOwned(") and "\n" not in str(refused.value)
    with reverts_with(market.ModelNotOwned, owner=provider.address):
        market.addData(data, 1, sender=a, value=STAKE)
