// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MarketFixture} from "./utils/MarketFixture.sol";
import {PredictionMarket} from "../../contracts/incentives/PredictionMarket.sol";
import {SparsePerceptron} from "../../contracts/models/SparsePerceptron.sol";
import {IClassifier} from "../../contracts/interfaces/IClassifier.sol";
import {ICollaborativeTrainer} from "../../contracts/interfaces/ICollaborativeTrainer.sol";

/// @notice The prediction market's behaviour: every phase, every custom error with its
/// diagnosing values, the payouts of a settled market to the wei, the forfeit of a provider who
/// never reveals, and scoring that does not depend on how it is chunked or who pushes it.
/// The worked example (the model predicts class 0 for everything at first; one wrong-class
/// contribution moves its features and the intercept by 1.0):
///   test set  T0 = [0,8] -> 1, T1 = [2,10] -> 1, T2 = [1,9] -> 0   (initially 1 correct)
///   A (alice) [0,8] -> 1: w0 = w8 = b = 1; T0, T1 right, T2 wrong: 2 correct, score +1
///   B (bob)   [1,9] -> 0: w1 = w9 = -1, b = 0; T0, T2 right: 2 correct, score 0
///   C (carol) [0,8] -> 0: w0 = w8 = 0, b = -1; only T2 right: 1 correct, score -1
/// Scoring takes 3 predictions for round 0 and 1 update + 3 predictions for each of the three
/// rounds after: 15 steps.
contract PredictionMarketTest is MarketFixture {
    PredictionMarket internal market;
    SparsePerceptron internal model;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA201);
    address internal constant STRANGER = address(0x5757);

    uint256 internal constant STEPS = 15;

    bytes internal a;
    bytes internal b;

    receive() external payable {}

    function setUp() public {
        vm.warp(1_700_000_000);
        a = sparse(0, 8);
        b = sparse(1, 9);
        setTestSet(_exampleTestSet());
        (market, model) = deployMarket(100, 0);
        vm.deal(ALICE, 10 ether);
        vm.deal(BOB, 10 ether);
        vm.deal(CAROL, 10 ether);
    }

    function _exampleTestSet() internal pure returns (Secret[] memory s) {
        s = new Secret[](3);
        s[0] = Secret(keccak256("salt0"), 1, sparse(0, 8));
        s[1] = Secret(keccak256("salt1"), 1, sparse(2, 10));
        s[2] = Secret(keccak256("salt2"), 0, sparse(1, 9));
    }

    // ---------------------------------------------------------------- helpers

    function _add(PredictionMarket m, address who, bytes memory data, uint256 label) internal {
        vm.prank(who);
        m.addData{value: STAKE}(data, label);
    }

    /// @dev A, B and C of the worked example.
    function _addExample(PredictionMarket m) internal {
        _add(m, ALICE, a, 1);
        _add(m, BOB, b, 0);
        _add(m, CAROL, a, 0);
    }

    function _example() internal view returns (PredictionMarket.Contribution[] memory c) {
        c = new PredictionMarket.Contribution[](3);
        c[0] = PredictionMarket.Contribution(a, 1);
        c[1] = PredictionMarket.Contribution(b, 0);
        c[2] = PredictionMarket.Contribution(a, 0);
    }

    function _toReveal() internal {
        vm.warp(market.windowEnd());
    }

    function _revealAll(PredictionMarket m) internal {
        m.revealTestSet(leavesOf(0, _secrets.length));
    }

    function _settleExample() internal {
        _addExample(market);
        _toReveal();
        _revealAll(market);
        vm.prank(STRANGER);
        market.evaluate(type(uint256).max, _example());
    }

    function _phase(PredictionMarket m) internal view returns (uint256) {
        return uint256(m.phase());
    }

    function _id(PredictionMarket m, bytes memory data, uint256 label)
        internal
        view
        returns (bytes32)
    {
        (address contributor, uint256 addedAt,,) = m.contribution(data, label);
        return m.contributionId(m.contentKey(data, label), contributor, addedAt);
    }

    function _score(PredictionMarket m, bytes memory data, uint256 label)
        internal
        view
        returns (int256 score)
    {
        bool scored;
        (scored, score) = m.scoreOf(data, label);
        assertTrue(scored, "scored");
    }

    function _expectNotScoring(PredictionMarket.Phase p) internal {
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.NotScoring.selector, p));
        market.evaluate(1, _example());
    }

    // ---------------------------------------------------------------- phases

    /// Participation until windowEnd, Reveal until every leaf is revealed, Scoring until the
    /// last round is counted, then Settled; the cursor walks the 15 steps.
    function test_PhasesInOrder() public {
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Participation), "participation");
        assertEq(market.provider(), address(this), "the deployer is the provider");
        assertEq(market.rewardPool(), POOL, "the deployment's value is the pool");
        assertEq(address(market).balance, POOL, "the pool is held");
        assertEq(market.requiredDeposit(), STAKE, "the stake is required");
        assertEq(market.windowEnd(), block.timestamp + WINDOW, "window end");
        assertEq(market.revealDeadline(), block.timestamp + WINDOW + REVEAL_WINDOW, "deadline");
        _addExample(market);
        assertEq(market.contributionCount(), 3, "three contributions");
        assertEq(market.contributionKey(2), market.contentKey(a, 0), "recorded in order");
        assertEq(model.predict(a), 0, "the model does not learn while contributions come in");

        vm.warp(market.windowEnd() - 1);
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Participation), "last second");
        vm.warp(market.windowEnd());
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Reveal), "reveal");
        market.revealTestSet(leavesOf(0, 2));
        assertEq(market.revealedCount(), 2, "two leaves revealed");
        assertTrue(market.isRevealed(1) && !market.isRevealed(2), "leaves 0 and 1 only");
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Reveal), "still revealing");
        market.revealTestSet(one(leafOf(2)));
        (uint256 label, bytes memory sample) = market.testSample(2);
        assertEq(label, 0, "revealed label");
        assertEq(keccak256(sample), keccak256(b), "revealed sample");
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Scoring), "scoring");

        assertEq(market.evaluate(3, _example()), 3, "round 0: three predictions");
        (uint32 round, uint32 testIndex, uint32 correct, uint32 previous,,,, bool done) =
            market.cursor();
        assertEq(round, 1, "round 1 next");
        assertEq(testIndex, 0, "from the first test sample");
        assertEq(correct, 0, "nothing counted yet");
        assertEq(previous, 1, "the initial model gets T2 right");
        assertTrue(!done, "not done");
        assertEq(market.evaluate(100, _example()), STEPS - 3, "the rest");
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Settled), "settled");
        (round,,,,,,, done) = market.cursor();
        assertEq(round, 4, "past the last round");
        assertTrue(done, "done");
        assertEq(model.predict(a), 0, "the model learnt every contribution in order");
    }

    /// The test set stays revealable until the deadline; once wholly revealed the market
    /// scores even after it.
    function test_ScoringOpenAfterTheDeadlineOnceRevealed() public {
        _addExample(market);
        vm.warp(market.revealDeadline() - 1);
        _revealAll(market);
        vm.warp(market.revealDeadline() + 1 days);
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Scoring), "scoring");
        market.evaluate(STEPS, _example());
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Settled), "settled");
    }

    // ---------------------------------------------------------------- settled payouts

    /// The worked example: A +1, B 0, C -1. R = pool + C's stake, all to A; B gets its stake
    /// back; C's is forfeited. Every wei in (pool + 3 stakes) is paid out.
    function test_SettledPayouts() public {
        _settleExample();
        assertEq(_score(market, a, 1), 1, "A scores +1");
        assertEq(_score(market, b, 0), 0, "B scores 0");
        assertEq(_score(market, a, 0), -1, "C scores -1");
        (bool scored,) = market.scoreOf(sparse(3, 11), 1);
        assertTrue(!scored, "an unknown contribution is not scored");

        uint256 reward = POOL + STAKE;
        (ICollaborativeTrainer.Claim action, uint256 amount, uint256 minted) =
            market.claimable(a, 1, ALICE);
        assertTrue(action == ICollaborativeTrainer.Claim.Refund, "A's refund");
        assertEq(amount, STAKE + reward, "stake + the whole reward");
        assertEq(minted, 1, "one reputation per point");
        (action,,) = market.claimable(a, 1, BOB);
        assertTrue(action == ICollaborativeTrainer.Claim.None, "nothing for another account");
        (action, amount, minted) = market.claimable(b, 0, BOB);
        assertEq(amount, STAKE, "B: the stake");
        assertEq(minted, 0, "B: no reputation");
        (action,,) = market.claimable(a, 0, CAROL);
        assertTrue(action == ICollaborativeTrainer.Claim.None, "C: nothing");
        (,,, uint256 remaining) = market.contribution(a, 0);
        assertEq(remaining, 0, "C's record is closed at scoring");

        vm.prank(ALICE);
        market.refund(a, 1);
        vm.prank(BOB);
        market.refund(b, 0);
        assertEq(market.credits(ALICE), STAKE + reward, "A credited");
        assertEq(market.credits(BOB), STAKE, "B credited");
        assertEq(market.reputation().balanceOf(ALICE), 1, "A's reputation");
        assertEq(market.reputation().totalSupply(), 1, "only A's");
        assertEq(market.credits(address(this)), 0, "nothing for the provider");

        vm.prank(ALICE);
        market.withdraw();
        vm.prank(BOB);
        market.withdraw();
        assertEq(address(market).balance, 0, "every wei paid out");
        assertEq(ALICE.balance, 10 ether - STAKE + STAKE + reward, "A's balance");
    }

    /// Refunds of a settled market: C's reverts StakeForfeited(id, -1), a second claim
    /// AlreadyClaimed(id), someone else's NotContributor(caller, author), an unknown one
    /// UnknownContribution(key), and report ReportsNotUsed.
    function test_ClaimErrors() public {
        _settleExample();
        bytes32 idC = _id(market, a, 0);
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.StakeForfeited.selector, idC, -1));
        vm.prank(CAROL);
        market.refund(a, 0);

        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.NotContributor.selector, BOB, ALICE)
        );
        vm.prank(BOB);
        market.refund(a, 1);

        vm.prank(ALICE);
        market.refund(a, 1);
        bytes32 idA = _id(market, a, 1);
        vm.expectRevert(abi.encodeWithSelector(ICollaborativeTrainer.AlreadyClaimed.selector, idA));
        vm.prank(ALICE);
        market.refund(a, 1);
        (ICollaborativeTrainer.Claim action,,) = market.claimable(a, 1, ALICE);
        assertTrue(action == ICollaborativeTrainer.Claim.None, "nothing once claimed");

        bytes memory unknown = sparse(3, 11);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.UnknownContribution.selector, market.contentKey(unknown, 1)
            )
        );
        market.refund(unknown, 1);

        vm.expectRevert(PredictionMarket.ReportsNotUsed.selector);
        market.report(a, 0);

        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.NothingToWithdraw.selector, CAROL)
        );
        vm.prank(CAROL);
        market.withdraw();
    }

    /// No claim before the market is settled or forfeited: NotSettled(phase) in Participation,
    /// Reveal and Scoring, and claimable() offers nothing.
    function test_NotSettledBeforeTheEnd() public {
        _addExample(market);
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotSettled.selector, PredictionMarket.Phase.Participation
            )
        );
        vm.prank(ALICE);
        market.refund(a, 1);
        _toReveal();
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotSettled.selector, PredictionMarket.Phase.Reveal
            )
        );
        vm.prank(ALICE);
        market.refund(a, 1);
        _revealAll(market);
        market.evaluate(STEPS - 1, _example());
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotSettled.selector, PredictionMarket.Phase.Scoring
            )
        );
        vm.prank(ALICE);
        market.refund(a, 1);
        (ICollaborativeTrainer.Claim action,,) = market.claimable(a, 1, ALICE);
        assertTrue(action == ICollaborativeTrainer.Claim.None, "nothing before settlement");
    }

    /// No positive score: the provider is credited R (the pool plus the negative stakes) at
    /// settlement; zero scores get their stakes back. B's [3,11] -> 0 is what the model already
    /// predicts (no update, score 0); C's [0,8] -> 0 as well; A's [0,8] -> 1 is not added.
    function test_NoPositiveScoreCreditsTheProvider() public {
        _add(market, BOB, sparse(3, 11), 0);
        _add(market, CAROL, a, 0);
        _toReveal();
        _revealAll(market);
        PredictionMarket.Contribution[] memory c = new PredictionMarket.Contribution[](2);
        c[0] = PredictionMarket.Contribution(sparse(3, 11), 0);
        c[1] = PredictionMarket.Contribution(a, 0);
        market.evaluate(100, c);
        assertEq(_score(market, sparse(3, 11), 0), 0, "B scores 0");
        assertEq(_score(market, a, 0), 0, "C scores 0 (the model already predicts 0)");
        assertEq(market.credits(address(this)), POOL, "all-zero scores: the pool to the provider");
        vm.prank(BOB);
        market.refund(sparse(3, 11), 0);
        vm.prank(CAROL);
        market.refund(a, 0);
        assertEq(market.credits(BOB), STAKE, "B's stake");
        assertEq(market.credits(CAROL), STAKE, "C's stake");
        assertEq(market.reputation().totalSupply(), 0, "no reputation");
        market.withdraw();
        assertEq(address(market).balance, 2 * STAKE, "only the stakes left");
    }

    /// A negative score and no positive one: the provider is credited the pool plus the
    /// forfeited stake. The test set is T2 alone; A's [0,8] -> 1 raises the intercept, so T2
    /// turns wrong (score -1).
    function test_NegativeStakesGoToTheProviderWithoutPositives() public {
        Secret[] memory s = new Secret[](1);
        s[0] = Secret(keccak256("t2"), 0, b);
        setTestSet(s);
        (PredictionMarket m,) = deployMarket(10, 0);
        _add(m, ALICE, a, 1);
        vm.warp(m.windowEnd());
        _revealAll(m);
        PredictionMarket.Contribution[] memory c = new PredictionMarket.Contribution[](1);
        c[0] = PredictionMarket.Contribution(a, 1);
        m.evaluate(100, c);
        assertEq(_score(m, a, 1), -1, "A scores -1");
        assertEq(m.credits(address(this)), POOL + STAKE, "pool + the forfeited stake");
        m.withdraw();
        assertEq(address(m).balance, 0, "nothing left");
    }

    /// A market nobody contributed to settles after round 0 alone, crediting the pool to the
    /// provider.
    function test_ZeroContributionsSettleToTheProvider() public {
        _toReveal();
        _revealAll(market);
        PredictionMarket.Contribution[] memory none = new PredictionMarket.Contribution[](0);
        assertEq(market.evaluate(100, none), 3, "round 0 only");
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Settled), "settled");
        assertEq(market.credits(address(this)), POOL, "the pool back");
        market.withdraw();
        assertEq(address(market).balance, 0, "nothing left");
    }

    // ---------------------------------------------------------------- forfeit

    /// The provider reveals one leaf of three and lets the deadline pass: Forfeited. forfeit()
    /// credits the provider pool - 3 * floor(pool / 3) = 1 wei; each contribution (C's too:
    /// nothing was scored) claims its stake plus floor(pool / 3).
    function test_ProviderNeverRevealsForfeits() public {
        _addExample(market);
        _toReveal();
        market.revealTestSet(one(leafOf(0)));
        vm.warp(market.revealDeadline() - 1);
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Reveal), "last second");
        vm.warp(market.revealDeadline());
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Forfeited), "forfeited");
        assertTrue(!market.forfeited(), "not recorded yet");
        uint256 share = POOL / 3;
        (, uint256 amount,) = market.claimable(a, 0, CAROL);
        assertEq(amount, STAKE + share, "claimable before forfeit()");

        vm.prank(STRANGER);
        market.forfeit();
        assertTrue(market.forfeited(), "recorded");
        assertEq(market.forfeitShare(), share, "floor(pool / 3)");
        assertEq(market.credits(address(this)), POOL - 3 * share, "the remainder");
        assertEq(POOL - 3 * share, 1, "1 wei");
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotForfeitable.selector, PredictionMarket.Phase.Forfeited
            )
        );
        market.forfeit();
        vm.expectRevert(
            abi.encodeWithSelector(PredictionMarket.RevealClosed.selector, market.revealDeadline())
        );
        market.revealTestSet(one(leafOf(1)));
        _expectNotScoring(PredictionMarket.Phase.Forfeited);

        vm.prank(ALICE);
        market.refund(a, 1);
        vm.prank(BOB);
        market.refund(b, 0);
        vm.prank(CAROL);
        market.refund(a, 0);
        assertEq(market.credits(CAROL), STAKE + share, "stake + share");
        assertEq(market.reputation().totalSupply(), 0, "no reputation on a forfeit");
        bytes32 idC = _id(market, a, 0);
        vm.expectRevert(abi.encodeWithSelector(ICollaborativeTrainer.AlreadyClaimed.selector, idC));
        vm.prank(CAROL);
        market.refund(a, 0);

        vm.prank(ALICE);
        market.withdraw();
        vm.prank(BOB);
        market.withdraw();
        vm.prank(CAROL);
        market.withdraw();
        market.withdraw();
        assertEq(address(market).balance, 0, "every wei paid out");
    }

    /// The first claim after the deadline forfeits the market itself.
    function test_FirstClaimForfeits() public {
        _addExample(market);
        vm.warp(market.revealDeadline());
        vm.prank(BOB);
        market.refund(b, 0);
        assertTrue(market.forfeited(), "forfeited by the claim");
        assertEq(market.credits(BOB), STAKE + POOL / 3, "stake + share");
        assertEq(market.credits(address(this)), POOL - 3 * (POOL / 3), "the remainder");
    }

    /// A forfeited market nobody contributed to credits the whole pool to the provider.
    function test_ForfeitWithoutContributions() public {
        vm.warp(market.revealDeadline());
        market.forfeit();
        assertEq(market.forfeitShare(), 0, "no share");
        assertEq(market.credits(address(this)), POOL, "the whole pool");
    }

    /// forfeit() before the deadline, or once the test set is revealed: NotForfeitable(phase).
    function test_NotForfeitable() public {
        _addExample(market);
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotForfeitable.selector, PredictionMarket.Phase.Participation
            )
        );
        market.forfeit();
        _toReveal();
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotForfeitable.selector, PredictionMarket.Phase.Reveal
            )
        );
        market.forfeit();
        _revealAll(market);
        vm.warp(market.revealDeadline());
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotForfeitable.selector, PredictionMarket.Phase.Scoring
            )
        );
        market.forfeit();
        market.evaluate(STEPS, _example());
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.NotForfeitable.selector, PredictionMarket.Phase.Settled
            )
        );
        market.forfeit();
    }

    // ---------------------------------------------------------------- participation errors

    /// At windowEnd contributions are closed: ParticipationClosed(windowEnd).
    function test_ParticipationClosed() public {
        vm.warp(market.windowEnd() - 1);
        _add(market, ALICE, a, 1);
        vm.warp(market.windowEnd());
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.ParticipationClosed.selector, market.windowEnd()
            )
        );
        vm.prank(BOB);
        market.addData{value: STAKE}(b, 0);
    }

    /// Commit-reveal markets take contributions the same way, and refuse a reveal after the
    /// window; addData is refused (CommitRevealRequired).
    function test_CommitRevealParticipation() public {
        (PredictionMarket m,) = deployMarket(10, 1 days);
        vm.expectRevert(ICollaborativeTrainer.CommitRevealRequired.selector);
        vm.prank(ALICE);
        m.addData{value: STAKE}(a, 1);
        bytes32 salt = keccak256("alice");
        vm.prank(ALICE);
        m.commit(m.commitmentOf(a, 1, salt, ALICE));
        vm.warp(block.timestamp + 1);
        vm.prank(ALICE);
        m.reveal{value: STAKE}(a, 1, salt);
        assertEq(m.contributionCount(), 1, "revealed contribution recorded");

        vm.warp(m.windowEnd() - 10);
        vm.prank(BOB);
        m.commit(m.commitmentOf(b, 0, salt, BOB));
        vm.warp(m.windowEnd());
        vm.expectRevert(
            abi.encodeWithSelector(PredictionMarket.ParticipationClosed.selector, m.windowEnd())
        );
        vm.prank(BOB);
        m.reveal{value: STAKE}(b, 0, salt);
    }

    /// A market that does not own its model takes no contribution: ModelNotOwned(owner). (Its
    /// owner could otherwise update the model between evaluate calls and steer every score.)
    function test_ModelNotOwned() public {
        SparsePerceptron m = deployModel();
        PredictionMarket kept = new PredictionMarket{value: POOL}(
            m, STAKE, WINDOW, REVEAL_WINDOW, 10, 0, testSetRoot(), 3, bytes32(0), bytes32(0)
        );
        vm.expectRevert(
            abi.encodeWithSelector(PredictionMarket.ModelNotOwned.selector, address(this))
        );
        vm.prank(ALICE);
        kept.addData{value: STAKE}(a, 1);
        m.transferOwnership(address(kept));
        vm.prank(ALICE);
        kept.addData{value: STAKE}(a, 1);
        assertEq(kept.contributionCount(), 1, "taken once the market owns its model");
    }

    /// A market takes at most maxContributions: MarketFull(max).
    function test_MarketFull() public {
        (PredictionMarket m,) = deployMarket(2, 0);
        _add(m, ALICE, a, 1);
        _add(m, BOB, b, 0);
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.MarketFull.selector, 2));
        vm.prank(CAROL);
        m.addData{value: STAKE}(a, 0);
    }

    /// Less than the stake: InsufficientDeposit(sent, stake); more: the excess is credited.
    function test_StakeIsExact() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollaborativeTrainer.InsufficientDeposit.selector, STAKE - 1, STAKE
            )
        );
        vm.prank(ALICE);
        market.addData{value: STAKE - 1}(a, 1);
        vm.prank(ALICE);
        market.addData{value: STAKE + 7}(a, 1);
        assertEq(market.credits(ALICE), 7, "the overpayment credited");
        assertEq(address(market).balance, POOL + STAKE + 7, "held");
        (,, uint256 units, uint256 remaining) = market.contribution(a, 1);
        assertEq(units, STAKE / market.DEPOSIT_UNIT(), "stake in units");
        assertEq(remaining, units, "open");
    }

    /// Contributions are validated as the trainers validate them, though the model does not
    /// learn: a label out of range, a sample the model refuses, a sample too long, and content
    /// already open.
    function test_InvalidContributions() public {
        vm.startPrank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IClassifier.UnknownClass.selector, 2, 2));
        market.addData{value: STAKE}(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IClassifier.FeatureOutOfRange.selector, 16, 16));
        market.addData{value: STAKE}(sparse(0, 16), 1);
        vm.expectRevert(abi.encodeWithSelector(IClassifier.FeaturesNotIncreasing.selector, 1, 8, 8));
        market.addData{value: STAKE}(sparse(8, 8), 1);
        bytes memory long = new bytes(34);
        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.SampleTooLarge.selector, 34, 32)
        );
        market.addData{value: STAKE}(long, 1);
        market.addData{value: STAKE}(a, 1);
        bytes32 id = market.contributionId(market.contentKey(a, 1), ALICE, block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.DuplicateContribution.selector, id)
        );
        market.addData{value: STAKE}(a, 1);
        vm.stopPrank();
        assertEq(market.contributionCount(), 1, "only the valid one");
    }

    // ---------------------------------------------------------------- the reveal's errors

    /// Before windowEnd: RevealNotOpen(windowEnd); from revealDeadline: RevealClosed(deadline).
    function test_RevealWindow() public {
        vm.warp(market.windowEnd() - 1);
        vm.expectRevert(
            abi.encodeWithSelector(PredictionMarket.RevealNotOpen.selector, market.windowEnd())
        );
        market.revealTestSet(one(leafOf(0)));
        vm.warp(market.revealDeadline());
        vm.expectRevert(
            abi.encodeWithSelector(PredictionMarket.RevealClosed.selector, market.revealDeadline())
        );
        market.revealTestSet(one(leafOf(0)));
        vm.warp(market.revealDeadline() - 1);
        vm.prank(STRANGER);
        market.revealTestSet(one(leafOf(0))); // anyone holding a leaf may reveal it
        assertEq(market.revealedCount(), 1, "revealed at the last second");
    }

    /// A leaf index past the set: LeafOutOfRange; one revealed before (in an earlier call or
    /// earlier in the same call): LeafAlreadyRevealed; a leaf not in the root (another salt,
    /// label or sample, or another leaf's proof): InvalidProof. None changes the count.
    function test_RevealErrors() public {
        _toReveal();
        PredictionMarket.TestLeaf memory leaf = leafOf(2);
        leaf.index = 3;
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.LeafOutOfRange.selector, 3, 3));
        market.revealTestSet(one(leaf));

        leaf = leafOf(1);
        leaf.salt = keccak256("another salt");
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.InvalidProof.selector, 1));
        market.revealTestSet(one(leaf));
        leaf = leafOf(1);
        leaf.label = 0;
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.InvalidProof.selector, 1));
        market.revealTestSet(one(leaf));
        leaf = leafOf(1);
        leaf.sample = sparse(2, 11);
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.InvalidProof.selector, 1));
        market.revealTestSet(one(leaf));
        leaf = leafOf(1);
        leaf.proof = proofOf(0);
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.InvalidProof.selector, 1));
        market.revealTestSet(one(leaf));
        leaf = leafOf(1);
        leaf.index = 0; // leaf 1's content under index 0
        leaf.proof = proofOf(0);
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.InvalidProof.selector, 0));
        market.revealTestSet(one(leaf));

        PredictionMarket.TestLeaf[] memory twice = new PredictionMarket.TestLeaf[](2);
        twice[0] = leafOf(0);
        twice[1] = leafOf(0);
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.LeafAlreadyRevealed.selector, 0));
        market.revealTestSet(twice);
        assertEq(market.revealedCount(), 0, "nothing revealed");

        market.revealTestSet(one(leafOf(0)));
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.LeafAlreadyRevealed.selector, 0));
        market.revealTestSet(one(leafOf(0)));
        assertEq(market.revealedCount(), 1, "one revealed");
        assertEq(
            market.testLeafHash(0, _secrets[0].salt, 1, a),
            leafHash(0, _secrets[0]),
            "testLeafHash is the leaf"
        );
    }

    /// @dev A market whose test set is the example's with `bad` as leaf 0, at its reveal.
    function _marketWithTestLeaf(Secret memory bad) internal returns (PredictionMarket m) {
        Secret[] memory s = _exampleTestSet();
        s[0] = bad;
        setTestSet(s);
        (m,) = deployMarket(10, 0);
        vm.warp(m.windowEnd());
    }

    /// A committed test leaf the model cannot use is refused at its reveal, with the error
    /// the contributions get: UnknownClass, SampleTooLarge, the model's own sample errors. (Such
    /// a market cannot be revealed whole, so it forfeits: the provider cannot block scoring
    /// with a test sample that would make it revert.)
    function test_BadTestLeaves() public {
        PredictionMarket m = _marketWithTestLeaf(Secret(keccak256("s"), 2, a));
        vm.expectRevert(abi.encodeWithSelector(IClassifier.UnknownClass.selector, 2, 2));
        m.revealTestSet(one(leafOf(0)));

        m = _marketWithTestLeaf(Secret(keccak256("s"), 1, new bytes(34)));
        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.SampleTooLarge.selector, 34, 32)
        );
        m.revealTestSet(one(leafOf(0)));

        m = _marketWithTestLeaf(Secret(keccak256("s"), 1, sparse(3, 16)));
        vm.expectRevert(abi.encodeWithSelector(IClassifier.FeatureOutOfRange.selector, 16, 16));
        m.revealTestSet(one(leafOf(0)));

        m = _marketWithTestLeaf(Secret(keccak256("s"), 1, sparse(9, 3)));
        vm.expectRevert(abi.encodeWithSelector(IClassifier.FeaturesNotIncreasing.selector, 1, 9, 3));
        m.revealTestSet(one(leafOf(0)));

        m = _marketWithTestLeaf(Secret(keccak256("s"), 1, new bytes(3)));
        vm.expectRevert(abi.encodeWithSelector(IClassifier.MalformedSample.selector, 3, 2));
        m.revealTestSet(one(leafOf(0)));

        m.revealTestSet(leavesOf(1, 2)); // the good leaves reveal
        vm.warp(m.revealDeadline());
        assertEq(_phase(m), uint256(PredictionMarket.Phase.Forfeited), "forfeits");
    }

    // ---------------------------------------------------------------- the scoring's errors

    /// evaluate outside Scoring: NotScoring(phase) in Participation, Reveal and Settled (and
    /// Forfeited: test_ProviderNeverRevealsForfeits).
    function test_NotScoring() public {
        _addExample(market);
        _expectNotScoring(PredictionMarket.Phase.Participation);
        _toReveal();
        market.revealTestSet(leavesOf(0, 2));
        _expectNotScoring(PredictionMarket.Phase.Reveal);
        market.revealTestSet(one(leafOf(2)));
        market.evaluate(STEPS, _example());
        _expectNotScoring(PredictionMarket.Phase.Settled);
    }

    /// evaluate(0, ...): NoSteps(); the next contribution missing: MissingContribution(index)
    /// (unless some step was done: then it stops there); another one in its place:
    /// WrongContribution(index, recorded key, given key).
    function test_EvaluateErrors() public {
        _addExample(market);
        _toReveal();
        _revealAll(market);
        vm.expectRevert(PredictionMarket.NoSteps.selector);
        market.evaluate(0, _example());

        PredictionMarket.Contribution[] memory none = new PredictionMarket.Contribution[](0);
        assertEq(market.evaluate(10, none), 3, "round 0 needs no contribution, then stops");
        vm.expectRevert(abi.encodeWithSelector(PredictionMarket.MissingContribution.selector, 0));
        market.evaluate(10, none);

        PredictionMarket.Contribution[] memory wrong = _example();
        wrong[0] = PredictionMarket.Contribution(a, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.WrongContribution.selector,
                0,
                market.contentKey(a, 1),
                market.contentKey(a, 0)
            )
        );
        market.evaluate(10, wrong);

        // Two rounds' worth given: the steps stop at the third update (MissingContribution
        // only if it is the very first step).
        PredictionMarket.Contribution[] memory two = new PredictionMarket.Contribution[](2);
        two[0] = _example()[0];
        two[1] = _example()[1];
        assertEq(market.evaluate(100, two), 8, "rounds 1 and 2");
        // upcoming starts at the next contribution not applied (2): giving 0 again is wrong.
        vm.expectRevert(
            abi.encodeWithSelector(
                PredictionMarket.WrongContribution.selector,
                2,
                market.contentKey(a, 0),
                market.contentKey(a, 1)
            )
        );
        market.evaluate(100, two);
        PredictionMarket.Contribution[] memory last = new PredictionMarket.Contribution[](1);
        last[0] = _example()[2];
        assertEq(market.evaluate(100, last), 4, "round 3");
        assertEq(_score(market, a, 0), -1, "the same scores");
    }

    // ---------------------------------------------------------------- chunking

    /// Scoring in chunks of `chunk` steps, pushed by anyone (a different account each time),
    /// gives the scores, credits and reputation of scoring in one call, on a second market of
    /// the same test set and contributions.
    function testFuzz_ScoringDoesNotDependOnChunking(uint256 chunk) public {
        chunk = bound(chunk, 1, STEPS + 1);
        (PredictionMarket whole,) = deployMarket(100, 0);
        _addExample(market);
        _addExample(whole);
        vm.warp(market.windowEnd());
        _revealAll(market);
        _revealAll(whole);

        assertEq(whole.evaluate(type(uint256).max, _example()), STEPS, "one call");
        uint256 calls = 0;
        PredictionMarket.Contribution[] memory all = _example();
        while (market.phase() == PredictionMarket.Phase.Scoring) {
            (uint32 round,,,,,, bool applied,) = market.cursor();
            // Resupply the contributions from the next one not yet applied.
            uint256 from = round == 0 || applied ? round : round - 1;
            PredictionMarket.Contribution[] memory upcoming =
                new PredictionMarket.Contribution[](all.length - from);
            for (uint256 i = 0; i < upcoming.length; ++i) {
                upcoming[i] = all[from + i];
            }
            vm.prank(address(uint160(0x1000 + calls)));
            uint256 steps = market.evaluate(chunk, upcoming);
            assertLe(steps, chunk, "at most maxSteps");
            ++calls;
        }
        assertEq(calls, (STEPS + chunk - 1) / chunk, "every call made its steps");
        _assertSameOutcome(market, whole, a, 1, ALICE);
        _assertSameOutcome(market, whole, b, 0, BOB);
        _assertSameOutcome(market, whole, a, 0, CAROL);
        assertEq(market.credits(address(this)), whole.credits(address(this)), "provider");
    }

    function _assertSameOutcome(
        PredictionMarket m1,
        PredictionMarket m2,
        bytes memory data,
        uint256 label,
        address author
    ) internal {
        assertEq(_score(m1, data, label), _score(m2, data, label), "same score");
        (, uint256 amount1, uint256 minted1) = m1.claimable(data, label, author);
        (, uint256 amount2, uint256 minted2) = m2.claimable(data, label, author);
        assertEq(amount1, amount2, "same payout");
        assertEq(minted1, minted2, "same reputation");
        if (_score(m1, data, label) < 0) return;
        vm.prank(author);
        m1.refund(data, label);
        vm.prank(author);
        m2.refund(data, label);
        assertEq(m1.credits(author), m2.credits(author), "same credit");
    }

    /// evaluate(1) one step at a time: each call does exactly one step.
    function test_OneStepAtATime() public {
        _addExample(market);
        _toReveal();
        _revealAll(market);
        for (uint256 i = 0; i < STEPS; ++i) {
            (uint32 round,,,,,,,) = market.cursor();
            PredictionMarket.Contribution[] memory upcoming = new PredictionMarket.Contribution[](1);
            upcoming[0] = _example()[round == 0 ? 0 : round - 1];
            vm.prank(STRANGER);
            assertEq(market.evaluate(1, upcoming), 1, "one step");
        }
        assertEq(_phase(market), uint256(PredictionMarket.Phase.Settled), "settled");
        assertEq(_score(market, a, 1), 1, "A +1");
        assertEq(_score(market, a, 0), -1, "C -1");
    }

    // ---------------------------------------------------------------- deployment

    function _expectInvalid(string memory reason) internal {
        vm.expectRevert(
            abi.encodeWithSelector(ICollaborativeTrainer.InvalidParameters.selector, reason)
        );
    }

    /// @dev Deploys a market with one parameter changed from valid ones.
    function _deploy(
        address m,
        uint256 stake,
        uint256 window,
        uint256 revealWindow,
        uint256 maxContributions,
        uint256 commitRevealWindow,
        bytes32 root,
        uint256 size,
        uint256 pool
    ) internal {
        new PredictionMarket{value: pool}(
            IClassifier(m),
            stake,
            window,
            revealWindow,
            maxContributions,
            commitRevealWindow,
            root,
            size,
            bytes32(0),
            bytes32(0)
        );
    }

    /// Every constructor check: InvalidParameters(reason).
    function test_InvalidParameters() public {
        address m = address(deployModel());
        bytes32 r = testSetRoot();
        uint256 tenYears = market.MAX_WAIT();
        _expectInvalid("model is not a contract");
        _deploy(address(0x1234), STAKE, WINDOW, REVEAL_WINDOW, 10, 0, r, 3, POOL);
        _expectInvalid("commit-reveal window over 30 days");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 10, 30 days + 1, r, 3, POOL);
        _expectInvalid("stake must be a positive multiple of 1e12 wei");
        _deploy(m, 0, WINDOW, REVEAL_WINDOW, 10, 0, r, 3, POOL);
        _expectInvalid("stake must be a positive multiple of 1e12 wei");
        _deploy(m, STAKE + 1, WINDOW, REVEAL_WINDOW, 10, 0, r, 3, POOL);
        _expectInvalid("stake too large");
        _deploy(m, (uint256(1) << 31) * 1e12, WINDOW, REVEAL_WINDOW, 10, 0, r, 3, POOL);
        _expectInvalid("participation window must be within ten years");
        _deploy(m, STAKE, 0, REVEAL_WINDOW, 10, 0, r, 3, POOL);
        _expectInvalid("participation window must be within ten years");
        _deploy(m, STAKE, tenYears + 1, REVEAL_WINDOW, 10, 0, r, 3, POOL);
        _expectInvalid("reveal window must be within ten years");
        _deploy(m, STAKE, WINDOW, 0, 10, 0, r, 3, POOL);
        _expectInvalid("reveal window must be within ten years");
        _deploy(m, STAKE, WINDOW, tenYears + 1, 10, 0, r, 3, POOL);
        _expectInvalid("max contributions must be within 1 and 4096");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 0, 0, r, 3, POOL);
        _expectInvalid("max contributions must be within 1 and 4096");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 4097, 0, r, 3, POOL);
        _expectInvalid("no test-set root");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 10, 0, bytes32(0), 3, POOL);
        _expectInvalid("test-set size must be within 1 and 1024");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 10, 0, r, 0, POOL);
        _expectInvalid("test-set size must be within 1 and 1024");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 10, 0, r, 1025, POOL);
        _expectInvalid("no reward pool");
        _deploy(m, STAKE, WINDOW, REVEAL_WINDOW, 10, 0, r, 3, 0);
        // The limits themselves are accepted.
        _deploy(m, (uint256(1) << 31) * 1e12 - 1e12, tenYears, tenYears, 4096, 30 days, r, 1024, 1);
    }
}
