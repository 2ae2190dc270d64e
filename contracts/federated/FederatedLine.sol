// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReputationToken} from "../token/ReputationToken.sol";
import {FederatedAggregation} from "./FederatedAggregation.sol";

/// @title FederatedLine
/// @notice A federated training line: staked participants train a model off chain in rounds,
/// commit and reveal their updates (artifact CIDs with the Merkle root of their chunks), an
/// appointed aggregator posts the new global model with a bond, and anyone may prove one chunk
/// of the posted aggregate wrong within the challenge window. Every rule below is what the
/// Python driver (`ml/federated/line.py`) and the docs (docs/federated.md) state.
///
/// A round: `openRound` (anyone, once the previous round is settled) starts the commit window;
/// members `commit` keccak256(abi.encode(line, round, member, cid, root, salt)) before the
/// commit deadline and `reveal` (cid, root, salt) before the reveal deadline (who does not is
/// a straggler: the round goes on without them); the aggregator `postAggregate`s the model CID,
/// the aggregate's Merkle root, the revealed updates it did not use (`rejectedMask`, bit k for
/// the k-th reveal) and every revealed update's attribution weight, with `aggregatorBond` wei;
/// after the challenge window anyone may `settle`.
///
/// The inputs of the aggregate are the revealed updates not rejected. Under the coordinate-wise
/// rules (mean, median, trimmed mean) the aggregator rejects only updates whose data is
/// unavailable or malformed; under Krum it keeps exactly one, under multi-Krum exactly `m`,
/// and the aggregate is their mean. So every posted aggregate is re-executable chunk by chunk
/// from its inputs: `challenge` recomputes one chunk and voids a wrong aggregate, paying the
/// bond to the challenger. What stays the aggregator's word: which updates Krum selects, which
/// data was unavailable, and the attribution weights (measured on the committed validation set,
/// re-checkable off chain once it is published).
///
/// Settling: a committed member that did not reveal loses `nonRevealSlashPpm` of the stake;
/// under an accepted aggregate of a coordinate-wise rule a rejected update (a fault: its data
/// unavailable or malformed) loses `rejectSlashPpm` of it. Under Krum and multi-Krum the mask is
/// a selection, not a verdict (Krum keeps one of n whatever the others are): the updates left
/// out earn nothing and lose nothing. Slashed wei join
/// the reward pool. The round's reward, min(rewardPerRound, pool), is shared by weight (zero
/// for rejected updates; all zero: weight 1 for every input), each share rounded down and the
/// remainder one wei each to the lowest reveal indices of positive weight; each input mints its
/// weight in reputation (no decay: the token is a record, its Transfer events date it). A voided
/// or failed round (no aggregate by the deadline) pays no reward and leaves the model as it was.
/// Every payment is a credit paid by `withdraw`. Ether is conserved:
/// balance == totalStaked + pool + bondsHeld + totalCredits.
contract FederatedLine is ReentrancyGuardTransient {
    enum Rule {
        Mean,
        Median,
        TrimmedMean,
        Krum,
        MultiKrum
    }

    enum Status {
        None,
        Open,
        Posted,
        Voided,
        Settled
    }

    /// @notice What the line trains: CIDs (sha2-256 digests) of the architecture spec and the
    /// initial global model, the Merkle root of the validation set, the update vectors' shape.
    struct Task {
        bytes32 architectureCid;
        bytes32 initialModelCid;
        bytes32 validationRoot;
        uint256 dimension;
        uint256 chunkSize;
    }

    /// @notice The rule and its parameters (trimmed mean: trim; Krum: f; multi-Krum: f, m).
    struct RuleSpec {
        Rule rule;
        uint256 trim;
        uint256 f;
        uint256 m;
    }

    /// @notice Money, timing and membership.
    struct Terms {
        uint256 stake;
        uint256 rewardPerRound;
        uint256 aggregatorBond;
        uint256 nonRevealSlashPpm;
        uint256 rejectSlashPpm;
        uint256 commitWindow;
        uint256 revealWindow;
        uint256 aggregateWindow;
        uint256 challengeWindow;
        uint256 cooldown;
        uint256 quorum;
        uint256 maxParticipants;
    }

    /// @notice How a settled round ended.
    enum Outcome {
        Pending,
        Accepted,
        Voided,
        Failed
    }

    struct Member {
        bool joined;
        uint256 stake;
        uint64 leavingAt; // 0 while not leaving
        uint64 lastCommittedRound;
    }

    struct Entry {
        bytes32 commitment;
        bytes32 cid;
        bytes32 root;
        uint64 revealIndex; // 1 + the position among the round's reveals; 0 if not revealed
    }

    struct Round {
        Status status;
        Outcome outcome;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint64 aggregateDeadline;
        uint64 challengeDeadline;
        bytes32 modelCid;
        bytes32 aggregateRoot;
        uint256 rejectedMask;
        bytes32 weightsHash;
        uint256 bond;
    }

    uint256 public constant PPM = 1_000_000;
    uint256 public constant MAX_WAIT = 365 days;
    uint256 public constant MAX_PARTICIPANTS = 64;
    /// @notice A challenge re-executes n inputs x chunkSize coordinates, sorting each column in
    /// O(n^2): maxParticipants^2 * chunkSize is bounded so that it fits well under 2^24 gas.
    uint256 public constant MAX_CHALLENGE_WORK = 2 ** 18;
    uint256 public constant MAX_WEIGHT = 2 ** 64;

    address public immutable creator;
    address public immutable aggregator;
    ReputationToken public immutable reputation;

    Task public task;
    RuleSpec public ruleSpec;
    Terms public terms;

    /// @notice The global model after the last settled aggregate (the initial one before).
    bytes32 public globalModelCid;
    uint256 public currentRound;
    bool public closed;
    uint256 public memberCount;

    uint256 public pool;
    uint256 public totalStaked;
    uint256 public bondsHeld;
    uint256 public totalCredits;
    mapping(address account => uint256) public credits;

    mapping(address account => Member) public members;
    mapping(uint256 round => Round) public rounds;
    mapping(uint256 round => mapping(address member => Entry)) public entries;
    mapping(uint256 round => address[]) private _committers;
    mapping(uint256 round => address[]) private _revealers;

    error InvalidParameters(string reason);
    error LineClosed();
    error LineFull(uint256 maxParticipants);
    error WrongStake(uint256 sent, uint256 required);
    error WrongBond(uint256 sent, uint256 required);
    error AlreadyJoined(address member);
    error NotMember(address account);
    error StakeTooLow(uint256 stake, uint256 required);
    error Leaving(address member, uint256 since);
    error NotLeaving(address member);
    error CoolingDown(uint256 until);
    error InRound(uint256 round);
    error RoundInProgress(uint256 round);
    error NotCurrentRound(uint256 round, uint256 current);
    error RoundNotOpen(uint256 round, Status status);
    error CommitClosed(uint256 deadline);
    error AlreadyCommitted(uint256 round);
    error EmptyCommitment();
    error RevealNotOpen(uint256 opensAfter);
    error RevealClosed(uint256 deadline);
    error NotCommitted(uint256 round);
    error AlreadyRevealed(uint256 round);
    error CommitmentMismatch(bytes32 committed, bytes32 revealed);
    error NotAggregator(address caller, address aggregator);
    error AggregationNotOpen(uint256 opensAfter);
    error AggregationClosed(uint256 deadline);
    error AggregateAlreadyPosted(uint256 round);
    error QuorumNotMet(uint256 revealed, uint256 quorum);
    error BadRejectedMask(uint256 mask, uint256 revealed);
    error WrongInputCount(uint256 inputs, uint256 expected);
    error BadWeightsLength(uint256 length, uint256 expected);
    error BadWeight(uint256 index, uint256 weight);
    error WeightOfRejected(uint256 index, uint256 weight);
    error NotChallengeable(uint256 round, Status status);
    error ChallengeClosed(uint256 deadline);
    error NoSuchChunk(uint256 chunk, uint256 chunkCount);
    error BadProofsLength(uint256 length, uint256 expected);
    error InvalidChunkProof(uint256 revealIndex);
    error InvalidAggregateProof();
    error AggregateCorrect(uint256 round, uint256 chunk);
    error NotSettleable(uint256 round, Status status, uint256 opensAfter);
    error WrongWeights(bytes32 posted, bytes32 given);
    error NothingToWithdraw(address account);
    error NotCreator(address caller);

    event LineCreated(
        address indexed creator,
        address indexed aggregator,
        bytes32 architectureCid,
        bytes32 initialModelCid,
        bytes32 validationRoot,
        Rule rule,
        uint256 funding
    );
    event Funded(address indexed by, uint256 amount);
    event Joined(address indexed member, uint256 stake);
    event ToppedUp(address indexed member, uint256 amount, uint256 stake);
    event LeaveRequested(address indexed member, uint256 exitAfter);
    event Exited(address indexed member, uint256 stake);
    event RoundOpened(
        uint256 indexed round,
        uint256 commitDeadline,
        uint256 revealDeadline,
        uint256 aggregateDeadline
    );
    event UpdateCommitted(uint256 indexed round, address indexed member, bytes32 commitment);
    event UpdateRevealed(
        uint256 indexed round,
        address indexed member,
        uint256 revealIndex,
        bytes32 cid,
        bytes32 root
    );
    event AggregatePosted(
        uint256 indexed round,
        bytes32 modelCid,
        bytes32 aggregateRoot,
        uint256 rejectedMask,
        uint256[] weights,
        uint256 challengeDeadline
    );
    /// @notice `challenger` proved chunk `chunk` of the aggregate wrong (or built from a
    /// malformed input) and was credited the bond.
    event AggregateVoided(
        uint256 indexed round, address indexed challenger, uint256 chunk, uint256 bond
    );
    /// @notice Why a member was slashed: 0 committed but did not reveal, 1 update rejected.
    event Slashed(uint256 indexed round, address indexed member, uint256 amount, uint8 reason);
    event Rewarded(uint256 indexed round, address indexed member, uint256 weight, uint256 amount);
    event RoundSettled(
        uint256 indexed round, Outcome outcome, bytes32 globalModelCid, uint256 reward
    );
    event Closed(uint256 reclaimed);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);

    constructor(address aggregator_, Task memory task_, RuleSpec memory rule_, Terms memory terms_)
        payable {
        if (aggregator_ == address(0)) revert InvalidParameters("no aggregator");
        _checkTask(task_);
        _checkTerms(terms_);
        _checkRule(rule_, terms_.quorum);
        if (terms_.maxParticipants ** 2 * task_.chunkSize > MAX_CHALLENGE_WORK) {
            revert InvalidParameters("maxParticipants^2 * chunkSize over 2^18");
        }
        creator = msg.sender;
        aggregator = aggregator_;
        task = task_;
        ruleSpec = rule_;
        terms = terms_;
        globalModelCid = task_.initialModelCid;
        pool = msg.value;
        reputation = new ReputationToken("Federated line reputation", "FEDREP");
        emit LineCreated(
            msg.sender,
            aggregator_,
            task_.architectureCid,
            task_.initialModelCid,
            task_.validationRoot,
            rule_.rule,
            msg.value
        );
    }

    // ---------------------------------------------------------------- funding and membership

    function fund() external payable {
        if (closed) revert LineClosed();
        pool += msg.value;
        emit Funded(msg.sender, msg.value);
    }

    function join() external payable {
        if (closed) revert LineClosed();
        if (msg.value != terms.stake) revert WrongStake(msg.value, terms.stake);
        Member storage m = members[msg.sender];
        if (m.joined) revert AlreadyJoined(msg.sender);
        if (memberCount >= terms.maxParticipants) revert LineFull(terms.maxParticipants);
        m.joined = true;
        m.stake = msg.value;
        ++memberCount;
        totalStaked += msg.value;
        emit Joined(msg.sender, msg.value);
    }

    /// @notice Restores a slashed stake (a member below `stake` cannot commit).
    function topUp() external payable {
        Member storage m = _member(msg.sender);
        m.stake += msg.value;
        totalStaked += msg.value;
        emit ToppedUp(msg.sender, msg.value, m.stake);
    }

    /// @notice Starts the cool-down; a leaving member commits no more. Not while a round it
    /// committed to is unsettled (it could still be slashed there).
    function leave() external {
        Member storage m = _member(msg.sender);
        if (m.leavingAt != 0) revert Leaving(msg.sender, m.leavingAt);
        _notInRound(m);
        m.leavingAt = uint64(block.timestamp);
        emit LeaveRequested(msg.sender, block.timestamp + terms.cooldown);
    }

    /// @notice After the cool-down, the stake becomes a credit and the member is gone.
    function exit() external {
        Member storage m = _member(msg.sender);
        if (m.leavingAt == 0) revert NotLeaving(msg.sender);
        uint256 until = m.leavingAt + terms.cooldown;
        if (block.timestamp < until) revert CoolingDown(until);
        uint256 amount = m.stake;
        delete members[msg.sender];
        --memberCount;
        totalStaked -= amount;
        _credit(msg.sender, amount);
        emit Exited(msg.sender, amount);
    }

    /// @notice The creator ends the line between rounds and is credited the pool.
    function close() external {
        if (msg.sender != creator) revert NotCreator(msg.sender);
        if (closed) revert LineClosed();
        _noRoundInProgress();
        closed = true;
        uint256 amount = pool;
        pool = 0;
        _credit(creator, amount);
        emit Closed(amount);
    }

    // ---------------------------------------------------------------- a round

    /// @notice The aggregator opens each round (nobody else can start rounds nobody is ready
    /// for), once the previous one is settled.
    function openRound() external returns (uint256 round) {
        if (msg.sender != aggregator) revert NotAggregator(msg.sender, aggregator);
        if (closed) revert LineClosed();
        _noRoundInProgress();
        round = ++currentRound;
        Round storage r = rounds[round];
        Terms storage t = terms;
        uint256 commitDeadline = block.timestamp + t.commitWindow;
        uint256 revealDeadline = commitDeadline + t.revealWindow;
        uint256 aggregateDeadline = revealDeadline + t.aggregateWindow;
        r.status = Status.Open;
        r.commitDeadline = uint64(commitDeadline);
        r.revealDeadline = uint64(revealDeadline);
        r.aggregateDeadline = uint64(aggregateDeadline);
        emit RoundOpened(round, commitDeadline, revealDeadline, aggregateDeadline);
    }

    function commit(uint256 round, bytes32 commitment) external {
        Round storage r = _open(round);
        if (block.timestamp > r.commitDeadline) revert CommitClosed(r.commitDeadline);
        Member storage m = _member(msg.sender);
        if (m.leavingAt != 0) revert Leaving(msg.sender, m.leavingAt);
        if (m.stake < terms.stake) revert StakeTooLow(m.stake, terms.stake);
        if (commitment == bytes32(0)) revert EmptyCommitment();
        Entry storage e = entries[round][msg.sender];
        if (e.commitment != bytes32(0)) revert AlreadyCommitted(round);
        e.commitment = commitment;
        m.lastCommittedRound = uint64(round);
        _committers[round].push(msg.sender);
        emit UpdateCommitted(round, msg.sender, commitment);
    }

    function reveal(uint256 round, bytes32 cid, bytes32 root, bytes32 salt) external {
        Round storage r = _open(round);
        if (block.timestamp <= r.commitDeadline) revert RevealNotOpen(r.commitDeadline);
        if (block.timestamp > r.revealDeadline) revert RevealClosed(r.revealDeadline);
        Entry storage e = entries[round][msg.sender];
        if (e.commitment == bytes32(0)) revert NotCommitted(round);
        if (e.revealIndex != 0) revert AlreadyRevealed(round);
        bytes32 computed = commitmentOf(round, msg.sender, cid, root, salt);
        if (computed != e.commitment) revert CommitmentMismatch(e.commitment, computed);
        _revealers[round].push(msg.sender);
        uint256 index = _revealers[round].length;
        e.cid = cid;
        e.root = root;
        e.revealIndex = uint64(index);
        emit UpdateRevealed(round, msg.sender, index - 1, cid, root);
    }

    /// @param rejectedMask Bit k set: the k-th revealed update is not an input.
    /// @param weights The attribution of each revealed update, in reveal order.
    function postAggregate(
        uint256 round,
        bytes32 modelCid,
        bytes32 aggregateRoot,
        uint256 rejectedMask,
        uint256[] calldata weights
    ) external payable {
        if (msg.sender != aggregator) {
            revert NotAggregator(msg.sender, aggregator);
        }
        if (round != currentRound) revert NotCurrentRound(round, currentRound);
        Round storage r = rounds[round];
        if (r.status == Status.Posted) revert AggregateAlreadyPosted(round);
        if (r.status != Status.Open) revert RoundNotOpen(round, r.status);
        if (block.timestamp <= r.revealDeadline) revert AggregationNotOpen(r.revealDeadline);
        if (block.timestamp > r.aggregateDeadline) revert AggregationClosed(r.aggregateDeadline);
        if (msg.value != terms.aggregatorBond) revert WrongBond(msg.value, terms.aggregatorBond);
        uint256 n = _revealers[round].length;
        if (n < terms.quorum) revert QuorumNotMet(n, terms.quorum);
        if (rejectedMask >> n != 0) revert BadRejectedMask(rejectedMask, n);
        _checkInputs(n - _popcount(rejectedMask));
        if (weights.length != n) revert BadWeightsLength(weights.length, n);
        for (uint256 k = 0; k < n; ++k) {
            uint256 w = weights[k];
            if (w > MAX_WEIGHT) revert BadWeight(k, w);
            if (w != 0 && (rejectedMask >> k) & 1 == 1) revert WeightOfRejected(k, w);
        }
        uint256 challengeDeadline = block.timestamp + terms.challengeWindow;
        r.status = Status.Posted;
        r.challengeDeadline = uint64(challengeDeadline);
        r.modelCid = modelCid;
        r.aggregateRoot = aggregateRoot;
        r.rejectedMask = rejectedMask;
        r.weightsHash = keccak256(abi.encode(weights));
        r.bond = msg.value;
        bondsHeld += msg.value;
        emit AggregatePosted(
            round, modelCid, aggregateRoot, rejectedMask, weights, challengeDeadline
        );
    }

    /// @notice Proves chunk `chunk` of round `round`'s aggregate wrong. `inputs[k]` is that
    /// chunk of the k-th input (revealed, not rejected, in reveal order) with `proofs[k]`
    /// against its revealed root; `aggregate` is the posted aggregate's chunk with its proof.
    /// A wrong aggregate, or one built from a malformed input (a chunk of the wrong length or a
    /// value beyond 2^64), is voided and the bond credited to the caller; a correct one reverts
    /// with `AggregateCorrect`, and nothing changes.
    function challenge(
        uint256 round,
        uint256 chunk,
        int256[][] calldata inputs,
        bytes32[][] calldata proofs,
        int256[] calldata aggregate,
        bytes32[] calldata aggregateProof
    ) external {
        Round storage r = rounds[round];
        if (r.status != Status.Posted) revert NotChallengeable(round, r.status);
        if (block.timestamp > r.challengeDeadline) revert ChallengeClosed(r.challengeDeadline);
        uint256 chunks = chunkCount();
        if (chunk >= chunks) revert NoSuchChunk(chunk, chunks);
        _verifyInputs(round, r.rejectedMask, chunk, inputs, proofs);
        if (!MerkleProof.verifyCalldata(
                aggregateProof, r.aggregateRoot, chunkLeaf(chunk, aggregate)
            )) {
            revert InvalidAggregateProof();
        }
        if (_matches(chunk, inputs, aggregate)) revert AggregateCorrect(round, chunk);

        uint256 bond = r.bond;
        r.status = Status.Voided;
        r.bond = 0;
        bondsHeld -= bond;
        _credit(msg.sender, bond);
        emit AggregateVoided(round, msg.sender, chunk, bond);
    }

    /// @notice Ends the round once its outcome is known: a posted aggregate after the challenge
    /// window (`weights` as posted), a voided one, or none by the aggregate deadline (`weights`
    /// is then ignored). Slashes, pays and returns the bond as the contract's notice states.
    function settle(uint256 round, uint256[] calldata weights) external {
        if (round != currentRound) revert NotCurrentRound(round, currentRound);
        Round storage r = rounds[round];
        Status status = r.status;
        bool accepted = status == Status.Posted && block.timestamp > r.challengeDeadline;
        bool failed = status == Status.Open && block.timestamp > r.aggregateDeadline;
        if (!accepted && !failed && status != Status.Voided) {
            uint256 at = status == Status.Posted ? r.challengeDeadline : r.aggregateDeadline;
            revert NotSettleable(round, status, at);
        }
        if (accepted) {
            bytes32 given = keccak256(abi.encode(weights));
            if (given != r.weightsHash) revert WrongWeights(r.weightsHash, given);
        }
        Outcome outcome = accepted ? Outcome.Accepted : failed ? Outcome.Failed : Outcome.Voided;
        r.status = Status.Settled;
        r.outcome = outcome;
        _slashNonRevealers(round);
        uint256 reward = 0;
        if (accepted) {
            if (_coordinateWise()) _slashRejected(round, r.rejectedMask);
            uint256 bond = r.bond;
            r.bond = 0;
            bondsHeld -= bond;
            _credit(aggregator, bond);
            globalModelCid = r.modelCid;
            // Last: it mints reputation (calls to the line's own token) after every write.
            reward = _reward(round, r.rejectedMask, weights);
        }
        emit RoundSettled(round, outcome, globalModelCid, reward);
    }

    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        credits[msg.sender] = 0;
        totalCredits -= amount;
        emit Withdrawn(msg.sender, msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ---------------------------------------------------------------- views

    function commitmentOf(uint256 round, address member, bytes32 cid, bytes32 root, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(address(this), round, member, cid, root, salt));
    }

    /// @notice The Merkle leaf of chunk `index` with `values` (ml/federated/vectors.py).
    function chunkLeaf(uint256 index, int256[] calldata values) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, values))));
    }

    function chunkCount() public view returns (uint256) {
        return (task.dimension + task.chunkSize - 1) / task.chunkSize;
    }

    function committers(uint256 round) external view returns (address[] memory) {
        return _committers[round];
    }

    /// @notice The round's revealed members in reveal order (the k-th is bit k of the masks).
    function revealers(uint256 round) external view returns (address[] memory) {
        return _revealers[round];
    }

    // ---------------------------------------------------------------- internals

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        credits[account] += amount;
        totalCredits += amount;
    }

    function _member(address account) private view returns (Member storage m) {
        m = members[account];
        if (!m.joined) revert NotMember(account);
    }

    function _notInRound(Member storage m) private view {
        uint256 last = m.lastCommittedRound;
        if (last != 0 && rounds[last].status != Status.Settled) revert InRound(last);
    }

    function _noRoundInProgress() private view {
        uint256 round = currentRound;
        if (round != 0 && rounds[round].status != Status.Settled) revert RoundInProgress(round);
    }

    function _open(uint256 round) private view returns (Round storage r) {
        if (round != currentRound) revert NotCurrentRound(round, currentRound);
        r = rounds[round];
        if (r.status != Status.Open) revert RoundNotOpen(round, r.status);
    }

    /// @dev Mean, median and trimmed mean: the rules whose aggregator may reject only for a
    /// fault (unavailable or malformed data), so that a rejection is slashed.
    function _coordinateWise() private view returns (bool) {
        Rule rule = ruleSpec.rule;
        return rule == Rule.Mean || rule == Rule.Median || rule == Rule.TrimmedMean;
    }

    /// @dev The inputs the rule needs: Krum one, multi-Krum m, the others at least the quorum.
    function _checkInputs(uint256 inputs) private view {
        Rule rule = ruleSpec.rule;
        if (rule == Rule.Krum) {
            if (inputs != 1) revert WrongInputCount(inputs, 1);
        } else if (rule == Rule.MultiKrum) {
            if (inputs != ruleSpec.m) revert WrongInputCount(inputs, ruleSpec.m);
        } else if (inputs < terms.quorum) {
            revert WrongInputCount(inputs, terms.quorum);
        }
    }

    /// @dev Checks that `inputs` are chunk `chunk` of the round's inputs, each proven against
    /// its revealed root.
    function _verifyInputs(
        uint256 round,
        uint256 mask,
        uint256 chunk,
        int256[][] calldata inputs,
        bytes32[][] calldata proofs
    ) private view {
        address[] storage list = _revealers[round];
        uint256 expected = list.length - _popcount(mask);
        if (inputs.length != expected) revert WrongInputCount(inputs.length, expected);
        if (proofs.length != expected) revert BadProofsLength(proofs.length, expected);
        uint256 k = 0;
        for (uint256 i = 0; i < list.length; ++i) {
            if ((mask >> i) & 1 == 1) continue;
            bytes32 root = entries[round][list[i]].root;
            if (!MerkleProof.verifyCalldata(proofs[k], root, chunkLeaf(chunk, inputs[k]))) {
                revert InvalidChunkProof(i);
            }
            ++k;
        }
    }

    /// @dev Whether `aggregate` is the rule's result on well-formed `inputs` of chunk `chunk`.
    function _matches(uint256 chunk, int256[][] calldata inputs, int256[] calldata aggregate)
        private
        view
        returns (bool)
    {
        uint256 length =
            chunk + 1 < chunkCount() ? task.chunkSize : task.dimension - chunk * task.chunkSize;
        if (aggregate.length != length) return false;
        int256 bound = int256(FederatedAggregation.MAX_ABS);
        for (uint256 k = 0; k < inputs.length; ++k) {
            if (inputs[k].length != length) return false;
            for (uint256 j = 0; j < length; ++j) {
                int256 x = inputs[k][j];
                if (x > bound || x < -bound) return false;
            }
        }
        int256[][] memory values = inputs;
        int256[] memory expected;
        Rule rule = ruleSpec.rule;
        if (rule == Rule.Median) {
            expected = FederatedAggregation.median(values);
        } else if (rule == Rule.TrimmedMean) {
            expected = FederatedAggregation.trimmedMean(values, ruleSpec.trim);
        } else {
            // The mean, Krum's one selected update and multi-Krum's unweighted mean.
            uint256[] memory ones = new uint256[](values.length);
            for (uint256 k = 0; k < ones.length; ++k) {
                ones[k] = 1;
            }
            expected = FederatedAggregation.mean(values, ones);
        }
        for (uint256 j = 0; j < length; ++j) {
            if (expected[j] != aggregate[j]) return false;
        }
        return true;
    }

    function _slashNonRevealers(uint256 round) private {
        address[] storage list = _committers[round];
        for (uint256 i = 0; i < list.length; ++i) {
            if (entries[round][list[i]].revealIndex == 0) {
                _slash(round, list[i], terms.nonRevealSlashPpm, 0);
            }
        }
    }

    function _slashRejected(uint256 round, uint256 mask) private {
        address[] storage list = _revealers[round];
        for (uint256 k = 0; k < list.length; ++k) {
            if ((mask >> k) & 1 == 1) _slash(round, list[k], terms.rejectSlashPpm, 1);
        }
    }

    /// @dev Rounded down: the slashed member keeps the fraction of a wei.
    function _slash(uint256 round, address account, uint256 ppm, uint8 reason) private {
        Member storage m = members[account];
        uint256 amount = m.stake * ppm / PPM;
        if (amount == 0) return;
        m.stake -= amount;
        totalStaked -= amount;
        pool += amount;
        emit Slashed(round, account, amount, reason);
    }

    /// @dev Shares min(rewardPerRound, pool) by weight and mints reputation; returns it.
    function _reward(uint256 round, uint256 mask, uint256[] calldata posted)
        private
        returns (uint256 reward)
    {
        address[] storage list = _revealers[round];
        uint256 n = list.length;
        uint256[] memory weights = posted;
        uint256 total = 0;
        for (uint256 k = 0; k < n; ++k) {
            total += weights[k];
        }
        if (total == 0) {
            for (uint256 k = 0; k < n; ++k) {
                if ((mask >> k) & 1 == 0) weights[k] = 1;
            }
            total = n - _popcount(mask);
        }
        reward = terms.rewardPerRound < pool ? terms.rewardPerRound : pool;
        pool -= reward;
        uint256 paid = 0;
        uint256[] memory amounts = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            amounts[k] = reward * weights[k] / total;
            paid += amounts[k];
        }
        // The remainder (fewer wei than positive weights): one each, lowest indices first.
        uint256 left = reward - paid;
        for (uint256 k = 0; k < n && left > 0; ++k) {
            if (weights[k] > 0) {
                ++amounts[k];
                --left;
            }
        }
        for (uint256 k = 0; k < n; ++k) {
            if (weights[k] == 0) continue;
            _credit(list[k], amounts[k]);
            emit Rewarded(round, list[k], weights[k], amounts[k]);
        }
        for (uint256 k = 0; k < n; ++k) {
            if (weights[k] != 0) reputation.mint(list[k], weights[k]);
        }
    }

    function _popcount(uint256 x) private pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) {
            ++count;
        }
    }

    function _checkTask(Task memory t) private pure {
        if (t.architectureCid == bytes32(0) || t.initialModelCid == bytes32(0)) {
            revert InvalidParameters("no architecture or initial model CID");
        }
        if (t.validationRoot == bytes32(0)) revert InvalidParameters("no validation-set root");
        if (t.dimension == 0 || t.dimension > 2 ** 32) {
            revert InvalidParameters("dimension must be within 1 and 2^32");
        }
        if (t.chunkSize == 0 || t.chunkSize > 1024) {
            revert InvalidParameters("chunk size must be within 1 and 1024");
        }
    }

    function _checkTerms(Terms memory t) private pure {
        if (t.stake == 0) revert InvalidParameters("no stake");
        if (t.aggregatorBond == 0) revert InvalidParameters("no aggregator bond");
        if (t.nonRevealSlashPpm > PPM || t.rejectSlashPpm > PPM) {
            revert InvalidParameters("a slashing rate over 1,000,000 ppm");
        }
        if (
            t.commitWindow == 0 || t.revealWindow == 0 || t.aggregateWindow == 0
                || t.challengeWindow == 0
        ) {
            revert InvalidParameters("a round window of zero");
        }
        if (
            t.commitWindow > MAX_WAIT || t.revealWindow > MAX_WAIT || t.aggregateWindow > MAX_WAIT
                || t.challengeWindow > MAX_WAIT || t.cooldown > MAX_WAIT
        ) {
            revert InvalidParameters("a window over a year");
        }
        if (t.maxParticipants == 0 || t.maxParticipants > MAX_PARTICIPANTS) {
            revert InvalidParameters("max participants must be within 1 and 64");
        }
        if (t.quorum == 0 || t.quorum > t.maxParticipants) {
            revert InvalidParameters("quorum must be within 1 and max participants");
        }
        // Stakes, bonds and rewards far below 2^128: every product below stays in a word.
        if (t.stake > 2 ** 128 || t.rewardPerRound > 2 ** 128 || t.aggregatorBond > 2 ** 128) {
            revert InvalidParameters("an amount over 2^128 wei");
        }
    }

    /// @dev Every posted aggregate must be computable from a quorum of inputs: Krum needs
    /// n >= 2f + 3 revealed updates, multi-Krum 1 <= m <= n, the trimmed mean 2 trim < n.
    function _checkRule(RuleSpec memory s, uint256 quorum) private pure {
        Rule rule = s.rule;
        if (rule == Rule.TrimmedMean) {
            if (s.f != 0 || s.m != 0 || 2 * s.trim >= quorum) {
                revert InvalidParameters("trimmed mean: 2 trim < quorum, no f or m");
            }
        } else if (rule == Rule.Krum || rule == Rule.MultiKrum) {
            if (s.trim != 0 || quorum < 2 * s.f + 3) {
                revert InvalidParameters("Krum: quorum >= 2 f + 3, no trim");
            }
            if (rule == Rule.Krum ? s.m != 0 : s.m == 0 || s.m > quorum) {
                revert InvalidParameters("multi-Krum: 1 <= m <= quorum; Krum: no m");
            }
        } else if (s.trim != 0 || s.f != 0 || s.m != 0) {
            revert InvalidParameters("mean and median take no parameters");
        }
    }
}
