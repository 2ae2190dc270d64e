// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {FederatedAggregation} from "../../contracts/federated/FederatedAggregation.sol";
import {AggregationHarness} from "../../contracts/test/AggregationHarness.sol";

/// @notice The aggregation rules a fraud proof recomputes: floor division (never truncation),
/// known vectors with negative values, fuzzed properties (bounds, trim 0 is the unit-weight
/// mean, the median is the middle of a sorted copy, row order does not matter), every custom
/// error with its diagnosing values, and the gas of median and trimmed mean (logged, -vv).
contract FederatedAggregationTest is Test {
    AggregationHarness internal harness;

    int256 internal constant MAX = int256(FederatedAggregation.MAX_ABS);

    function setUp() public {
        harness = new AggregationHarness();
    }

    // ---------------------------------------------------------------- helpers

    /// @dev A column vector: one coordinate per participant, d = 1.
    function _col(int256[] memory values) internal pure returns (int256[][] memory u) {
        u = new int256[][](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            u[i] = new int256[](1);
            u[i][0] = values[i];
        }
    }

    function _ints(int256 a, int256 b) internal pure returns (int256[] memory v) {
        v = new int256[](2);
        v[0] = a;
        v[1] = b;
    }

    function _ints(int256 a, int256 b, int256 c) internal pure returns (int256[] memory v) {
        v = new int256[](3);
        v[0] = a;
        v[1] = b;
        v[2] = c;
    }

    function _ints(int256 a, int256 b, int256 c, int256 d, int256 e)
        internal
        pure
        returns (int256[] memory v)
    {
        v = new int256[](5);
        v[0] = a;
        v[1] = b;
        v[2] = c;
        v[3] = d;
        v[4] = e;
    }

    function _ones(uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            w[i] = 1;
        }
    }

    /// @dev n x d pseudo-random updates from `seed`: half the seeds draw from [-5, 5] (many
    /// ties), the others from the whole range [-2^64, 2^64].
    function _random(uint256 seed, uint256 n, uint256 d)
        internal
        pure
        returns (int256[][] memory u)
    {
        int256 limit = seed % 2 == 0 ? int256(5) : MAX;
        u = new int256[][](n);
        for (uint256 i = 0; i < n; ++i) {
            u[i] = new int256[](d);
            for (uint256 j = 0; j < d; ++j) {
                int256 r = int256(uint256(keccak256(abi.encode(seed, i, j))) >> 1);
                u[i][j] = bound(r, -limit, limit);
            }
        }
    }

    function _randomWeights(uint256 seed, uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, "w", i)));
            // Small weights half the time, the whole range otherwise.
            w[i] = bound(r, 1, seed % 4 < 2 ? 10 : FederatedAggregation.MAX_WEIGHT);
        }
    }

    function _reversed(int256[][] memory u) internal pure returns (int256[][] memory r) {
        r = new int256[][](u.length);
        for (uint256 i = 0; i < u.length; ++i) {
            r[i] = u[u.length - 1 - i];
        }
    }

    function _reversed(uint256[] memory w) internal pure returns (uint256[] memory r) {
        r = new uint256[](w.length);
        for (uint256 i = 0; i < w.length; ++i) {
            r[i] = w[w.length - 1 - i];
        }
    }

    function _assertEqArrays(int256[] memory a, int256[] memory b, string memory message)
        internal
        pure
    {
        assertEq(a.length, b.length, message);
        for (uint256 j = 0; j < a.length; ++j) {
            assertEq(a[j], b[j], message);
        }
    }

    /// @dev Every out[j] lies in [min_i u[i][j], max_i u[i][j]].
    function _assertWithinRange(int256[][] memory u, int256[] memory out, string memory message)
        internal
        pure
    {
        for (uint256 j = 0; j < out.length; ++j) {
            int256 lo = u[0][j];
            int256 hi = u[0][j];
            for (uint256 i = 1; i < u.length; ++i) {
                if (u[i][j] < lo) lo = u[i][j];
                if (u[i][j] > hi) hi = u[i][j];
            }
            assertTrue(out[j] >= lo && out[j] <= hi, message);
        }
    }

    // ---------------------------------------------------------------- floorDiv

    /// floorDiv(a, b) = q with q b <= a < (q + 1) b, and equals a reference written without
    /// `%` (ceil of the negation). The bounds keep q b and (q + 1) b inside int256.
    function testFuzz_FloorDivMatchesReference(int256 a, uint256 bSeed) public pure {
        int256 half = int256(1) << 253;
        a = bound(a, -half, half);
        int256 b = int256(bound(bSeed, 1, uint256(half)));
        int256 q = FederatedAggregation.floorDiv(a, b);
        assertTrue(q * b <= a, "q b <= a");
        assertTrue(a < (q + 1) * b, "a < (q + 1) b");
        int256 expected = a >= 0 ? a / b : -((-a + b - 1) / b);
        assertEq(q, expected, "reference");
    }

    function test_FloorDivExamples() public pure {
        assertEq(FederatedAggregation.floorDiv(7, 2), 3, "7 // 2");
        assertEq(FederatedAggregation.floorDiv(-7, 2), -4, "-7 // 2 (truncation gives -3)");
        assertEq(FederatedAggregation.floorDiv(-1, 3), -1, "-1 // 3");
        assertEq(FederatedAggregation.floorDiv(-6, 3), -2, "exact");
        assertEq(FederatedAggregation.floorDiv(0, 5), 0, "zero");
        assertEq(FederatedAggregation.floorDiv(type(int256).min, 1), type(int256).min, "int256 min");
        assertEq(FederatedAggregation.floorDiv(type(int256).min, type(int256).max), -2, "extremes");
    }

    function test_FloorDivRejectsNonPositiveDivisor() public {
        vm.expectRevert(
            abi.encodeWithSelector(FederatedAggregation.NonPositiveDivisor.selector, int256(0))
        );
        harness.floorDiv(1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(FederatedAggregation.NonPositiveDivisor.selector, int256(-2))
        );
        harness.floorDiv(1, -2);
    }

    // ---------------------------------------------------------------- known vectors

    function test_MeanRoundsTowardNegativeInfinity() public pure {
        uint256[] memory ones = _ones(2);
        assertEq(FederatedAggregation.mean(_col(_ints(-1, 0)), ones)[0], -1, "mean(-1, 0)");
        assertEq(FederatedAggregation.mean(_col(_ints(-7, 0)), ones)[0], -4, "mean(-7, 0)");
        assertEq(FederatedAggregation.mean(_col(_ints(7, 0)), ones)[0], 3, "mean(7, 0)");
        uint256[] memory w = new uint256[](2);
        w[0] = 2;
        w[1] = 1;
        // (2 * -5 + 2) / 3 = -8 / 3 = -2.67 -> -3; (2 * 4 + 0) / 3 = 2.67 -> 2.
        int256[][] memory u = new int256[][](2);
        u[0] = _ints(-5, 4);
        u[1] = _ints(2, 0);
        int256[] memory out = FederatedAggregation.mean(u, w);
        assertEq(out[0], -3, "weighted, negative");
        assertEq(out[1], 2, "weighted, positive");
    }

    function test_MedianKnownVectors() public pure {
        assertEq(FederatedAggregation.median(_col(_ints(-3, 0)))[0], -2, "median(-3, 0)");
        assertEq(FederatedAggregation.median(_col(_ints(-1, -2)))[0], -2, "median(-1, -2)");
        assertEq(FederatedAggregation.median(_col(_ints(1, 2)))[0], 1, "median(1, 2)");
        assertEq(FederatedAggregation.median(_col(_ints(5, -1, 3)))[0], 3, "median(5, -1, 3)");
        assertEq(FederatedAggregation.median(_col(_ints(-MAX, -MAX)))[0], -MAX, "at -MAX");
        int256[] memory single = new int256[](1);
        single[0] = -9;
        assertEq(FederatedAggregation.median(_col(single))[0], -9, "one participant");
    }

    function test_TrimmedMeanKnownVectors() public pure {
        // Sorted -100, 1, 2, 10, 100; trim 1 keeps 1, 2, 10: 13 / 3 -> 4.
        int256[][] memory u = _col(_ints(10, -100, 1, 2, 100));
        assertEq(FederatedAggregation.trimmedMean(u, 1)[0], 4, "positive");
        // Mirrored: -13 / 3 -> -5 (truncation would give -4).
        u = _col(_ints(-10, 100, -1, -2, -100));
        assertEq(FederatedAggregation.trimmedMean(u, 1)[0], -5, "negative");
        // Trim 2 of 5 is the median.
        assertEq(FederatedAggregation.trimmedMean(u, 2)[0], -2, "trim 2 of 5");
        // Trim 0 of 5: -13 / 5 -> -3.
        assertEq(FederatedAggregation.trimmedMean(u, 0)[0], -3, "trim 0");
    }

    function test_AcceptsValuesAtMaxAbs() public pure {
        int256[][] memory u = new int256[][](2);
        u[0] = _ints(MAX, -MAX);
        u[1] = _ints(MAX, -MAX);
        uint256[] memory w = new uint256[](2);
        w[0] = FederatedAggregation.MAX_WEIGHT;
        w[1] = 1;
        int256[] memory out = FederatedAggregation.mean(u, w);
        assertEq(out[0], MAX, "mean at MAX");
        assertEq(out[1], -MAX, "mean at -MAX");
        assertEq(FederatedAggregation.median(u)[1], -MAX, "median at -MAX");
        assertEq(FederatedAggregation.trimmedMean(u, 0)[0], MAX, "trimmed mean at MAX");
    }

    /// Through the harness (calldata copied to memory) the results are the library's.
    function test_HarnessMatchesLibrary() public view {
        int256[][] memory u = _random(7, 6, 4);
        uint256[] memory w = _randomWeights(7, 6);
        _assertEqArrays(harness.mean(u, w), FederatedAggregation.mean(u, w), "mean");
        _assertEqArrays(harness.median(u), FederatedAggregation.median(u), "median");
        _assertEqArrays(
            harness.trimmedMean(u, 2), FederatedAggregation.trimmedMean(u, 2), "trimmedMean"
        );
    }

    // ---------------------------------------------------------------- fuzzed properties

    /// @dev The updates of a fuzz run: n = bound(nSeed, 1, 12) participants of
    /// d = bound(dSeed, 1, 6) coordinates (`_random`).
    function _fuzzUpdates(uint256 seed, uint256 nSeed, uint256 dSeed)
        internal
        pure
        returns (int256[][] memory)
    {
        return _random(seed, bound(nSeed, 1, 12), bound(dSeed, 1, 6));
    }

    /// @dev `_fuzzUpdates` with the weights drawn from the same seed.
    function _fuzzWeightedUpdates(uint256 seed, uint256 nSeed, uint256 dSeed)
        internal
        pure
        returns (int256[][] memory u, uint256[] memory w)
    {
        u = _fuzzUpdates(seed, nSeed, dSeed);
        w = _randomWeights(seed, u.length);
    }

    /// @dev As `_fuzzUpdates` with an odd n = 2 bound(kSeed, 0, 6) + 1: a single middle value.
    function _fuzzOddUpdates(uint256 seed, uint256 kSeed, uint256 dSeed)
        internal
        pure
        returns (int256[][] memory)
    {
        return _random(seed, 2 * bound(kSeed, 0, 6) + 1, bound(dSeed, 1, 6));
    }

    /// @dev A trim that n updates accept: 0 <= trim and 2 trim < n.
    function _fuzzTrim(uint256 trimSeed, uint256 n) internal pure returns (uint256) {
        return bound(trimSeed, 0, (n - 1) / 2);
    }

    /// Every aggregate lies within [min, max] of its coordinate.
    function testFuzz_ResultsWithinCoordinateRange(
        uint256 seed,
        uint256 nSeed,
        uint256 dSeed,
        uint256 trimSeed
    ) public pure {
        (int256[][] memory u, uint256[] memory w) = _fuzzWeightedUpdates(seed, nSeed, dSeed);
        _assertWithinRange(u, FederatedAggregation.mean(u, w), "mean");
        _assertWithinRange(u, FederatedAggregation.median(u), "median");
        uint256 trim = _fuzzTrim(trimSeed, u.length);
        _assertWithinRange(u, FederatedAggregation.trimmedMean(u, trim), "trimmedMean");
    }

    /// The weighted mean is floor(S / W) exactly: W out <= S < W (out + 1) per coordinate.
    function testFuzz_MeanIsFloorOfWeightedMean(uint256 seed, uint256 nSeed, uint256 dSeed)
        public
        pure
    {
        (int256[][] memory u, uint256[] memory w) = _fuzzWeightedUpdates(seed, nSeed, dSeed);
        int256[] memory out = FederatedAggregation.mean(u, w);
        int256 total = 0;
        for (uint256 i = 0; i < u.length; ++i) {
            total += int256(w[i]);
        }
        for (uint256 j = 0; j < out.length; ++j) {
            int256 sum = 0;
            for (uint256 i = 0; i < u.length; ++i) {
                sum += int256(w[i]) * u[i][j];
            }
            assertTrue(total * out[j] <= sum && sum < total * (out[j] + 1), "floor(S / W)");
        }
    }

    /// trimmedMean with trim 0 is the mean with unit weights.
    function testFuzz_TrimZeroIsUnitWeightMean(uint256 seed, uint256 nSeed, uint256 dSeed)
        public
        pure
    {
        int256[][] memory u = _fuzzUpdates(seed, nSeed, dSeed);
        _assertEqArrays(
            FederatedAggregation.trimmedMean(u, 0),
            FederatedAggregation.mean(u, _ones(u.length)),
            "trim 0 == unit mean"
        );
    }

    /// For n odd the median is the value m with fewer than n/2 + 1 values below it and at least
    /// n/2 + 1 values at or below it: the middle of a sorted copy, found without sorting.
    function testFuzz_OddMedianIsMiddleOfSortedCopy(uint256 seed, uint256 kSeed, uint256 dSeed)
        public
        pure
    {
        int256[][] memory u = _fuzzOddUpdates(seed, kSeed, dSeed);
        int256[] memory out = FederatedAggregation.median(u);
        uint256 mid = u.length / 2;
        for (uint256 j = 0; j < out.length; ++j) {
            uint256 below = 0;
            uint256 atOrBelow = 0;
            bool present = false;
            for (uint256 i = 0; i < u.length; ++i) {
                if (u[i][j] < out[j]) ++below;
                if (u[i][j] <= out[j]) ++atOrBelow;
                if (u[i][j] == out[j]) present = true;
            }
            assertTrue(present, "the median is one of the values");
            assertLe(below, mid, "at most n/2 values below");
            assertGe(atOrBelow, mid + 1, "at least n/2 + 1 values at or below");
        }
    }

    /// For n odd, trimming (n - 1) / 2 from each side leaves the median alone.
    function testFuzz_FullTrimOfOddIsMedian(uint256 seed, uint256 kSeed, uint256 dSeed)
        public
        pure
    {
        int256[][] memory u = _fuzzOddUpdates(seed, kSeed, dSeed);
        _assertEqArrays(
            FederatedAggregation.trimmedMean(u, u.length / 2),
            FederatedAggregation.median(u),
            "full trim == median"
        );
    }

    /// Reversing the rows (and the weights with them) changes no aggregate.
    function testFuzz_PermutationInvariance(
        uint256 seed,
        uint256 nSeed,
        uint256 dSeed,
        uint256 trimSeed
    ) public pure {
        (int256[][] memory u, uint256[] memory w) = _fuzzWeightedUpdates(seed, nSeed, dSeed);
        int256[][] memory r = _reversed(u);
        _assertEqArrays(
            FederatedAggregation.mean(u, w), FederatedAggregation.mean(r, _reversed(w)), "mean"
        );
        _assertEqArrays(FederatedAggregation.median(u), FederatedAggregation.median(r), "median");
        uint256 trim = _fuzzTrim(trimSeed, u.length);
        _assertEqArrays(
            FederatedAggregation.trimmedMean(u, trim),
            FederatedAggregation.trimmedMean(r, trim),
            "trimmedMean"
        );
    }

    /// Scaling every weight by the same factor changes no mean: floor(kS / kW) = floor(S / W).
    function testFuzz_MeanIgnoresCommonWeightScale(uint256 seed, uint256 nSeed, uint256 kSeed)
        public
        pure
    {
        uint256 n = bound(nSeed, 1, 12);
        int256[][] memory u = _random(seed, n, 3);
        uint256[] memory w = new uint256[](n);
        uint256[] memory scaled = new uint256[](n);
        uint256 k = bound(kSeed, 1, 1000);
        for (uint256 i = 0; i < n; ++i) {
            w[i] = bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e9);
            scaled[i] = w[i] * k;
        }
        _assertEqArrays(
            FederatedAggregation.mean(u, w), FederatedAggregation.mean(u, scaled), "scale"
        );
    }

    // ---------------------------------------------------------------- errors

    function test_RevertsOnNoUpdates() public {
        int256[][] memory u = new int256[][](0);
        vm.expectRevert(abi.encodeWithSelector(FederatedAggregation.NoUpdates.selector));
        harness.median(u);
        vm.expectRevert(abi.encodeWithSelector(FederatedAggregation.NoUpdates.selector));
        harness.mean(u, new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(FederatedAggregation.NoUpdates.selector));
        harness.trimmedMean(u, 0);
    }

    function test_RevertsOnEmptyChunk() public {
        int256[][] memory u = new int256[][](2);
        u[0] = new int256[](0);
        u[1] = new int256[](0);
        vm.expectRevert(abi.encodeWithSelector(FederatedAggregation.EmptyChunk.selector));
        harness.median(u);
    }

    function test_RevertsOnRaggedUpdates() public {
        int256[][] memory u = new int256[][](3);
        u[0] = _ints(1, 2);
        u[1] = _ints(1, 2);
        u[2] = _ints(1, 2, 3);
        bytes memory expected = abi.encodeWithSelector(
            FederatedAggregation.RaggedUpdates.selector, uint256(2), uint256(3), uint256(2)
        );
        vm.expectRevert(expected);
        harness.median(u);
        vm.expectRevert(expected);
        harness.mean(u, _ones(3));
        vm.expectRevert(expected);
        harness.trimmedMean(u, 1);
    }

    function test_RevertsOnValueOutOfRange() public {
        int256[][] memory u = new int256[][](2);
        u[0] = _ints(MAX, -MAX);
        u[1] = _ints(0, -MAX - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedAggregation.ValueOutOfRange.selector, uint256(1), uint256(1), -MAX - 1
            )
        );
        harness.median(u);
        u[1] = _ints(MAX + 1, 0);
        bytes memory expected = abi.encodeWithSelector(
            FederatedAggregation.ValueOutOfRange.selector, uint256(1), uint256(0), MAX + 1
        );
        vm.expectRevert(expected);
        harness.mean(u, _ones(2));
        vm.expectRevert(expected);
        harness.trimmedMean(u, 0);
        // int256 min has no positive negation: still reported, not an overflow panic.
        u[1] = _ints(0, type(int256).min);
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedAggregation.ValueOutOfRange.selector,
                uint256(1),
                uint256(1),
                type(int256).min
            )
        );
        harness.median(u);
    }

    function test_RevertsOnBadWeights() public {
        int256[][] memory u = _col(_ints(1, 2, 3));
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedAggregation.BadWeightsLength.selector, uint256(2), uint256(3)
            )
        );
        harness.mean(u, _ones(2));
        uint256[] memory w = _ones(3);
        w[1] = 0;
        vm.expectRevert(
            abi.encodeWithSelector(FederatedAggregation.BadWeight.selector, uint256(1), uint256(0))
        );
        harness.mean(u, w);
        w[1] = 1;
        w[2] = FederatedAggregation.MAX_WEIGHT + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedAggregation.BadWeight.selector,
                uint256(2),
                FederatedAggregation.MAX_WEIGHT + 1
            )
        );
        harness.mean(u, w);
    }

    function test_RevertsOnBadTrim() public {
        int256[][] memory u = _col(_ints(1, 2, 3, 4, 5));
        vm.expectRevert(
            abi.encodeWithSelector(FederatedAggregation.BadTrim.selector, uint256(3), uint256(5))
        );
        harness.trimmedMean(u, 3);
        u = _col(_ints(1, 2));
        vm.expectRevert(
            abi.encodeWithSelector(FederatedAggregation.BadTrim.selector, uint256(1), uint256(2))
        );
        harness.trimmedMean(u, 1);
        // A trim so large that 2 trim would overflow is still a BadTrim.
        vm.expectRevert(
            abi.encodeWithSelector(
                FederatedAggregation.BadTrim.selector, type(uint256).max, uint256(2)
            )
        );
        harness.trimmedMean(u, type(uint256).max);
    }

    // ---------------------------------------------------------------- gas

    function _gasMedian(int256[][] memory u) internal view returns (uint256 used) {
        used = gasleft();
        harness.median(u);
        used -= gasleft();
    }

    function _gasTrimmed(int256[][] memory u, uint256 trim) internal view returns (uint256 used) {
        used = gasleft();
        harness.trimmedMean(u, trim);
        used -= gasleft();
    }

    /// @notice The gas of a harness call (ABI decoding and the copy to memory included) of
    /// median and of trimmedMean (trim n / 5) for n = 5, 10, 20, 50 and d = 16, 64, on
    /// full-range random values (logged with -vv). Each must stay well under 2^24 gas.
    function test_GasOfMedianAndTrimmedMean() public view {
        uint256[4] memory ns = [uint256(5), 10, 20, 50];
        uint256[2] memory ds = [uint256(16), 64];
        for (uint256 a = 0; a < ns.length; ++a) {
            for (uint256 b = 0; b < ds.length; ++b) {
                int256[][] memory u = _random(1, ns[a], ds[b]);
                string memory shape = string.concat(" n=", _decimal(ns[a]), " d=", _decimal(ds[b]));
                uint256 gm = _gasMedian(u);
                uint256 gt = _gasTrimmed(u, ns[a] / 5);
                _log(string.concat("gas median", shape), gm);
                _log(string.concat("gas trimmedMean", shape), gt);
                assertLe(gm, 1 << 24, "median under 2^24");
                assertLe(gt, 1 << 24, "trimmedMean under 2^24");
            }
        }
    }
}
