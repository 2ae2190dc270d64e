// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LineFixture} from "./utils/LineFixture.sol";
import {ReentrantLineMember} from "./utils/ReentrantLineMember.sol";
import {FederatedLine} from "../../contracts/federated/FederatedLine.sol";
import {FederatedAggregation} from "../../contracts/federated/FederatedAggregation.sol";

/// @notice The federated line's behaviour: the constructor's every check, membership (join,
/// top-up, leave, cool-down, exit), each phase of a round (commit, reveal, a bonded aggregate,
/// chunk challenges, settlement), every custom error with its diagnosing values and nothing
/// changed where it matters, the settlement's payments to the wei, pull payments against a
/// reentrant receiver, closing; and every attack on a rule as a test (who would profit). The
/// default line (LineFixture) aggregates by the median; members 0..4 have joined.
contract FederatedLineTest is LineFixture {
    FederatedLine.RuleSpec internal median;

    address internal constant STRANGER = address(0x5757);

    receive() external payable {}

    function setUp() public {
        vm.warp(1_700_000_000);
        median = ruleOf(FederatedLine.Rule.Median);
        line = deployLine(median);
        joinMembers(line, 5);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev n well-formed updates: update i is base 7 i - 10, step i - 2.
    function _updates(uint256 n) internal pure returns (int256[][][] memory u) {
        u = new int256[][][](n);
        for (uint256 i = 0; i < n; ++i) {
            u[i] = split(vec(int256(i) * 7 - 10, int256(i) - 2));
        }
    }

    function _ones(uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            w[i] = 1;
        }
    }

    /// @dev Members 0..3 commit and reveal; the correct median aggregate is posted, weights 1.
    function _postedRound()
        internal
        returns (uint256 round, int256[][][] memory u, int256[][] memory agg)
    {
        u = _updates(4);
        round = runRound(line, u, 4);
        agg = aggregateOf(median, u);
        post(line, round, agg, 0, _ones(4));
    }

    /// @dev A copy of `agg` with coordinate j of chunk c moved by one.
    function _tampered(int256[][] memory agg, uint256 c, uint256 j)
        internal
        pure
        returns (int256[][] memory t)
    {
        t = new int256[][](agg.length);
        for (uint256 i = 0; i < agg.length; ++i) {
            t[i] = new int256[](agg[i].length);
            for (uint256 k = 0; k < agg[i].length; ++k) {
                t[i][k] = agg[i][k];
            }
        }
        t[c][j] += 1;
    }

    function _expectInvalid(
        FederatedLine.Task memory task,
        FederatedLine.RuleSpec memory spec,
        FederatedLine.Terms memory terms,
        string memory reason
    ) internal {
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.InvalidParameters.selector, reason));
        new FederatedLine(AGGREGATOR, task, spec, terms);
    }

    // ---------------------------------------------------------------- constructor

    function test_ConstructorState() public view {
        assertEq(line.creator(), address(this), "creator");
        assertEq(line.aggregator(), AGGREGATOR, "aggregator");
        assertEq(line.globalModelCid(), INITIAL_MODEL, "initial model");
        assertEq(line.pool(), FUNDING, "pool = funding");
        assertEq(line.chunkCount(), CHUNKS, "three chunks");
        assertEq(line.reputation().minter(), address(line), "the line mints");
        assertEq(line.currentRound(), 0, "no round");
        assertEq(address(line).balance, FUNDING + 5 * STAKE, "balance");
    }

    function test_ConstructorRejectsInvalidParameters() public {
        FederatedLine.Task memory task = defaultTask();
        FederatedLine.Terms memory terms = defaultTerms();
        FederatedLine.RuleSpec memory spec = median;

        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.InvalidParameters.selector, "no aggregator")
        );
        new FederatedLine(address(0), task, spec, terms);

        task.architectureCid = 0;
        _expectInvalid(task, spec, terms, "no architecture or initial model CID");
        task = defaultTask();
        task.initialModelCid = 0;
        _expectInvalid(task, spec, terms, "no architecture or initial model CID");
        task = defaultTask();
        task.validationRoot = 0;
        _expectInvalid(task, spec, terms, "no validation-set root");
        task = defaultTask();
        task.dimension = 0;
        _expectInvalid(task, spec, terms, "dimension must be within 1 and 2^32");
        task.dimension = 2 ** 32 + 1;
        _expectInvalid(task, spec, terms, "dimension must be within 1 and 2^32");
        task = defaultTask();
        task.chunkSize = 0;
        _expectInvalid(task, spec, terms, "chunk size must be within 1 and 1024");
        task.chunkSize = 1025;
        _expectInvalid(task, spec, terms, "chunk size must be within 1 and 1024");
        task = defaultTask();

        terms.stake = 0;
        _expectInvalid(task, spec, terms, "no stake");
        terms = defaultTerms();
        terms.aggregatorBond = 0;
        _expectInvalid(task, spec, terms, "no aggregator bond");
        terms = defaultTerms();
        terms.nonRevealSlashPpm = 1_000_001;
        _expectInvalid(task, spec, terms, "a slashing rate over 1,000,000 ppm");
        terms = defaultTerms();
        terms.rejectSlashPpm = 1_000_001;
        _expectInvalid(task, spec, terms, "a slashing rate over 1,000,000 ppm");
        terms = defaultTerms();
        terms.challengeWindow = 0;
        _expectInvalid(task, spec, terms, "a round window of zero");
        terms = defaultTerms();
        terms.cooldown = 365 days + 1;
        _expectInvalid(task, spec, terms, "a window over a year");
        terms = defaultTerms();
        terms.commitWindow = 365 days + 1;
        _expectInvalid(task, spec, terms, "a window over a year");
        terms = defaultTerms();
        terms.maxParticipants = 0;
        _expectInvalid(task, spec, terms, "max participants must be within 1 and 64");
        terms.maxParticipants = 65;
        _expectInvalid(task, spec, terms, "max participants must be within 1 and 64");
        terms = defaultTerms();
        terms.quorum = 0;
        _expectInvalid(task, spec, terms, "quorum must be within 1 and max participants");
        terms.quorum = MAX_PARTICIPANTS + 1;
        _expectInvalid(task, spec, terms, "quorum must be within 1 and max participants");
        terms = defaultTerms();
        terms.rewardPerRound = 2 ** 128 + 1;
        _expectInvalid(task, spec, terms, "an amount over 2^128 wei");
        terms = defaultTerms();

        spec = FederatedLine.RuleSpec(FederatedLine.Rule.TrimmedMean, 2, 0, 0); // 4 >= quorum 3
        _expectInvalid(task, spec, terms, "trimmed mean: 2 trim < quorum, no f or m");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.TrimmedMean, 1, 1, 0);
        _expectInvalid(task, spec, terms, "trimmed mean: 2 trim < quorum, no f or m");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.Krum, 0, 1, 0); // needs quorum 5
        _expectInvalid(task, spec, terms, "Krum: quorum >= 2 f + 3, no trim");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.Krum, 0, 0, 1);
        _expectInvalid(task, spec, terms, "multi-Krum: 1 <= m <= quorum; Krum: no m");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.MultiKrum, 0, 0, 0);
        _expectInvalid(task, spec, terms, "multi-Krum: 1 <= m <= quorum; Krum: no m");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.MultiKrum, 0, 0, 4);
        _expectInvalid(task, spec, terms, "multi-Krum: 1 <= m <= quorum; Krum: no m");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.Mean, 1, 0, 0);
        _expectInvalid(task, spec, terms, "mean and median take no parameters");
        spec = FederatedLine.RuleSpec(FederatedLine.Rule.Median, 0, 0, 1);
        _expectInvalid(task, spec, terms, "mean and median take no parameters");

        spec = median;
        terms.maxParticipants = 64;
        task.chunkSize = 65; // 64^2 * 65 > 2^18
        _expectInvalid(task, spec, terms, "maxParticipants^2 * chunkSize over 2^18");
        task.chunkSize = 64; // exactly 2^18: accepted
        new FederatedLine(AGGREGATOR, task, spec, terms);
    }

    // ---------------------------------------------------------------- membership

    function test_Join() public view {
        assertEq(line.memberCount(), 5, "members");
        assertEq(line.totalStaked(), 5 * STAKE, "staked");
        assertEq(stakeOf(line, member(0)), STAKE, "stake");
    }

    function test_JoinErrors() public {
        vm.deal(STRANGER, 10 ether);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongStake.selector, STAKE - 1, STAKE));
        line.join{value: STAKE - 1}();
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongStake.selector, STAKE + 1, STAKE));
        line.join{value: STAKE + 1}();
        vm.prank(member(0));
        vm.deal(member(0), STAKE);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AlreadyJoined.selector, member(0)));
        line.join{value: STAKE}();
        joinMembers(line, 0);
        for (uint256 i = 5; i < MAX_PARTICIPANTS; ++i) {
            join(line, member(i));
        }
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.LineFull.selector, MAX_PARTICIPANTS));
        line.join{value: STAKE}();
        assertEq(line.memberCount(), MAX_PARTICIPANTS, "full");
        assertEq(line.totalStaked(), MAX_PARTICIPANTS * STAKE, "staked");
    }

    function test_JoinWhenClosed() public {
        line.close();
        vm.deal(STRANGER, STAKE);
        vm.prank(STRANGER);
        vm.expectRevert(FederatedLine.LineClosed.selector);
        line.join{value: STAKE}();
        vm.expectRevert(FederatedLine.LineClosed.selector);
        line.fund{value: 1}();
    }

    function test_FundAddsToPool() public {
        line.fund{value: 3 ether}();
        assertEq(line.pool(), FUNDING + 3 ether, "pool");
    }

    /// A slashed member cannot commit until it tops its stake up again.
    function test_TopUpRestoresASlashedStake() public {
        uint256 round = open(line);
        commitUpdate(line, round, member(0), _updates(1)[0]);
        vm.warp(block.timestamp + 4 * WINDOW);
        line.settle(round, new uint256[](0)); // failed, member 0 did not reveal
        assertEq(stakeOf(line, member(0)), STAKE / 2, "slashed by half");
        round = open(line);
        vm.prank(member(0));
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.StakeTooLow.selector, STAKE / 2, STAKE)
        );
        line.commit(round, bytes32(uint256(1)));
        vm.deal(member(0), STAKE);
        vm.prank(member(0));
        line.topUp{value: STAKE / 2}();
        assertEq(stakeOf(line, member(0)), STAKE, "restored");
        assertEq(line.totalStaked(), 5 * STAKE, "total restored");
        commitUpdate(line, round, member(0), _updates(1)[0]);

        vm.deal(STRANGER, 1);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotMember.selector, STRANGER));
        line.topUp{value: 1}();
    }

    /// Leaving to escape a slash: a member committed to an unsettled round cannot leave.
    function test_LeaveWhileInRound() public {
        uint256 round = open(line);
        commitUpdate(line, round, member(0), _updates(1)[0]);
        vm.prank(member(0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.InRound.selector, round));
        line.leave();
        (,, uint64 leavingAt,) = line.members(member(0));
        assertEq(leavingAt, 0, "not leaving");
        vm.warp(block.timestamp + 4 * WINDOW);
        line.settle(round, new uint256[](0));
        vm.prank(member(0));
        line.leave(); // settled: free to go
    }

    function test_LeaveTwiceAndExit() public {
        vm.prank(member(1));
        line.leave();
        uint256 since = block.timestamp;
        vm.prank(member(1));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.Leaving.selector, member(1), since));
        line.leave();
        vm.warp(since + COOLDOWN - 1);
        vm.prank(member(1));
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.CoolingDown.selector, since + COOLDOWN)
        );
        line.exit();
        vm.warp(since + COOLDOWN);
        vm.prank(member(1));
        line.exit();
        assertEq(line.credits(member(1)), STAKE, "stake credited");
        assertEq(line.totalCredits(), STAKE, "total credits");
        assertEq(line.totalStaked(), 4 * STAKE, "staked");
        assertEq(line.memberCount(), 4, "members");
        vm.prank(member(1));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotMember.selector, member(1)));
        line.exit();
        // Gone, it may join again.
        join(line, member(1));
        assertEq(line.memberCount(), 5, "rejoined");
    }

    function test_ExitNotLeaving() public {
        vm.prank(member(2));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotLeaving.selector, member(2)));
        line.exit();
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotMember.selector, STRANGER));
        line.leave();
    }

    // ---------------------------------------------------------------- openRound

    function test_OpenRound() public {
        uint256 round = open(line);
        assertEq(round, 1, "round 1");
        (uint256 c, uint256 r, uint256 a, uint256 ch) = deadlines(line, round);
        assertEq(c, block.timestamp + WINDOW, "commit deadline");
        assertEq(r, c + WINDOW, "reveal deadline");
        assertEq(a, r + WINDOW, "aggregate deadline");
        assertEq(ch, 0, "no challenge deadline yet");
        assertTrue(statusOf(line, round) == FederatedLine.Status.Open, "open");
    }

    function test_OpenRoundErrors() public {
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.NotAggregator.selector, STRANGER, AGGREGATOR)
        );
        line.openRound();
        open(line);
        vm.prank(AGGREGATOR);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.RoundInProgress.selector, 1));
        line.openRound();
        assertEq(line.currentRound(), 1, "still round 1");
        vm.warp(block.timestamp + 4 * WINDOW);
        line.settle(1, new uint256[](0));
        line.close();
        vm.prank(AGGREGATOR);
        vm.expectRevert(FederatedLine.LineClosed.selector);
        line.openRound();
    }

    // ---------------------------------------------------------------- commit

    function test_CommitErrors() public {
        uint256 round = open(line);
        int256[][] memory u = _updates(1)[0];
        bytes32 c = commitmentFor(line, round, member(0), rootOf(u));

        vm.prank(member(0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotCurrentRound.selector, 2, 1));
        line.commit(2, c);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotMember.selector, STRANGER));
        line.commit(round, c);
        vm.prank(member(0));
        vm.expectRevert(FederatedLine.EmptyCommitment.selector);
        line.commit(round, bytes32(0));

        vm.prank(member(0));
        line.commit(round, c);
        vm.prank(member(0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AlreadyCommitted.selector, round));
        line.commit(round, keccak256("another"));
        (bytes32 stored,,,) = line.entries(round, member(0));
        assertEq(stored, c, "first commitment kept");

        vm.prank(member(1));
        line.leave();
        vm.prank(member(1));
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.Leaving.selector, member(1), block.timestamp)
        );
        line.commit(round, c);

        (uint256 deadline,,,) = deadlines(line, round);
        vm.warp(deadline); // the deadline itself is still open
        commitUpdate(line, round, member(2), u);
        vm.warp(deadline + 1);
        vm.prank(member(3));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.CommitClosed.selector, deadline));
        line.commit(round, c);
        assertEq(line.committers(round).length, 2, "two committers");
    }

    function test_CommitRoundNotOpen() public {
        vm.prank(member(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.RoundNotOpen.selector, 0, FederatedLine.Status.None
            )
        );
        line.commit(0, bytes32(uint256(1)));
        (uint256 round,,) = _postedRound();
        vm.prank(member(4));
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.RoundNotOpen.selector, round, FederatedLine.Status.Posted
            )
        );
        line.commit(round, bytes32(uint256(1)));
    }

    // ---------------------------------------------------------------- reveal

    function test_Reveal() public {
        int256[][][] memory u = _updates(2);
        uint256 round = runRound(line, u, 2);
        address[] memory r = line.revealers(round);
        assertEq(r.length, 2, "two revealers");
        assertEq(r[0], member(0), "order");
        (bytes32 c, bytes32 cid, bytes32 root, uint64 index) = line.entries(round, member(1));
        assertEq(c, commitmentFor(line, round, member(1), rootOf(u[1])), "commitment");
        assertEq(cid, cidOf(member(1), round), "cid");
        assertEq(root, rootOf(u[1]), "root");
        assertEq(index, 2, "1 + position");
    }

    function _expectMismatch(uint256 round, address who, bytes32 committed, bytes32 revealed)
        internal
    {
        bytes32 computed =
            line.commitmentOf(round, who, cidOf(who, round), revealed, saltOf(who, round));
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.CommitmentMismatch.selector,
                commitmentFor(line, round, who, committed),
                computed
            )
        );
        vm.prank(who);
    }

    function test_RevealErrors() public {
        int256[][][] memory u = _updates(3);
        uint256 round = open(line);
        for (uint256 i = 0; i < 3; ++i) {
            commitUpdate(line, round, member(i), u[i]);
        }
        (uint256 commitD, uint256 revealD,,) = deadlines(line, round);
        bytes32 root0 = rootOf(u[0]);
        vm.prank(member(0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.RevealNotOpen.selector, commitD));
        line.reveal(round, cidOf(member(0), round), root0, saltOf(member(0), round));

        vm.warp(commitD + 1);
        vm.prank(member(4));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotCommitted.selector, round));
        line.reveal(round, cidOf(member(4), round), root0, saltOf(member(4), round));
        // Another root than the committed one (the member changed its update after seeing
        // others' reveals): the commitment binds it.
        bytes32 other = rootOf(u[1]);
        _expectMismatch(round, member(0), root0, other);
        line.reveal(round, cidOf(member(0), round), other, saltOf(member(0), round));
        revealUpdate(line, round, member(0), u[0]);
        vm.prank(member(0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AlreadyRevealed.selector, round));
        line.reveal(round, cidOf(member(0), round), root0, saltOf(member(0), round));
        vm.warp(revealD); // the deadline itself is still open
        revealUpdate(line, round, member(1), u[1]);
        vm.warp(revealD + 1);
        vm.prank(member(2));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.RevealClosed.selector, revealD));
        line.reveal(round, cidOf(member(2), round), rootOf(u[2]), saltOf(member(2), round));
        assertEq(line.revealers(round).length, 2, "two reveals");
    }

    /// Copying: member 1 commits member 0's commitment (to get a reward for its work) and
    /// reveals member 0's opening once it is public; the commitment binds the committer's
    /// address, so the copy cannot be revealed (and is slashed as a non-reveal).
    function test_AttackCopiedCommitmentCannotBeRevealed() public {
        int256[][] memory u = _updates(1)[0];
        uint256 round = open(line);
        bytes32 c0 = commitmentFor(line, round, member(0), rootOf(u));
        vm.prank(member(0));
        line.commit(round, c0);
        vm.prank(member(1));
        line.commit(round, c0);
        toReveal(line, round);
        revealUpdate(line, round, member(0), u);
        bytes32 copied = line.commitmentOf(
            round, member(1), cidOf(member(0), round), rootOf(u), saltOf(member(0), round)
        );
        vm.prank(member(1));
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.CommitmentMismatch.selector, c0, copied)
        );
        line.reveal(round, cidOf(member(0), round), rootOf(u), saltOf(member(0), round));
        assertEq(line.revealers(round).length, 1, "only the author revealed");
    }

    // ---------------------------------------------------------------- postAggregate

    function test_PostAggregate() public {
        (uint256 round,, int256[][] memory agg) = _postedRound();
        (
            FederatedLine.Status s,,,,,
            uint64 ch,
            bytes32 cid,
            bytes32 root,
            uint256 mask,
            bytes32 wh,
            uint256 bond
        ) = line.rounds(round);
        assertTrue(s == FederatedLine.Status.Posted, "posted");
        assertEq(ch, block.timestamp + WINDOW, "challenge deadline");
        assertEq(cid, modelCidOf(round), "model");
        assertEq(root, rootOf(agg), "root");
        assertEq(mask, 0, "mask");
        assertEq(wh, keccak256(abi.encode(_ones(4))), "weights hash");
        assertEq(bond, BOND, "bond");
        assertEq(line.bondsHeld(), BOND, "bonds held");
    }

    function _tryPost(uint256 value, uint256 mask, uint256[] memory w) internal {
        vm.prank(AGGREGATOR);
        line.postAggregate{value: value}(1, modelCidOf(1), bytes32(uint256(7)), mask, w);
    }

    function test_PostAggregateErrors() public {
        int256[][][] memory u = _updates(4);
        uint256 round = open(line);
        for (uint256 i = 0; i < 4; ++i) {
            commitUpdate(line, round, member(i), u[i]);
        }
        toReveal(line, round);
        for (uint256 i = 0; i < 4; ++i) {
            revealUpdate(line, round, member(i), u[i]);
        }
        (, uint256 revealD, uint256 aggD,) = deadlines(line, round);
        uint256[] memory w = _ones(4);

        vm.prank(STRANGER);
        vm.deal(STRANGER, BOND);
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.NotAggregator.selector, STRANGER, AGGREGATOR)
        );
        line.postAggregate{value: BOND}(round, 0, 0, 0, w);
        // Posting before the reveals end (to shut out late revealers) is not possible.
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregationNotOpen.selector, revealD));
        _tryPost(BOND, 0, w);
        vm.warp(revealD + 1);
        vm.prank(AGGREGATOR);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotCurrentRound.selector, 2, 1));
        line.postAggregate{value: BOND}(2, 0, 0, 0, w);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongBond.selector, BOND - 1, BOND));
        _tryPost(BOND - 1, 0, w);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.BadRejectedMask.selector, 16, 4));
        _tryPost(BOND, 16, w);
        // Median: at least the quorum of inputs; rejecting two leaves two.
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongInputCount.selector, 2, 3));
        _tryPost(BOND, 3, uints(0, 0, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.BadWeightsLength.selector, 3, 4));
        _tryPost(BOND, 0, _ones(3));
        uint256 tooHeavy = 2 ** 64 + 1;
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.BadWeight.selector, 2, tooHeavy));
        _tryPost(BOND, 0, uints(1, 1, tooHeavy, 1));
        // An aggregator cannot give weight (reward) to an update it rejected (slashed).
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WeightOfRejected.selector, 1, 5));
        _tryPost(BOND, 2, uints(1, 5, 1, 1));
        assertTrue(statusOf(line, round) == FederatedLine.Status.Open, "still open");
        assertEq(line.bondsHeld(), 0, "no bond taken");

        _tryPost(BOND, 0, uints(1, 1, 2 ** 64, 0)); // the largest weight is fine
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregateAlreadyPosted.selector, 1));
        _tryPost(BOND, 0, w);
        assertEq(line.bondsHeld(), BOND, "one bond");
        aggD;
    }

    function test_PostAggregateClosedAndQuorum() public {
        int256[][][] memory u = _updates(3);
        uint256 round = runRound(line, u, 2); // two of three reveal
        (,, uint256 aggD,) = deadlines(line, round);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.QuorumNotMet.selector, 2, 3));
        _tryPost(BOND, 0, _ones(2));
        vm.warp(aggD + 1);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregationClosed.selector, aggD));
        _tryPost(BOND, 0, _ones(2));
    }

    function test_PostAggregateKrumInputCounts() public {
        line = deployLine(FederatedLine.RuleSpec(FederatedLine.Rule.Krum, 0, 0, 0));
        joinMembers(line, 4);
        runRound(line, _updates(4), 4);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongInputCount.selector, 4, 1));
        _tryPost(BOND, 0, _ones(4));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongInputCount.selector, 2, 1));
        _tryPost(BOND, 3, uints(0, 0, 1, 1));
        _tryPost(BOND, 7, uints(0, 0, 0, 1)); // exactly one kept

        line = deployLine(FederatedLine.RuleSpec(FederatedLine.Rule.MultiKrum, 0, 0, 2));
        joinMembers(line, 4);
        runRound(line, _updates(4), 4);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongInputCount.selector, 4, 2));
        _tryPost(BOND, 0, _ones(4));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongInputCount.selector, 1, 2));
        _tryPost(BOND, 7, uints(0, 0, 0, 1));
        _tryPost(BOND, 5, uints(0, 1, 0, 1)); // exactly m = 2 kept
    }

    /// Under Krum the aggregate is the one selected update: a challenger can check it, and an
    /// aggregator posting something else loses the bond.
    function test_KrumChallenge() public {
        FederatedLine.RuleSpec memory krum =
            FederatedLine.RuleSpec(FederatedLine.Rule.Krum, 0, 0, 0);
        line = deployLine(krum);
        joinMembers(line, 4);
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        int256[][][] memory inputs = inputsOf(u, 7); // keeps update 3
        int256[][] memory agg = aggregateOf(krum, inputs);
        int256[][] memory bad = _tampered(agg, 0, 0);
        post(line, round, bad, 7, uints(0, 0, 0, 1));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregateCorrect.selector, round, 1));
        challengeAs(line, CHALLENGER, round, inputs, bad, 1);
        challengeAs(line, CHALLENGER, round, inputs, bad, 0);
        assertTrue(statusOf(line, round) == FederatedLine.Status.Voided, "voided");
    }

    // ---------------------------------------------------------------- challenge

    /// A challenger cannot void a correct aggregate (to take the bond): every chunk reverts
    /// AggregateCorrect and nothing changes.
    function test_ChallengeOfCorrectAggregateReverts() public {
        (uint256 round, int256[][][] memory u, int256[][] memory agg) = _postedRound();
        for (uint256 c = 0; c < CHUNKS; ++c) {
            vm.expectRevert(
                abi.encodeWithSelector(FederatedLine.AggregateCorrect.selector, round, c)
            );
            challengeAs(line, CHALLENGER, round, u, agg, c);
        }
        assertTrue(statusOf(line, round) == FederatedLine.Status.Posted, "still posted");
        assertEq(line.bondsHeld(), BOND, "bond held");
        assertEq(line.credits(CHALLENGER), 0, "no credit");
        assertEq(line.totalCredits(), 0, "no credits");
    }

    /// The aggregate is wrong in one coordinate of the last, short chunk: voided, the bond
    /// credited to the challenger; at settlement no reward, the model unchanged, and the
    /// non-revealer (member 4) still slashed.
    function test_SuccessfulChallengeVoidsTheRound() public {
        int256[][][] memory u = _updates(5);
        uint256 round = runRound(line, u, 4);
        int256[][][] memory inputs = new int256[][][](4); // member 4 did not reveal
        for (uint256 i = 0; i < 4; ++i) {
            inputs[i] = u[i];
        }
        int256[][] memory bad = _tampered(aggregateOf(median, inputs), 2, 1);
        post(line, round, bad, 0, _ones(4));
        // The first two chunks are right.
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregateCorrect.selector, round, 0));
        challengeAs(line, CHALLENGER, round, inputs, bad, 0);
        challengeAs(line, CHALLENGER, round, inputs, bad, 2);
        assertTrue(statusOf(line, round) == FederatedLine.Status.Voided, "voided");
        assertEq(line.credits(CHALLENGER), BOND, "bond to the challenger");
        assertEq(line.bondsHeld(), 0, "no bond held");
        (,,,,,,,,,, uint256 bond) = line.rounds(round);
        assertEq(bond, 0, "round bond cleared");
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotChallengeable.selector, round, FederatedLine.Status.Voided
            )
        );
        challengeAs(line, STRANGER, round, inputs, bad, 2);

        // Settled at once (a voided round need not wait), whatever the weights given.
        line.settle(round, uints(9, 9, 9));
        assertTrue(outcomeOf(line, round) == FederatedLine.Outcome.Voided, "outcome voided");
        assertTrue(statusOf(line, round) == FederatedLine.Status.Settled, "settled");
        assertEq(line.globalModelCid(), INITIAL_MODEL, "model unchanged");
        assertEq(line.pool(), FUNDING + STAKE / 2, "no reward; the non-reveal slash added");
        assertEq(stakeOf(line, member(4)), STAKE / 2, "non-revealer slashed");
        assertEq(stakeOf(line, member(0)), STAKE, "revealer untouched");
        assertEq(line.reputation().totalSupply(), 0, "no reputation");
        assertEq(line.credits(AGGREGATOR), 0, "bond lost");
        assertEq(line.totalCredits(), BOND, "only the challenger's credit");
    }

    function test_ChallengeProofErrors() public {
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        int256[][][] memory inputs = inputsOf(u, 1); // reveal 0 rejected
        int256[][] memory bad = _tampered(aggregateOf(median, inputs), 1, 0);
        post(line, round, bad, 1, uints(0, 1, 1, 1));
        (int256[][] memory values, bytes32[][] memory proofs, bytes32[] memory aggProof) =
            challengeArgs(inputs, bad, 1);

        // Input k = 1 is the reveal index 2: a forged value there fails its proof.
        values[1][0] += 1;
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.InvalidChunkProof.selector, 2));
        line.challenge(round, 1, values, proofs, bad[1], aggProof);
        values[1][0] -= 1;
        // The rejected update put in place of an input fails the first input's proof.
        int256[][] memory swapped = column(u, 1);
        int256[][] memory first3 = new int256[][](3);
        for (uint256 k = 0; k < 3; ++k) {
            first3[k] = swapped[k];
        }
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.InvalidChunkProof.selector, 1));
        line.challenge(round, 1, first3, proofs, bad[1], aggProof);
        // An aggregate chunk other than the posted one.
        int256[] memory otherAgg = aggregateOf(median, inputs)[1];
        vm.prank(CHALLENGER);
        vm.expectRevert(FederatedLine.InvalidAggregateProof.selector);
        line.challenge(round, 1, values, proofs, otherAgg, aggProof);
        // The proof of chunk 1 given for chunk 0.
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.InvalidChunkProof.selector, 1));
        line.challenge(round, 0, values, proofs, bad[1], aggProof);
        // Fewer inputs than the round's (the count given is reported), or fewer proofs.
        int256[][] memory two = new int256[][](2);
        two[0] = values[0];
        two[1] = values[1];
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.WrongInputCount.selector, 2, 3));
        line.challenge(round, 1, two, proofs, bad[1], aggProof);
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.BadProofsLength.selector, 2, 3));
        line.challenge(round, 1, values, new bytes32[][](2), bad[1], aggProof);
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NoSuchChunk.selector, 3, 3));
        line.challenge(round, 3, values, proofs, bad[1], aggProof);
        assertTrue(statusOf(line, round) == FederatedLine.Status.Posted, "still posted");
        assertEq(line.bondsHeld(), BOND, "bond held");

        (,,, uint256 ch) = deadlines(line, round);
        vm.warp(ch + 1);
        vm.prank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.ChallengeClosed.selector, ch));
        line.challenge(round, 1, values, proofs, bad[1], aggProof);
    }

    function test_ChallengeNotChallengeable() public {
        uint256 round = open(line);
        int256[][] memory none = new int256[][](0);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotChallengeable.selector, round, FederatedLine.Status.Open
            )
        );
        line.challenge(round, 0, none, new bytes32[][](0), new int256[](0), new bytes32[](0));
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotChallengeable.selector, 7, FederatedLine.Status.None
            )
        );
        line.challenge(7, 0, none, new bytes32[][](0), new int256[](0), new bytes32[](0));
    }

    /// A participant committed a last chunk one value too long; the aggregator used the update
    /// (ignoring the extra value): the challenge of that chunk succeeds.
    function test_ChallengeMalformedLengthSucceeds() public {
        int256[][][] memory u = _updates(4);
        int256[] memory longer = new int256[](3);
        longer[0] = u[3][2][0];
        longer[1] = u[3][2][1];
        longer[2] = 5;
        u[3][2] = longer;
        uint256 round = runRound(line, u, 4);
        int256[][][] memory truncated = _updates(4);
        int256[][] memory agg = aggregateOf(median, truncated);
        post(line, round, agg, 0, _ones(4));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregateCorrect.selector, round, 0));
        challengeAs(line, CHALLENGER, round, u, agg, 0);
        challengeAs(line, CHALLENGER, round, u, agg, 2);
        assertTrue(statusOf(line, round) == FederatedLine.Status.Voided, "voided");
        assertEq(line.credits(CHALLENGER), BOND, "bond");
    }

    /// A participant committed a value beyond 2^64 (the largest of its column, so the median
    /// would not move); the aggregator used it: the challenge succeeds. Had the aggregator
    /// rejected it (as it must), the aggregate would be unchallengeable.
    function test_ChallengeOutOfRangeValueSucceeds() public {
        int256[][][] memory u = _updates(4);
        int256 big = int256(FederatedAggregation.MAX_ABS) + 1;
        u[3][0][0] = big;
        uint256 round = runRound(line, u, 4);
        int256[][][] memory clipped = _updates(4);
        clipped[3][0][0] = big - 1;
        int256[][] memory agg = aggregateOf(median, clipped);
        post(line, round, agg, 0, _ones(4));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregateCorrect.selector, round, 1));
        challengeAs(line, CHALLENGER, round, u, agg, 1);
        challengeAs(line, CHALLENGER, round, u, agg, 0);
        assertTrue(statusOf(line, round) == FederatedLine.Status.Voided, "voided");
    }

    function test_RejectedMalformedUpdateIsNotAnInput() public {
        int256[][][] memory u = _updates(4);
        u[3][0][0] = int256(FederatedAggregation.MAX_ABS) + 1;
        uint256 round = runRound(line, u, 4);
        int256[][][] memory inputs = inputsOf(u, 8);
        int256[][] memory agg = aggregateOf(median, inputs);
        post(line, round, agg, 8, uints(1, 1, 1, 0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.AggregateCorrect.selector, round, 0));
        challengeAs(line, CHALLENGER, round, inputs, agg, 0);
        toSettle(line, round);
        line.settle(round, uints(1, 1, 1, 0));
        assertEq(stakeOf(line, member(3)), STAKE * 3 / 4, "rejected slashed a quarter");
    }

    // ---------------------------------------------------------------- settle

    function test_SettleNotSettleable() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotSettleable.selector, 0, FederatedLine.Status.None, 0
            )
        );
        line.settle(0, new uint256[](0));
        uint256 round = open(line);
        (,, uint256 aggD,) = deadlines(line, round);
        vm.warp(aggD);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotSettleable.selector, round, FederatedLine.Status.Open, aggD
            )
        );
        line.settle(round, new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotCurrentRound.selector, 2, 1));
        line.settle(2, new uint256[](0));
    }

    function test_SettleBeforeChallengeDeadlineAndWrongWeights() public {
        (uint256 round,,) = _postedRound();
        (,,, uint256 ch) = deadlines(line, round);
        vm.warp(ch);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotSettleable.selector, round, FederatedLine.Status.Posted, ch
            )
        );
        line.settle(round, _ones(4));
        vm.warp(ch + 1);
        // Settling with other weights than posted (to redirect the reward) is not possible.
        uint256[] memory other = uints(4, 0, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.WrongWeights.selector,
                keccak256(abi.encode(_ones(4))),
                keccak256(abi.encode(other))
            )
        );
        line.settle(round, other);
        line.settle(round, _ones(4));
        (,, uint256 aggD,) = deadlines(line, round);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotSettleable.selector, round, FederatedLine.Status.Settled, aggD
            )
        );
        line.settle(round, _ones(4));
    }

    /// Five commit, four reveal (member 4 does not), the aggregator rejects reveal 3 and
    /// weighs the others 1, 2, 4: the reward of 1 ether is not divisible by 7.
    function test_SettleAcceptedRound() public {
        int256[][][] memory u = _updates(5);
        uint256 round = runRound(line, u, 4);
        int256[][][] memory four = new int256[][][](4);
        for (uint256 i = 0; i < 4; ++i) {
            four[i] = u[i];
        }
        int256[][][] memory inputs = inputsOf(four, 8);
        int256[][] memory agg = aggregateOf(median, inputs);
        uint256[] memory w = uints(1, 2, 4, 0);
        post(line, round, agg, 8, w);
        toSettle(line, round);
        line.settle(round, w);

        assertTrue(outcomeOf(line, round) == FederatedLine.Outcome.Accepted, "accepted");
        assertEq(line.globalModelCid(), modelCidOf(round), "model updated");
        // floor(1e18 k / 7) for k = 1, 2, 4 sums to 1e18 - 1: the wei left to reveal 0.
        assertEq(line.credits(member(0)), 142857142857142857 + 1, "weight 1 and the remainder");
        assertEq(line.credits(member(1)), 285714285714285714, "weight 2");
        assertEq(line.credits(member(2)), 571428571428571428, "weight 4");
        assertEq(line.credits(member(3)), 0, "rejected: nothing");
        assertEq(line.credits(member(4)), 0, "non-revealer: nothing");
        assertEq(line.credits(AGGREGATOR), BOND, "bond back");
        assertEq(line.bondsHeld(), 0, "no bond held");
        assertEq(stakeOf(line, member(4)), STAKE / 2, "non-revealer slashed by half");
        assertEq(stakeOf(line, member(3)), STAKE - STAKE / 4, "rejected slashed a quarter");
        assertEq(line.totalStaked(), 5 * STAKE - STAKE / 2 - STAKE / 4, "staked");
        assertEq(line.pool(), FUNDING + STAKE / 2 + STAKE / 4 - REWARD, "slashes in, reward out");
        assertEq(line.reputation().balanceOf(member(0)), 1, "rep 1");
        assertEq(line.reputation().balanceOf(member(1)), 2, "rep 2");
        assertEq(line.reputation().balanceOf(member(2)), 4, "rep 4");
        assertEq(line.reputation().balanceOf(member(3)), 0, "rep 0");
        assertEq(line.reputation().totalSupply(), 7, "supply = weights");
        assertEq(line.totalCredits(), REWARD + BOND, "credits");
        assertEq(
            address(line).balance,
            line.totalStaked() + line.pool() + line.bondsHeld() + line.totalCredits(),
            "conservation"
        );
        // Members may leave now; the next round may open.
        vm.prank(member(0));
        line.leave();
        assertEq(open(line), 2, "round 2");
    }

    /// All weights zero: weight 1 for each input (rejected updates get nothing).
    function test_SettleAllZeroWeightsSharesEqually() public {
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        int256[][] memory agg = aggregateOf(median, inputsOf(u, 2));
        uint256[] memory w = new uint256[](4);
        post(line, round, agg, 2, w);
        toSettle(line, round);
        line.settle(round, w);
        uint256 share = REWARD / 3;
        assertEq(line.credits(member(0)), share + 1, "share and the remainder wei");
        assertEq(line.credits(member(1)), 0, "rejected");
        assertEq(line.credits(member(2)), share, "share");
        assertEq(line.credits(member(3)), share, "share");
        assertEq(line.reputation().balanceOf(member(2)), 1, "rep 1 each");
        assertEq(line.reputation().totalSupply(), 3, "supply 3");
    }

    /// A reward of 10 wei over weights 0, 1, 1, 1: 3 each and the remainder wei to the lowest
    /// reveal index of positive weight (1, not 0).
    function test_SettleRemainderSkipsZeroWeights() public {
        FederatedLine.Terms memory terms = defaultTerms();
        terms.rewardPerRound = 10;
        line = deployLine(defaultTask(), median, terms);
        joinMembers(line, 4);
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        uint256[] memory w = uints(0, 1, 1, 1);
        post(line, round, aggregateOf(median, u), 0, w);
        toSettle(line, round);
        line.settle(round, w);
        assertEq(line.credits(member(0)), 0, "zero weight");
        assertEq(line.credits(member(1)), 4, "3 + the remainder");
        assertEq(line.credits(member(2)), 3, "3");
        assertEq(line.credits(member(3)), 3, "3");
        assertEq(line.pool(), FUNDING - 10, "pool");
        assertEq(line.reputation().totalSupply(), 3, "supply");
    }

    /// A reward larger than the pool pays the pool (with the slashes).
    function test_SettleRewardCappedByPool() public {
        FederatedLine.Terms memory terms = defaultTerms();
        terms.rewardPerRound = 100 ether;
        line = deployLine(defaultTask(), median, terms);
        joinMembers(line, 4);
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 3); // member 3 does not reveal
        int256[][][] memory three = new int256[][][](3);
        for (uint256 i = 0; i < 3; ++i) {
            three[i] = u[i];
        }
        post(line, round, aggregateOf(median, three), 0, uints(1, 1, 2));
        toSettle(line, round);
        line.settle(round, uints(1, 1, 2));
        uint256 total = FUNDING + STAKE / 2;
        assertEq(line.pool(), 0, "pool emptied");
        assertEq(line.credits(member(2)), total / 2, "half");
        assertEq(line.credits(member(0)) + line.credits(member(1)), total / 2, "the rest");
    }

    function test_SettleFailedRound() public {
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 3);
        (,, uint256 aggD,) = deadlines(line, round);
        vm.warp(aggD + 1);
        line.settle(round, uints(5, 5, 5)); // ignored
        assertTrue(outcomeOf(line, round) == FederatedLine.Outcome.Failed, "failed");
        assertEq(line.globalModelCid(), INITIAL_MODEL, "model unchanged");
        assertEq(stakeOf(line, member(3)), STAKE / 2, "non-revealer slashed");
        assertEq(stakeOf(line, member(0)), STAKE, "revealer kept");
        assertEq(line.pool(), FUNDING + STAKE / 2, "no reward");
        assertEq(line.totalCredits(), 0, "no credit");
        assertEq(line.reputation().totalSupply(), 0, "no reputation");
    }

    // ---------------------------------------------------------------- withdraw and close

    function test_Withdraw() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NothingToWithdraw.selector, STRANGER));
        line.withdraw();
        (uint256 round,,) = _postedRound();
        toSettle(line, round);
        line.settle(round, _ones(4));
        uint256 before = AGGREGATOR.balance;
        uint256 lineBefore = address(line).balance;
        vm.prank(AGGREGATOR);
        line.withdraw();
        assertEq(AGGREGATOR.balance, before + BOND, "bond paid");
        assertEq(address(line).balance, lineBefore - BOND, "line paid it");
        assertEq(line.credits(AGGREGATOR), 0, "credit cleared");
        assertEq(line.totalCredits(), REWARD, "the rewards left");
        vm.prank(AGGREGATOR);
        vm.expectRevert(
            abi.encodeWithSelector(FederatedLine.NothingToWithdraw.selector, AGGREGATOR)
        );
        line.withdraw();
    }

    /// A receiver re-entering withdraw while paid: the reentrant call fails (the guard), it
    /// is paid once; if it bubbles the failure up, nothing is paid and the credit stays.
    function test_ReentrantWithdrawPaysOnce() public {
        ReentrantLineMember r = new ReentrantLineMember(line);
        vm.deal(address(r), 0);
        r.join{value: STAKE}();
        r.leave();
        vm.warp(block.timestamp + COOLDOWN);
        r.exit();
        assertEq(line.credits(address(r)), STAKE, "credited");

        r.arm(true, false);
        vm.expectRevert(ReentrantLineMember.ReentrancyGuardReentrantCall.selector);
        r.withdraw();
        assertEq(line.credits(address(r)), STAKE, "credit kept");

        r.arm(true, true);
        uint256 lineBefore = address(line).balance;
        r.withdraw();
        assertEq(address(r).balance, STAKE, "paid once");
        assertEq(r.payments(), 1, "one payment");
        assertTrue(!r.reentrySucceeded(), "reentry failed");
        assertEq(
            bytes32(bytes4(r.reentryError())),
            bytes32(ReentrantLineMember.ReentrancyGuardReentrantCall.selector),
            "the guard's error"
        );
        assertEq(address(line).balance, lineBefore - STAKE, "paid once");
        assertEq(line.credits(address(r)), 0, "credit cleared");
    }

    function test_Close() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.NotCreator.selector, STRANGER));
        line.close();
        uint256 round = open(line);
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.RoundInProgress.selector, round));
        line.close();
        vm.warp(block.timestamp + 4 * WINDOW);
        line.settle(round, new uint256[](0));
        line.close();
        assertTrue(line.closed(), "closed");
        assertEq(line.pool(), 0, "pool emptied");
        assertEq(line.credits(address(this)), FUNDING, "creator credited");
        vm.expectRevert(FederatedLine.LineClosed.selector);
        line.close();
        uint256 before = address(this).balance;
        line.withdraw();
        assertEq(address(this).balance, before + FUNDING, "creator paid");
        // Members still get their stakes back.
        vm.prank(member(0));
        line.leave();
        vm.warp(block.timestamp + COOLDOWN);
        vm.prank(member(0));
        line.exit();
        assertEq(line.credits(member(0)), STAKE, "stake back after close");
    }

    /// Close with a round posted (to grab the pool before paying it) is not possible.
    function test_AttackCloseDuringPostedRound() public {
        _postedRound();
        vm.expectRevert(abi.encodeWithSelector(FederatedLine.RoundInProgress.selector, 1));
        line.close();
        assertEq(line.pool(), FUNDING, "pool kept");
    }

    /// Documented, not prevented (reported as a finding): the aggregator may challenge its own
    /// wrong aggregate and be credited its own bond back, so it can void a round at no cost
    /// and front-run an honest challenger out of the bond that pays for watching.
    function test_AttackAggregatorSelfChallengeRecoversItsBond() public {
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        int256[][] memory bad = _tampered(aggregateOf(median, u), 0, 0);
        post(line, round, bad, 0, _ones(4));
        challengeAs(line, AGGREGATOR, round, u, bad, 0);
        assertTrue(statusOf(line, round) == FederatedLine.Status.Voided, "voided");
        assertEq(line.credits(AGGREGATOR), BOND, "the aggregator's own bond back");
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedLine.NotChallengeable.selector, round, FederatedLine.Status.Voided
            )
        );
        challengeAs(line, CHALLENGER, round, u, bad, 0);
    }

    /// Under Krum the aggregator keeps one update and leaves out every other: a selection, not a
    /// verdict, so nobody left out is slashed (the selection is the aggregator's word: if it
    /// slashed, the aggregator would decide who loses stake); they earn nothing.
    function test_KrumSlashesNoUnselectedUpdate() public {
        FederatedLine.RuleSpec memory krum =
            FederatedLine.RuleSpec(FederatedLine.Rule.Krum, 0, 0, 0);
        line = deployLine(krum);
        joinMembers(line, 4);
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        post(line, round, aggregateOf(krum, inputsOf(u, 7)), 7, uints(0, 0, 0, 1));
        toSettle(line, round);
        line.settle(round, uints(0, 0, 0, 1));
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(stakeOf(line, member(i)), STAKE, "unselected: not slashed");
            assertEq(line.credits(member(i)), 0, "unselected: no reward");
        }
        assertEq(stakeOf(line, member(3)), STAKE, "selected: kept");
        assertEq(line.credits(member(3)), REWARD, "the whole reward to the selected one");
    }

    /// Whatever the weights (up to 2^64) and the reward, the shares add up to the reward to the
    /// wei, each is within one wei of reward * w / total, the remainder goes to the lowest
    /// indices of positive weight, and the reputation minted is the weights.
    function testFuzz_RewardSharesAddUp(uint256 w0, uint256 w1, uint256 w2, uint256 reward) public {
        uint256[] memory w =
            uints(bound(w0, 0, 2 ** 64), bound(w1, 0, 2 ** 64), bound(w2, 0, 2 ** 64), 0);
        reward = bound(reward, 0, FUNDING);
        FederatedLine.Terms memory terms = defaultTerms();
        terms.rewardPerRound = reward;
        line = deployLine(defaultTask(), median, terms);
        joinMembers(line, 4);
        int256[][][] memory u = _updates(4);
        uint256 round = runRound(line, u, 4);
        post(line, round, aggregateOf(median, inputsOf(u, 8)), 8, w);
        toSettle(line, round);
        line.settle(round, w);
        uint256 total = w[0] + w[1] + w[2];
        uint256 paid = 0;
        uint256 minted = 0;
        for (uint256 k = 0; k < 3; ++k) {
            uint256 weight = total == 0 ? 1 : w[k];
            uint256 floorShare = reward * weight / (total == 0 ? 3 : total);
            uint256 got = line.credits(member(k));
            assertTrue(got == floorShare || got == floorShare + 1, "within one wei");
            paid += got;
            minted += line.reputation().balanceOf(member(k));
        }
        assertEq(paid, reward, "shares add up to the reward");
        assertEq(line.credits(member(3)), 0, "rejected gets nothing");
        assertEq(minted, total == 0 ? 3 : total, "reputation == weights");
        assertEq(line.pool(), FUNDING + STAKE / 4 - reward, "pool");
    }

    // ---------------------------------------------------------------- gas of a challenge

    function _random(uint256 seed, uint256 n, uint256 d)
        internal
        pure
        returns (int256[][][] memory u)
    {
        int256 limit = int256(FederatedAggregation.MAX_ABS);
        u = new int256[][][](n);
        for (uint256 i = 0; i < n; ++i) {
            int256[] memory v = new int256[](2 * d);
            for (uint256 j = 0; j < 2 * d; ++j) {
                int256 r = int256(uint256(keccak256(abi.encode(seed, i, j))) >> 1);
                v[j] = bound(r, -limit, limit);
            }
            u[i] = split(v, d);
        }
    }

    /// @dev The intrinsic gas of a transaction carrying `data` (Prague: 21,000, 16 per
    /// non-zero byte and 4 per zero byte; the EIP-7623 floor, 10 per token with a non-zero
    /// byte 4 tokens, is below the execution gas here).
    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i = 0; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev The gas of a successful challenge of chunk 1 (of two) of an aggregate wrong in its
    /// last coordinate, on a line of n inputs, chunk size d and maxParticipants n: the call's
    /// execution (its calldata encoded beforehand, so the caller's memory does not count) and
    /// the whole transaction's (with the intrinsic gas of that calldata).
    function _gasOfChallenge(FederatedLine.RuleSpec memory spec, uint256 n, uint256 d)
        internal
        returns (uint256 used, uint256 txGas)
    {
        FederatedLine.Task memory task = defaultTask();
        task.dimension = 2 * d;
        task.chunkSize = d;
        FederatedLine.Terms memory terms = defaultTerms();
        terms.maxParticipants = n;
        terms.quorum = n;
        line = deployLine(task, spec, terms);
        joinMembers(line, n);
        int256[][][] memory u = _random(n * 1000 + d, n, d);
        uint256 round = runRound(line, u, n);
        int256[][] memory bad = _tampered(aggregateOf(spec, u), 1, d - 1);
        post(line, round, bad, 0, new uint256[](n));
        (int256[][] memory values, bytes32[][] memory proofs, bytes32[] memory aggProof) =
            challengeArgs(u, bad, 1);
        bytes memory data =
            abi.encodeCall(FederatedLine.challenge, (round, 1, values, proofs, bad[1], aggProof));
        address target = address(line);
        vm.prank(CHALLENGER);
        bool ok;
        // In assembly: Solidity's target.call(data) copies data first, and that copy's memory
        // expansion in this (large-memory) caller would be counted.
        assembly ("memory-safe") {
            used := gas()
            ok := call(gas(), target, 0, add(data, 0x20), mload(data), 0, 0)
            used := sub(used, gas())
        }
        assertTrue(ok, "challenge succeeded");
        assertTrue(statusOf(line, round) == FederatedLine.Status.Voided, "voided");
        txGas = used + _intrinsic(data);
    }

    /// @dev Logs the gas of a challenge under median and trimmed mean (trim n / 5) for n inputs
    /// and chunk size d, and asserts that each transaction stays under 2^24, the most a
    /// transaction may use (EIP-7825): above it, a wrong aggregate could not be challenged.
    function _gasRow(uint256 n, uint256 d) internal {
        string memory shape = string.concat(" n=", _decimal(n), " d=", _decimal(d));
        (uint256 gm, uint256 tm) = _gasOfChallenge(median, n, d);
        (uint256 gt, uint256 tt) = _gasOfChallenge(
            FederatedLine.RuleSpec(FederatedLine.Rule.TrimmedMean, n / 5, 0, 0), n, d
        );
        _log(string.concat("gas challenge median", shape), gm);
        _log(string.concat("tx gas challenge median", shape), tm);
        _log(string.concat("gas challenge trimmedMean", shape), gt);
        _log(string.concat("tx gas challenge trimmedMean", shape), tt);
        assertLe(tm, 1 << 24, "median challenge under 2^24");
        assertLe(tt, 1 << 24, "trimmed-mean challenge under 2^24");
    }

    /// The gas of `challenge` for n = 5, 10, 20, 40, 64 inputs and chunk sizes 16 and 64 on a
    /// line of maxParticipants n, logged with -vv (one test per n: forge's 2^30 gas per test).
    function test_GasOfChallenge_n5() public {
        _gasRow(5, 16);
        _gasRow(5, 64);
    }

    function test_GasOfChallenge_n10() public {
        _gasRow(10, 16);
        _gasRow(10, 64);
    }

    function test_GasOfChallenge_n20() public {
        _gasRow(20, 16);
        _gasRow(20, 64);
    }

    function test_GasOfChallenge_n40() public {
        _gasRow(40, 16);
        _gasRow(40, 64);
    }

    function test_GasOfChallenge_n64_d16() public {
        _gasRow(64, 16);
    }

    /// 64^2 * 64 = 2^18: the largest line the constructor accepts.
    function test_GasOfChallenge_n64_d64() public {
        _gasRow(64, 64);
    }
}
