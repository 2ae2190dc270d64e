// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// 1.0 in fixed point: the one definition, file-level so that assembly (which cannot
// name a library's member) can use it too. FixedPoint.ONE is the same constant.
int256 constant FIXED_ONE = 1e6;

/// @title FixedPoint
/// @notice The one fixed-point convention of the project, mirrored by `ml/fixed_point.py`.
/// A real number r is represented by the integer round(r * ONE), ONE = 1e6 (six decimals).
/// Rounding is always to nearest, ties away from zero. Six decimals keep dense inputs, dense
/// weights and centroid means within int32 (|r| < 2147.48), so that 8 share a storage word.
library FixedPoint {
    /// @notice 1.0 in fixed point.
    int256 internal constant ONE = FIXED_ONE;

    /// @notice a * b / ONE, rounded to nearest with ties away from zero.
    /// @dev Safe for |a|, |b| < 2^127: the product then fits in int256.
    function mul(int256 a, int256 b) internal pure returns (int256) {
        return divRound(a * b, ONE);
    }

    /// @notice n / d for d > 0, rounded to nearest with ties away from zero.
    function divRound(int256 n, int256 d) internal pure returns (int256 q) {
        q = n / d; // truncates toward zero
        int256 r = n % d; // n - q * d: the sign of n
        // |r| >= d - |r| means the fraction is at least one half.
        if (r > 0 && 2 * r >= d) q += 1;
        else if (r < 0 && -2 * r >= d) q -= 1;
    }
}
