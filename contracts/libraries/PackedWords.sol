// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PackedWords
/// @notice Model parameters live in a contiguous run of storage words starting at slot 2^128,
/// several values per word, so that neighbouring features share a slot and cost one storage
/// access. Solidity's own variables sit at slots 0..7 and at keccak-derived slots; a run of at
/// most 2^22 words from 2^128 meets neither (like an ERC-7201 namespace), and unlike a
/// keccak-derived base the constant is cheap to push, so the optimizer never copies it from
/// code inside the hot loops. Lane k of a word holds bits [k*width, (k+1)*width).
/// Three layouts are used: int64 (4 lanes per word: sparse weights and sums that grow without
/// bound), int32 (8 lanes: dense weights and centroid means, bounded like the inputs) and uint32
/// (8 lanes: naive Bayes counts).
// The layout's constants, defined once and file-level so that the assembly of the loop
// libraries (which cannot name a library's member) uses the same definitions.
/// @dev The slot of parameter word 0 (PackedWords.BASE).
uint256 constant PARAMETERS_SLOT = 1 << 128;
uint256 constant MASK64 = 0xffffffffffffffff;
uint256 constant MASK32 = 0xffffffff;
// The lanes' signed ranges, as literals for assembly.
int256 constant INT64_MAX = 0x7fffffffffffffff;
int256 constant INT64_MIN = -0x8000000000000000;
int256 constant INT32_MAX = 0x7fffffff;
int256 constant INT32_MIN = -0x80000000;

library PackedWords {
    uint256 internal constant BASE = PARAMETERS_SLOT;

    uint256 internal constant INT64_LANES = 4;
    uint256 internal constant INT32_LANES = 8;
    uint256 internal constant UINT32_LANES = 8;

    function load(uint256 word) internal view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(add(BASE, word))
        }
    }

    function store(uint256 word, uint256 value) internal {
        assembly ("memory-safe") {
            sstore(add(BASE, word), value)
        }
    }

    /// @notice The signed 64-bit value in lane `lane` (0..3) of `word`.
    function int64At(uint256 word, uint256 lane) internal pure returns (int256 value) {
        assembly ("memory-safe") {
            value := signextend(7, shr(shl(6, lane), word))
        }
    }

    /// @notice `word` with lane `lane` (0..3) set to `value`, which must fit in int64.
    function withInt64(uint256 word, uint256 lane, int256 value) internal pure returns (uint256) {
        uint256 shift = lane << 6;
        return (word & ~(MASK64 << shift)) | ((uint256(value) & MASK64) << shift);
    }

    /// @notice The signed 32-bit value in lane `lane` (0..7) of `word`.
    function int32At(uint256 word, uint256 lane) internal pure returns (int256 value) {
        assembly ("memory-safe") {
            value := signextend(3, shr(shl(5, lane), word))
        }
    }

    /// @notice The unsigned 32-bit value in lane `lane` (0..7) of `word`.
    function uint32At(uint256 word, uint256 lane) internal pure returns (uint256) {
        return (word >> (lane << 5)) & MASK32;
    }

    /// @notice `word` with lane `lane` (0..7) set to `value`, which must fit in uint32.
    function withUint32(uint256 word, uint256 lane, uint256 value) internal pure returns (uint256) {
        uint256 shift = lane << 5;
        return (word & ~(MASK32 << shift)) | (value << shift);
    }
}
