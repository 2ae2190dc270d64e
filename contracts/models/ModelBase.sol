// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IClassifier} from "../interfaces/IClassifier.sol";
import {PackedWords} from "../libraries/PackedWords.sol";
import {SparseLoops} from "../libraries/SparseLoops.sol";

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
    uint256 public constant PREDICT_GAS_BUDGET = 5_000_000;

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
        uint256 lastFeature = SparseLoops.featureAt(sample, n - 1);
        if (lastFeature >= numFeatures) revert FeatureOutOfRange(lastFeature, numFeatures);
    }

    /// @dev Checks that a dense sample has exactly `numFeatures` int32 values. Their bound
    /// [-ONE, ONE] is checked by the loops that read them (`DenseLoops.dotDense32`,
    /// `squaredDistanceDense32`), or by `DenseLoops.checkDenseBounds` where no loop runs.
    function _checkDense(bytes calldata sample) internal view {
        if (sample.length == 0) revert EmptySample();
        if (sample.length & 3 != 0) revert MalformedSample(sample.length, 4);
        if (sample.length >> 2 != numFeatures) {
            revert WrongDimension(sample.length >> 2, numFeatures);
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
