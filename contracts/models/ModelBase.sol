// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IClassifier} from "../interfaces/IClassifier.sol";
import {PackedWords} from "../libraries/PackedWords.sol";

/// @title ModelBase
/// @notice What every model shares: ownership, class names, chunked initialisation of the
/// packed parameter words, reading them back, and decoding and validating samples.
abstract contract ModelBase is IClassifier, Ownable {
    /// @notice Parameter words per initialisation chunk (about 6M gas when all are new).
    uint256 public constant CHUNK_WORDS = 256;
    /// @notice The most gas `predict` of an accepted sample may cost (see `maxSampleBytes`):
    /// under half of the 2^24 gas a transaction may use, so a refund or report of the largest
    /// accepted sample (predict + ~100k) always fits one transaction, with room to spare for
    /// the error of the measured coefficients.
    uint256 public constant PREDICT_GAS_BUDGET = 8_000_000;

    uint256 public immutable numClasses;
    uint256 public immutable numFeatures;
    /// @notice Number of packed parameter words.
    uint256 public immutable wordCount;
    /// @notice Number of parameters stored in the packed words.
    uint256 internal immutable _parameterCount;
    /// @notice Values per word: 4 (int64) or 8 (int32, uint32), of `_laneBits` bits each.
    uint256 internal immutable _lanes;
    uint256 internal immutable _laneBits;

    // These two share storage slot 0 with Ownable's owner: the one cold read that checks the
    // caller also gives the finalisation flag and, for binary linear models, the intercept.
    bool public finalized;
    /// @dev The intercept of the binary linear models (fixed point); unused by the others.
    int64 internal _bias;

    /// @dev The class names joined by 0x00 bytes: short name lists fit a single slot.
    bytes private _classNames;
    /// @dev Bit `chunk % 256` of word `chunk / 256` is set once that chunk has been written.
    mapping(uint256 => uint256) private _writtenChunks;

    uint256 private constant BASE_SLOT = 0x100000000000000000000000000000000; // PackedWords.BASE
    uint256 private constant MASK64 = 0xffffffffffffffff;
    uint256 internal constant MASK32 = 0xffffffff;
    int256 internal constant ONE = 1e6; // FixedPoint.ONE, as a literal for assembly
    int256 private constant TWO_ONE = 2e6;
    // The lanes' ranges, as literals for assembly (not(x) is -x - 1 in two's complement).
    int256 private constant INT64_MAX = 0x7fffffffffffffff;
    int256 private constant INT64_MIN = -0x8000000000000000;
    int256 private constant INT32_MAX = 0x7fffffff;
    int256 private constant INT32_MIN = -0x80000000;

    constructor(
        address owner_,
        uint256 numClasses_,
        uint256 numFeatures_,
        uint256 parameterCount,
        uint256 lanes,
        string[] memory classNames_
    ) Ownable(owner_) {
        if (numClasses_ < 2) {
            revert InvalidConfiguration("at least two classes");
        }
        if (numFeatures_ == 0) revert InvalidConfiguration("at least one feature");
        if (classNames_.length != numClasses_) revert InvalidConfiguration("one name per class");
        numClasses = numClasses_;
        numFeatures = numFeatures_;
        // The override reads only numClasses, set just above.
        (uint256 baseGas, uint256 gasPerValue) = _predictGas();
        if (baseGas + gasPerValue > PREDICT_GAS_BUDGET) {
            revert InvalidConfiguration("predict of one feature exceeds the gas budget");
        }
        if (_dense() && numFeatures_ > (PREDICT_GAS_BUDGET - baseGas) / gasPerValue) {
            revert InvalidConfiguration("dense predict exceeds the gas budget");
        }
        _parameterCount = parameterCount;
        _lanes = lanes;
        _laneBits = 256 / lanes;
        wordCount = (parameterCount + lanes - 1) / lanes;
        bytes memory joined = "";
        for (uint256 c = 0; c < classNames_.length; ++c) {
            bytes memory name = bytes(classNames_[c]);
            for (uint256 i = 0; i < name.length; ++i) {
                if (name[i] == 0) revert InvalidConfiguration("class names cannot contain 0x00");
            }
            joined = c == 0 ? name : bytes.concat(joined, bytes1(0), name);
        }
        _classNames = joined;
    }

    modifier whenFinalized() {
        if (!finalized) revert ModelNotFinalized();
        _;
    }

    // ------------------------------------------------------------------ interface

    function predict(bytes calldata sample) external view whenFinalized returns (uint256) {
        return _predict(sample);
    }

    function update(bytes calldata sample, uint256 label)
        external
        onlyOwner
        whenFinalized
        returns (uint256 predictedBefore)
    {
        if (label >= numClasses) revert UnknownClass(label, numClasses);
        bool changed;
        (changed, predictedBefore) = _update(sample, label);
        if (changed) emit ModelUpdated(label);
    }

    function maxSampleBytes() external view returns (uint256) {
        if (_dense()) return numFeatures << 2;
        (uint256 baseGas, uint256 gasPerValue) = _predictGas();
        uint256 features = (PREDICT_GAS_BUDGET - baseGas) / gasPerValue; // base < budget
        return (features < numFeatures ? features : numFeatures) << 1;
    }

    function classNames() external view returns (string[] memory names) {
        bytes memory joined = _classNames;
        names = new string[](numClasses);
        uint256 start = 0;
        uint256 c = 0;
        for (uint256 i = 0; i <= joined.length; ++i) {
            if (i == joined.length || joined[i] == 0) {
                bytes memory name = new bytes(i - start);
                for (uint256 j = 0; j < name.length; ++j) {
                    name[j] = joined[start + j];
                }
                names[c++] = string(name);
                start = i + 1;
            }
        }
    }

    function words(uint256 start, uint256 count) external view returns (uint256[] memory values) {
        if (start + count > wordCount) revert InvalidConfiguration("words beyond the parameters");
        values = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            values[i] = PackedWords.load(start + i);
        }
    }

    function chunkCount() public view returns (uint256) {
        return (wordCount + CHUNK_WORDS - 1) / CHUNK_WORDS;
    }

    function chunkWritten(uint256 chunk) public view returns (bool) {
        return _writtenChunks[chunk >> 8] & (1 << (chunk & 0xff)) != 0;
    }

    function initializeChunk(uint256 chunk, uint256[] calldata values) external onlyOwner {
        if (finalized) revert ModelAlreadyFinalized();
        uint256 chunks = chunkCount();
        if (chunk >= chunks) revert ChunkOutOfRange(chunk, chunks);
        if (chunkWritten(chunk)) revert ChunkAlreadyWritten(chunk);
        uint256 first = chunk * CHUNK_WORDS;
        uint256 expected = wordCount - first < CHUNK_WORDS ? wordCount - first : CHUNK_WORDS;
        if (values.length != expected) revert ChunkLengthMismatch(chunk, values.length, expected);
        uint256 last = wordCount - 1;
        uint256 usedLanes = _parameterCount % _lanes; // in the last word; 0 means all
        if (first + expected - 1 == last && usedLanes != 0) {
            if (values[expected - 1] >> (usedLanes * _laneBits) != 0) revert NonZeroPadding(last);
        }

        _writtenChunks[chunk >> 8] |= 1 << (chunk & 0xff);
        _initializeWords(first, values);
        emit ChunkInitialized(chunk, first, expected);
    }

    function finalize() external onlyOwner {
        if (finalized) revert ModelAlreadyFinalized();
        finalized = true;
        uint256 chunks = chunkCount();
        uint256 written = 0;
        for (uint256 i = 0; i < chunks; i += 256) {
            written += _popcount(_writtenChunks[i >> 8]);
        }
        emit ModelFinalized(written, chunks);
    }

    function _popcount(uint256 x) private pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) {
            ++count;
        }
    }

    // ------------------------------------------------------------------ for the models

    function _predict(bytes calldata sample) internal view virtual returns (uint256);

    /// @dev An upper bound on the gas of `predict`: baseGas + gasPerValue per feature (sparse)
    /// or dimension (dense), from measurements of worst-case samples (docs/design.md,
    /// "Predict gas budget") with about 10% to spare. Reads only numClasses.
    function _predictGas() internal view virtual returns (uint256 baseGas, uint256 gasPerValue);

    /// @dev Whether samples are dense int32 vectors (else sparse uint16 indices).
    function _dense() internal pure virtual returns (bool) {
        return false;
    }

    /// @dev Learns from a validated label; returns whether any parameter changed and the class
    /// predicted for the sample before learning from it.
    function _update(bytes calldata sample, uint256 label)
        internal
        virtual
        returns (bool changed, uint256 predicted);

    /// @dev Stores initial parameter words; models that keep per-class totals extend it.
    function _initializeWords(uint256 first, uint256[] calldata values) internal virtual {
        for (uint256 i = 0; i < values.length; ++i) {
            PackedWords.store(first + i, values[i]);
        }
    }

    /// @dev Number of features of a sparse sample, after checking its length and that its last
    /// (largest, if the sample is valid) index is in range. Order is checked while reading.
    function _sparseLength(bytes calldata sample) internal view returns (uint256 n) {
        if (sample.length == 0) revert EmptySample();
        if (sample.length & 1 != 0) revert MalformedSample(sample.length, 2);
        n = sample.length >> 1;
        uint256 lastFeature = _featureAt(sample, n - 1);
        if (lastFeature >= numFeatures) revert FeatureOutOfRange(lastFeature, numFeatures);
    }

    /// @dev The feature index at `position` of a sparse sample (no checks).
    function _featureAt(bytes calldata sample, uint256 position) internal pure returns (uint256 f) {
        assembly ("memory-safe") {
            f := shr(240, calldataload(add(sample.offset, shl(1, position))))
        }
    }

    /// @dev Reverts with FeaturesNotIncreasing for the pair at `position` (found by a loop).
    function _revertNotIncreasing(bytes calldata sample, uint256 position) internal pure {
        revert FeaturesNotIncreasing(
            position, _featureAt(sample, position - 1), _featureAt(sample, position)
        );
    }

    // The hot loops below are assembly because each runs once per feature of every prediction
    // and update: written in plain Solidity they cost ~450 gas of overhead per feature, about a
    // fifth of the storage cost they wrap. Each is short and has a Solidity twin in the mirror.

    /// @dev Sum of the int64 parameters `f * stride + offset` over the features f of a sparse
    /// sample of `n` features. Reverts if the features are not strictly increasing.
    function _sumAtFeatures(bytes calldata sample, uint256 n, uint256 stride, uint256 offset)
        internal
        view
        returns (int256 sum)
    {
        uint256 bad;
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, shl(1, n))
            let next := 0 // smallest feature allowed next
            let current := not(0) // word held in `word`
            let word := 0
            for {} lt(p, end) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    bad := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                let index := add(mul(f, stride), offset)
                let w := shr(2, index)
                if iszero(eq(w, current)) {
                    current := w
                    word := sload(add(BASE_SLOT, w))
                }
                // |sum| <= 2^16 * 2^63: no overflow.
                sum := add(sum, signextend(7, shr(shl(6, and(index, 3)), word)))
            }
        }
        if (bad != 0) _revertNotIncreasing(sample, bad - 1);
    }

    /// @dev Adds `delta` to the int64 parameter `f * stride + offset` of every feature f of a
    /// sparse sample, saturating at the int64 range, checking order as it goes, and returns the
    /// growth of their sum of squares, sum of new^2 - old^2 = (new - old)(new + old). Each
    /// touched word is read once and written once, however many lanes change.
    function _addAtFeatures(
        bytes calldata sample,
        uint256 n,
        uint256 stride,
        uint256 offset,
        int256 delta
    ) internal returns (int256 squareGrowth) {
        uint256 bad;
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, shl(1, n))
            let next := 0
            let current := not(0)
            let word := 0
            for {} lt(p, end) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    bad := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                let index := add(mul(f, stride), offset)
                let w := shr(2, index)
                if iszero(eq(w, current)) {
                    if iszero(eq(current, not(0))) { sstore(add(BASE_SLOT, current), word) }
                    current := w
                    word := sload(add(BASE_SLOT, w))
                }
                let shift := shl(6, and(index, 3))
                let old := signextend(7, shr(shift, word))
                // |old| < 2^63 and |delta| < 2^63, so the sum cannot wrap int256; it then
                // saturates at the int64 range.
                let value := add(old, delta)
                if sgt(value, INT64_MAX) { value := INT64_MAX }
                if slt(value, INT64_MIN) { value := INT64_MIN }
                // |new - old| <= 2^64 and |new + old| < 2^64: each term is below 2^128 and the
                // sum of at most 2^16 of them below 2^144.
                squareGrowth := add(squareGrowth, mul(sub(value, old), add(value, old)))
                word := or(and(word, not(shl(shift, MASK64))), shl(shift, and(value, MASK64)))
            }
            if iszero(bad) { sstore(add(BASE_SLOT, current), word) }
        }
        if (bad != 0) _revertNotIncreasing(sample, bad - 1);
    }

    /// @dev Checks that a dense sample has exactly `numFeatures` int32 values. Their bound
    /// [-ONE, ONE] is checked by the loops that read them (`_dotDense32`,
    /// `_squaredDistanceDense32`), or by `_checkDenseBounds` where no loop runs.
    function _checkDense(bytes calldata sample) internal view {
        if (sample.length == 0) revert EmptySample();
        if (sample.length & 3 != 0) revert MalformedSample(sample.length, 4);
        if (sample.length >> 2 != numFeatures) {
            revert WrongDimension(sample.length >> 2, numFeatures);
        }
    }

    /// @dev Reverts with ComponentOutOfRange for the first component of a dense sample outside
    /// [-ONE, ONE]. The hot loops only note that some component is outside (one OR each); this
    /// finds which, on the failing path only.
    function _checkDenseBounds(bytes calldata sample) internal pure {
        for (uint256 d = 0; d < sample.length >> 2; ++d) {
            int256 x;
            assembly ("memory-safe") {
                x := signextend(3, shr(224, calldataload(add(sample.offset, shl(2, d)))))
            }
            if (x > ONE || x < -ONE) revert ComponentOutOfRange(d, x);
        }
    }

    /// @dev One pass for a mistake-driven update of parameters 0..F-1 (stride 1): returns the
    /// sum of the parameters at the features of a sparse sample and stages in memory, from the
    /// free memory pointer on, each touched word as it would be with `delta` added to those
    /// parameters, saturated at the int64 range; `_commitStaged` writes them if the caller
    /// decides to update. Order is checked.
    function _sumAndStage(bytes calldata sample, uint256 n, int256 delta)
        internal
        view
        returns (int256 sum)
    {
        uint256 stopped; // position + 1 of an out-of-order feature that stopped the loop; 0: none
        assembly ("memory-safe") {
            let out := mload(0x40)
            let p := sample.offset
            n := add(p, shl(1, n)) // the end of the sample
            let next := 0 // smallest feature allowed next
            let current := not(0) // the word held in `word`
            let word := 0
            let updated := 0 // `word` with the staged values
            for {} lt(p, n) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    stopped := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                if iszero(eq(shr(2, f), current)) {
                    if iszero(eq(current, not(0))) {
                        mstore(out, current)
                        mstore(add(out, 0x20), updated)
                        out := add(out, 0x40)
                    }
                    current := shr(2, f)
                    word := sload(add(BASE_SLOT, current))
                    updated := word
                }
                f := shl(6, and(f, 3)) // from here on, the lane's bit offset
                let old := signextend(7, shr(f, word))
                sum := add(sum, old)
                // |old|, |delta| < 2^63: exact in int256, then saturated at the int64 range.
                let new := add(old, delta)
                if sgt(new, INT64_MAX) { new := INT64_MAX }
                if slt(new, INT64_MIN) { new := INT64_MIN }
                // Each lane is staged once (features are distinct): flip old into new.
                updated := xor(updated, shl(f, and(xor(old, new), MASK64)))
            }
            mstore(out, current)
            mstore(add(out, 0x20), updated)
            mstore(0x40, add(out, 0x40))
        }
        if (stopped != 0) _revertNotIncreasing(sample, stopped - 1);
    }

    function _freeMemory() internal pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Writes the words staged by `_sumAndStage` (from `staged`, the free memory pointer
    /// before it ran, to the free memory pointer now).
    function _commitStaged(uint256 staged) internal {
        assembly ("memory-safe") {
            let stagedEnd := mload(0x40)
            for {} lt(staged, stagedEnd) { staged := add(staged, 0x40) } {
                sstore(add(BASE_SLOT, mload(staged)), mload(add(staged, 0x20)))
            }
        }
    }

    /// @dev Adds one to the uint32 count `f * stride + offset` (8 per word) of every feature f
    /// of a sparse sample, checking order; a count at 2^32 - 1 stays there (saturates). Returns
    /// how many counts rose, which is what the class's occurrence total must add.
    function _incrementAtFeatures(bytes calldata sample, uint256 n, uint256 stride, uint256 offset)
        internal
        returns (uint256 added)
    {
        uint256 bad; // position + 1 of an out-of-order feature
        assembly ("memory-safe") {
            let p := sample.offset
            n := add(p, shl(1, n)) // the end of the sample (n >= 1)
            let next := 0
            // Start with the first feature's word loaded, so that a change of word always stores.
            let current := shr(3, add(mul(shr(240, calldataload(p)), stride), offset))
            let word := sload(add(BASE_SLOT, current))
            for {} lt(p, n) { p := add(p, 2) } {
                let f := shr(240, calldataload(p))
                if lt(f, next) {
                    bad := add(shr(1, sub(p, sample.offset)), 1)
                    break
                }
                next := add(f, 1)
                f := add(mul(f, stride), offset) // from here on, the count's index
                if iszero(eq(shr(3, f), current)) {
                    sstore(add(BASE_SLOT, current), word)
                    current := shr(3, f)
                    word := sload(add(BASE_SLOT, current))
                }
                let shift := shl(5, and(f, 7))
                // A lane below 2^32 - 1 takes the one without carrying into the next lane; a
                // full lane keeps its value. `added` counts at most 2^16 features.
                let rises := iszero(eq(and(shr(shift, word), MASK32), MASK32))
                word := add(word, shl(shift, rises))
                added := add(added, rises)
            }
            if iszero(bad) { sstore(add(BASE_SLOT, current), word) }
        }
        if (bad != 0) _revertNotIncreasing(sample, bad - 1);
    }

    /// @dev Sum over d of x[d] * p[offset + d] for a dense sample x and int32 parameters p
    /// (8 per word). |x|, |p| < 2^31 and d < 2^16, so the sum stays below 2^78.
    function _dotDense32(bytes calldata sample, uint256 offset) internal view returns (int256 dot) {
        uint256 outside; // non-zero once a component is outside [-ONE, ONE]
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, sample.length)
            let index := offset
            let current := not(0)
            let word := 0
            for {} lt(p, end) {
                p := add(p, 4)
                index := add(index, 1)
            } {
                let w := shr(3, index)
                if iszero(eq(w, current)) {
                    current := w
                    word := sload(add(BASE_SLOT, w))
                }
                let x := signextend(3, shr(224, calldataload(p)))
                // x + ONE lies in [0, 2 ONE] exactly when |x| <= ONE (a negative sum wraps high).
                outside := or(outside, gt(add(x, ONE), TWO_ONE))
                dot := add(dot, mul(x, signextend(3, shr(shl(5, and(index, 7)), word))))
            }
        }
        if (outside != 0) _checkDenseBounds(sample);
    }

    /// @dev Sum over d of (x[d] - p[offset + d])^2 for a dense sample x and int32 parameters p:
    /// the squared distance to a centroid, in ONE^2 units (below 2^16 * 2^64).
    function _squaredDistanceDense32(bytes calldata sample, uint256 offset)
        internal
        view
        returns (uint256 distance)
    {
        uint256 outside; // non-zero once a component is outside [-ONE, ONE]
        assembly ("memory-safe") {
            let p := sample.offset
            let end := add(p, sample.length)
            let index := offset
            let current := not(0)
            let word := 0
            for {} lt(p, end) {
                p := add(p, 4)
                index := add(index, 1)
            } {
                let w := shr(3, index)
                if iszero(eq(w, current)) {
                    current := w
                    word := sload(add(BASE_SLOT, w))
                }
                let x := signextend(3, shr(224, calldataload(p)))
                // x + ONE lies in [0, 2 ONE] exactly when |x| <= ONE (a negative sum wraps high).
                outside := or(outside, gt(add(x, ONE), TWO_ONE))
                let diff := sub(x, signextend(3, shr(shl(5, and(index, 7)), word)))
                distance := add(distance, mul(diff, diff))
            }
        }
        if (outside != 0) _checkDenseBounds(sample);
    }

    /// @dev p[offset + d] += divRound(scale * x[d] - pull * p[offset + d], divisor) for every
    /// dimension d of a dense sample (int32 parameters, 8 per word), saturating at the int32
    /// range. The perceptron's step is (scale, pull, divisor) = (+-lr, 0, ONE); the running
    /// mean's is (1, 1, n + 1), whose result lies between the old mean and x, so it never
    /// saturates.
    function _stepDense32(
        bytes calldata sample,
        uint256 offset,
        int256 scale,
        int256 pull,
        uint256 divisor
    ) internal {
        assembly ("memory-safe") {
            // FixedPoint.divRound: to nearest, ties away from zero.
            function divRound(num, den) -> q {
                q := sdiv(num, den)
                let r := smod(num, den)
                if sgt(r, 0) { if iszero(slt(add(r, r), den)) { q := add(q, 1) } }
                if slt(r, 0) { if iszero(sgt(add(r, r), sub(0, den))) { q := sub(q, 1) } }
            }
            let p := sample.offset
            let end := add(p, sample.length)
            let index := offset
            let current := not(0)
            let word := 0
            for {} lt(p, end) {
                p := add(p, 4)
                index := add(index, 1)
            } {
                let w := shr(3, index)
                if iszero(eq(w, current)) {
                    if iszero(eq(current, not(0))) { sstore(add(BASE_SLOT, current), word) }
                    current := w
                    word := sload(add(BASE_SLOT, w))
                }
                let shift := shl(5, and(index, 7))
                let old := signextend(3, shr(shift, word))
                let x := signextend(3, shr(224, calldataload(p)))
                // |scale * x|, |pull * old| < 2^63 * 2^31: no overflow.
                // The step is below 2^94 in magnitude, so the sum is exact; then saturated.
                let value := add(old, divRound(sub(mul(scale, x), mul(pull, old)), divisor))
                if sgt(value, INT32_MAX) { value := INT32_MAX }
                if slt(value, INT32_MIN) { value := INT32_MIN }
                word := or(and(word, not(shl(shift, MASK32))), shl(shift, and(value, MASK32)))
            }
            sstore(add(BASE_SLOT, current), word)
        }
    }

    /// @dev Adds `delta` to the single int64 parameter `index`, saturating at the int64 range.
    function _addAt(uint256 index, int256 delta) internal {
        uint256 w = index >> 2;
        uint256 word = PackedWords.load(w);
        int256 value = _saturatedInt64(PackedWords.int64At(word, index & 3) + delta);
        PackedWords.store(w, PackedWords.withInt64(word, index & 3, value));
    }

    /// @dev The int64 parameter `index`.
    function _int64At(uint256 index) internal view returns (int256) {
        return PackedWords.int64At(PackedWords.load(index >> 2), index & 3);
    }

    /// @dev `value` clamped to the int64 range: the saturation rule of every int64 parameter.
    function _saturatedInt64(int256 value) internal pure returns (int256) {
        if (value > type(int64).max) return type(int64).max;
        if (value < type(int64).min) return type(int64).min;
        return value;
    }
}
