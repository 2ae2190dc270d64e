// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LineFixture} from "../utils/LineFixture.sol";
import {FederatedLine} from "../../../contracts/federated/FederatedLine.sol";
import {FederatedAggregation} from "../../../contracts/federated/FederatedAggregation.sol";

/// @notice Drives one FederatedLine (median rule, the fixture's small task) through random lives
/// for the invariant suite. The handler is the creator (it deploys and funds the line); six
/// actors are the possible members (four join at once), beside the aggregator and a challenger.
/// Each action does its natural step and swallows reverts so that sequences go on: joins,
/// top-ups, leaves and exits, rounds opened, commits of updates derived from a seed (one in
/// nine with a value beyond 2^64), reveals, aggregates posted with the malformed updates
/// rejected (sometimes one more), random weights and, one time in three, a coordinate off by
/// one; challenges (of the wrong chunk when there is one), settlements, withdrawals, funding,
/// a rare close, and time passing. Ghost variables record what was paid in and out and the
/// reputation minted; a successful call that breaks a rule counts a violation.
contract LineHandler is LineFixture {
    uint256 public constant ACTOR_COUNT = 6;
    uint256 public constant INITIAL_MEMBERS = 4;
    uint256 public constant HANDLER_COOLDOWN = 3 hours;
    uint256 public constant MAX_WARP = 90 minutes;

    FederatedLine.RuleSpec internal _median;
    address[] internal _actors;

    // ---------------------------------------------------------------- the posted aggregate
    mapping(uint256 round => mapping(address member => uint256)) internal _seedOf; // seed + 1
    uint256 internal _postedMask;
    uint256[] internal _postedWeights;
    bool internal _postedWrong;
    uint256 internal _wrongChunk;

    // ---------------------------------------------------------------- ghost variables
    uint256 public ghost_paidIn; // funding + stakes + top-ups + bonds
    uint256 public ghost_withdrawn;
    uint256 public ghost_reputationMinted; // the weights of the inputs of accepted rounds

    struct Violations {
        uint256 correctVoided; // a correct aggregate voided by a challenge
        uint256 wrongWithdrawal; // a withdrawal paying other than the whole credit
        uint256 weightOfRejected; // reputation minted to a rejected update's author
    }

    Violations internal _violations;

    struct CallSummary {
        uint256 joinOk;
        uint256 topUpOk;
        uint256 leaveOk;
        uint256 exitOk;
        uint256 openOk;
        uint256 commitOk;
        uint256 revealOk;
        uint256 postOk;
        uint256 postWrong;
        uint256 challengeOk;
        uint256 challengeReverted;
        uint256 settleAccepted;
        uint256 settleVoided;
        uint256 settleFailed;
        uint256 withdrawOk;
        uint256 fundOk;
        uint256 closeOk;
        uint256 warp;
    }

    CallSummary internal _calls;

    constructor() payable {
        vm.warp(1_700_000_000);
        _median = ruleOf(FederatedLine.Rule.Median);
        FederatedLine.Terms memory terms = defaultTerms();
        terms.cooldown = HANDLER_COOLDOWN;
        line = deployLine(defaultTask(), _median, terms);
        ghost_paidIn = FUNDING;
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            _actors.push(member(i));
            vm.deal(member(i), 100 ether);
        }
        for (uint256 i = 0; i < INITIAL_MEMBERS; ++i) {
            vm.prank(member(i));
            line.join{value: STAKE}();
            ghost_paidIn += STAKE;
        }
    }

    receive() external payable {}

    function lineAddress() external view returns (FederatedLine) {
        return line;
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function violations() external view returns (Violations memory) {
        return _violations;
    }

    function callSummary() external view returns (CallSummary memory) {
        return _calls;
    }

    // ---------------------------------------------------------------- updates

    /// @dev The update of seed `seed`: small values, one in nine with a value beyond 2^64.
    function updateOf(uint256 seed) public pure returns (int256[][] memory u) {
        u = split(vec(int256(seed % 21) - 10, int256((seed / 21) % 5) - 2));
        if (seed % 9 == 0) u[0][0] = int256(FederatedAggregation.MAX_ABS) + 1;
    }

    function _malformed(uint256 seed) internal pure returns (bool) {
        return seed % 9 == 0;
    }

    function _joined(address who) internal view returns (bool j) {
        (j,,,) = line.members(who);
    }

    /// @dev The revealed updates of `round` in reveal order, and their seeds.
    function _revealed(uint256 round)
        internal
        view
        returns (int256[][][] memory updates, uint256[] memory seeds)
    {
        address[] memory r = line.revealers(round);
        updates = new int256[][][](r.length);
        seeds = new uint256[](r.length);
        for (uint256 k = 0; k < r.length; ++k) {
            seeds[k] = _seedOf[round][r[k]] - 1;
            updates[k] = updateOf(seeds[k]);
        }
    }

    // ---------------------------------------------------------------- membership

    function join(uint256 actorSeed) external {
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address who = _actors[(actorSeed % ACTOR_COUNT + i) % ACTOR_COUNT];
            if (_joined(who)) continue;
            vm.prank(who);
            try line.join{value: STAKE}() {
                ghost_paidIn += STAKE;
                ++_calls.joinOk;
            } catch {}
            return;
        }
    }

    function topUp(uint256 actorSeed, uint256 amount) external {
        address who = _actors[actorSeed % ACTOR_COUNT];
        amount = bound(amount, 1, STAKE);
        vm.prank(who);
        try line.topUp{value: amount}() {
            ghost_paidIn += amount;
            ++_calls.topUpOk;
        } catch {}
    }

    function leave(uint256 actorSeed) external {
        vm.prank(_actors[actorSeed % ACTOR_COUNT]);
        try line.leave() {
            ++_calls.leaveOk;
        } catch {}
    }

    function exit(uint256 actorSeed) external {
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address who = _actors[(actorSeed % ACTOR_COUNT + i) % ACTOR_COUNT];
            (bool j,, uint64 leavingAt,) = line.members(who);
            if (!j || leavingAt == 0) continue;
            vm.prank(who);
            try line.exit() {
                ++_calls.exitOk;
            } catch {}
            return;
        }
    }

    // ---------------------------------------------------------------- a round

    function openRound() external {
        vm.prank(AGGREGATOR);
        try line.openRound() {
            ++_calls.openOk;
        } catch {}
    }

    /// @dev The first actor (from the seed on) that has not committed to the current round.
    function commit(uint256 actorSeed, uint256 updateSeed) external {
        uint256 round = line.currentRound();
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address who = _actors[(actorSeed % ACTOR_COUNT + i) % ACTOR_COUNT];
            if (!_joined(who) || _seedOf[round][who] != 0) continue;
            uint256 seed = bound(updateSeed, 0, 1e9);
            bytes32 c = commitmentFor(line, round, who, rootOf(updateOf(seed)));
            vm.prank(who);
            try line.commit(round, c) {
                _seedOf[round][who] = seed + 1;
                ++_calls.commitOk;
            } catch {}
            return;
        }
    }

    /// @dev The first committed actor (from the seed on) that has not revealed.
    function reveal(uint256 actorSeed) external {
        uint256 round = line.currentRound();
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address who = _actors[(actorSeed % ACTOR_COUNT + i) % ACTOR_COUNT];
            if (_seedOf[round][who] == 0) continue;
            (,,, uint64 index) = line.entries(round, who);
            if (index != 0) continue;
            int256[][] memory u = updateOf(_seedOf[round][who] - 1);
            vm.prank(who);
            try line.reveal(round, cidOf(who, round), rootOf(u), saltOf(who, round)) {
                ++_calls.revealOk;
            } catch {}
            return;
        }
    }

    /// @dev Rejects the malformed updates (and, for maskSeed % 3 == 0, one more if the
    /// quorum allows), weighs the inputs 0..4 (all zero for maskSeed % 5 == 0) and posts the
    /// median, one coordinate off for wrongSeed % 3 == 0.
    function postAggregate(uint256 maskSeed, uint256 weightSeed, uint256 wrongSeed) external {
        uint256 round = line.currentRound();
        if (round == 0 || statusOf(line, round) != FederatedLine.Status.Open) return;
        (int256[][][] memory updates, uint256[] memory seeds) = _revealed(round);
        uint256 n = updates.length;
        uint256 mask = 0;
        uint256 inputs = n;
        for (uint256 k = 0; k < n; ++k) {
            if (_malformed(seeds[k])) {
                mask |= 1 << k;
                --inputs;
            }
        }
        if (maskSeed % 3 == 0 && inputs > QUORUM) {
            for (uint256 k = 0; k < n; ++k) {
                uint256 j = (maskSeed / 3 + k) % n;
                if ((mask >> j) & 1 == 0) {
                    mask |= 1 << j;
                    --inputs;
                    break;
                }
            }
        }
        if (inputs < QUORUM) return; // QuorumNotMet or WrongInputCount: nothing to post
        uint256[] memory weights = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            if ((mask >> k) & 1 == 0 && maskSeed % 5 != 0) {
                weights[k] = uint256(keccak256(abi.encode(weightSeed, k))) % 5;
            }
        }
        int256[][] memory agg = aggregateOf(_median, inputsOf(updates, mask));
        bool wrong = wrongSeed % 3 == 0;
        uint256 chunk = (wrongSeed / 3) % CHUNKS;
        if (wrong) agg[chunk][agg[chunk].length - 1] += 1;
        vm.prank(AGGREGATOR);
        try line.postAggregate{value: BOND}(round, modelCidOf(round), rootOf(agg), mask, weights) {
            ghost_paidIn += BOND;
            _postedMask = mask;
            _postedWeights = weights;
            _postedWrong = wrong;
            _wrongChunk = chunk;
            ++_calls.postOk;
            if (wrong) ++_calls.postWrong;
        } catch {}
    }

    /// @dev Challenges the current round's aggregate: the wrong chunk (when there is one) three
    /// times in four, a random chunk otherwise; by the challenger or an actor.
    function challenge(uint256 chunkSeed, uint256 actorSeed) external {
        uint256 round = line.currentRound();
        if (round == 0 || statusOf(line, round) != FederatedLine.Status.Posted) return;
        (int256[][][] memory updates,) = _revealed(round);
        int256[][][] memory inputs = inputsOf(updates, _postedMask);
        int256[][] memory agg = aggregateOf(_median, inputs);
        if (_postedWrong) agg[_wrongChunk][agg[_wrongChunk].length - 1] += 1;
        uint256 chunk = _postedWrong && chunkSeed % 4 != 0 ? _wrongChunk : chunkSeed % CHUNKS;
        (int256[][] memory values, bytes32[][] memory proofs, bytes32[] memory aggProof) =
            challengeArgs(inputs, agg, chunk);
        address who = actorSeed % 2 == 0 ? CHALLENGER : _actors[actorSeed % ACTOR_COUNT];
        vm.prank(who);
        try line.challenge(round, chunk, values, proofs, agg[chunk], aggProof) {
            ++_calls.challengeOk;
            if (!_postedWrong) ++_violations.correctVoided;
        } catch {
            ++_calls.challengeReverted;
        }
    }

    function settle() external {
        uint256 round = line.currentRound();
        if (round == 0) return;
        FederatedLine.Status status = statusOf(line, round);
        uint256[] memory weights =
            status == FederatedLine.Status.Posted ? _postedWeights : new uint256[](0);
        uint256 supplyBefore = line.reputation().totalSupply();
        try line.settle(round, weights) {
            FederatedLine.Outcome outcome = outcomeOf(line, round);
            if (outcome == FederatedLine.Outcome.Accepted) {
                ++_calls.settleAccepted;
                uint256 sum = 0;
                uint256 inputs = 0;
                for (uint256 k = 0; k < weights.length; ++k) {
                    sum += weights[k];
                    if ((_postedMask >> k) & 1 == 0) ++inputs;
                }
                ghost_reputationMinted += sum == 0 ? inputs : sum;
                address[] memory r = line.revealers(round);
                for (uint256 k = 0; k < r.length; ++k) {
                    if ((_postedMask >> k) & 1 == 1 && weights[k] != 0) {
                        ++_violations.weightOfRejected;
                    }
                }
                supplyBefore;
            } else if (outcome == FederatedLine.Outcome.Voided) {
                ++_calls.settleVoided;
            } else {
                ++_calls.settleFailed;
            }
        } catch {}
    }

    /// @dev The round's natural next step, so that random sequences complete rounds: open a
    /// round; in the commit window every member commits (seeded updates); in the reveal window
    /// all reveal but (seed % 4 == 0) one straggler; then the aggregate is posted; a wrong one
    /// is challenged (seed % 4 != 0); past the windows the round is settled.
    function advance(uint256 seed) external {
        uint256 round = line.currentRound();
        FederatedLine.Status status =
            round == 0 ? FederatedLine.Status.Settled : statusOf(line, round);
        if (status == FederatedLine.Status.Settled) {
            this.openRound();
            return;
        }
        (uint256 commitD, uint256 revealD, uint256 aggD, uint256 challengeD) =
            deadlines(line, round);
        if (status == FederatedLine.Status.Open) {
            if (block.timestamp <= commitD) {
                for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
                    this.commit(i, uint256(keccak256(abi.encode(seed, round, i))));
                }
                vm.warp(commitD + 1);
            } else if (block.timestamp <= revealD) {
                uint256 count = seed % 4 == 0 ? ACTOR_COUNT - 1 : ACTOR_COUNT;
                for (uint256 i = 0; i < count; ++i) {
                    this.reveal(i);
                }
                vm.warp(revealD + 1);
            } else if (block.timestamp <= aggD) {
                this.postAggregate(seed, seed >> 8, seed >> 16);
            } else {
                this.settle();
            }
        } else if (status == FederatedLine.Status.Posted) {
            if (_postedWrong && seed % 4 != 0 && block.timestamp <= challengeD) {
                this.challenge(1, seed >> 8);
            } else {
                if (block.timestamp <= challengeD) vm.warp(challengeD + 1);
                this.settle();
            }
        } else {
            this.settle();
        }
    }

    // ---------------------------------------------------------------- money and time

    /// @dev Withdraws for an actor, the aggregator, the challenger or the creator (the handler).
    function withdraw(uint256 whoSeed) external {
        uint256 i = whoSeed % (ACTOR_COUNT + 3);
        address who = i < ACTOR_COUNT
            ? _actors[i]
            : i == ACTOR_COUNT ? AGGREGATOR : i == ACTOR_COUNT + 1 ? CHALLENGER : address(this);
        uint256 credit = line.credits(who);
        uint256 before = who.balance;
        vm.prank(who);
        try line.withdraw() {
            ghost_withdrawn += credit;
            ++_calls.withdrawOk;
            if (who.balance != before + credit) ++_violations.wrongWithdrawal;
        } catch {}
    }

    function fund(uint256 amount) external {
        amount = bound(amount, 0, 2 ether);
        vm.deal(address(this), address(this).balance + amount);
        try line.fund{value: amount}() {
            ghost_paidIn += amount;
            ++_calls.fundOk;
        } catch {}
    }

    /// @dev The creator closes the line one call in 32 (closing ends its rounds for good).
    function close(uint256 seed) external {
        if (seed % 32 != 0) return;
        try line.close() {
            ++_calls.closeOk;
        } catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, MAX_WARP));
        ++_calls.warp;
    }

    // ---------------------------------------------------------------- summary

    function logCallSummary() external view {
        CallSummary memory c = _calls;
        _log("join ok", c.joinOk);
        _log("topUp ok", c.topUpOk);
        _log("leave ok", c.leaveOk);
        _log("exit ok", c.exitOk);
        _log("openRound ok", c.openOk);
        _log("commit ok", c.commitOk);
        _log("reveal ok", c.revealOk);
        _log("postAggregate ok", c.postOk);
        _log("postAggregate wrong", c.postWrong);
        _log("challenge ok", c.challengeOk);
        _log("challenge reverted", c.challengeReverted);
        _log("settle accepted", c.settleAccepted);
        _log("settle voided", c.settleVoided);
        _log("settle failed", c.settleFailed);
        _log("withdraw ok", c.withdrawOk);
        _log("fund ok", c.fundOk);
        _log("close ok", c.closeOk);
        _log("warp", c.warp);
    }
}
