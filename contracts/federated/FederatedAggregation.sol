// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FederatedAggregation
/// @notice Recomputes one chunk of a coordinate-wise aggregate of a federated round, so that a
/// fraud proof can show that a published aggregate is wrong. `updates[i]` is participant i's
/// chunk; every rule is integer-exact and mirrored bit for bit by the Python aggregator, so every
/// division rounds toward negative infinity (floor), never toward zero as Solidity's `/` does.
/// @dev Median and trimmed mean insertion-sort each coordinate in memory: O(n^2 d) for n
/// participants and chunk size d. The caller bounds n (the round's participants) and d (the
/// chunk size) so that a challenge fits in a block: through the test harness n = 50, d = 64
/// costs about 6.0M gas (median or trimmed mean), n = 20, d = 64 about 1.6M.
library FederatedAggregation {
    /// @notice The largest |value| and the largest weight: 2^64 keeps every sum of n products
    /// w * x below n * 2^128, far inside int256.
    uint256 internal constant MAX_ABS = 2 ** 64;
    uint256 internal constant MAX_WEIGHT = 2 ** 64;
    int256 private constant _MAX = int256(MAX_ABS);

    error NoUpdates();
    error EmptyChunk();
    error RaggedUpdates(uint256 participant, uint256 length, uint256 expected);
    error ValueOutOfRange(uint256 participant, uint256 coordinate, int256 value);
    error BadWeightsLength(uint256 length, uint256 expected);
    error BadWeight(uint256 participant, uint256 weight);
    error BadTrim(uint256 trim, uint256 n);
    error NonPositiveDivisor(int256 divisor);

    /// @notice a / b rounded toward negative infinity, for b > 0 (Python's `a // b`).
    function floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        if (b <= 0) revert NonPositiveDivisor(b);
        q = a / b; // truncates toward zero
        // A negative remainder means a < 0 was rounded up: step down once.
        if (a % b < 0) q -= 1;
    }

    /// @notice out[j] = floor(sum_i w_i x_ij / sum_i w_i), each weight in [1, 2^64].
    function mean(int256[][] memory updates, uint256[] memory weights)
        internal
        pure
        returns (int256[] memory out)
    {
        (uint256 n, uint256 d) = _check(updates);
        if (weights.length != n) revert BadWeightsLength(weights.length, n);
        int256 total = 0;
        for (uint256 i = 0; i < n; ++i) {
            uint256 w = weights[i];
            if (w == 0 || w > MAX_WEIGHT) revert BadWeight(i, w);
            total += int256(w);
        }
        out = new int256[](d);
        for (uint256 j = 0; j < d; ++j) {
            int256 sum = 0;
            for (uint256 i = 0; i < n; ++i) {
                sum += int256(weights[i]) * updates[i][j];
            }
            out[j] = floorDiv(sum, total);
        }
    }

    /// @notice Per coordinate the middle of the sorted values; for n even, the floor of the
    /// mean of the two middle ones.
    function median(int256[][] memory updates) internal pure returns (int256[] memory out) {
        (uint256 n, uint256 d) = _check(updates);
        out = new int256[](d);
        int256[] memory column = new int256[](n);
        uint256 mid = n / 2;
        for (uint256 j = 0; j < d; ++j) {
            _sortedColumn(updates, j, column);
            out[j] = n % 2 == 1 ? column[mid] : floorDiv(column[mid - 1] + column[mid], 2);
        }
    }

    /// @notice Per coordinate the floor of the mean of the sorted values without the `trim`
    /// smallest and the `trim` largest; 2 trim < n keeps at least one value.
    function trimmedMean(int256[][] memory updates, uint256 trim)
        internal
        pure
        returns (int256[] memory out)
    {
        (uint256 n, uint256 d) = _check(updates);
        // 2 trim < n, written so that a huge trim cannot overflow.
        if (trim > (n - 1) / 2) revert BadTrim(trim, n);
        uint256 end = n - trim;
        int256 kept = int256(end - trim); // <= n, which fits
        out = new int256[](d);
        int256[] memory column = new int256[](n);
        for (uint256 j = 0; j < d; ++j) {
            _sortedColumn(updates, j, column);
            int256 sum = 0;
            for (uint256 k = trim; k < end; ++k) {
                sum += column[k];
            }
            out[j] = floorDiv(sum, kept);
        }
    }

    /// @dev Checks the shape and range of `updates`; returns n and d. Rows are checked in order,
    /// each one's length before its values, so the first offence is the one reported.
    function _check(int256[][] memory updates) private pure returns (uint256 n, uint256 d) {
        n = updates.length;
        if (n == 0) revert NoUpdates();
        d = updates[0].length;
        if (d == 0) revert EmptyChunk();
        for (uint256 i = 0; i < n; ++i) {
            int256[] memory row = updates[i];
            if (row.length != d) revert RaggedUpdates(i, row.length, d);
            for (uint256 j = 0; j < d; ++j) {
                int256 x = row[j];
                // Compared as signed values: -x would overflow for type(int256).min.
                if (x > _MAX || x < -_MAX) revert ValueOutOfRange(i, j, x);
            }
        }
    }

    /// @dev Fills `column` with coordinate j of every update, sorted ascending: an insertion
    /// sort (n is small, and it needs no memory beyond the reused buffer). The shifting loop is
    /// assembly because it dominates the cost: checked Solidity spends ~5x the gas on it.
    function _sortedColumn(int256[][] memory updates, uint256 j, int256[] memory column)
        private
        pure
    {
        uint256 n = column.length;
        for (uint256 i = 0; i < n; ++i) {
            int256 x = updates[i][j];
            assembly ("memory-safe") {
                let first := add(column, 0x20)
                let slot := add(first, shl(5, i))
                // Shift the sorted prefix column[0..i) right past every value greater than x.
                // At slot == first, `and` still reads the length word below: harmless, and
                // ignored since gt(slot, first) is then 0.
                for {} and(gt(slot, first), sgt(mload(sub(slot, 0x20)), x)) {
                    slot := sub(slot, 0x20)
                } {
                    mstore(slot, mload(sub(slot, 0x20)))
                }
                mstore(slot, x)
            }
        }
    }
}
