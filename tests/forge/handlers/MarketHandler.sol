// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MarketFixture} from "../utils/MarketFixture.sol";
import {PredictionMarket} from "../../../contracts/incentives/PredictionMarket.sol";
import {SparsePerceptron} from "../../../contracts/models/SparsePerceptron.sol";

/// @notice Drives one PredictionMarket through its life for the invariant suite. The handler is
/// the provider: it deploys the market (funding the pool) over the fixture's model and commits
/// to a test set of TEST_SIZE samples. A few actors contribute (commit, then reveal a second
/// later), time passes (sometimes to the very second a window ends), the provider reveals the
/// test set in random chunks (or, when the first reveal's seed says so, quits before the last
/// leaf: the market forfeits), anyone pushes evaluate in random chunks of steps (sometimes with
/// the wrong contributions), authors and others claim, anyone forfeits, and everyone
/// withdraws. Reverts are swallowed so that sequences keep going.
/// The handler's own bookkeeping is independent of the market's arithmetic: the scores are
/// recomputed by replaying the contributions in order on a fresh copy of the initial model and
/// counting its correct test predictions; the payouts come from the rule of the contract's
/// header (floor(R * (prefix + s) / P) - floor(R * prefix / P) beside the stake). A successful
/// call that breaks a rule counts a violation (the invariants require none).
contract MarketHandler is MarketFixture {
    PredictionMarket public immutable market;
    uint256 public immutable stake;

    uint256 public constant ACTOR_COUNT = 4;
    uint256 public constant SAMPLE_COUNT = 64;
    uint256 public constant TEST_SIZE = 8;
    uint256 public constant MAX_CONTRIBUTIONS = 24;
    uint256 public constant COMMIT_REVEAL_WINDOW = 1 days;
    /// @dev Short windows against warps of at most MAX_WARP: a run of 100 calls (about 14
    /// warps) usually passes the window and spends a few dozen calls revealing.
    uint256 public constant PARTICIPATION_WINDOW = 2 days;
    uint256 public constant MARKET_REVEAL_WINDOW = 3 days;
    uint256 public constant MAX_WARP = 12 hours;

    address[] internal _actors;

    /// @notice One accepted contribution, in the order the market recorded it.
    struct Contribution {
        uint16 combo; // sample * 2 + label
        address author;
        bool claimed;
        int256 score; // from the handler's replay, once the market is settled
        uint256 paid; // wei credited by its claim
    }

    Contribution[] internal _contributions;
    /// @dev combo => 1 + index in `_contributions` (content is contributed at most once: no
    /// record closes before the market ends).
    mapping(uint256 combo => uint256) internal _indexOf;

    /// @notice Whether the provider quits before revealing the last leaf (set at its first
    /// reveal).
    bool public providerQuits;
    bool internal _providerDecided;
    /// @notice Whether every contribution of this run is labelled 0 (set at the first
    /// contribution, 1 run in 3): the model already predicts 0 everywhere, so nothing scores
    /// and the provider is credited the reward (P = 0), which long runs otherwise never reach.
    bool public onlyClassZero;
    bool internal _contributorsDecided;
    /// @notice The test leaves revealed so far, in index order.
    uint256 public revealedLeaves;
    /// @notice Set when the handler's replay has scored the settled market.
    bool public scored;
    uint256 internal _negatives;
    uint256 internal _positiveTotal;

    // ---------------------------------------------------------------- ghost variables
    uint256 public ghost_ethIn; // pool + stakes + overpayments
    uint256 public ghost_stakesIn;
    uint256 public ghost_overpaidIn;
    uint256 public ghost_claimsPaid; // wei credited to authors by their claims
    uint256 public ghost_providerCredited; // wei credited to the provider (settlement, forfeit)
    uint256 public ghost_withdrawn;
    uint256 public ghost_reputationClaimed; // positive scores claimed

    struct Violations {
        uint256 scoreMismatch; // a market score other than the replay's
        uint256 claimAmount; // a claim credited other than the rule's payout
        uint256 claimTwice; // a second successful claim of one contribution
        uint256 claimByOther; // a claim credited to or called by someone not the author
        uint256 claimNegative; // a negative score's stake claimed on a settled market
        uint256 claimEarly; // a claim before the market was settled or forfeited
        uint256 reputationMinted; // reputation minted other than the claimed positive score
        uint256 providerCredit; // the provider credited other than R (P = 0) or the remainder
        uint256 withdrawAmount; // a withdrawal paying other than the whole credit
        uint256 addAfterWindow; // a contribution accepted at or after windowEnd
        uint256 revealLate; // a leaf revealed at or after the deadline, or before windowEnd
    }

    Violations internal _violations;

    struct CallSummary {
        uint256 contribute;
        uint256 contributeOk;
        uint256 overpaid;
        uint256 revealCalls;
        uint256 leavesRevealed;
        uint256 evaluate;
        uint256 evaluateOk;
        uint256 evaluateSteps;
        uint256 settled;
        uint256 positiveScores;
        uint256 negativeScores;
        uint256 claims;
        uint256 claimPositive;
        uint256 claimZero;
        uint256 claimForfeit;
        uint256 forfeits; // markets forfeited (by forfeit() or a first claim)
        uint256 providerPaidReward; // settled with no positive score
        uint256 withdrawOk;
        uint256 warp;
        uint256 warpToEdge;
    }

    CallSummary internal _calls;

    uint256 public currentTime;

    constructor() payable {
        setTestSet(_testSet());
        (PredictionMarket m,) = deployMarket(
            MAX_CONTRIBUTIONS, COMMIT_REVEAL_WINDOW, PARTICIPATION_WINDOW, MARKET_REVEAL_WINDOW
        );
        market = m;
        stake = m.stake();
        ghost_ethIn = POOL;
        currentTime = block.timestamp;
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address actor = vm.addr(0xB0B + i);
            vm.label(actor, string.concat("actor", string(abi.encodePacked(bytes1(uint8(48 + i))))));
            _actors.push(actor);
            vm.deal(actor, 100 ether);
        }
    }

    receive() external payable {}

    /// @dev TEST_SIZE samples {i, 8 + 7 - i} (i = 0..7), labelled by hiddenLabel. Five of eight
    /// are class 1, which the initial model (class 0 for everything) gets wrong: the first
    /// class-1 contribution, moving the intercept, scores positive, and later ones move the
    /// count either way (with as many of each class, an intercept flip would score 0).
    function _testSet() internal pure returns (Secret[] memory s) {
        s = new Secret[](TEST_SIZE);
        for (uint256 i = 0; i < TEST_SIZE; ++i) {
            s[i] = Secret(keccak256(abi.encode("leaf", i)), hiddenLabel(i), hiddenSample(i));
        }
    }

    function hiddenLabel(uint256 i) public pure returns (uint256) {
        return i % 3 == 0 ? 0 : 1;
    }

    function hiddenSample(uint256 i) public pure returns (bytes memory) {
        return sampleData(i * 8 + (7 - i));
    }

    modifier atCurrentTime() {
        vm.warp(currentTime);
        _;
    }

    /// @dev What the provider withdrew during the call, and what the rule says it was
    /// credited (R at a settlement without positive score; set by _onSettled).
    uint256 internal _providerWithdrawnNow;
    uint256 internal _expectedProviderCredit;

    /// @dev Counts what the provider was credited during the call (its withdrawals aside) and
    /// checks it against the rule: R at a settlement without positive score, the remainder
    /// pool - N * floor(pool / N) (the whole pool when N = 0) when the call forfeited.
    modifier tracksProvider() {
        uint256 before = market.credits(address(this));
        bool forfeitedBefore = market.forfeited();
        _providerWithdrawnNow = 0;
        _expectedProviderCredit = 0;
        _;
        uint256 credited = market.credits(address(this)) + _providerWithdrawnNow - before;
        ghost_providerCredited += credited;
        if (!forfeitedBefore && market.forfeited()) {
            ++_calls.forfeits;
            uint256 n = _contributions.length;
            _expectedProviderCredit += n == 0 ? POOL : POOL % n;
        }
        if (credited != _expectedProviderCredit) ++_violations.providerCredit;
    }

    // ---------------------------------------------------------------- actions

    /// @notice An actor contributes: commits, and reveals a second later with the stake (a
    /// little more when `extraSeed` % 3 == 0). Half the time the sample is a test sample with
    /// its test label (likely to score), a quarter with the other label, else any sample with
    /// the seeded label.
    function contribute(uint256 actorSeed, uint256 sampleSeed, uint256 labelSeed, uint256 extraSeed)
        external
        atCurrentTime
        tracksProvider
    {
        ++_calls.contribute;
        address actor = _actor(actorSeed);
        if (!_contributorsDecided) {
            _contributorsDecided = true;
            onlyClassZero = uint256(keccak256(abi.encode(sampleSeed))) % 3 == 1;
        }
        uint256 combo = _chooseCombo(sampleSeed, labelSeed);
        if (onlyClassZero) combo &= ~uint256(1);
        bytes memory data = sampleData(combo / 2);
        uint256 label = combo % 2;
        uint256 extra = extraSeed % 3 == 0 ? bound(extraSeed, 1, 1e12) : 0;
        bytes32 salt = keccak256(abi.encode(actorSeed, sampleSeed));
        vm.prank(actor);
        try market.commit(market.commitmentOf(data, label, salt, actor)) {}
        catch {
            return;
        }
        currentTime += 1;
        vm.warp(currentTime);
        uint256 creditBefore = market.credits(actor);
        uint256 balanceBefore = actor.balance;
        vm.prank(actor);
        try market.reveal{value: stake + extra}(data, label, salt) {
            uint256 overpaid = market.credits(actor) - creditBefore;
            uint256 sent = balanceBefore - actor.balance;
            ++_calls.contributeOk;
            if (overpaid != 0) ++_calls.overpaid;
            if (block.timestamp >= market.windowEnd()) ++_violations.addAfterWindow;
            ghost_ethIn += sent;
            ghost_overpaidIn += overpaid;
            ghost_stakesIn += sent - overpaid;
            _contributions.push(Contribution(uint16(combo), actor, false, 0, 0));
            _indexOf[combo] = _contributions.length;
        } catch {}
    }

    function _chooseCombo(uint256 sampleSeed, uint256 labelSeed) internal pure returns (uint256) {
        uint256 kind = (sampleSeed >> 128) % 4;
        if (kind < 3) {
            uint256 i = sampleSeed % TEST_SIZE;
            uint256 label = hiddenLabel(i);
            return (i * 8 + (7 - i)) * 2 + (kind < 2 ? label : 1 - label);
        }
        return bound(sampleSeed, 0, SAMPLE_COUNT - 1) * 2 + labelSeed % 2;
    }

    /// @notice The provider (or, for an odd `actorSeed`, another holder of the leaves) reveals
    /// the next 1 to all of the leaves left; 1 time in 5, a chunk with one leaf changed (it must fail whole). The
    /// first call decides, 1 time in 3, that the provider quits before the last leaf.
    function revealTestSet(uint256 countSeed, uint256 actorSeed) external atCurrentTime {
        ++_calls.revealCalls;
        if (!_providerDecided) {
            _providerDecided = true;
            providerQuits = countSeed % 3 == 0;
        }
        uint256 left = TEST_SIZE - revealedLeaves;
        if (providerQuits && left > 0) --left;
        if (left == 0) return;
        uint256 count = bound(countSeed >> 8, 1, left);
        PredictionMarket.TestLeaf[] memory leaves = leavesOf(revealedLeaves, count);
        bool corrupt = (countSeed >> 16) % 5 == 0;
        if (corrupt) leaves[count - 1].salt = bytes32(countSeed);
        if (actorSeed % 2 == 1) vm.prank(_actor(actorSeed));
        try market.revealTestSet(leaves) {
            if (corrupt) ++_violations.revealLate; // a leaf outside the root was accepted
            if (block.timestamp < market.windowEnd() || block.timestamp >= market.revealDeadline())
            {
                ++_violations.revealLate;
            }
            revealedLeaves += count;
            _calls.leavesRevealed += count;
        } catch {}
    }

    /// @notice Anyone pushes 1 to 20 steps of scoring (1 time in 8, up to 200), resupplying the
    /// contributions from the next one not applied (1 time in 10 with the first one wrong).
    function evaluate(uint256 stepsSeed, uint256 actorSeed) external atCurrentTime tracksProvider {
        ++_calls.evaluate;
        uint256 steps = bound(stepsSeed, 1, stepsSeed % 8 == 0 ? 200 : 20);
        (uint32 round,,,,,, bool applied,) = market.cursor();
        uint256 from = round == 0 || applied ? round : round - 1;
        if (from > _contributions.length) from = _contributions.length;
        PredictionMarket.Contribution[] memory upcoming =
            new PredictionMarket.Contribution[](_contributions.length - from);
        for (uint256 i = 0; i < upcoming.length; ++i) {
            uint256 combo = _contributions[from + i].combo;
            upcoming[i] = PredictionMarket.Contribution(sampleData(combo / 2), combo % 2);
        }
        if (upcoming.length != 0 && (stepsSeed >> 8) % 10 == 0) upcoming[0].label ^= 1;
        vm.prank(_actor(actorSeed));
        try market.evaluate(steps, upcoming) returns (uint256 done) {
            ++_calls.evaluateOk;
            _calls.evaluateSteps += done;
            if (market.phase() == PredictionMarket.Phase.Settled) _onSettled();
        } catch {}
    }

    /// @dev Replays the contributions on a fresh initial model, checks every score and the
    /// provider's credit (R when no score is positive).
    function _onSettled() internal {
        ++_calls.settled;
        scored = true;
        SparsePerceptron replay = deployModel();
        int256 previous = int256(_correct(replay));
        for (uint256 i = 0; i < _contributions.length; ++i) {
            uint256 combo = _contributions[i].combo;
            replay.update(sampleData(combo / 2), combo % 2);
            int256 count = int256(_correct(replay));
            int256 score = count - previous;
            previous = count;
            _contributions[i].score = score;
            (bool isScored, int256 onChain) = market.scoreOf(sampleData(combo / 2), combo % 2);
            if (!isScored || onChain != score) ++_violations.scoreMismatch;
            if (score > 0) {
                _positiveTotal += uint256(score);
                ++_calls.positiveScores;
            }
            if (score < 0) {
                ++_negatives;
                ++_calls.negativeScores;
            }
        }
        if (_positiveTotal == 0) {
            ++_calls.providerPaidReward;
            _expectedProviderCredit = POOL + _negatives * stake;
        }
    }

    function _correct(SparsePerceptron m) internal view returns (uint256 count) {
        for (uint256 i = 0; i < TEST_SIZE; ++i) {
            if (m.predict(hiddenSample(i)) == hiddenLabel(i)) ++count;
        }
    }

    /// @notice A claim of one contribution: 3 times in 4 by its author (the first unclaimed one
    /// from the seeded position), else by the seeded actor.
    function claim(uint256 indexSeed, uint256 actorSeed) external atCurrentTime tracksProvider {
        ++_calls.claims;
        uint256 n = _contributions.length;
        if (n == 0) return;
        uint256 index = indexSeed % n;
        if ((indexSeed >> 8) % 4 != 0) {
            for (uint256 k = 0; k < n && _contributions[index].claimed; ++k) {
                index = (index + 1) % n;
            }
        }
        Contribution memory c = _contributions[index];
        address caller = (actorSeed >> 8) % 4 != 0 ? c.author : _actor(actorSeed);
        _claim(index, caller);
    }

    function _claim(uint256 index, address caller) internal {
        Contribution memory c = _contributions[index];
        bytes memory data = sampleData(c.combo / 2);
        uint256 creditBefore = market.credits(caller);
        uint256 heldBefore = market.reputation().balanceOf(caller);
        PredictionMarket.Phase p = market.phase();
        vm.prank(caller);
        try market.refund(data, c.combo % 2) {
            uint256 amount = market.credits(caller) - creditBefore;
            uint256 minted = market.reputation().balanceOf(caller) - heldBefore;
            if (c.claimed) ++_violations.claimTwice;
            if (caller != c.author) ++_violations.claimByOther;
            if (p != PredictionMarket.Phase.Settled && p != PredictionMarket.Phase.Forfeited) {
                ++_violations.claimEarly;
            }
            (uint256 expected, uint256 expectedMint) = _rule(index);
            if (p == PredictionMarket.Phase.Settled && c.score < 0) ++_violations.claimNegative;
            if (amount != expected) ++_violations.claimAmount;
            if (minted != expectedMint) ++_violations.reputationMinted;
            if (p == PredictionMarket.Phase.Forfeited) ++_calls.claimForfeit;
            else if (c.score > 0) ++_calls.claimPositive;
            else ++_calls.claimZero;
            _contributions[index].claimed = true;
            _contributions[index].paid = amount;
            ghost_claimsPaid += amount;
            ghost_reputationClaimed += minted;
        } catch {}
    }

    /// @dev What contribution `index` is owed by the rule (the contract's header) once the
    /// market is settled or forfeited: wei, and reputation.
    function _rule(uint256 index) internal view returns (uint256 amount, uint256 minted) {
        uint256 n = _contributions.length;
        if (!scored) return (stake + POOL / n, 0); // forfeited: floor(pool / N) each
        int256 s = _contributions[index].score;
        if (s < 0) return (0, 0);
        if (s == 0) return (stake, 0);
        uint256 prefix = 0;
        for (uint256 i = 0; i < index; ++i) {
            if (_contributions[i].score > 0) prefix += uint256(_contributions[i].score);
        }
        uint256 reward = POOL + _negatives * stake;
        uint256 share =
            reward * (prefix + uint256(s)) / _positiveTotal - reward * prefix / _positiveTotal;
        return (stake + share, uint256(s));
    }

    /// @notice Anyone asks to forfeit the market (it succeeds only once it is forfeitable).
    function forfeit(uint256 actorSeed) external atCurrentTime tracksProvider {
        vm.prank(_actor(actorSeed));
        try market.forfeit() {} catch {}
    }

    /// @notice An actor, or 1 time in 4 the provider, withdraws its credit.
    function withdraw(uint256 actorSeed) external atCurrentTime tracksProvider {
        address who = actorSeed % 4 == 0 ? address(this) : _actor(actorSeed);
        uint256 credit = market.credits(who);
        uint256 balanceBefore = who.balance;
        if (who != address(this)) vm.prank(who);
        try market.withdraw() {
            uint256 amount = who.balance - balanceBefore;
            ++_calls.withdrawOk;
            if (amount != credit || market.credits(who) != 0) ++_violations.withdrawAmount;
            ghost_withdrawn += amount;
            if (who == address(this)) _providerWithdrawnNow = amount;
        } catch {}
    }

    /// @notice Time passes, up to MAX_WARP; when bits 200 and up are 1 mod 4, to the second
    /// windowEnd or revealDeadline falls, or the second before.
    function warp(uint256 secondsSeed) external atCurrentTime {
        ++_calls.warp;
        if ((secondsSeed >> 200) % 4 == 1) {
            uint256 edge = secondsSeed % 2 == 0 ? market.windowEnd() : market.revealDeadline();
            uint256 target = edge - ((secondsSeed >> 1) % 2);
            if (target > currentTime) {
                ++_calls.warpToEdge;
                currentTime = target;
            }
        } else {
            currentTime += bound(secondsSeed, 0, MAX_WARP);
        }
        vm.warp(currentTime);
    }

    // ---------------------------------------------------------------- the end of a run

    /// @dev An evaluate seed of 57 steps with the right contributions (see evaluate).
    uint256 internal constant FINISH_STEPS_SEED = 200 | (1 << 8);

    /// @notice Takes the market to its end: a provider that has not quit reveals the rest of
    /// the test set before the deadline (so that most runs are scored); then past the deadline,
    /// scored to the end if the test set was revealed, forfeited otherwise, every contribution
    /// claimed by its author.
    function finish() external {
        if (!providerQuits && currentTime < market.revealDeadline()) {
            if (currentTime < market.windowEnd()) currentTime = market.windowEnd();
            vm.warp(currentTime);
            uint256 left = TEST_SIZE - revealedLeaves;
            if (left != 0) {
                market.revealTestSet(leavesOf(revealedLeaves, left));
                revealedLeaves += left;
                _calls.leavesRevealed += left;
            }
        }
        if (currentTime < market.revealDeadline()) currentTime = market.revealDeadline();
        vm.warp(currentTime);
        if (market.phase() == PredictionMarket.Phase.Scoring) {
            while (market.phase() == PredictionMarket.Phase.Scoring) {
                this.evaluate(FINISH_STEPS_SEED, 0);
            }
        }
        if (market.phase() == PredictionMarket.Phase.Forfeited && !market.forfeited()) {
            this.forfeit(0);
        }
        for (uint256 i = 0; i < _contributions.length; ++i) {
            if (!_contributions[i].claimed) _claimAsAuthor(i);
        }
    }

    function _claimAsAuthor(uint256 index) internal tracksProvider {
        _claim(index, _contributions[index].author);
    }

    /// @notice Whether the market is over and nothing is left to claim: forfeited (recorded)
    /// or settled, and every contribution claimed except the negative ones of a settled market.
    function allClaimed() public view returns (bool) {
        PredictionMarket.Phase p = market.phase();
        if (p == PredictionMarket.Phase.Forfeited ? !market.forfeited() : !scored) return false;
        for (uint256 i = 0; i < _contributions.length; ++i) {
            Contribution memory c = _contributions[i];
            if (!c.claimed && !(scored && c.score < 0)) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- views for the invariants

    /// @notice What the market owes beyond its credits: before it ends, every stake and the
    /// pool; once settled, each unclaimed non-negative contribution's payout by the rule; once
    /// forfeited, each unclaimed contribution's stake + floor(pool / N), plus the provider's
    /// remainder while the forfeit is not yet recorded.
    function owedUncredited() external view returns (uint256 owed) {
        PredictionMarket.Phase p = market.phase();
        uint256 n = _contributions.length;
        if (p == PredictionMarket.Phase.Forfeited) {
            if (!market.forfeited()) owed += n == 0 ? POOL : POOL % n;
        } else if (!scored) {
            return POOL + n * stake;
        }
        for (uint256 i = 0; i < n; ++i) {
            if (_contributions[i].claimed) continue;
            (uint256 amount,) = _rule(i);
            owed += amount;
        }
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function callSummary() external view returns (CallSummary memory) {
        return _calls;
    }

    function violations() external view returns (Violations memory) {
        return _violations;
    }

    function logCallSummary() external view {
        CallSummary memory c = _calls;
        _log("contribute calls", c.contribute);
        _log("  accepted", c.contributeOk);
        _log("  with overpayment", c.overpaid);
        _log("reveal calls", c.revealCalls);
        _log("  leaves revealed", c.leavesRevealed);
        _log("evaluate calls", c.evaluate);
        _log("  accepted", c.evaluateOk);
        _log("  steps", c.evaluateSteps);
        _log("  settled", c.settled);
        _log("  positive scores", c.positiveScores);
        _log("  negative scores", c.negativeScores);
        _log("  no positive score (reward to the provider)", c.providerPaidReward);
        _log("claims", c.claims);
        _log("  positive", c.claimPositive);
        _log("  zero", c.claimZero);
        _log("  on a forfeit", c.claimForfeit);
        _log("forfeits", c.forfeits);
        _log("withdrawals", c.withdrawOk);
        _log("warps", c.warp);
        _log("  to a window's edge", c.warpToEdge);
    }

    // ---------------------------------------------------------------- internals

    /// @notice Sample `sample`: features sample / 8 and 8 + sample % 8 (as TrainerHandler).
    function sampleData(uint256 sample) public pure returns (bytes memory) {
        return abi.encodePacked(uint16(sample / 8), uint16(8 + sample % 8));
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }
}
