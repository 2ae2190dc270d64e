// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {FixedPoint} from "../../contracts/libraries/FixedPoint.sol";

/// @notice The fixed-point rounding rule: to nearest, ties away from zero.
contract FixedPointTest is Test {
    int256 internal constant ONE = FixedPoint.ONE;
    int256 internal constant LIMIT = int256(1) << 126;

    function _abs(int256 x) internal pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    /// divRound(n, d) is within half a unit of n / d, and a tie rounds away from zero.
    function testFuzz_DivRoundIsNearestWithTiesAwayFromZero(int256 n, uint256 dSeed) public pure {
        n = bound(n, -LIMIT, LIMIT);
        int256 d = int256(bound(dSeed, 1, uint256(LIMIT)));
        int256 q = FixedPoint.divRound(n, d);
        uint256 error2 = 2 * _abs(n - q * d);
        assertLe(error2, uint256(d), "|n - q d| <= d / 2");
        if (error2 == uint256(d)) {
            assertGe(_abs(q * d), _abs(n) + 1, "a tie rounds away from zero");
        }
    }

    /// Rounding is symmetric about zero: divRound(-n, d) == -divRound(n, d).
    function testFuzz_DivRoundIsOdd(int256 n, uint256 dSeed) public pure {
        n = bound(n, -LIMIT, LIMIT);
        int256 d = int256(bound(dSeed, 1, uint256(LIMIT)));
        assertEq(FixedPoint.divRound(-n, d), -FixedPoint.divRound(n, d), "odd");
    }

    /// mul is commutative, has ONE as identity and is exact on whole numbers.
    function testFuzz_MulAlgebra(int256 a, int256 b) public pure {
        a = bound(a, -(int256(1) << 100), int256(1) << 100);
        b = bound(b, -(int256(1) << 100), int256(1) << 100);
        assertEq(FixedPoint.mul(a, b), FixedPoint.mul(b, a), "commutative");
        assertEq(FixedPoint.mul(a, ONE), a, "ONE is the identity");
        int256 whole = bound(b, -1e12, 1e12);
        assertEq(FixedPoint.mul(a, whole * ONE), a * whole, "whole numbers are exact");
    }

    function test_RoundingExamples() public pure {
        assertEq(FixedPoint.divRound(5, 2), 3, "2.5 -> 3");
        assertEq(FixedPoint.divRound(-5, 2), -3, "-2.5 -> -3");
        assertEq(FixedPoint.divRound(7, 3), 2, "2.33 -> 2");
        assertEq(FixedPoint.divRound(-8, 3), -3, "-2.67 -> -3");
        assertEq(FixedPoint.mul(ONE / 2, ONE / 2), ONE / 4, "0.5 * 0.5");
        assertEq(FixedPoint.mul(3, ONE / 2), 2, "3e-6 * 0.5 = 1.5e-6 -> 2e-6");
    }
}
