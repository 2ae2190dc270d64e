// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IClassifier} from "../interfaces/IClassifier.sol";
import {CollaborativeTrainer} from "../trainer/CollaborativeTrainer.sol";

/// @title PredictionMarket
/// @notice A bounty judged by a hidden test set that no contribution can steer. The provider
/// deploys it over a finalised initial model with a reward pool (the deployment's value) and
/// a commitment to a test set: the Merkle root of `testSetSize` salted leaves
/// `keccak256(bytes.concat(keccak256(abi.encode(index, salt, label, sample))))` (sorted-pair
/// hashing, OpenZeppelin's MerkleProof).
/// 1. Participation (until `windowEnd`): anyone adds data (addData, or commit then reveal)
///    staking exactly `stake` wei (overpayment is credited); samples are validated as the
///    trainers validate them, but the model does not learn yet: the replay below is its
///    training, so the model is trained once, in order, and judged as it goes.
/// 2. Reveal (from `windowEnd` to `revealDeadline`): anyone holding the leaves reveals them,
///    in chunks, each checked against the root and validated against the model.
/// 3. Scoring: anyone pushes `evaluate(maxSteps, ...)`. Round 0 counts the test samples the
///    initial model classifies correctly; round i applies contribution i - 1 and counts again.
///    A contribution's score is its round's count minus the previous one. A step is one update
///    or one prediction, so any chunk of steps fits a transaction; the result does not depend
///    on how the work is chunked or who pushes it (nothing is posted, nothing to dispute).
/// 4. Settled: with P the sum of positive scores and R the pool plus every stake of a
///    negative score, a contribution scoring s > 0 claims its stake plus
///    floor(R * (prefix + s) / P) - floor(R * prefix / P), where prefix is the positive score
///    of the contributions before it (the shares sum to R exactly), and mints s reputation;
///    s = 0 claims its stake; s < 0 forfeits it. With P = 0 the provider is credited R.
/// Forfeit: if the test set is not wholly revealed by `revealDeadline`, every contribution
/// claims its stake plus floor(pool / N) and the provider is credited the remainder.
/// Every payment is a credit paid by `withdraw`; `report` is not used.
contract PredictionMarket is CollaborativeTrainer {
    enum Phase {
        Participation,
        Reveal,
        Scoring,
        Settled,
        Forfeited
    }

    /// @notice A test-set leaf with its Merkle proof.
    struct TestLeaf {
        uint256 index;
        bytes32 salt;
        uint256 label;
        bytes sample;
        bytes32[] proof;
    }

    /// @notice A contribution as `evaluate` takes it back (the data is not stored: it is in
    /// the ContributionAdded events, and checked against the recorded content key).
    struct Contribution {
        bytes data;
        uint256 label;
    }

    /// @notice Where scoring is. Round r > 0 replays contribution r - 1; `applied`: whether
    /// its update is done; `correct`: test samples classified correctly so far in the round;
    /// `previous`: the count of the round before.
    struct Cursor {
        uint32 round;
        uint32 testIndex;
        uint32 correct;
        uint32 previous;
        uint32 positiveTotal;
        uint32 negativeCount;
        bool applied;
        bool done;
    }

    /// @dev A scored contribution: its score and the positive score of those before it.
    struct Outcome {
        bool scored;
        int32 score;
        uint32 prefix;
    }

    struct TestSample {
        uint256 label;
        bytes sample;
    }

    /// @notice The most test samples a market may commit to.
    uint256 public constant MAX_TEST_SET_SIZE = 1024;
    /// @notice The most contributions a market may take.
    uint256 public constant MAX_CONTRIBUTIONS = 4096;

    /// @notice Who deployed the market and funded its pool.
    address public immutable provider;
    /// @notice Wei every contribution stakes.
    uint256 public immutable stake;
    /// @notice Contributions are accepted until this time.
    uint256 public immutable windowEnd;
    /// @notice The test set must be wholly revealed before this time, or the market forfeits.
    uint256 public immutable revealDeadline;
    uint256 public immutable maxContributions;
    bytes32 public immutable testSetRoot;
    uint256 public immutable testSetSize;
    /// @notice The reward pool funded at creation (wei).
    uint256 public immutable rewardPool;
    uint256 private immutable _numClasses;

    /// @notice Test-set leaves revealed so far.
    uint256 public revealedCount;
    /// @notice Set once the market is forfeited (by `forfeit` or the first claim after it).
    bool public forfeited;
    /// @notice Wei each contribution is credited beside its stake on a forfeit.
    uint256 public forfeitShare;
    Cursor public cursor;

    /// @dev Content keys of the contributions, in the order they were added.
    bytes32[] private _keys;
    mapping(uint256 index => TestSample) private _testSet;
    /// @dev Bit `i % 256` of word `i / 256` is set once leaf i is revealed.
    mapping(uint256 word => uint256) private _revealedBits;
    mapping(bytes32 contentKey => Outcome) private _outcomes;

    error ParticipationClosed(uint256 windowEnd);
    error MarketFull(uint256 maxContributions);
    error RevealNotOpen(uint256 opensAt);
    error RevealClosed(uint256 deadline);
    error LeafOutOfRange(uint256 index, uint256 testSetSize);
    error LeafAlreadyRevealed(uint256 index);
    error InvalidProof(uint256 index);
    error NotScoring(Phase phase);
    error NoSteps();
    /// @notice `evaluate` was given too few contributions to make any step.
    error MissingContribution(uint256 index);
    error WrongContribution(uint256 index, bytes32 expected, bytes32 given);
    error NotSettled(Phase phase);
    error NotForfeitable(Phase phase);
    error StakeForfeited(bytes32 id, int256 score);
    /// @notice Contributions are judged by the test set: there is nothing to report.
    error ReportsNotUsed();
    /// @notice The market does not own its model yet (the provider must hand it over before
    /// the first contribution): `owner` could change the model while it is judged.
    error ModelNotOwned(address owner);

    event MarketCreated(
        address indexed provider,
        bytes32 testSetRoot,
        uint256 testSetSize,
        uint256 rewardPool,
        uint256 stake,
        uint256 windowEnd,
        uint256 revealDeadline
    );
    event TestSampleRevealed(uint256 indexed index, uint256 label, bytes sample);
    /// @notice `steps` steps of scoring were done; the cursor is now at (round, testIndex).
    event Evaluated(address indexed by, uint256 steps, uint256 round, uint256 testIndex);
    event ContributionScored(bytes32 indexed id, int256 score);
    /// @notice Scoring is over: `reward` wei (pool plus forfeited stakes) is shared by the
    /// `positiveTotal` points of positive score (or credited to the provider if none).
    event MarketSettled(uint256 positiveTotal, uint256 forfeitedStakes, uint256 reward);
    event MarketForfeited(uint256 contributions, uint256 sharePerContribution, uint256 remainder);
    /// @notice `contributor` claimed `amount` wei (stake and reward) and `reputationMinted`.
    event MarketPayout(
        bytes32 indexed id,
        address indexed contributor,
        int256 score,
        uint256 amount,
        uint256 reputationMinted
    );

    /// @param stake_ Wei every contribution stakes: a positive whole number of DEPOSIT_UNITs.
    /// @param participationWindow_ Seconds from deployment during which contributions come in.
    /// @param revealWindow_ Seconds after that for the test set to be wholly revealed.
    constructor(
        IClassifier model_,
        uint256 stake_,
        uint256 participationWindow_,
        uint256 revealWindow_,
        uint256 maxContributions_,
        uint256 commitRevealWindow_,
        bytes32 testSetRoot_,
        uint256 testSetSize_,
        bytes32 encoderSpecHash_,
        bytes32 datasetManifestHash_
    )
        payable
        CollaborativeTrainer(model_, 0, commitRevealWindow_, encoderSpecHash_, datasetManifestHash_)
    {
        if (stake_ == 0 || stake_ % DEPOSIT_UNIT != 0) {
            revert InvalidParameters("stake must be a positive multiple of 1e12 wei");
        }
        if (stake_ / DEPOSIT_UNIT > MAX_STAKE_UNITS) revert InvalidParameters("stake too large");
        if (participationWindow_ == 0 || participationWindow_ > MAX_WAIT) {
            revert InvalidParameters("participation window must be within ten years");
        }
        if (revealWindow_ == 0 || revealWindow_ > MAX_WAIT) {
            revert InvalidParameters("reveal window must be within ten years");
        }
        if (maxContributions_ == 0 || maxContributions_ > MAX_CONTRIBUTIONS) {
            revert InvalidParameters("max contributions must be within 1 and 4096");
        }
        if (testSetRoot_ == bytes32(0)) revert InvalidParameters("no test-set root");
        if (testSetSize_ == 0 || testSetSize_ > MAX_TEST_SET_SIZE) {
            revert InvalidParameters("test-set size must be within 1 and 1024");
        }
        if (msg.value == 0) revert InvalidParameters("no reward pool");
        provider = msg.sender;
        stake = stake_;
        windowEnd = block.timestamp + participationWindow_;
        revealDeadline = block.timestamp + participationWindow_ + revealWindow_;
        maxContributions = maxContributions_;
        testSetRoot = testSetRoot_;
        testSetSize = testSetSize_;
        rewardPool = msg.value;
        _numClasses = model_.numClasses();
        emit MarketCreated(
            msg.sender, testSetRoot_, testSetSize_, msg.value, stake_, windowEnd, revealDeadline
        );
    }

    // ------------------------------------------------------------------ views

    function phase() public view returns (Phase) {
        if (forfeited) return Phase.Forfeited;
        if (cursor.done) return Phase.Settled;
        if (block.timestamp < windowEnd) return Phase.Participation;
        if (revealedCount == testSetSize) return Phase.Scoring;
        if (block.timestamp < revealDeadline) return Phase.Reveal;
        return Phase.Forfeited;
    }

    function contributionCount() external view returns (uint256) {
        return _keys.length;
    }

    /// @notice The content key of contribution `index` (in the order added).
    function contributionKey(uint256 index) external view returns (bytes32) {
        return _keys[index];
    }

    /// @notice The score of the contribution of (data, label) and whether it is scored yet.
    function scoreOf(bytes calldata data, uint256 label)
        external
        view
        returns (bool scored, int256 score)
    {
        Outcome memory o = _outcomes[contentKey(data, label)];
        return (o.scored, o.score);
    }

    function testSample(uint256 index) external view returns (uint256 label, bytes memory sample) {
        TestSample storage t = _testSet[index];
        return (t.label, t.sample);
    }

    function isRevealed(uint256 index) public view returns (bool) {
        return _revealedBits[index >> 8] & (1 << (index & 255)) != 0;
    }

    /// @notice The leaf of the test set's Merkle tree for one test sample.
    function testLeafHash(uint256 index, bytes32 salt, uint256 label, bytes calldata sample)
        public
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(index, salt, label, sample))));
    }

    /// @inheritdoc CollaborativeTrainer
    function requiredDepositAt(uint256) public view override returns (uint256) {
        return stake;
    }

    // ------------------------------------------------------------------ the provider's reveal

    /// @notice Reveals test-set leaves (by anyone holding them): each must be in the root, not
    /// revealed before, and a valid sample and label for the model.
    function revealTestSet(TestLeaf[] calldata leaves) external nonReentrant {
        if (block.timestamp < windowEnd) revert RevealNotOpen(windowEnd);
        if (block.timestamp >= revealDeadline || forfeited) revert RevealClosed(revealDeadline);
        uint256 size = testSetSize;
        for (uint256 k = 0; k < leaves.length; ++k) {
            TestLeaf calldata leaf = leaves[k];
            uint256 index = leaf.index;
            if (index >= size) revert LeafOutOfRange(index, size);
            if (isRevealed(index)) revert LeafAlreadyRevealed(index);
            bytes32 hashed = testLeafHash(index, leaf.salt, leaf.label, leaf.sample);
            if (!MerkleProof.verifyCalldata(leaf.proof, testSetRoot, hashed)) {
                revert InvalidProof(index);
            }
            if (leaf.label >= _numClasses) {
                revert IClassifier.UnknownClass(leaf.label, _numClasses);
            }
            if (leaf.sample.length > maxSampleBytes) {
                revert SampleTooLarge(leaf.sample.length, maxSampleBytes);
            }
            // Validates the sample (the model's own errors), so that scoring cannot fail on it.
            // slither-disable-next-line unused-return
            model.predict(leaf.sample);
            _revealedBits[index >> 8] |= 1 << (index & 255);
            _testSet[index] = TestSample(leaf.label, leaf.sample);
            emit TestSampleRevealed(index, leaf.label, leaf.sample);
        }
        revealedCount += leaves.length;
    }

    // ------------------------------------------------------------------ scoring

    /// @notice Does up to `maxSteps` steps of scoring (each one update or one prediction).
    /// `upcoming`: the contributions from the next one whose update is not yet applied, in
    /// order (as many as the steps may reach; extra ones are ignored).
    /// @return steps The steps done.
    function evaluate(uint256 maxSteps, Contribution[] calldata upcoming)
        external
        nonReentrant
        returns (uint256 steps)
    {
        Phase p = phase();
        if (p != Phase.Scoring) revert NotScoring(p);
        if (maxSteps == 0) revert NoSteps();
        Cursor memory c = cursor;
        uint256 size = testSetSize;
        uint256 next = 0;
        while (!c.done && steps < maxSteps) {
            if (c.round > 0 && !c.applied) {
                uint256 index = c.round - 1;
                if (next == upcoming.length) {
                    if (steps == 0) revert MissingContribution(index);
                    break;
                }
                Contribution calldata given = upcoming[next++];
                bytes32 key = contentKey(given.data, given.label);
                if (key != _keys[index]) revert WrongContribution(index, _keys[index], key);
                // The model is the market's own and validated this sample when it was added.
                // Slither's reentrancy findings on the writes after this call are false
                // positives: the market owns the model (checked at every add), so this call
                // runs the model's own code, chosen by the provider with the market (a model
                // that reentered could as well mispredict); every entry point that writes
                // records, credits or the cursor is nonReentrant.
                // slither-disable-next-line unused-return,reentrancy-no-eth,reentrancy-benign
                model.update(given.data, given.label);
                c.applied = true;
            } else {
                TestSample storage t = _testSet[c.testIndex];
                if (model.predict(t.sample) == t.label) ++c.correct;
                ++c.testIndex;
                if (c.testIndex == size) _closeRound(c);
            }
            ++steps;
        }
        cursor = c;
        emit Evaluated(msg.sender, steps, c.round, c.testIndex);
    }

    /// @dev Scores the contribution of the round just counted and opens the next round;
    /// settles after the last.
    function _closeRound(Cursor memory c) private {
        if (c.round > 0) {
            bytes32 key = _keys[c.round - 1];
            // Both counts are at most testSetSize (1024): the difference fits 32 bits.
            int32 score = int32(int256(uint256(c.correct)) - int256(uint256(c.previous)));
            _outcomes[key] = Outcome(true, score, c.positiveTotal);
            if (score > 0) c.positiveTotal += uint32(score);
            if (score < 0) {
                ++c.negativeCount;
                _records[key].remaining = 0; // forfeited: nothing left to claim
            }
            Record storage r = _records[key];
            emit ContributionScored(contributionId(key, r.contributor, r.addedAt), score);
        }
        c.previous = c.correct;
        c.correct = 0;
        c.testIndex = 0;
        c.applied = false;
        ++c.round;
        if (c.round > _keys.length) {
            c.done = true;
            uint256 forfeitedStakes = uint256(c.negativeCount) * stake;
            uint256 reward = rewardPool + forfeitedStakes;
            if (c.positiveTotal == 0) credits[provider] += reward;
            emit MarketSettled(c.positiveTotal, forfeitedStakes, reward);
        }
    }

    // ------------------------------------------------------------------ forfeit and claims

    /// @notice Forfeits a market whose test set was not wholly revealed by the deadline (also
    /// done by the first claim after it): credits the provider the pool's remainder.
    function forfeit() external nonReentrant {
        Phase p = phase();
        if (p != Phase.Forfeited || forfeited) revert NotForfeitable(p);
        _forfeit();
    }

    function _forfeit() private {
        uint256 n = _keys.length;
        uint256 share = n == 0 ? 0 : rewardPool / n;
        // The division first on purpose: each share is floored, and the remainder is
        // exactly what the floors leave (no wei lost or created).
        // slither-disable-next-line divide-before-multiply
        uint256 remainder = rewardPool - share * n;
        forfeited = true;
        forfeitShare = share;
        if (remainder != 0) credits[provider] += remainder;
        emit MarketForfeited(n, share, remainder);
    }

    /// @notice The author's claim once the market is settled or forfeited: stake and reward.
    function refund(bytes calldata data, uint256 label) external override nonReentrant {
        Phase p = phase();
        if (p == Phase.Forfeited) {
            if (!forfeited) _forfeit();
        } else if (p != Phase.Settled) {
            revert NotSettled(p);
        }
        bytes32 key = contentKey(data, label);
        Record memory r = _records[key];
        if (r.contributor == address(0)) revert UnknownContribution(key);
        bytes32 id = contributionId(key, r.contributor, r.addedAt);
        int256 score = _outcomes[key].score;
        if (!forfeited && score < 0) revert StakeForfeited(id, score);
        if (r.remaining == 0) revert AlreadyClaimed(id);
        if (msg.sender != r.contributor) revert NotContributor(msg.sender, r.contributor);
        _records[key].remaining = 0;
        _settleRefund(key, id, r, false);
    }

    function report(bytes calldata, uint256) external pure {
        revert ReportsNotUsed();
    }

    function _settleRefund(bytes32 key, bytes32 id, Record memory r, bool) internal override {
        (uint256 amount, uint256 minted) = _payout(key);
        int256 score = forfeited ? int256(0) : int256(_outcomes[key].score);
        credits[r.contributor] += amount;
        if (minted != 0) reputation.mint(r.contributor, minted);
        emit MarketPayout(id, r.contributor, score, amount, minted);
    }

    /// @dev What the author of an unclaimed, non-negative contribution `key` is owed once the
    /// market is settled or forfeited: wei, and reputation.
    function _payout(bytes32 key) private view returns (uint256 amount, uint256 minted) {
        if (phase() == Phase.Forfeited) {
            uint256 n = _keys.length;
            return (stake + (forfeited ? forfeitShare : rewardPool / n), 0);
        }
        Outcome memory o = _outcomes[key];
        if (o.score <= 0) return (stake, 0);
        Cursor memory c = cursor;
        uint256 reward = rewardPool + uint256(c.negativeCount) * stake;
        uint256 upTo = uint256(o.prefix) + uint256(int256(o.score));
        uint256 share = reward * upTo / c.positiveTotal - reward * o.prefix / c.positiveTotal;
        return (stake + share, uint256(int256(o.score)));
    }

    function _stake() internal override returns (uint32, uint32, uint256) {
        if (block.timestamp >= windowEnd) revert ParticipationClosed(windowEnd);
        if (_keys.length >= maxContributions) revert MarketFull(maxContributions);
        if (msg.value < stake) revert InsufficientDeposit(msg.value, stake);
        if (msg.value > stake) {
            credits[msg.sender] += msg.value - stake;
            emit OverpaymentCredited(msg.sender, msg.value - stake);
        }
        // stake / DEPOSIT_UNIT <= MAX_STAKE_UNITS < 2^31, checked at deployment.
        uint32 units = uint32(stake / DEPOSIT_UNIT);
        return (units, units, stake);
    }

    /// @dev Validates the contribution as the trainers do and records its place in the
    /// replay; the model learns it only when it is scored. Earns no reputation now: the
    /// score decides.
    function _learn(bytes calldata data, uint256 label, bool) internal override returns (bool) {
        if (label >= _numClasses) revert IClassifier.UnknownClass(label, _numClasses);
        // slither-disable-next-line unused-return
        model.predict(data); // reverts with the model's error for an invalid sample
        // The trainers' update enforces ownership at every add; the market's model learns
        // only at scoring, so it is checked here: an owner other than the market could update
        // the model between evaluate calls (steering every score, taking negative stakes) or
        // make scoring revert for ever (locking the stakes).
        address owner = Ownable(address(model)).owner();
        if (owner != address(this)) revert ModelNotOwned(owner);
        _keys.push(contentKey(data, label));
        return false;
    }

    function _claimable(bytes calldata data, uint256 label, address account, Record memory r, bool)
        internal
        view
        override
        returns (Claim, uint256, uint256)
    {
        Phase p = phase();
        if (account != r.contributor || (p != Phase.Settled && p != Phase.Forfeited)) {
            return (Claim.None, 0, 0);
        }
        (uint256 amount, uint256 minted) = _payout(contentKey(data, label));
        return (Claim.Refund, amount, minted);
    }
}
